/* Tests for the pipeline entry gr_process: resize quality against libvips (what sharp runs),
 * geometry of every fit against libvips, EXIF orientations 1-8, routing and fallback to libvips,
 * counters, and bad input through every backend. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/codecs.h"
#include "core/common.h"
#include "gpu_resize.h"
#include "harness.h"

static gr_status run(gr_request *req, gr_backend backend, gr_result *res, gr_error *err) {
  req->backend = backend;
  memset(err, 0, sizeof *err);
  gr_status st = gr_process(req, res, err);
  if (st != GR_OK) fprintf(stderr, "  (%s: %s)\n", gr_backend_name(backend), err->message);
  return st;
}

/* The photo decoded at full size, tightly packed. */
static gr_image photo(void) {
  size_t len;
  uint8_t *data = gr_test_read_image("2569067123_aca715a2ee_o.jpg", &len);
  gr_decode_options o = {1, GR_FAIL_ON_WARNING, 0, 0.0};
  gr_image img;
  gr_error err;
  if (gr_decode(data, len, &o, &img, &err) != GR_OK) {
    fprintf(stderr, "cannot decode the photo: %s\n", err.message);
    exit(2);
  }
  free(data);
  return img;
}

static void raw_request(gr_request *req, const gr_image *img) {
  gr_request_init(req);
  req->input = img->data;
  req->input_length = img->stride * (size_t)img->height;
  req->raw_width = img->width;
  req->raw_height = img->height;
  req->raw_channels = img->channels;
  req->output_format = GR_FORMAT_RAW;
}

/* Runs req on the CPU and on libvips and returns the PSNR of the two raw outputs (-1 when the
 * shapes differ or a run fails). */
static double cpu_vs_vips(gr_request *req, int *width, int *height) {
  gr_result a, b;
  gr_error err;
  double db = -1;
  if (run(req, GR_BACKEND_CPU, &a, &err) != GR_OK) return -1;
  if (run(req, GR_BACKEND_VIPS, &b, &err) == GR_OK) {
    CHECK_MSG(a.backend == GR_BACKEND_CPU && b.backend == GR_BACKEND_VIPS, "backends %d %d",
              a.backend, b.backend);
    if (a.width == b.width && a.height == b.height && a.channels == b.channels &&
        a.length == b.length) {
      db = gr_test_psnr(a.data, b.data, a.length);
    } else {
      fprintf(stderr, "  shape: cpu %dx%dx%d, vips %dx%dx%d\n", a.width, a.height, a.channels,
              b.width, b.height, b.channels);
    }
    if (width) *width = a.width;
    if (height) *height = a.height;
    gr_result_free(&b);
  }
  gr_result_free(&a);
  return db;
}

static void test_quality_against_libvips(void) {
  gr_image img = photo();
  static const int sizes[][2] = {{720, 588}, {1362, 1112}, {300, 245}, {100, 82}, {4000, 3266}};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    gr_request req;
    raw_request(&req, &img);
    req.resize_width = sizes[i][0];
    req.resize_height = sizes[i][1];
    req.fit = GR_FIT_FILL;
    int w = 0, h = 0;
    double db = cpu_vs_vips(&req, &w, &h);
    printf("lanczos3 2725x2225 -> %dx%d: PSNR against libvips %.2f dB\n", w, h, db);
    CHECK_MSG(w == sizes[i][0] && h == sizes[i][1], "size %dx%d", w, h);
    CHECK_MSG(db >= 40.0, "%dx%d: PSNR %.2f dB", sizes[i][0], sizes[i][1], db);
  }
  /* Up from a crop (a view with the photo's stride: odd strides through the raw path). */
  gr_image crop = gr_image_view(&img, 1001, 733, 400, 300);
  gr_image packed;
  gr_error err;
  CHECK(gr_image_alloc(&packed, crop.width, crop.height, 3, &err) == GR_OK);
  for (int y = 0; y < crop.height; y++) {
    memcpy(packed.data + packed.stride * y, crop.data + crop.stride * y, packed.stride);
  }
  for (int k = 0; k < GR_KERNEL_NATIVE_COUNT; k++) {
    gr_request req;
    raw_request(&req, &packed);
    req.resize_width = 1600;
    req.resize_height = 1200;
    req.kernel = (gr_kernel)k;
    double db = cpu_vs_vips(&req, NULL, NULL);
    printf("kernel %d 400x300 -> 1600x1200: PSNR against libvips %.2f dB\n", k, db);
    CHECK_MSG(db >= 40.0, "kernel %d up: PSNR %.2f dB", k, db);
    req.resize_width = 133;
    req.resize_height = 100;
    db = cpu_vs_vips(&req, NULL, NULL);
    printf("kernel %d 400x300 -> 133x100: PSNR against libvips %.2f dB\n", k, db);
    CHECK_MSG(db >= 40.0, "kernel %d down: PSNR %.2f dB", k, db);
  }
  gr_image_free(&packed);
  gr_image_free(&img);
}

