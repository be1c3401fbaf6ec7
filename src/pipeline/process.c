/* The one pipeline entry: route a request GPU -> CPU -> libvips, fall back per request, count. */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/codecs.h"
#include "cpu/cpu.h"
#include "gpu/gpu.h"
#include "pipeline/pipeline.h"
#include "vips/vips_backend.h"

typedef struct backend_counters {
  atomic_uint_fast64_t requests, failures, skipped;
} backend_counters;

static backend_counters counters[GR_BACKEND_COUNT];

void gr_request_init(gr_request *req) {
  memset(req, 0, sizeof *req);
  req->limit_input_pixels = GR_DEFAULT_PIXEL_LIMIT;
  req->fail_on = GR_FAIL_ON_WARNING;
  req->fit = GR_FIT_COVER;
  req->kernel = GR_KERNEL_LANCZOS3;
  req->background[3] = 255.0;
  req->fast_shrink_on_load = 1;
  req->jpeg = (gr_jpeg_options){80, 0, 0, 1};
  req->png = (gr_png_options){6, 0, 0};
  req->webp = (gr_webp_options){80, 100, 0, 0, 0, 4};
}

void gr_result_free(gr_result *res) {
  if (res) {
    free(res->data);
    res->data = NULL;
    res->length = 0;
  }
}

const char *gr_backend_name(gr_backend backend) {
  switch (backend) {
    case GR_BACKEND_GPU: return "gpu";
    case GR_BACKEND_CPU: return "cpu";
    case GR_BACKEND_VIPS: return "vips";
    default: return "auto";
  }
}

const char *gr_format_name(gr_format format) {
  static const char *names[GR_FORMAT_COUNT] = {"unknown", "jpeg", "png", "webp", "gif",
                                               "tiff", "avif", "heif", "svg", "raw"};
  return (format >= 0 && format < GR_FORMAT_COUNT) ? names[format] : "unknown";
}

const char *gr_status_name(gr_status code) {
  switch (code) {
    case GR_OK: return "ok";
    case GR_ERR_INVALID_ARGUMENT: return "invalid argument";
    case GR_ERR_UNSUPPORTED: return "unsupported";
    case GR_ERR_DECODE: return "decode error";
    case GR_ERR_ENCODE: return "encode error";
    case GR_ERR_NO_MEMORY: return "out of memory";
    case GR_ERR_LIMIT: return "limit exceeded";
    case GR_ERR_BACKEND: return "backend error";
  }
  return "unknown error";
}

static gr_backend backend_from_env(void) {
  const char *env = getenv("GPU_RESIZE_BACKEND");
  if (!env) return GR_BACKEND_AUTO;
  if (!strcmp(env, "gpu")) return GR_BACKEND_GPU;
  if (!strcmp(env, "cpu")) return GR_BACKEND_CPU;
  if (!strcmp(env, "vips")) return GR_BACKEND_VIPS;
  return GR_BACKEND_AUTO;
}

/* Below this many input pixels the CPU path is as fast as a GPU round trip (copies and launch
 * overhead dominate). Measured with bench/threshold.js on an H100 with 16 cores
 * (bench/results/h100-16core/threshold.md): at 16 requests in flight the GPU wins from 384x384
 * up, for raw and JPEG input alike; at 1 in flight the two are within noise. Overridable with
 * GPU_RESIZE_GPU_MIN_PIXELS. */
#define GR_GPU_MIN_PIXELS_DEFAULT (384 * 384)

static uint64_t gpu_min_pixels(void) {
  const char *env = getenv("GPU_RESIZE_GPU_MIN_PIXELS");
  if (env && *env) return strtoull(env, NULL, 10);
  return GR_GPU_MIN_PIXELS_DEFAULT;
}

static gr_status cpu_resize(const gr_image *src, const gr_filter *h, const gr_filter *v,
                            gr_image *dst, gr_error *err) {
  return gr_cpu_resize_with(src, h, v, dst, err);
}

/* JPEG decodes on the GPU (nvJPEG's hardware decoder, batched) where the image qualifies;
 * GPU_RESIZE_GPU_DECODE=0 keeps it on the CPU (libjpeg-turbo with shrink-on-load). */
int gr_gpu_decode_enabled(void) {
  const char *env = getenv("GPU_RESIZE_GPU_DECODE");
  return !(env && !strcmp(env, "0"));
}

