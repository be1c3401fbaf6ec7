/* The GPU JPEG encoder (src/gpu/jpeg_encode.h): which options it takes, its argument checks,
 * the JFIF header it writes, and, where a GPU with nvJPEG's encoder is present, encodes that
 * libjpeg decodes within 35 dB PSNR of the input.
 *
 * Without a GPU (CI) the encoder must report itself unavailable with a reason and every call
 * must fail cleanly. GPU_RESIZE_REQUIRE_GPU=1 makes a missing GPU or encoder a failure.
 * GPU_RESIZE_FAULT is set and unset by this test itself; an inherited value is cleared first. */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/codecs.h"
#include "codecs/codecs_internal.h"
#include "codecs/jfif.h"
#include "gpu/jpeg_encode.h"
#include "harness.h"

#ifdef GR_HAVE_CUDA
#include <cuda_runtime_api.h>
#endif

static gr_gpu_jpeg_options default_options(void) {
  gr_request req;
  gr_request_init(&req);
  gr_gpu_jpeg_options o;
  gr_gpu_jpeg_options_from(&req.jpeg, 3, &o);
  return o;
}

static gr_status supported(const gr_gpu_jpeg_options *o, int w, int h, char *message) {
  gr_error err;
  memset(&err, 0, sizeof err);
  gr_status s = gr_gpu_jpeg_encode_supported(o, w, h, &err);
  if (message) snprintf(message, GR_MESSAGE_MAX, "%s", err.message);
  return s;
}

static void test_options(void) {
  gr_request req;
  gr_request_init(&req);
  gr_gpu_jpeg_options o = default_options();
  /* sharp's defaults: quality 80, 4:2:0, optimised Huffman tables, baseline. */
  CHECK(o.quality == 80);
  CHECK(o.chroma_444 == 0);
  CHECK(o.optimize_coding == req.jpeg.optimize_coding);
  CHECK(o.progressive == 0);
  CHECK(o.channels == 3);
  CHECK(o.tables == GR_GPU_JPEG_TABLES_LIBJPEG);
  CHECK(supported(&o, 720, 588, NULL) == GR_OK);

  gr_jpeg_options j = {55, 1, 1, 0};
  gr_gpu_jpeg_options_from(&j, 4, &o);
  CHECK(o.quality == 55 && o.progressive == 1 && o.chroma_444 == 1 && o.optimize_coding == 0);
  CHECK(o.channels == 4);

  /* What the GPU takes. */
  struct {
    const char *name;
    int quality, chroma_444, optimize, progressive;
    gr_gpu_jpeg_tables tables;
  } ok[] = {{"q1", 1, 0, 0, 0, 0},        {"q100 4:4:4", 100, 1, 0, 0, 0},
            {"optimised", 80, 0, 1, 0, 0}, {"progressive", 80, 0, 0, 1, 0},
            {"nvjpeg tables", 80, 1, 1, 0, GR_GPU_JPEG_TABLES_NVJPEG}};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    o = default_options();
    o.quality = ok[i].quality;
    o.chroma_444 = ok[i].chroma_444;
    o.optimize_coding = ok[i].optimize;
    o.progressive = ok[i].progressive;
    o.tables = ok[i].tables;
    char msg[GR_MESSAGE_MAX];
    CHECK_MSG(supported(&o, 1, 1, msg) == GR_OK, "%s: %s", ok[i].name, msg);
    CHECK_MSG(supported(&o, 65500, 3, msg) == GR_OK, "%s: %s", ok[i].name, msg);
  }

  /* What the CPU encodes instead (GR_ERR_UNSUPPORTED, the option named). */
  struct {
    const char *word;
    gr_gpu_jpeg_options o;
    int w, h;
  } cpu[8];
  for (int i = 0; i < 8; i++) {
    cpu[i].o = default_options();
    cpu[i].w = 64;
    cpu[i].h = 64;
  }
  cpu[0].word = "trellisQuantisation", cpu[0].o.trellis_quantisation = 1;
  cpu[1].word = "overshootDeringing", cpu[1].o.overshoot_deringing = 1;
  cpu[2].word = "optimiseScans", cpu[2].o.optimise_scans = 1;
  cpu[3].word = "quantisationTable", cpu[3].o.quantisation_table = 3;
  cpu[4].word = "metadata", cpu[4].o.keep_metadata = 1;
  cpu[5].word = "greyscale", cpu[5].o.channels = 1;
  cpu[6].word = "alpha", cpu[6].o.channels = 4;
  cpu[7].word = "JPEG limit", cpu[7].w = 65501;
  for (int i = 0; i < 8; i++) {
    char msg[GR_MESSAGE_MAX];
    gr_status s = supported(&cpu[i].o, cpu[i].w, cpu[i].h, msg);
    CHECK_MSG(s == GR_ERR_UNSUPPORTED, "%s: status %d", cpu[i].word, (int)s);
    CHECK_MSG(strstr(msg, cpu[i].word) != NULL, "%s: message '%s'", cpu[i].word, msg);
  }
  o = default_options();
  o.channels = 2;
  CHECK(supported(&o, 8, 8, NULL) == GR_ERR_UNSUPPORTED);
  o = default_options();
  CHECK(supported(&o, 3, 65501, NULL) == GR_ERR_UNSUPPORTED);

  /* What no encoder takes. */
  CHECK(supported(NULL, 8, 8, NULL) == GR_ERR_INVALID_ARGUMENT);
  int bad_quality[] = {0, -5, 101};
  for (int i = 0; i < 3; i++) {
    o = default_options();
    o.quality = bad_quality[i];
    CHECK_MSG(supported(&o, 8, 8, NULL) == GR_ERR_INVALID_ARGUMENT, "quality %d",
              bad_quality[i]);
  }
  o = default_options();
  CHECK(supported(&o, 0, 8, NULL) == GR_ERR_INVALID_ARGUMENT);
  CHECK(supported(&o, 8, -1, NULL) == GR_ERR_INVALID_ARGUMENT);
  o.channels = 0;
  CHECK(supported(&o, 8, 8, NULL) == GR_ERR_INVALID_ARGUMENT);
  o.channels = 5;
  CHECK(supported(&o, 8, 8, NULL) == GR_ERR_INVALID_ARGUMENT);
  o = default_options();
  o.tables = (gr_gpu_jpeg_tables)7;
  CHECK(supported(&o, 8, 8, NULL) == GR_ERR_INVALID_ARGUMENT);
}