/* Every fit, position and size option gives libvips' geometry and pixels. */
static void test_geometry_against_libvips(void) {
  gr_image img = photo();
  gr_image small;
  gr_error err;
  gr_request shrink;
  raw_request(&shrink, &img);
  shrink.resize_width = 401;
  shrink.resize_height = 327;
  shrink.fit = GR_FIT_FILL;
  gr_result r;
  CHECK(run(&shrink, GR_BACKEND_CPU, &r, &err) == GR_OK);
  small.data = r.data;
  small.width = r.width;
  small.height = r.height;
  small.channels = 3;
  small.stride = (size_t)r.width * 3;
  static const int sizes[][2] = {{200, 200}, {150, 0}, {0, 90}, {600, 100}, {90, 500},
                                 {800, 800}};
  for (int fit = GR_FIT_COVER; fit <= GR_FIT_OUTSIDE; fit++) {
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
      for (int flags = 0; flags < 3; flags++) {
        gr_request req;
        raw_request(&req, &small);
        req.fit = (gr_fit)fit;
        req.resize_width = sizes[i][0];
        req.resize_height = sizes[i][1];
        req.without_enlargement = flags == 1;
        req.without_reduction = flags == 2;
        req.position = (int)(i % 9);
        req.background[0] = 200;
        req.background[1] = 10;
        req.background[2] = 30;
        req.background[3] = (i % 2) ? 255 : 128;
        double db = cpu_vs_vips(&req, NULL, NULL);
        CHECK_MSG(db >= 40.0, "fit %d size %dx%d flags %d: PSNR %.2f dB", fit, sizes[i][0],
                  sizes[i][1], flags, db);
      }
    }
  }
  /* Extract before and after, rotate and mirrors in sharp's order. */
  gr_request req;
  raw_request(&req, &small);
  req.extract_before = (gr_rect){10, 20, 300, 200};
  req.resize_width = 160;
  req.resize_height = 120;
  req.rotate_angle = 90;
  req.flip = 1;
  req.extract_after = (gr_rect){5, 7, 100, 60};
  double db = cpu_vs_vips(&req, NULL, NULL);
  CHECK_MSG(db >= 40.0, "extract/rotate/flip: PSNR %.2f dB", db);
  req.rotate_before = 1;
  req.flop = 1;
  db = cpu_vs_vips(&req, NULL, NULL);
  CHECK_MSG(db >= 40.0, "rotate before: PSNR %.2f dB", db);
  /* A bad extract is an input error on every backend. */
  req.extract_before = (gr_rect){350, 0, 100, 100};
  gr_result bad;
  CHECK(run(&req, GR_BACKEND_CPU, &bad, &err) == GR_ERR_INVALID_ARGUMENT);
  CHECK(strlen(err.message) > 0);
  free(r.data);
  gr_image_free(&img);
}