static gr_status default_runner(void *ctx, const gr_request *req, const gr_input_header *header,
                                gr_resize_fn resize, int require_resize, gr_result *res,
                                gr_error *err) {
  gr_jpeg_resize_fn jpeg = resize == gr_gpu_resize && gr_gpu_decode_enabled() ? gr_gpu_jpeg_resize : NULL;
  return gr_native_run_ex(req, header, NULL, resize, jpeg, require_resize, res, err);
}

static gr_status run_gpu(const gr_request *req, const gr_input_header *header,
                         gr_native_runner runner, void *ctx, gr_result *res, gr_error *err) {
  char reason[GR_MESSAGE_MAX];
  if (!gr_gpu_available(NULL, 0, NULL, reason, sizeof reason)) {
    return gr_fail(err, GR_ERR_UNSUPPORTED, "gpu unavailable: %s", reason);
  }
  return runner(ctx, req, header, gr_gpu_resize, 1, res, err);
}

static gr_status run_cpu(const gr_request *req, const gr_input_header *header,
                         gr_native_runner runner, void *ctx, gr_result *res, gr_error *err) {
  return runner(ctx, req, header, cpu_resize, 0, res, err);
}

static gr_status run_vips(const gr_request *req, gr_result *res, gr_error *err) {
  char reason[GR_MESSAGE_MAX];
  if (!gr_vips_available(NULL, 0, reason, sizeof reason)) {
    return gr_fail(err, GR_ERR_UNSUPPORTED, "libvips unavailable: %s", reason);
  }
  return gr_vips_process(req, res, err);
}

/* Input errors are the caller's: no other backend would do better, so they end the request. */
static int is_input_error(gr_status st) {
  return st == GR_ERR_DECODE || st == GR_ERR_LIMIT || st == GR_ERR_INVALID_ARGUMENT;
}

static void append_reason(gr_result *res, gr_backend backend, const gr_error *e) {
  size_t used = strlen(res->fallback_reason);
  snprintf(res->fallback_reason + used, sizeof res->fallback_reason - used, "%s%s: %s",
           used ? "; " : "", gr_backend_name(backend), e->message);
}

/* Auto mode sends a request to the GPU only when one is usable (backends() says why not) and
 * the image is large enough to gain from it. */
static int gpu_worth_it(const gr_input_header *header) {
  if (!gr_gpu_available(NULL, 0, NULL, NULL, 0)) return 0;
  if (header->status != GR_OK) return 1;
  uint64_t in = (uint64_t)header->meta.width * (uint64_t)header->meta.height;
  return in >= gpu_min_pixels();
}

gr_status gr_process(const gr_request *req, gr_result *res, gr_error *err) {
  memset(res, 0, sizeof *res);
  gr_error local;
  if (!err) err = &local;
  memset(err, 0, sizeof *err);
  if (!req || !req->input || req->input_length == 0) {
    return gr_fail(err, GR_ERR_DECODE, "Input buffer is empty");
  }
  /* One header read serves the routing and both native backends. */
  gr_input_header header;
  gr_read_input_header(req, &header);
  return gr_process_routed(req, &header, NULL, NULL, res, err);
}

static gr_backend forced_backend(const gr_request *req) {
  return req->backend != GR_BACKEND_AUTO ? req->backend : backend_from_env();
}

int gr_route_tries_gpu(const gr_request *req, const gr_input_header *header) {
  gr_backend forced = forced_backend(req);
  return forced == GR_BACKEND_GPU || (forced == GR_BACKEND_AUTO && gpu_worth_it(header));
}

