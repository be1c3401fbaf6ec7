/* The native pipeline's hook for the GPU JPEG path (gr_native_run_ex): which JPEGs it hands to
 * the decode-and-resize function (baseline, complete, plain resize), what it gives it (full
 * size, filters of the full-size plan), that GR_ERR_UNSUPPORTED falls back to the usual decode
 * with a note, and that other errors end the request; with GPU encode on (the default), which JPEG
 * outputs it is asked to encode (only a crop or extract after the resize: the region to encode)
 * and that pixels handed back are encoded on the CPU. A fake hook stands in for the GPU. */
#define _POSIX_C_SOURCE 200809L /* setenv */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/codecs.h"
#include "codecs/codecs_internal.h"
#include "cpu/cpu.h"
#include "harness.h"
#include "pipeline/pipeline.h"

static int g_calls;
static gr_status g_answer;
static int g_width, g_height, g_out_w, g_out_h;
static int g_encode;             /* the fake encodes when asked to */
static int g_asked_to_encode;
static gr_gpu_jpeg_output g_asked; /* what it was asked to encode */

/* Decodes on the CPU at full size and resizes on the CPU: what the GPU does, near enough. */
static gr_status fake_jpeg_resize(const uint8_t *data, size_t length, int width, int height,
                                  const gr_filter *h, const gr_filter *v,
                                  gr_gpu_jpeg_output *encode, gr_image *dst, gr_error *err) {
  g_calls++;
  g_asked_to_encode = encode != NULL;
  if (encode) g_asked = *encode;
  g_width = width;
  g_height = height;
  g_out_w = h->out_size;
  g_out_h = v->out_size;
  if (g_answer != GR_OK) return gr_fail(err, g_answer, "fake hook says no");
  gr_decode_options o = {1, GR_FAIL_ON_WARNING, 0, 0.0};
  gr_image full, rgb;
  gr_status st = gr_decode(data, length, &o, &full, err);
  if (st != GR_OK) return st;
  st = gr_cpu_convert_channels(&full, 3, &rgb, err);
  gr_image_free(&full);
  if (st != GR_OK) return st;
  st = gr_cpu_resize_with(&rgb, h, v, dst, err);
  gr_image_free(&rgb);
  if (st != GR_OK || !encode || !g_encode) return st;
  /* Encode the region as the GPU would, and keep no pixels. */
  gr_image region = gr_image_view(dst, encode->region.left, encode->region.top,
                                  encode->region.width, encode->region.height);
  gr_jpeg_options jo = {encode->options.quality, encode->options.progressive,
                       encode->options.chroma_444, encode->options.optimize_coding};
  st = gr_jpeg_encode(&region, &jo, &encode->data, &encode->length, err);
  gr_image_free(dst);
  return st;
}

static gr_status run_as(const uint8_t *data, size_t len, int w, int h, int fast_shrink,
                        gr_format format, gr_fit fit, gr_result *res, gr_error *err) {
  gr_request req;
  gr_request_init(&req);
  req.input = data;
  req.input_length = len;
  req.resize_width = w;
  req.resize_height = h;
  req.fast_shrink_on_load = fast_shrink;
  req.output_format = format;
  req.fit = fit;
  req.jpeg.quality = 70;
  gr_input_header header;
  gr_read_input_header(&req, &header);
  memset(res, 0, sizeof *res);
  g_calls = 0;
  return gr_native_run_ex(&req, &header, NULL, gr_cpu_resize_with, fake_jpeg_resize, 1, res, err);
}

static gr_status run(const uint8_t *data, size_t len, int w, int h, int fast_shrink,
                     gr_result *res, gr_error *err) {
  return run_as(data, len, w, h, fast_shrink, GR_FORMAT_RAW, GR_FIT_COVER, res, err);
}