/* Writes orientation `value` into the EXIF IFD0 of a JPEG that has an orientation tag. */
static int set_orientation(uint8_t *jpeg, size_t len, int value) {
  for (size_t i = 2; i + 10 < len; i++) {
    if (jpeg[i] == 0xFF && jpeg[i + 1] == 0xE1 && !memcmp(jpeg + i + 4, "Exif\0\0", 6)) {
      uint8_t *tiff = jpeg + i + 10;
      int le = tiff[0] == 'I';
      size_t seg = ((size_t)jpeg[i + 2] << 8 | jpeg[i + 3]) - 8;
#define RD16(p) (le ? (p)[0] | (p)[1] << 8 : (p)[0] << 8 | (p)[1])
      uint32_t ifd = le ? tiff[4] | tiff[5] << 8 | tiff[6] << 16 | (uint32_t)tiff[7] << 24
                        : (uint32_t)tiff[4] << 24 | tiff[5] << 16 | tiff[6] << 8 | tiff[7];
      if (ifd + 2 > seg) return 0;
      int count = RD16(tiff + ifd);
      for (int e = 0; e < count && ifd + 2 + 12 * (e + 1) <= seg; e++) {
        uint8_t *entry = tiff + ifd + 2 + 12 * e;
        if (RD16(entry) == 0x0112) {
          if (le) {
            entry[8] = (uint8_t)value;
            entry[9] = 0;
          } else {
            entry[8] = 0;
            entry[9] = (uint8_t)value;
          }
          return 1;
        }
      }
#undef RD16
      return 0;
    }
  }
  return 0;
}

static void test_orientations(void) {
  size_t len;
  uint8_t *jpeg = gr_test_read_image("Landscape_1.jpg", &len);
  gr_metadata meta;
  gr_error err;
  CHECK(gr_read_metadata(jpeg, len, &meta, &err) == GR_OK);
  int w = meta.width, h = meta.height;
  for (int o = 1; o <= 8; o++) {
    CHECK_MSG(set_orientation(jpeg, len, o), "orientation tag not found");
    CHECK(gr_read_metadata(jpeg, len, &meta, &err) == GR_OK && meta.orientation == o);
    gr_request req;
    gr_request_init(&req);
    req.input = jpeg;
    req.input_length = len;
    req.auto_orient = 1;
    req.resize_width = 120;
    req.output_format = GR_FORMAT_RAW;
    int ow = 0, oh = 0;
    double db = cpu_vs_vips(&req, &ow, &oh);
    int swapped = o >= 5;
    int expect_h = (int)lround(120.0 * (swapped ? w : h) / (swapped ? h : w));
    CHECK_MSG(ow == 120 && abs(oh - expect_h) <= 1, "orientation %d: %dx%d", o, ow, oh);
    CHECK_MSG(db >= 35.0, "orientation %d: PSNR against libvips %.2f dB", o, db);
    printf("EXIF orientation %d: %dx%d, PSNR against libvips %.2f dB\n", o, ow, oh, db);
  }
  free(jpeg);
  /* The shared samples carry a non-sRGB ICC profile: sharp converts them to sRGB with lcms
   * after loading; the native path does the same (through libvips) after its decode, so they
   * stay on the CPU backend, with libvips' pixels. */
  const char *files[] = {"Landscape_6.jpg", "Portrait_8.jpg"};
  for (int i = 0; i < 2; i++) {
    uint8_t *data = gr_test_read_image(files[i], &len);
    CHECK(gr_read_metadata(data, len, &meta, &err) == GR_OK);
    CHECK(meta.has_profile && !meta.profile_is_srgb);
    gr_request req;
    gr_request_init(&req);
    req.input = data;
    req.input_length = len;
    req.auto_orient = 1;
    req.resize_width = 100;
    req.output_format = GR_FORMAT_RAW;
    gr_result res;
    CHECK(run(&req, GR_BACKEND_CPU, &res, &err) == GR_OK);
    CHECK_MSG(res.backend == GR_BACKEND_CPU && res.fallback_reason[0] == 0,
              "%s: backend %d, reason '%s'", files[i], res.backend, res.fallback_reason);
    double db = cpu_vs_vips(&req, NULL, NULL);
    CHECK_MSG(db >= 40.0, "%s: PSNR against libvips %.2f dB", files[i], db);
    printf("%s (non-sRGB profile): PSNR against libvips %.2f dB\n", files[i], db);
    int ow = meta.orientation >= 5 ? meta.height : meta.width;
    int oh = meta.orientation >= 5 ? meta.width : meta.height;
    CHECK_MSG(res.width == 100 && res.height == (int)lround(100.0 * oh / ow), "%s: %dx%d",
              files[i], res.width, res.height);
    gr_result_free(&res);
    free(data);
  }
}