gr_status gr_process_routed(const gr_request *req, const gr_input_header *header,
                            gr_native_runner runner, void *ctx, gr_result *res, gr_error *err) {
  if (!runner) runner = default_runner;
  gr_backend forced = forced_backend(req);
  gr_backend order[3];
  int n = 0;
  switch (forced) {
    case GR_BACKEND_GPU: order[n++] = GR_BACKEND_GPU; /* fall through */
    case GR_BACKEND_CPU: order[n++] = GR_BACKEND_CPU; /* fall through */
    case GR_BACKEND_VIPS: order[n++] = GR_BACKEND_VIPS; break;
    default:
      if (gpu_worth_it(header)) order[n++] = GR_BACKEND_GPU;
      order[n++] = GR_BACKEND_CPU;
      order[n++] = GR_BACKEND_VIPS;
  }
  gr_status st = GR_ERR_UNSUPPORTED;
  for (int i = 0; i < n; i++) {
    gr_backend b = order[i];
    gr_error e = {GR_OK, ""};
    gr_result attempt;
    memset(&attempt, 0, sizeof attempt);
    if (b == GR_BACKEND_GPU) st = run_gpu(req, header, runner, ctx, &attempt, &e);
    else if (b == GR_BACKEND_CPU) st = run_cpu(req, header, runner, ctx, &attempt, &e);
    else st = run_vips(req, &attempt, &e);
    if (st == GR_OK) {
      atomic_fetch_add(&counters[b].requests, 1);
      if (attempt.fallback_reason[0]) {
        /* The backend's own note (e.g. why the GPU did not decode) goes after earlier ones. */
        gr_error note = {GR_OK, ""};
        snprintf(note.message, sizeof note.message, "%s", attempt.fallback_reason);
        append_reason(res, b, &note);
      }
      memcpy(attempt.fallback_reason, res->fallback_reason, sizeof attempt.fallback_reason);
      *res = attempt;
      res->backend = b;
      return GR_OK;
    }
    gr_result_free(&attempt);
    *err = e;
    if (is_input_error(st)) return st;
    if (st == GR_ERR_UNSUPPORTED) atomic_fetch_add(&counters[b].skipped, 1);
    else atomic_fetch_add(&counters[b].failures, 1);
    append_reason(res, b, &e);
  }
  return st;
}

gr_status gr_read_metadata(const uint8_t *input, size_t length, gr_metadata *meta, gr_error *err) {
  return gr_read_metadata_ex(input, length, meta, NULL, err);
}

gr_status gr_read_metadata_ex(const uint8_t *input, size_t length, gr_metadata *meta,
                              gr_metadata_ex *ex, gr_error *err) {
  gr_error local;
  if (!err) err = &local;
  if (ex) {
    memset(ex, 0, sizeof *ex);
    ex->is_palette = ex->loop = ex->page_primary = -1;
  }
  if (!input || length == 0) return gr_fail(err, GR_ERR_DECODE, "Input buffer is empty");
  gr_status st = gr_codec_read_header(input, length, meta, err);
  if (st != GR_ERR_UNSUPPORTED) return st;
  return gr_vips_read_metadata_ex(input, length, meta, ex, err);
}

void gr_metadata_ex_free(gr_metadata_ex *ex) {
  if (!ex) return;
  free(ex->delay);
  gr_blob *blobs[] = {&ex->exif, &ex->icc, &ex->iptc, &ex->xmp, &ex->photoshop};
  for (size_t i = 0; i < sizeof blobs / sizeof blobs[0]; i++) free(blobs[i]->data);
  memset(ex, 0, sizeof *ex);
  ex->is_palette = ex->loop = ex->page_primary = -1;
}

void gr_backend_query(gr_backend backend, gr_backend_info *info) {
  memset(info, 0, sizeof *info);
  snprintf(info->name, sizeof info->name, "%s", gr_backend_name(backend));
  if (backend == GR_BACKEND_GPU) {
    info->available = gr_gpu_available(info->device, sizeof info->device, &info->memory_bytes,
                                       info->reason, sizeof info->reason);
    if (info->available) {
      char why[GR_MESSAGE_MAX];
      if (gr_gpu_jpeg_available(why, sizeof why) && gr_gpu_decode_enabled()) {
        snprintf(info->decoder, sizeof info->decoder, "nvjpeg-hardware");
      } else {
        snprintf(info->decoder, sizeof info->decoder, "libjpeg-turbo (%.200s)",
                 gr_gpu_decode_enabled() ? why : "GPU decode off: GPU_RESIZE_GPU_DECODE=0");
      }
    }
  } else if (backend == GR_BACKEND_CPU) {
    info->available = 1;
    snprintf(info->device, sizeof info->device, "%d threads", gr_thread_count());
  } else if (backend == GR_BACKEND_VIPS) {
    info->available = gr_vips_available(info->device, sizeof info->device, info->reason,
                                        sizeof info->reason);
  } else {
    return;
  }
  info->requests = atomic_load(&counters[backend].requests);
  info->failures = atomic_load(&counters[backend].failures);
  info->skipped = atomic_load(&counters[backend].skipped);
}
