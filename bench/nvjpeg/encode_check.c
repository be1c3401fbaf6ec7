/* The GPU JPEG encoder (src/gpu/jpeg_encode.h) on a real device: output quality against the CPU
 * encoder (libjpeg-turbo) on the same pixels, sizes, markers, and speed, for 720x588,
 * 1920x1080 and 2880x2352 copies (Lanczos3, CPU) of a photo. Prints a report, and JSON to
 * DIR/encode_check.json with --out DIR. Exit status 0 when every encode worked and met the
 * quality bounds below.
 *
 *   build/cmake/encode_check [photo.jpg] [--out DIR] [--iterations N]
 *
 * Per size and setting: one GPU encode, decoded by libjpeg; PSNR of that against the input
 * ("input") and against libjpeg's decode of the CPU encode of the same pixels ("vs cpu");
 * sizes of both; then the time per encode for N encodes queued on one stream with one
 * synchronisation ("batched": borrow N encoders, queue, sync, retrieve, give back) and for N
 * one at a time ("single": gr_gpu_jpeg_encode each), and one CPU encode for comparison. */
#define _POSIX_C_SOURCE 200809L

#include <cuda_runtime_api.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_io.h"
#include "codecs/codecs.h"
#include "codecs/codecs_internal.h"
#include "codecs/jfif.h"
#include "cpu/cpu.h"
#include "gpu/jpeg_encode.h"
#include "gpu/nvjpeg_api.h"

/* Bounds: the GPU output is a JPEG of the same quality as the CPU's. */
#define MIN_PSNR_INPUT 35.0
#define MIN_PSNR_VS_CPU 38.0

static double psnr(const uint8_t *a, const uint8_t *b, size_t n) {
  double sum = 0;
  for (size_t i = 0; i < n; i++) sum += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
  return sum == 0 ? 99.0 : 10.0 * log10(255.0 * 255.0 * (double)n / sum);
}

/* The marker names up to SOS, e.g. "SOI APP0 DQT DQT SOF0 DHT SOS". */
static void markers(const uint8_t *j, size_t n, char *out, size_t cap) {
  size_t pos = 2, used = (size_t)snprintf(out, cap, "SOI");
  while (pos + 4 <= n && j[pos] == 0xFF && used < cap) {
    int m = j[pos + 1];
    char name[16];
    if (m >= 0xE0 && m <= 0xEF) snprintf(name, sizeof name, "APP%d", m - 0xE0);
    else if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC)
      snprintf(name, sizeof name, "SOF%d", m - 0xC0);
    else snprintf(name, sizeof name, "%s", m == 0xDB ? "DQT" : m == 0xC4 ? "DHT" : m == 0xDA
                                                                ? "SOS" : m == 0xFE ? "COM"
                                                                : m == 0xDD ? "DRI" : "?");
    used += (size_t)snprintf(out + used, cap - used, " %s", name);
    if (m == 0xDA) break;
    pos += 2 + (((size_t)j[pos + 2] << 8) | j[pos + 3]);
  }
}

/* libjpeg's decode of jpeg into a tight RGB buffer of w x h (NULL on failure). */
static uint8_t *decode_rgb(const uint8_t *jpeg, size_t n, int w, int h) {
  gr_image img;
  gr_error err;
  gr_decode_options d = {1, GR_FAIL_ON_WARNING, 0, 0};
  if (gr_decode(jpeg, n, &d, &img, &err) != GR_OK) {
    printf("    libjpeg cannot decode it: %s\n", err.message);
    return NULL;
  }
  if (img.width != w || img.height != h || img.channels != 3) {
    printf("    decoded as %dx%dx%d\n", img.width, img.height, img.channels);
    gr_image_free(&img);
    return NULL;
  }
  uint8_t *out = malloc((size_t)w * h * 3);
  for (int y = 0; y < h; y++) {
    memcpy(out + (size_t)y * w * 3, img.data + img.stride * y, (size_t)w * 3);
  }
  gr_image_free(&img);
  return out;
}

typedef struct setting {
  const char *name;
  int quality, chroma_444, optimize, progressive;
  gr_gpu_jpeg_tables tables;
} setting;