static void test_arguments(void) {
  gr_gpu_jpeg_options o = default_options();
  gr_error err;
  uint8_t pixel[3] = {0};
  const void *some_encoder = pixel; /* never used as one: every call below fails its checks */
  CHECK(gr_gpu_jpeg_check_frame(some_encoder, pixel, 1, 1, 3, &o, &err) == GR_OK);
  CHECK(gr_gpu_jpeg_check_frame(NULL, pixel, 1, 1, 3, &o, &err) == GR_ERR_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "encoder") != NULL);
  CHECK(gr_gpu_jpeg_check_frame(some_encoder, NULL, 1, 1, 3, &o, &err) ==
        GR_ERR_INVALID_ARGUMENT);
  CHECK(gr_gpu_jpeg_check_frame(some_encoder, pixel, 10, 1, 29, &o, &err) ==
        GR_ERR_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "pitch") != NULL);
  o.trellis_quantisation = 1;
  CHECK(gr_gpu_jpeg_check_frame(some_encoder, pixel, 1, 1, 3, &o, &err) == GR_ERR_UNSUPPORTED);
  o = default_options();

  CHECK(gr_gpu_jpeg_encode_queue(NULL, pixel, 1, 1, 3, &o, NULL, &err) ==
        GR_ERR_INVALID_ARGUMENT);
  uint8_t *out = (uint8_t *)pixel;
  size_t length = 7;
  CHECK(gr_gpu_jpeg_encode_retrieve(NULL, &out, &length, &err) == GR_ERR_INVALID_ARGUMENT);
  CHECK(gr_gpu_jpeg_encoder_borrow(0, NULL, &err) == GR_ERR_INVALID_ARGUMENT);
  CHECK(gr_gpu_jpeg_encode(0, pixel, 1, 1, 3, &o, NULL, NULL, &length, &err) ==
        GR_ERR_INVALID_ARGUMENT);
  o.quality = 0;
  CHECK(gr_gpu_jpeg_encode(0, pixel, 1, 1, 3, &o, NULL, &out, &length, &err) ==
        GR_ERR_INVALID_ARGUMENT);
  CHECK(out == NULL && length == 0);
  gr_gpu_jpeg_encoder_return(NULL); /* nothing to give back: no crash */
  CHECK(gr_gpu_jpeg_encoder_tables(NULL)[0] == '\0');
}

