/* native.process(baton, callback): parses the baton into a gr_request, runs gr_process on
 * libuv's thread pool, and calls back (err, data, info). The input Buffer is read in place and
 * kept alive by a reference while the work is in flight. */
#include <stdlib.h>
#include <string.h>

#include "napi/napi_util.h"

typedef struct process_work {
  gr_napi_call call;
  gr_request req;
  gr_result res;
  gr_error err;
  gr_status status;
} process_work;

static int parse_enum(const char *value, const char *const *names, int count, int fallback) {
  for (int i = 0; i < count; i++) {
    if (!strcmp(value, names[i])) return i;
  }
  return fallback;
}

static gr_rect parse_rect(napi_env env, napi_value baton, const char *key) {
  gr_rect r = {0, 0, 0, 0};
  napi_value o = gr_napi_get_object(env, baton, key);
  if (o) {
    r.left = gr_napi_get_int(env, o, "left", 0);
    r.top = gr_napi_get_int(env, o, "top", 0);
    r.width = gr_napi_get_int(env, o, "width", 0);
    r.height = gr_napi_get_int(env, o, "height", 0);
  }
  return r;
}

void gr_napi_parse_baton(napi_env env, napi_value b, gr_request *req) {
  static const char *const fail_on[] = {"none", "truncated", "error", "warning"};
  static const char *const fits[] = {"cover", "contain", "fill", "inside", "outside"};
  static const char *const kernels[] = {"nearest",  "linear",   "cubic",  "mitchell",
                                        "lanczos2", "lanczos3", "mks2013", "mks2021"};
  static const char *const formats[] = {"input", "jpeg", "png", "webp", "gif",
                                        "tiff", "avif", "heif", "svg", "raw"};
  static const char *const backends[] = {"auto", "gpu", "cpu", "vips"};
  char s[32];

  gr_request_init(req);
  req->raw_width = gr_napi_get_int(env, b, "rawWidth", 0);
  req->raw_height = gr_napi_get_int(env, b, "rawHeight", 0);
  req->raw_channels = gr_napi_get_int(env, b, "rawChannels", 0);
  double limit = gr_napi_get_double(env, b, "limitInputPixels", (double)req->limit_input_pixels);
  req->limit_input_pixels = limit > 0 ? (uint64_t)limit : 0;
  if (gr_napi_get_string(env, b, "failOn", s, sizeof s)) {
    req->fail_on = parse_enum(s, fail_on, 4, GR_FAIL_ON_WARNING);
  }
  req->auto_orient = gr_napi_get_bool(env, b, "autoOrient", 0);
  req->orient_before = gr_napi_get_bool(env, b, "orientBefore", 0);
  req->rotate_before = gr_napi_get_bool(env, b, "rotateBefore", 0);
  req->rotate_angle = gr_napi_get_int(env, b, "angle", 0);
  req->flip = gr_napi_get_bool(env, b, "flip", 0);
  req->flop = gr_napi_get_bool(env, b, "flop", 0);
  req->extract_before = parse_rect(env, b, "extractBefore");
  req->extract_after = parse_rect(env, b, "extractAfter");
  req->resize_width = gr_napi_get_int(env, b, "width", 0);
  req->resize_height = gr_napi_get_int(env, b, "height", 0);
  if (gr_napi_get_string(env, b, "fit", s, sizeof s)) req->fit = parse_enum(s, fits, 5, GR_FIT_COVER);
  req->position = gr_napi_get_int(env, b, "position", 0);
  napi_value bg;
  bool is_array = false;
  if (napi_get_named_property(env, b, "background", &bg) == napi_ok &&
      napi_is_array(env, bg, &is_array) == napi_ok && is_array) {
    for (uint32_t i = 0; i < 4; i++) {
      napi_value v;
      double d;
      if (napi_get_element(env, bg, i, &v) == napi_ok && napi_get_value_double(env, v, &d) == napi_ok) {
        req->background[i] = d;
      }
    }
  }
  if (gr_napi_get_string(env, b, "kernel", s, sizeof s)) {
    req->kernel = parse_enum(s, kernels, GR_KERNEL_COUNT, GR_KERNEL_LANCZOS3);
  }
  req->without_enlargement = gr_napi_get_bool(env, b, "withoutEnlargement", 0);
  req->without_reduction = gr_napi_get_bool(env, b, "withoutReduction", 0);
  req->fast_shrink_on_load = gr_napi_get_bool(env, b, "fastShrinkOnLoad", 1);
  if (gr_napi_get_string(env, b, "format", s, sizeof s)) {
    req->output_format = parse_enum(s, formats, GR_FORMAT_COUNT, GR_FORMAT_UNKNOWN);
  }
  napi_value jpeg = gr_napi_get_object(env, b, "jpeg");
  req->jpeg.quality = gr_napi_get_int(env, jpeg, "quality", 80);
  req->jpeg.progressive = gr_napi_get_bool(env, jpeg, "progressive", 0);
  if (gr_napi_get_string(env, jpeg, "chromaSubsampling", s, sizeof s)) {
    req->jpeg.chroma_444 = !strcmp(s, "4:4:4");
  }
  req->jpeg.optimize_coding = gr_napi_get_bool(env, jpeg, "optimiseCoding", 1);
  napi_value png = gr_napi_get_object(env, b, "png");
  req->png.compression_level = gr_napi_get_int(env, png, "compressionLevel", 6);
  req->png.adaptive_filtering = gr_napi_get_bool(env, png, "adaptiveFiltering", 0);
  req->png.progressive = gr_napi_get_bool(env, png, "progressive", 0);
  napi_value webp = gr_napi_get_object(env, b, "webp");
  req->webp.quality = gr_napi_get_int(env, webp, "quality", 80);
  req->webp.alpha_quality = gr_napi_get_int(env, webp, "alphaQuality", 100);
  req->webp.lossless = gr_napi_get_bool(env, webp, "lossless", 0);
  req->webp.near_lossless = gr_napi_get_bool(env, webp, "nearLossless", 0);
  req->webp.smart_subsample = gr_napi_get_bool(env, webp, "smartSubsample", 0);
  req->webp.effort = gr_napi_get_int(env, webp, "effort", 4);
  if (gr_napi_get_string(env, b, "backend", s, sizeof s)) {
    req->backend = parse_enum(s, backends, GR_BACKEND_COUNT, GR_BACKEND_AUTO);
  }
}