int main(void) {
  size_t len;
  uint8_t *photo = gr_test_read_image("2569067123_aca715a2ee_o.jpg", &len);
  gr_result res;
  gr_error err;

  /* Baseline, complete: the hook decodes at full size, with the full-size plan's filters. */
  g_answer = GR_OK;
  CHECK(run(photo, len, 720, 588, 1, &res, &err) == GR_OK);
  CHECK(g_calls == 1);
  CHECK(g_width == 2725 && g_height == 2225);
  CHECK(g_out_w == 720 && g_out_h == 588);
  CHECK(res.gpu_decoded == 1);
  CHECK(res.width == 720 && res.height == 588 && res.channels == 3);
  CHECK(res.length == (size_t)720 * 588 * 3);
  CHECK(!g_asked_to_encode && !res.gpu_encoded); /* raw output: nothing to encode */
  gr_result_free(&res);

  /* The output size is the one the CPU's shrink-on-load gives (and sharp's): width 200 is
   * 200x164 from the 1/8 decode (340x278), where the full size alone would round to 200x163.
   * The hook still decodes at full size; the CPU path gives the same size. */
  for (int fast = 1; fast >= 0; fast--) {
    int want_h = fast ? 164 : 163;
    CHECK(run(photo, len, 200, 0, fast, &res, &err) == GR_OK);
    CHECK(g_calls == 1 && g_width == 2725 && g_height == 2225);
    CHECK(g_out_w == 200 && g_out_h == want_h);
    CHECK(res.width == 200 && res.height == want_h && res.gpu_decoded == 1);
    gr_result_free(&res);
    gr_request req;
    gr_request_init(&req);
    req.input = photo;
    req.input_length = len;
    req.resize_width = 200;
    req.fast_shrink_on_load = fast;
    req.output_format = GR_FORMAT_RAW;
    req.backend = GR_BACKEND_CPU;
    CHECK(gr_process(&req, &res, &err) == GR_OK);
    CHECK(res.width == 200 && res.height == want_h);
    gr_result_free(&res);
  }

  /* GPU_RESIZE_GPU_ENCODE=0 turns GPU encode off: the hook is never asked. */
  g_encode = 1;
  setenv("GPU_RESIZE_GPU_ENCODE", "0", 1);
  CHECK(run_as(photo, len, 400, 400, 1, GR_FORMAT_JPEG, GR_FIT_COVER, &res, &err) == GR_OK);
  CHECK(g_calls == 1 && !g_asked_to_encode && !res.gpu_encoded && res.gpu_decoded);
  gr_result_free(&res);
  unsetenv("GPU_RESIZE_GPU_ENCODE");

  /* On by default. JPEG output after a cover crop: the hook is asked to encode the crop of the
   * resized image with the request's options, and its JPEG is the result. */
  CHECK(run_as(photo, len, 400, 400, 1, GR_FORMAT_JPEG, GR_FIT_COVER, &res, &err) == GR_OK);
  CHECK(g_asked_to_encode && g_asked.options.quality == 70 && g_asked.options.channels == 3);
  CHECK(g_out_w == 490 && g_out_h == 400); /* 2725x2225 covers 400x400 at 490x400 */
  CHECK(g_asked.region.left == 45 && g_asked.region.top == 0);
  CHECK(g_asked.region.width == 400 && g_asked.region.height == 400);
  CHECK(res.gpu_decoded == 1 && res.gpu_encoded == 1 && res.format == GR_FORMAT_JPEG);
  CHECK(res.width == 400 && res.height == 400 && res.channels == 3);
  gr_metadata meta;
  CHECK(gr_read_metadata(res.data, res.length, &meta, &err) == GR_OK);
  CHECK(meta.width == 400 && meta.height == 400);
  gr_result_free(&res);

  /* The hook hands pixels back instead (the GPU could not encode): the CPU encodes them. */
  g_encode = 0;
  CHECK(run_as(photo, len, 400, 400, 1, GR_FORMAT_JPEG, GR_FIT_COVER, &res, &err) == GR_OK);
  CHECK(g_asked_to_encode && res.gpu_decoded == 1 && res.gpu_encoded == 0);
  CHECK(res.width == 400 && res.height == 400 && res.format == GR_FORMAT_JPEG);
  gr_result_free(&res);

  /* PNG output, or a step after the resize (contain's embed): never asked to encode. */
  CHECK(run_as(photo, len, 400, 400, 1, GR_FORMAT_PNG, GR_FIT_COVER, &res, &err) == GR_OK);
  CHECK(g_calls == 1 && !g_asked_to_encode);
  gr_result_free(&res);
  CHECK(run_as(photo, len, 400, 400, 1, GR_FORMAT_JPEG, GR_FIT_CONTAIN, &res, &err) == GR_OK);
  CHECK(g_calls == 1 && !g_asked_to_encode && res.width == 400 && res.height == 400);
  gr_result_free(&res);

  /* The hook says unsupported: the usual decode runs, and the result says why. */
  g_answer = GR_ERR_UNSUPPORTED;
  CHECK(run(photo, len, 720, 588, 1, &res, &err) == GR_OK);
  CHECK(g_calls == 1 && res.gpu_decoded == 0);
  CHECK(strstr(res.fallback_reason, "fake hook says no") != NULL);
  CHECK(res.width == 720 && res.height == 588);
  gr_result_free(&res);

  /* Any other error ends the request (the router then tries the next backend). */
  g_answer = GR_ERR_BACKEND;
  CHECK(run(photo, len, 720, 588, 1, &res, &err) == GR_ERR_BACKEND);
  CHECK(strstr(err.message, "fake hook says no") != NULL);

  /* Truncated (no EOI): never handed to the hook. */
  g_answer = GR_OK;
  gr_status st = run(photo, len * 3 / 4, 720, 588, 1, &res, &err);
  CHECK(g_calls == 0);
  if (st == GR_OK) gr_result_free(&res);

  free(photo);
  return gr_test_finish("test_jpeg_hook");
}