/* A CPU-encoded JPEG of a small gradient (the reference for the JFIF header). */
static uint8_t *cpu_jpeg(size_t *length) {
  gr_image img;
  gr_error err;
  if (gr_image_alloc(&img, 16, 8, 3, &err) != GR_OK) return NULL;
  for (size_t i = 0; i < 16 * 8 * 3; i++) img.data[i] = (uint8_t)(i * 7);
  gr_jpeg_options o = {80, 0, 0, 1};
  uint8_t *out = NULL;
  if (gr_jpeg_encode(&img, &o, &out, length, &err) != GR_OK) out = NULL;
  gr_image_free(&img);
  return out;
}

static void test_jfif(void) {
  size_t length = 0;
  uint8_t *ref = cpu_jpeg(&length);
  CHECK(ref != NULL);
  if (!ref) return;
  /* Our constant is what the CPU encoder writes after SOI, and then comes a table. */
  CHECK(length > 2 + GR_JFIF_APP0_LENGTH + 2);
  CHECK(memcmp(ref + 2, gr_jfif_app0, GR_JFIF_APP0_LENGTH) == 0);
  CHECK(ref[20] == 0xFF && ref[21] == 0xDB);
  const size_t body = length - 20; /* from the first DQT on */
  gr_error err;

  /* No APP0 (as a bare encoder writes): the header is inserted. */
  size_t cap = length + 64, n = 2 + body;
  uint8_t *buf = malloc(cap);
  memcpy(buf, ref, 2);
  memcpy(buf + 2, ref + 20, body);
  CHECK(gr_jpeg_set_jfif_header(buf, &n, cap, &err) == GR_OK);
  CHECK(n == length && memcmp(buf, ref, length) == 0);

  /* Another APP0 (other density), a COM and an APP1: replaced by ours alone. */
  static const uint8_t other[] = {0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01, 0x02,
                                  0x01, 0x00, 0x48, 0x00, 0x48, 0x00, 0x00, 0xFF, 0xFE, 0x00,
                                  0x05, 'n', 'v', '!', 0xFF, 0xE1, 0x00, 0x02};
  n = 2 + sizeof other + body;
  memcpy(buf, ref, 2);
  memcpy(buf + 2, other, sizeof other);
  memcpy(buf + 2 + sizeof other, ref + 20, body);
  CHECK(gr_jpeg_set_jfif_header(buf, &n, cap, &err) == GR_OK);
  CHECK(n == length && memcmp(buf, ref, length) == 0);

  /* Already right: unchanged. */
  memcpy(buf, ref, length);
  n = length;
  CHECK(gr_jpeg_set_jfif_header(buf, &n, length, &err) == GR_OK);
  CHECK(n == length && memcmp(buf, ref, length) == 0);

  /* Malformed: no SOI, a segment running past the end, no room, too short, no marker. */
  memcpy(buf, ref, length);
  buf[1] = 0xD9;
  n = length;
  CHECK(gr_jpeg_set_jfif_header(buf, &n, cap, &err) == GR_ERR_ENCODE);
  CHECK(n == length);
  memcpy(buf, ref, length);
  buf[4] = 0x7F; /* APP0 length 0x7F10 */
  CHECK(gr_jpeg_set_jfif_header(buf, &n, cap, &err) == GR_ERR_ENCODE);
  memcpy(buf, ref, 2);
  memcpy(buf + 2, ref + 20, body);
  n = 2 + body;
  CHECK(gr_jpeg_set_jfif_header(buf, &n, n + 5, &err) == GR_ERR_ENCODE);
  CHECK(strstr(err.message, "too small") != NULL);
  n = 3;
  CHECK(gr_jpeg_set_jfif_header(buf, &n, cap, &err) == GR_ERR_ENCODE);
  memcpy(buf, ref, 2);
  memset(buf + 2, 0x11, 8);
  n = 10;
  CHECK(gr_jpeg_set_jfif_header(buf, &n, cap, &err) == GR_ERR_ENCODE);
  CHECK(gr_jpeg_set_jfif_header(NULL, &n, cap, &err) == GR_ERR_ENCODE);

  /* DQT: libjpeg's q80 tables are Annex K's scaled by 40% (luma 16 -> 6, chroma 17 -> 7). */
  uint16_t tables[4][64];
  int present = 0;
  CHECK(gr_jpeg_read_dqt(ref, length, tables, &present, &err) == GR_OK);
  CHECK(present == 3);
  CHECK(tables[0][0] == 6 && tables[1][0] == 7);
  CHECK(tables[0][63] == (99 * 40 + 50) / 100 && tables[1][63] == (99 * 40 + 50) / 100);
  memcpy(buf, ref, length);
  buf[20 + 3] = 0x50; /* the first DQT now claims more bytes than it holds */
  CHECK(gr_jpeg_read_dqt(buf, length, tables, &present, &err) == GR_ERR_DECODE);
  memcpy(buf, ref, length);
  buf[20 + 4] = 0x25; /* table id 5 */
  CHECK(gr_jpeg_read_dqt(buf, length, tables, &present, &err) == GR_ERR_DECODE);
  CHECK(gr_jpeg_read_dqt(ref, 3, tables, &present, &err) == GR_ERR_DECODE);
  free(buf);
  free(ref);
}