static void execute(napi_env env, void *data) {
  process_work *w = data;
  w->status = gr_process(&w->req, &w->res, &w->err);
}

static void free_result(napi_env env, void *data, void *hint) { free(data); }

napi_value gr_napi_result_buffer(napi_env env, gr_result *r) {
  napi_value buffer = NULL;
  if (napi_create_external_buffer(env, r->length, r->data, free_result, NULL, &buffer) ==
      napi_ok) {
    r->data = NULL; /* now owned by the Buffer */
  } else {
    napi_create_buffer_copy(env, r->length, r->data, NULL, &buffer);
  }
  return buffer;
}

napi_value gr_napi_result_info(napi_env env, const gr_result *r) {
  napi_value info;
  napi_create_object(env, &info);
  gr_napi_set_string(env, info, "format", gr_format_name(r->format));
  gr_napi_set_int(env, info, "size", (int64_t)r->length);
  gr_napi_set_int(env, info, "width", r->width);
  gr_napi_set_int(env, info, "height", r->height);
  gr_napi_set_int(env, info, "channels", r->channels);
  gr_napi_set_bool(env, info, "premultiplied", r->premultiplied);
  if (r->has_crop_offset) {
    gr_napi_set_int(env, info, "cropOffsetLeft", r->crop_offset_left);
    gr_napi_set_int(env, info, "cropOffsetTop", r->crop_offset_top);
  }
  if (r->has_attention) {
    gr_napi_set_int(env, info, "attentionX", r->attention_x);
    gr_napi_set_int(env, info, "attentionY", r->attention_y);
  }
  gr_napi_set_string(env, info, "backend", gr_backend_name(r->backend));
  if (r->gpu_decoded) gr_napi_set_bool(env, info, "gpuDecoded", 1);
  if (r->gpu_encoded) gr_napi_set_bool(env, info, "gpuEncoded", 1);
  if (r->fallback_reason[0]) gr_napi_set_string(env, info, "fallbackReason", r->fallback_reason);
  return info;
}

static void complete(napi_env env, napi_status status, void *data) {
  process_work *w = data;
  napi_value argv[3];
  int argc = 1;
  if (status != napi_ok) {
    argv[0] = gr_napi_error(env, "gpu-resize: the request was cancelled");
  } else if (w->status != GR_OK) {
    argv[0] = gr_napi_error(env, w->err.message[0] ? w->err.message : gr_status_name(w->status));
  } else {
    napi_get_null(env, &argv[0]);
    argv[1] = gr_napi_result_buffer(env, &w->res);
    argv[2] = gr_napi_result_info(env, &w->res);
    argc = 3;
  }
  gr_result_free(&w->res);
  napi_value callback = gr_napi_release(env, &w->call);
  free(w);
  gr_napi_callback(env, callback, (size_t)argc, argv);
}

napi_value gr_napi_process(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  napi_valuetype t0, t1;
  if (argc < 2 || napi_typeof(env, argv[0], &t0) != napi_ok || t0 != napi_object ||
      napi_typeof(env, argv[1], &t1) != napi_ok || t1 != napi_function) {
    napi_throw_type_error(env, NULL, "process(baton, callback) expects an object and a function");
    return NULL;
  }
  napi_value input;
  bool is_buffer = false;
  if (napi_get_named_property(env, argv[0], "input", &input) != napi_ok ||
      napi_is_buffer(env, input, &is_buffer) != napi_ok || !is_buffer) {
    napi_throw_type_error(env, NULL, "baton.input must be a Buffer");
    return NULL;
  }
  process_work *w = calloc(1, sizeof *w);
  if (!w) {
    napi_throw_error(env, NULL, "gpu-resize: out of memory");
    return NULL;
  }
  gr_napi_parse_baton(env, argv[0], &w->req);
  void *data = NULL;
  size_t length = 0;
  napi_get_buffer_info(env, input, &data, &length);
  w->req.input = data;
  w->req.input_length = length;
  if (gr_napi_queue(env, &w->call, input, argv[1], "gpu-resize:process", execute, complete, w) !=
      napi_ok) {
    free(w);
    gr_napi_throw_last(env, "queueing the request");
    return NULL;
  }
  return NULL;
}