static void test_routing(void) {
  gr_backend_info before, after;
  gr_backend_query(GR_BACKEND_VIPS, &before);
  CHECK(before.available);
  size_t len;
  uint8_t *gif = gr_test_read_image("Crash_test.gif", &len);
  gr_request req;
  gr_request_init(&req);
  req.input = gif;
  req.input_length = len;
  req.resize_width = 100;
  req.output_format = GR_FORMAT_PNG;
  gr_result res;
  gr_error err;
  /* Forced to the CPU, a GIF still completes: on libvips, with the reason recorded. */
  CHECK(run(&req, GR_BACKEND_CPU, &res, &err) == GR_OK);
  CHECK(res.backend == GR_BACKEND_VIPS && res.width == 100 && res.format == GR_FORMAT_PNG);
  CHECK_MSG(strstr(res.fallback_reason, "cpu:") != NULL, "reason '%s'", res.fallback_reason);
  gr_result_free(&res);
  /* GIF output (same as input) is libvips' too. */
  req.output_format = GR_FORMAT_UNKNOWN;
  CHECK(run(&req, GR_BACKEND_AUTO, &res, &err) == GR_OK);
  CHECK(res.backend == GR_BACKEND_VIPS && res.format == GR_FORMAT_GIF);
  gr_result_free(&res);
  free(gif);
  gr_backend_query(GR_BACKEND_VIPS, &after);
  CHECK(after.requests == before.requests + 2);

  /* CMYK JPEG goes to libvips. */
  uint8_t *cmyk = gr_test_read_image("Channel_digital_image_CMYK_color.jpg", &len);
  req.input = cmyk;
  req.input_length = len;
  req.output_format = GR_FORMAT_JPEG;
  CHECK(run(&req, GR_BACKEND_AUTO, &res, &err) == GR_OK);
  CHECK(res.backend == GR_BACKEND_VIPS && res.channels == 3);
  gr_result_free(&res);
  free(cmyk);

  /* A JPEG runs natively, and the CPU counter moves. */
  uint8_t *jpeg = gr_test_read_image("320x240.jpg", &len);
  gr_backend_query(GR_BACKEND_CPU, &before);
  req.input = jpeg;
  req.input_length = len;
  CHECK(run(&req, GR_BACKEND_CPU, &res, &err) == GR_OK);
  CHECK(res.backend == GR_BACKEND_CPU && res.width == 100 && res.height == 75);
  CHECK(res.fallback_reason[0] == '\0');
  gr_result_free(&res);
  gr_backend_query(GR_BACKEND_CPU, &after);
  CHECK(after.requests == before.requests + 1);
  /* Forced GPU without a GPU still completes on the CPU and says why. */
  gr_backend_query(GR_BACKEND_GPU, &before);
  if (!before.available) {
    CHECK(strlen(before.reason) > 0);
    CHECK(run(&req, GR_BACKEND_GPU, &res, &err) == GR_OK);
    CHECK(res.backend == GR_BACKEND_CPU);
    CHECK_MSG(strstr(res.fallback_reason, "gpu:") != NULL, "reason '%s'", res.fallback_reason);
    gr_result_free(&res);
  }
  free(jpeg);
}

/* A thin input enlarged to a huge other side. Past vips_affine's range (INT_MAX / 64) it is
 * refused with sharp's message on every backend, before any pixel memory; within it, an output
 * over the pixel limit runs on libvips, which streams, instead of the native path's whole
 * frames (1x167772 to width 200 is 200x33554400: gigabytes). */