static const setting kSettings[] = {
    {"q80 4:2:0", 80, 0, 0, 0, GR_GPU_JPEG_TABLES_LIBJPEG},
    {"q80 4:4:4", 80, 1, 0, 0, GR_GPU_JPEG_TABLES_LIBJPEG},
    {"q80 4:2:0 optimised", 80, 0, 1, 0, GR_GPU_JPEG_TABLES_LIBJPEG},
    {"q80 4:2:0 progressive", 80, 0, 1, 1, GR_GPU_JPEG_TABLES_LIBJPEG},
    {"q80 4:2:0 nvjpeg tables", 80, 0, 0, 0, GR_GPU_JPEG_TABLES_NVJPEG},
};

static FILE *g_json;
static int g_json_rows;
static int g_failed;
static int g_iterations = 200;

/* Times `iterations` encodes queued on one stream with one sync; ms per encode (-1: failed). */
static double time_batched(const uint8_t *d_rgb, int w, int h, const gr_gpu_jpeg_options *o,
                           cudaStream_t stream, double *queue_ms, double *sync_ms,
                           double *retrieve_ms) {
  int n = g_iterations;
  gr_gpu_jpeg_encoder **enc = calloc((size_t)n, sizeof *enc);
  gr_error err;
  double result = -1, t0 = now_ms(), t1 = 0, t2 = 0;
  int ok = 1;
  for (int i = 0; i < n && ok; i++) {
    ok = gr_gpu_jpeg_encoder_borrow(0, &enc[i], &err) == GR_OK &&
         gr_gpu_jpeg_encode_queue(enc[i], d_rgb, w, h, (size_t)w * 3, o, stream, &err) == GR_OK;
  }
  if (ok) {
    t1 = now_ms();
    ok = cudaStreamSynchronize(stream) == cudaSuccess;
    if (!ok) gr_fail(&err, GR_ERR_BACKEND, "%s", cudaGetErrorString(cudaGetLastError()));
    t2 = now_ms();
  }
  for (int i = 0; i < n && ok; i++) {
    uint8_t *jpeg = NULL;
    size_t length = 0;
    ok = gr_gpu_jpeg_encode_retrieve(enc[i], &jpeg, &length, &err) == GR_OK;
    free(jpeg);
  }
  double t3 = now_ms();
  for (int i = 0; i < n; i++) gr_gpu_jpeg_encoder_return(enc[i]);
  free(enc);
  if (!ok) {
    printf("    batched: %s\n", err.message);
    return -1;
  }
  *queue_ms = (t1 - t0) / n;
  *sync_ms = (t2 - t1) / n;
  *retrieve_ms = (t3 - t2) / n;
  result = (t3 - t0) / n;
  return result;
}

static double time_single(const uint8_t *d_rgb, int w, int h, const gr_gpu_jpeg_options *o,
                          cudaStream_t stream) {
  gr_error err;
  double t0 = now_ms();
  for (int i = 0; i < g_iterations; i++) {
    uint8_t *jpeg = NULL;
    size_t length = 0;
    if (gr_gpu_jpeg_encode(0, d_rgb, w, h, (size_t)w * 3, o, stream, &jpeg, &length, &err) !=
        GR_OK) {
      printf("    single: %s\n", err.message);
      return -1;
    }
    free(jpeg);
  }
  return (now_ms() - t0) / g_iterations;
}