#ifdef GR_HAVE_CUDA
/* 1 when the JPEG's quantisation tables are those libjpeg (the CPU encoder) writes for quality. */
static int has_libjpeg_tables(const uint8_t *jpeg, size_t length, int quality) {
  gr_image img;
  gr_error err;
  uint8_t *ref = NULL;
  size_t ref_length = 0;
  if (gr_image_alloc(&img, 8, 8, 3, &err) != GR_OK) return 0;
  memset(img.data, 128, 8 * 8 * 3);
  gr_jpeg_options o = {quality, 0, 0, 0};
  gr_status s = gr_jpeg_encode(&img, &o, &ref, &ref_length, &err);
  gr_image_free(&img);
  uint16_t a[4][64], b[4][64];
  int pa = 0, pb = 0;
  int same = s == GR_OK && gr_jpeg_read_dqt(jpeg, length, a, &pa, &err) == GR_OK &&
             gr_jpeg_read_dqt(ref, ref_length, b, &pb, &err) == GR_OK && pa == 3 && pb == 3 &&
             memcmp(a, b, 2 * sizeof a[0]) == 0;
  free(ref);
  return same;
}

/* A w x h RGB test image: gradients with a little texture (JPEG-friendly, not trivial). */
static void fill(uint8_t *p, int w, int h) {
  uint32_t s = 12345;
  for (int y = 0; y < h; y++) {
    for (int x = 0; x < w; x++) {
      s = s * 1664525u + 1013904223u;
      int noise = (int)(s >> 30) - 1;
      uint8_t *q = p + ((size_t)y * w + x) * 3;
      int v[3] = {x * 255 / (w - 1), y * 255 / (h - 1), 128 + (x - y) / 4};
      for (int c = 0; c < 3; c++) {
        int t = v[c] + noise;
        q[c] = (uint8_t)(t < 0 ? 0 : t > 255 ? 255 : t);
      }
    }
  }
}

/* Decodes a GPU JPEG with libjpeg and checks size, header and PSNR against the input. */
static void check_jpeg(const char *name, const uint8_t *jpeg, size_t length, const uint8_t *rgb,
                       int w, int h, double min_psnr) {
  gr_image dec;
  gr_error err;
  gr_decode_options d = {1, GR_FAIL_ON_WARNING, 0, 0};
  CHECK_MSG(length > 22 && memcmp(jpeg + 2, gr_jfif_app0, GR_JFIF_APP0_LENGTH) == 0,
            "%s: no JFIF header", name);
  gr_status s = gr_decode(jpeg, length, &d, &dec, &err);
  CHECK_MSG(s == GR_OK, "%s: libjpeg decode: %s", name, err.message);
  if (s != GR_OK) return;
  CHECK_MSG(dec.width == w && dec.height == h && dec.channels == 3, "%s: %dx%dx%d", name,
            dec.width, dec.height, dec.channels);
  if (dec.width == w && dec.height == h && dec.channels == 3 &&
      dec.stride == (size_t)w * 3) {
    double p = gr_test_psnr(dec.data, rgb, (size_t)w * h * 3);
    printf("  %-24s %7zu bytes, PSNR %.2f dB\n", name, length, p);
    CHECK_MSG(p >= min_psnr, "%s: PSNR %.2f < %.1f", name, p, min_psnr);
  }
  gr_image_free(&dec);
}