static void test_thin_enlargements(void) {
  enum { LONG = 167773 };
  uint8_t *grey = malloc(LONG);
  memset(grey, 128, LONG);
  const gr_image tall = {grey, 1, LONG, 1, 1}, wide = {grey, LONG, 1, 1, LONG};
  gr_request req;
  gr_result res;
  gr_error err;
  for (int b = GR_BACKEND_CPU; b < GR_BACKEND_COUNT; b++) {
    for (int i = 0; i < 2; i++) {
      raw_request(&req, i ? &wide : &tall);
      if (i) req.resize_height = 200;
      else req.resize_width = 200;
      gr_status st = run(&req, (gr_backend)b, &res, &err);
      CHECK_MSG(st != GR_OK && !strcmp(err.message, "affine: output coordinates out of range"),
                "%s %s: %d %s", gr_backend_name(b), i ? "wide" : "tall", st, err.message);
      CHECK(b != GR_BACKEND_CPU || st == GR_ERR_LIMIT);
      gr_result_free(&res);
    }
  }
  /* 1x500 to width 200 is 200x100000, over a limit of 1000 pixels: libvips' answer. */
  const gr_image small = {grey, 1, 500, 1, 1};
  raw_request(&req, &small);
  req.resize_width = 200;
  req.limit_input_pixels = 1000;
  CHECK(run(&req, GR_BACKEND_CPU, &res, &err) == GR_OK);
  CHECK_MSG(res.backend == GR_BACKEND_VIPS && res.width == 200 && res.height == 100000 &&
                strstr(res.fallback_reason, "pixel limit"),
            "backend %d %dx%d '%s'", res.backend, res.width, res.height, res.fallback_reason);
  gr_result_free(&res);
  /* Within the limit it stays native. */
  req.limit_input_pixels = 200 * 100000;
  CHECK(run(&req, GR_BACKEND_CPU, &res, &err) == GR_OK);
  CHECK_MSG(res.backend == GR_BACKEND_CPU && res.width == 200 && res.height == 100000,
            "backend %d %dx%d", res.backend, res.width, res.height);
  gr_result_free(&res);
  free(grey);
}

static void expect_error(const char *what, const uint8_t *data, size_t len, gr_status want) {
  for (int b = GR_BACKEND_AUTO; b < GR_BACKEND_COUNT; b++) {
    gr_request req;
    gr_request_init(&req);
    req.input = data;
    req.input_length = len;
    req.resize_width = 50;
    req.output_format = GR_FORMAT_JPEG;
    req.backend = (gr_backend)b;
    gr_result res;
    gr_error err = {GR_OK, ""};
    gr_status st = gr_process(&req, &res, &err);
    CHECK_MSG(st != GR_OK && strlen(err.message) > 0, "%s on %s: status %d", what,
              gr_backend_name((gr_backend)b), st);
    if (want != GR_OK) {
      CHECK_MSG(st == want, "%s on %s: status %d (%s), want %d", what,
                gr_backend_name((gr_backend)b), st, err.message, want);
    }
    if (st == GR_OK) gr_result_free(&res);
  }
}

static void test_bad_input(void) {
  const char *files[] = {"truncated.jpg", "truncated.png", "corrupt-header.jpg"};
  for (int i = 0; i < 3; i++) {
    size_t len;
    uint8_t *data = gr_test_read_image(files[i], &len);
    expect_error(files[i], data, len, GR_OK);
    free(data);
  }
  uint8_t zero = 0;
  expect_error("zero-length", &zero, 0, GR_OK);
  uint8_t noise[4096];
  uint32_t seed = 12345;
  for (size_t i = 0; i < sizeof noise; i++) {
    seed = seed * 1103515245u + 12345u;
    noise[i] = (uint8_t)(seed >> 16);
  }
  expect_error("random bytes", noise, sizeof noise, GR_ERR_DECODE);
  size_t len;
  uint8_t *giant = gr_test_read_image("giant-image.jpg", &len);
  expect_error("giant-image.jpg", giant, len, GR_ERR_LIMIT);
  gr_request req;
  gr_request_init(&req);
  req.input = giant;
  req.input_length = len;
  gr_result res;
  gr_error err;
  CHECK(gr_process(&req, &res, &err) == GR_ERR_LIMIT &&
        !strcmp(err.message, "Input image exceeds pixel limit"));
  free(giant);
  /* A raw descriptor larger than the buffer. */
  uint8_t pixels[64] = {0};
  gr_request_init(&req);
  req.input = pixels;
  req.input_length = sizeof pixels;
  req.raw_width = 100;
  req.raw_height = 100;
  req.raw_channels = 3;
  req.output_format = GR_FORMAT_RAW;
  for (int b = GR_BACKEND_CPU; b < GR_BACKEND_COUNT; b++) {
    req.backend = (gr_backend)b;
    CHECK(gr_process(&req, &res, &err) == GR_ERR_INVALID_ARGUMENT);
  }
}

int main(void) {
  test_quality_against_libvips();
  test_geometry_against_libvips();
  test_orientations();
  test_routing();
  test_thin_enlargements();
  test_bad_input();
  return gr_test_finish("test_pipeline");
}