static void check_size(const gr_image *img, cudaStream_t stream) {
  const int w = img->width, h = img->height;
  uint8_t *d_rgb = NULL;
  if (cudaMalloc((void **)&d_rgb, (size_t)w * h * 3) != cudaSuccess ||
      cudaMemcpy(d_rgb, img->data, (size_t)w * h * 3, cudaMemcpyHostToDevice) != cudaSuccess) {
    printf("%dx%d: cannot upload: %s\n", w, h, cudaGetErrorString(cudaGetLastError()));
    g_failed = 1;
    cudaFree(d_rgb);
    return;
  }
  printf("%dx%d\n", w, h);
  for (size_t s = 0; s < sizeof kSettings / sizeof kSettings[0]; s++) {
    const setting *st = &kSettings[s];
    gr_gpu_jpeg_options o;
    gr_jpeg_options jo = {st->quality, st->progressive, st->chroma_444, st->optimize};
    gr_gpu_jpeg_options_from(&jo, 3, &o);
    o.tables = st->tables;
    gr_error err;
    /* The CPU encode of the same pixels, timed once after a warm-up. */
    uint8_t *cpu = NULL, *gpu = NULL;
    size_t cpu_len = 0, gpu_len = 0;
    gr_jpeg_encode(img, &jo, &cpu, &cpu_len, &err);
    free(cpu);
    double c0 = now_ms();
    gr_status cs = gr_jpeg_encode(img, &jo, &cpu, &cpu_len, &err);
    double cpu_ms = now_ms() - c0;
    /* The GPU encode, with the tables it used. */
    gr_gpu_jpeg_encoder *enc = NULL;
    gr_status gs = gr_gpu_jpeg_encoder_borrow(0, &enc, &err);
    if (gs == GR_OK) {
      gs = gr_gpu_jpeg_encode_queue(enc, d_rgb, w, h, (size_t)w * 3, &o, stream, &err);
    }
    if (gs == GR_OK && cudaStreamSynchronize(stream) != cudaSuccess) {
      gs = gr_fail(&err, GR_ERR_BACKEND, "%s", cudaGetErrorString(cudaGetLastError()));
    }
    if (gs == GR_OK) gs = gr_gpu_jpeg_encode_retrieve(enc, &gpu, &gpu_len, &err);
    const char *tables = gr_gpu_jpeg_encoder_tables(enc);
    gr_gpu_jpeg_encoder_return(enc);
    if (cs != GR_OK || gs != GR_OK) {
      printf("  %-26s FAILED: %s\n", st->name, err.message);
      g_failed = 1;
      free(cpu);
      free(gpu);
      continue;
    }
    uint8_t *gpu_px = decode_rgb(gpu, gpu_len, w, h), *cpu_px = decode_rgb(cpu, cpu_len, w, h);
    double p_in = -1, p_cpu = -1, p_cpu_in = -1;
    if (gpu_px && cpu_px) {
      p_in = psnr(gpu_px, img->data, (size_t)w * h * 3);
      p_cpu = psnr(gpu_px, cpu_px, (size_t)w * h * 3);
      p_cpu_in = psnr(cpu_px, img->data, (size_t)w * h * 3);
    }
    /* Whether nvJPEG wrote libjpeg's quantisation tables (the CPU encode's). */
    uint16_t gq[4][64], cq[4][64];
    int gp = 0, cp = 0;
    int same_tables = gr_jpeg_read_dqt(gpu, gpu_len, gq, &gp, &err) == GR_OK &&
                      gr_jpeg_read_dqt(cpu, cpu_len, cq, &cp, &err) == GR_OK && gp == 3 &&
                      cp == 3 && memcmp(gq, cq, 2 * sizeof gq[0]) == 0;
    if (!strcmp(tables, "libjpeg") && !same_tables) {
      printf("  %-26s says libjpeg tables, but the bitstream has others  <-- FAIL\n", st->name);
      g_failed = 1;
    }
    char gm[160], cm[160];
    markers(gpu, gpu_len, gm, sizeof gm);
    markers(cpu, cpu_len, cm, sizeof cm);
    double qms = 0, sms = 0, rms = 0;
    time_batched(d_rgb, w, h, &o, stream, &qms, &sms, &rms); /* warm-up: encoders' buffers */
    double batched = time_batched(d_rgb, w, h, &o, stream, &qms, &sms, &rms);
    double single = time_single(d_rgb, w, h, &o, stream);
    int bad = !gpu_px || p_in < MIN_PSNR_INPUT || p_cpu < MIN_PSNR_VS_CPU || batched < 0 ||
              single < 0;
    g_failed |= bad;
    printf("  %-26s tables %-7s (%s cpu's) gpu %8zu B  cpu %8zu B (x%.3f)  "
           "PSNR input %.2f (cpu %.2f)  vs cpu %.2f dB\n",
           st->name, tables, same_tables ? "same as" : "differ from", gpu_len, cpu_len,
           (double)gpu_len / (double)cpu_len, p_in, p_cpu_in, p_cpu);
    printf("  %-26s batched %.3f ms/encode (queue %.3f, sync %.3f, retrieve %.3f), single "
           "%.3f ms, cpu %.3f ms%s\n",
           "", batched, qms, sms, rms, single, cpu_ms, bad ? "  <-- FAIL" : "");
    printf("  %-26s markers gpu: %s\n  %-26s markers cpu: %s\n", "", gm, "", cm);
    if (g_json) {
      fprintf(g_json,
              "%s{\"width\":%d,\"height\":%d,\"setting\":\"%s\",\"tables\":\"%s\","
              "\"same_tables_as_cpu\":%s,"
              "\"gpu_bytes\":%zu,\"cpu_bytes\":%zu,\"psnr_input\":%.3f,\"psnr_cpu_input\":%.3f,"
              "\"psnr_vs_cpu\":%.3f,\"batched_ms\":%.4f,\"queue_ms\":%.4f,\"sync_ms\":%.4f,"
              "\"retrieve_ms\":%.4f,\"single_ms\":%.4f,\"cpu_ms\":%.4f,\"iterations\":%d,"
              "\"markers_gpu\":\"%s\",\"markers_cpu\":\"%s\",\"ok\":%s}",
              g_json_rows++ ? ",\n" : "", w, h, st->name, tables,
              same_tables ? "true" : "false", gpu_len, cpu_len, p_in,
              p_cpu_in, p_cpu, batched, qms, sms, rms, single, cpu_ms, g_iterations, gm, cm,
              bad ? "false" : "true");
    }
    free(gpu_px);
    free(cpu_px);
    free(gpu);
    free(cpu);
  }
  cudaFree(d_rgb);
}