static void test_on_gpu(void) {
  const int w = 333, h = 217; /* odd sizes: partial MCUs */
  const size_t pitch = (size_t)w * 3 + 64; /* a padded pitch, as the batch path may have */
  uint8_t *rgb = malloc((size_t)w * h * 3);
  uint8_t *padded = calloc(pitch * h, 1);
  fill(rgb, w, h);
  for (int y = 0; y < h; y++) memcpy(padded + pitch * y, rgb + (size_t)y * w * 3, (size_t)w * 3);
  uint8_t *d_rgb = NULL;
  cudaStream_t stream = NULL;
  CHECK(cudaSetDevice(0) == cudaSuccess);
  CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking) == cudaSuccess);
  CHECK(cudaMalloc((void **)&d_rgb, pitch * h) == cudaSuccess);
  CHECK(cudaMemcpy(d_rgb, padded, pitch * h, cudaMemcpyHostToDevice) == cudaSuccess);

  struct {
    const char *name;
    int quality, chroma_444, optimize, progressive;
    gr_gpu_jpeg_tables tables;
  } cases[] = {
      {"q80 4:2:0", 80, 0, 0, 0, 0},          {"q80 4:4:4", 80, 1, 0, 0, 0},
      {"q80 4:2:0 optimised", 80, 0, 1, 0, 0}, {"q80 progressive", 80, 0, 1, 1, 0},
      {"q95 4:4:4 nvjpeg tables", 95, 1, 1, 0, GR_GPU_JPEG_TABLES_NVJPEG},
      {"q50 4:2:0", 50, 0, 1, 0, 0},
  };
  gr_error err;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    gr_gpu_jpeg_options o = default_options();
    o.quality = cases[i].quality;
    o.chroma_444 = cases[i].chroma_444;
    o.optimize_coding = cases[i].optimize;
    o.progressive = cases[i].progressive;
    o.tables = cases[i].tables;
    uint8_t *jpeg = NULL;
    size_t length = 0;
    gr_status s = gr_gpu_jpeg_encode(0, d_rgb, w, h, pitch, &o, stream, &jpeg, &length, &err);
    CHECK_MSG(s == GR_OK, "%s: %s", cases[i].name, err.message);
    if (s == GR_OK) check_jpeg(cases[i].name, jpeg, length, rgb, w, h, 35.0);
    free(jpeg);
  }

  /* A batch: several encoders queued on one stream, one synchronisation. */
  enum { N = 6 };
  gr_gpu_jpeg_encoder *enc[N] = {0};
  gr_gpu_jpeg_options o = default_options();
  int queued = 0;
  for (int i = 0; i < N; i++) {
    gr_status s = gr_gpu_jpeg_encoder_borrow(0, &enc[i], &err);
    CHECK_MSG(s == GR_OK, "borrow %d: %s", i, err.message);
    if (s != GR_OK) continue;
    o.quality = 60 + 5 * i;
    o.chroma_444 = i & 1;
    /* Image i: the top h - 10 * i rows, so each result is told apart by its size. */
    s = gr_gpu_jpeg_encode_queue(enc[i], d_rgb, w, h - 10 * i, pitch, &o, stream, &err);
    CHECK_MSG(s == GR_OK, "queue %d: %s", i, err.message);
    queued += s == GR_OK;
  }
  CHECK(queued == N);
  CHECK(gr_gpu_jpeg_encode_queue(enc[0], d_rgb, w, h, pitch, &o, stream, &err) ==
        GR_ERR_INVALID_ARGUMENT); /* its first encode is not retrieved yet */
  CHECK(cudaStreamSynchronize(stream) == cudaSuccess);
  for (int i = 0; i < N; i++) {
    if (!enc[i]) continue;
    uint8_t *jpeg = NULL;
    size_t length = 0;
    gr_status s = gr_gpu_jpeg_encode_retrieve(enc[i], &jpeg, &length, &err);
    CHECK_MSG(s == GR_OK, "retrieve %d: %s", i, err.message);
    if (s == GR_OK) {
      char name[32];
      snprintf(name, sizeof name, "batch %d", i);
      check_jpeg(name, jpeg, length, rgb, w, h - 10 * i, 35.0);
      /* The tables it says it used are the ones in the bitstream. */
      const char *tables = gr_gpu_jpeg_encoder_tables(enc[i]);
      CHECK_MSG(!strcmp(tables, "libjpeg") || !strcmp(tables, "nvjpeg"), "tables '%s'", tables);
      if (!strcmp(tables, "libjpeg")) {
        CHECK_MSG(has_libjpeg_tables(jpeg, length, 60 + 5 * i), "%s: not libjpeg's tables",
                  name);
      }
    }
    free(jpeg);
    CHECK(gr_gpu_jpeg_encode_retrieve(enc[i], &jpeg, &length, &err) == GR_ERR_INVALID_ARGUMENT);
    gr_gpu_jpeg_encoder_return(enc[i]);
  }

  /* Injected failure: a clean error, and the next encode works. */
  setenv("GPU_RESIZE_FAULT", "encode", 1);
  uint8_t *jpeg = NULL;
  size_t length = 0;
  o = default_options();
  CHECK(gr_gpu_jpeg_encode(0, d_rgb, w, h, pitch, &o, stream, &jpeg, &length, &err) ==
        GR_ERR_BACKEND);
  CHECK(strstr(err.message, "injected") != NULL && jpeg == NULL);
  unsetenv("GPU_RESIZE_FAULT");
  CHECK(gr_gpu_jpeg_encode(0, d_rgb, w, h, pitch, &o, stream, &jpeg, &length, &err) == GR_OK);
  free(jpeg);

  /* An encoder given back with its encode still queued is usable again. */
  gr_gpu_jpeg_encoder *e = NULL;
  if (gr_gpu_jpeg_encoder_borrow(0, &e, &err) == GR_OK) {
    CHECK(gr_gpu_jpeg_encode_queue(e, d_rgb, w, h, pitch, &o, stream, &err) == GR_OK);
    gr_gpu_jpeg_encoder_return(e);
  }
  CHECK(gr_gpu_jpeg_encode(0, d_rgb, w, h, pitch, &o, stream, &jpeg, &length, &err) == GR_OK);
  free(jpeg);

  cudaFree(d_rgb);
  cudaStreamDestroy(stream);
  free(rgb);
  free(padded);
}
#endif

