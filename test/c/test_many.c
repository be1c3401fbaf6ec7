/* Tests for gr_process_many: one decode for every output, outputs the same size as separate
 * gr_process calls and within 40 dB PSNR of them (raw), the chaining rule, per-output backends
 * and errors. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/codecs.h"
#include "core/common.h"
#include "gpu_resize.h"
#include "harness.h"

#define MAX_OUT 16

typedef struct set {
  int count;
  gr_output_spec specs[MAX_OUT];
  gr_result results[MAX_OUT];
  gr_error errs[MAX_OUT];
  gr_output_trace traces[MAX_OUT];
} set;

static void add(set *s, const gr_request *base, int width, int height, gr_fit fit,
                gr_kernel kernel, gr_format format) {
  gr_request r = *base;
  r.resize_width = width;
  r.resize_height = height;
  r.fit = fit;
  r.kernel = kernel;
  r.output_format = format;
  gr_output_spec_from_request(&r, &s->specs[s->count++]);
}

/* The output's request, as a separate call would get it. */
static void separate_request(const gr_request *base, const gr_output_spec *spec, gr_request *r) {
  *r = *base;
  r->resize_width = spec->resize_width;
  r->resize_height = spec->resize_height;
  r->fit = spec->fit;
  r->position = spec->position;
  r->kernel = spec->kernel;
  r->output_format = spec->output_format;
}

/* Runs the set and compares every output with a separate call: same shape, PSNR >= min_db for
 * raw output (equal bytes when min_db is INFINITY). Returns the number of chained outputs. */
static int run_and_compare(const char *name, const gr_request *base, set *s, double min_db) {
  gr_status st = gr_process_many(base, s->specs, s->count, s->results, s->errs, s->traces);
  CHECK_MSG(st == GR_OK, "%s: %s", name, s->errs[0].message);
  int chained = 0;
  for (int i = 0; i < s->count; i++) {
    gr_request r;
    separate_request(base, &s->specs[i], &r);
    gr_result one;
    gr_error err;
    CHECK(gr_process(&r, &one, &err) == GR_OK);
    gr_result *m = &s->results[i];
    CHECK_MSG(m->width == one.width && m->height == one.height && m->channels == one.channels &&
                  m->format == one.format,
              "%s #%d: %dx%dx%d vs %dx%dx%d", name, i, m->width, m->height, m->channels,
              one.width, one.height, one.channels);
    CHECK_MSG(m->backend == one.backend, "%s #%d: backend %s vs %s", name, i,
              gr_backend_name(m->backend), gr_backend_name(one.backend));
    if (m->format == GR_FORMAT_RAW && m->length == one.length) {
      double db = gr_test_psnr(m->data, one.data, one.length);
      printf("  %s %dx%d from %dx%d%s: %.2f dB\n", name, m->width, m->height,
             s->traces[i].source_width, s->traces[i].source_height,
             s->traces[i].chained ? " (chained)" : "", db);
      CHECK_MSG(db >= min_db, "%s #%d: %.2f dB < %.2f", name, i, db, min_db);
    } else {
      CHECK(m->length > 0 && m->data);
    }
    chained += s->traces[i].chained;
    gr_result_free(&one);
  }
  return chained;
}

static void free_set(set *s) {
  for (int i = 0; i < s->count; i++) gr_result_free(&s->results[i]);
}

static void encoded_request(gr_request *req, const char *image, uint8_t **data) {
  size_t len;
  *data = gr_test_read_image(image, &len);
  gr_request_init(req);
  req->input = *data;
  req->input_length = len;
  req->backend = GR_BACKEND_CPU;
}

static void test_jpeg_responsive_set(void) {
  uint8_t *data;
  gr_request base;
  encoded_request(&base, "2569067123_aca715a2ee_o.jpg", &data);
  set s = {0};
  const int widths[] = {1600, 800, 400, 200, 100, 50, 1000, 300};
  for (int i = 0; i < 8; i++) {
    add(&s, &base, widths[i], 0, GR_FIT_COVER, GR_KERNEL_LANCZOS3, GR_FORMAT_RAW);
  }
  add(&s, &base, 640, 0, GR_FIT_COVER, GR_KERNEL_LANCZOS3, GR_FORMAT_JPEG);
  add(&s, &base, 320, 0, GR_FIT_COVER, GR_KERNEL_LANCZOS3, GR_FORMAT_WEBP);
  int chained = run_and_compare("jpeg", &base, &s, 40.0);
  /* One decode at the least shrink-on-load (1600 wide asks for none) served every output. */
  for (int i = 0; i < s.count; i++) {
    CHECK_MSG(s.traces[i].decoded_width == 2725 && s.traces[i].decoded_height == 2225,
              "#%d decoded %dx%d", i, s.traces[i].decoded_width, s.traces[i].decoded_height);
  }
  /* 800 wide: a separate call decodes at 1/2 (1362x1112); here that is an area average. */
  CHECK(s.traces[1].source_width == 1362 && s.traces[1].source_height == 1112 &&
        !s.traces[1].chained);
  /* 100 and 50 chain from 200 and 100 (the same 1/8 source, twice as large). */
  CHECK(s.traces[4].chained && s.traces[4].source_width == 200);
  CHECK(s.traces[5].chained && s.traces[5].source_width == 100);
  CHECK(chained == 2);
  free_set(&s);
  free(data);
}