int main(int argc, char **argv) {
  const char *path = "../shared/images/2569067123_aca715a2ee_o.jpg", *out_dir = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--out") && i + 1 < argc) out_dir = argv[++i];
    else if (!strcmp(argv[i], "--iterations") && i + 1 < argc) g_iterations = atoi(argv[++i]);
    else path = argv[i];
  }
  if (g_iterations < 1 || g_iterations > 500) {
    fprintf(stderr, "--iterations: 1 to 500 (the encoder pool holds 512)\n");
    return 2;
  }
  char reason[GR_MESSAGE_MAX];
  if (!gr_gpu_jpeg_encoder_available(reason, sizeof reason)) {
    printf("GPU JPEG encoder unavailable: %s\n", reason);
    return 1;
  }
  printf("nvJPEG encoder: RetrieveBitstreamDevice %s, CopyQuantizationTables %s\n",
         gr_nvjpeg_load(NULL, 0)->EncodeRetrieveBitstreamDevice ? "present" : "absent",
         gr_nvjpeg_load(NULL, 0)->EncoderParamsCopyQuantizationTables ? "present" : "absent");
  size_t len = 0;
  uint8_t *data = read_file(path, &len);
  gr_image photo;
  gr_error err;
  gr_decode_options d = {1, GR_FAIL_ON_NONE, 0, 0};
  if (!data || gr_decode(data, len, &d, &photo, &err) != GR_OK || photo.channels != 3) {
    fprintf(stderr, "%s: cannot read an RGB JPEG\n", path);
    return 2;
  }
  printf("%s: %dx%d, %d encodes per timing\n", path, photo.width, photo.height, g_iterations);
  if (out_dir) {
    char p[1024];
    snprintf(p, sizeof p, "%s/encode_check.json", out_dir);
    g_json = fopen(p, "w");
    if (g_json) fprintf(g_json, "{\"image\":\"%s\",\"results\":[\n", path);
  }
  cudaStream_t stream;
  cudaSetDevice(0);
  cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking);
  const int sizes[][2] = {{720, 588}, {1920, 1080}, {2880, 2352}};
  for (int i = 0; i < 3; i++) {
    gr_image img;
    if (gr_cpu_resize(&photo, sizes[i][0], sizes[i][1], GR_KERNEL_LANCZOS3, &img, &err) != GR_OK) {
      printf("%dx%d: resize failed: %s\n", sizes[i][0], sizes[i][1], err.message);
      g_failed = 1;
      continue;
    }
    check_size(&img, stream);
    gr_image_free(&img);
  }
  if (g_json) {
    fprintf(g_json, "\n],\"ok\":%s}\n", g_failed ? "false" : "true");
    fclose(g_json);
  }
  cudaStreamDestroy(stream);
  gr_image_free(&photo);
  free(data);
  printf("%s\n", g_failed ? "FAIL" : "OK: every encode within the bounds");
  return g_failed ? 1 : 0;
}