int main(void) {
  unsetenv("GPU_RESIZE_FAULT");
  const char *req = getenv("GPU_RESIZE_REQUIRE_GPU");
  int require = req && *req && strcmp(req, "0") != 0;
  test_options();
  test_arguments();
  test_jfif();

  char reason[GR_MESSAGE_MAX] = "";
  int available = gr_gpu_jpeg_encoder_available(reason, sizeof reason);
  if (!available) {
    CHECK_MSG(!require, "GPU_RESIZE_REQUIRE_GPU is set but the GPU JPEG encoder is not: %s",
              reason);
    CHECK(reason[0] != '\0');
    gr_error err;
    gr_gpu_jpeg_encoder *e = (gr_gpu_jpeg_encoder *)&err;
    CHECK(gr_gpu_jpeg_encoder_borrow(0, &e, &err) == GR_ERR_UNSUPPORTED);
    CHECK(e == NULL);
    CHECK(strstr(err.message, reason) != NULL);
    gr_gpu_jpeg_options o = default_options();
    uint8_t pixel[3] = {0}, *out = NULL;
    size_t length = 0;
    CHECK(gr_gpu_jpeg_encode(0, pixel, 1, 1, 3, &o, NULL, &out, &length, &err) ==
          GR_ERR_UNSUPPORTED);
    CHECK(out == NULL);
    char reason2[GR_MESSAGE_MAX];
    CHECK(gr_gpu_jpeg_encoder_available(reason2, sizeof reason2) == 0);
    CHECK(strcmp(reason, reason2) == 0);
    printf("GPU JPEG encoder not available: %s\n", reason);
    return gr_test_finish("test_gpu_jpeg_encode");
  }
#ifdef GR_HAVE_CUDA
  test_on_gpu();
#endif
  return gr_test_finish("test_gpu_jpeg_encode");
}