static void test_raw_chain_and_fits(void) {
  size_t len;
  uint8_t *bytes = gr_test_read_image("2569067123_aca715a2ee_o.jpg", &len);
  gr_decode_options o = {2, GR_FAIL_ON_WARNING, 0, 0.0};
  gr_image img;
  gr_error err;
  CHECK(gr_decode(bytes, len, &o, &img, &err) == GR_OK);
  gr_image packed;
  CHECK(gr_image_alloc(&packed, img.width, img.height, img.channels, &err) == GR_OK);
  for (int y = 0; y < img.height; y++) {
    memcpy(packed.data + packed.stride * y, img.data + img.stride * y, packed.stride);
  }
  gr_request base;
  gr_request_init(&base);
  base.input = packed.data;
  base.input_length = packed.stride * (size_t)packed.height;
  base.raw_width = packed.width;
  base.raw_height = packed.height;
  base.raw_channels = packed.channels;
  base.backend = GR_BACKEND_CPU;
  set s = {0};
  add(&s, &base, 600, 0, GR_FIT_COVER, GR_KERNEL_LANCZOS3, GR_FORMAT_RAW);
  add(&s, &base, 300, 0, GR_FIT_COVER, GR_KERNEL_LANCZOS3, GR_FORMAT_RAW);
  add(&s, &base, 150, 150, GR_FIT_COVER, GR_KERNEL_LANCZOS3, GR_FORMAT_RAW);
  add(&s, &base, 120, 60, GR_FIT_CONTAIN, GR_KERNEL_LANCZOS3, GR_FORMAT_RAW);
  add(&s, &base, 100, 100, GR_FIT_FILL, GR_KERNEL_LANCZOS3, GR_FORMAT_RAW);
  add(&s, &base, 90, 90, GR_FIT_INSIDE, GR_KERNEL_MITCHELL, GR_FORMAT_RAW);
  add(&s, &base, 250, 0, GR_FIT_COVER, GR_KERNEL_NEAREST, GR_FORMAT_RAW);
  add(&s, &base, 100, 0, GR_FIT_COVER, GR_KERNEL_NEAREST, GR_FORMAT_RAW);
  int chained = run_and_compare("raw", &base, &s, 40.0);
  CHECK(s.traces[1].chained && s.traces[1].source_width == 600); /* 300 from 600 */
  CHECK(s.traces[2].chained);                                    /* cover 150x150 */
  CHECK(!s.traces[5].chained);  /* mitchell: no larger mitchell output */
  CHECK(!s.traces[7].chained);  /* nearest never chains */
  CHECK(s.traces[0].decoded_width == 0); /* raw input: nothing decoded */
  CHECK(chained >= 4);
  free_set(&s);
  gr_image_free(&packed);
  gr_image_free(&img);
  free(bytes);
}

static void test_alpha_and_webp(void) {
  uint8_t *data;
  gr_request base;
  encoded_request(&base, "alpha-premultiply-2048x1536-paper.png", &data);
  set s = {0};
  add(&s, &base, 1024, 0, GR_FIT_COVER, GR_KERNEL_LANCZOS3, GR_FORMAT_RAW);
  add(&s, &base, 512, 0, GR_FIT_COVER, GR_KERNEL_LANCZOS3, GR_FORMAT_RAW);
  add(&s, &base, 100, 0, GR_FIT_COVER, GR_KERNEL_LANCZOS3, GR_FORMAT_RAW);
  /* Alpha never chains: every output is a separate call's pixels exactly. */
  CHECK(run_and_compare("png alpha", &base, &s, INFINITY) == 0);
  free_set(&s);
  free(data);

  encoded_request(&base, "4.webp", &data);
  memset(&s, 0, sizeof s);
  add(&s, &base, 800, 0, GR_FIT_COVER, GR_KERNEL_LANCZOS3, GR_FORMAT_RAW);
  add(&s, &base, 400, 0, GR_FIT_COVER, GR_KERNEL_LANCZOS3, GR_FORMAT_RAW);
  add(&s, &base, 100, 0, GR_FIT_COVER, GR_KERNEL_LANCZOS3, GR_FORMAT_RAW);
  run_and_compare("webp", &base, &s, 40.0);
  free_set(&s);
  free(data);
}

static void test_backends_and_errors(void) {
  uint8_t *data;
  gr_request base;
  encoded_request(&base, "320x240.jpg", &data);
  base.backend = GR_BACKEND_AUTO;
  set s = {0};
  add(&s, &base, 200, 0, GR_FIT_COVER, GR_KERNEL_LANCZOS3, GR_FORMAT_RAW);
  add(&s, &base, 100, 0, GR_FIT_COVER, GR_KERNEL_MKS2013, GR_FORMAT_RAW); /* libvips only */
  add(&s, &base, 50, 0, GR_FIT_COVER, GR_KERNEL_LANCZOS3, GR_FORMAT_GIF);  /* libvips only */
  run_and_compare("mixed", &base, &s, 40.0);
  CHECK(s.results[0].backend != GR_BACKEND_VIPS && s.traces[0].source_width > 0);
  CHECK(s.results[1].backend == GR_BACKEND_VIPS && s.traces[1].source_width == 0);
  CHECK(s.results[2].backend == GR_BACKEND_VIPS && s.results[2].format == GR_FORMAT_GIF);
  free_set(&s);

  /* A corrupt input fails every output with gr_process's error. */
  uint8_t junk[64];
  memset(junk, 0x5a, sizeof junk);
  gr_request bad = base;
  bad.input = junk;
  bad.input_length = sizeof junk;
  memset(&s, 0, sizeof s);
  add(&s, &bad, 20, 0, GR_FIT_COVER, GR_KERNEL_LANCZOS3, GR_FORMAT_RAW);
  add(&s, &bad, 10, 0, GR_FIT_COVER, GR_KERNEL_LANCZOS3, GR_FORMAT_PNG);
  gr_result one;
  gr_error one_err;
  gr_status one_st = gr_process(&bad, &one, &one_err);
  CHECK(gr_process_many(&bad, s.specs, 2, s.results, s.errs, NULL) == one_st);
  for (int i = 0; i < 2; i++) {
    CHECK(s.results[i].data == NULL);
    CHECK_MSG(!strcmp(s.errs[i].message, one_err.message), "'%s' vs '%s'", s.errs[i].message,
              one_err.message);
  }
  /* A truncated JPEG: the decode error reaches every output. */
  size_t len;
  uint8_t *truncated = gr_test_read_image("truncated.jpg", &len);
  bad.input = truncated;
  bad.input_length = len;
  CHECK(gr_process_many(&bad, s.specs, 2, s.results, s.errs, NULL) == GR_ERR_DECODE);
  CHECK(s.errs[0].code == GR_ERR_DECODE && s.errs[1].code == GR_ERR_DECODE);
  free(truncated);
  /* Over the pixel limit. */
  bad = base;
  bad.limit_input_pixels = 100;
  CHECK(gr_process_many(&bad, s.specs, 2, s.results, s.errs, NULL) == GR_ERR_LIMIT);
  CHECK(!strcmp(s.errs[1].message, "Input image exceeds pixel limit"));
  /* Per-output errors: a bad extract after resize fails only the output it does not fit. */
  bad = base;
  bad.extract_after = (gr_rect){0, 0, 150, 100};
  memset(&s, 0, sizeof s);
  add(&s, &bad, 200, 0, GR_FIT_COVER, GR_KERNEL_LANCZOS3, GR_FORMAT_RAW);
  add(&s, &bad, 100, 0, GR_FIT_COVER, GR_KERNEL_LANCZOS3, GR_FORMAT_RAW);
  CHECK(gr_process_many(&bad, s.specs, 2, s.results, s.errs, NULL) == GR_ERR_INVALID_ARGUMENT);
  CHECK(s.results[0].data && s.results[0].width == 150 && s.results[0].height == 100);
  CHECK(!s.results[1].data && s.errs[1].code == GR_ERR_INVALID_ARGUMENT);
  free_set(&s);
  /* Empty input, no outputs. */
  bad.input_length = 0;
  CHECK(gr_process_many(&bad, s.specs, 1, s.results, s.errs, NULL) == GR_ERR_DECODE);
  CHECK(!strcmp(s.errs[0].message, "Input buffer is empty"));
  CHECK(gr_process_many(&base, s.specs, 0, s.results, s.errs, NULL) == GR_ERR_INVALID_ARGUMENT);
  free(data);
}

int main(void) {
  test_jpeg_responsive_set();
  test_raw_chain_and_fits();
  test_alpha_and_webp();
  test_backends_and_errors();
  return gr_test_finish("many");
}
