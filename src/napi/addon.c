/* Module entry: exports process, processMany, metadata, backends, pool, jpegBatches,
 * pinnedBuffer and pinnedMemory. */
#include <stdint.h>
#include <string.h>

#include "core/pool.h"
#include "gpu/gpu.h"
#include "napi/napi_util.h"

napi_value gr_napi_process(napi_env env, napi_callback_info info);
napi_value gr_napi_metadata(napi_env env, napi_callback_info info);
napi_value gr_napi_process_many(napi_env env, napi_callback_info info);

static napi_value backends(napi_env env, napi_callback_info info) {
  napi_value out;
  NAPI_CALL(env, napi_create_object(env, &out));
  for (int b = GR_BACKEND_GPU; b < GR_BACKEND_COUNT; b++) {
    gr_backend_info bi;
    gr_backend_query((gr_backend)b, &bi);
    napi_value o;
    NAPI_CALL(env, napi_create_object(env, &o));
    gr_napi_set_bool(env, o, "available", bi.available);
    gr_napi_set_string(env, o, "device", bi.device);
    if (bi.decoder[0]) gr_napi_set_string(env, o, "decoder", bi.decoder);
    gr_napi_set_double(env, o, "memory", (double)bi.memory_bytes);
    gr_napi_set_string(env, o, "reason", bi.available ? "" : bi.reason);
    gr_napi_set_double(env, o, "requests", (double)bi.requests);
    gr_napi_set_double(env, o, "failures", (double)bi.failures);
    gr_napi_set_double(env, o, "skipped", (double)bi.skipped);
    NAPI_CALL(env, napi_set_named_property(env, out, bi.name, o));
  }
  return out;
}

/* The request pool's figures (core/pool.h), for sharp.counters() and sharp.concurrency(). */
static napi_value pool(napi_env env, napi_callback_info info) {
  gr_pool_stats st;
  gr_pool_get_stats(&st);
  napi_value out;
  NAPI_CALL(env, napi_create_object(env, &out));
  gr_napi_set_int(env, out, "maxActive", st.max_active);
  gr_napi_set_int(env, out, "threads", st.threads);
  gr_napi_set_int(env, out, "active", st.active);
  gr_napi_set_int(env, out, "waiting", st.waiting);
  gr_napi_set_int(env, out, "queued", st.queued);
  return out;
}

/* The GPU JPEG batchers' figures (gpu/gpu.h), for benchmarks and tests. */
static napi_value jpeg_batches(napi_env env, napi_callback_info info) {
  gr_gpu_jpeg_stats_t st;
  gr_gpu_jpeg_stats(&st);
  napi_value out;
  NAPI_CALL(env, napi_create_object(env, &out));
  gr_napi_set_double(env, out, "batches", (double)st.batches);
  gr_napi_set_double(env, out, "images", (double)st.images);
  gr_napi_set_double(env, out, "outputs", (double)st.outputs);
  gr_napi_set_double(env, out, "busy", (double)st.busy);
  gr_napi_set_double(env, out, "batchMs", st.batch_ms);
  gr_napi_set_double(env, out, "decodeMs", st.decode_ms);
  gr_napi_set_double(env, out, "blockedMs", st.blocked_ms);
  gr_napi_set_double(env, out, "hybrid", (double)st.hybrid);
  gr_napi_set_double(env, out, "resets", (double)st.resets);
  gr_napi_set_double(env, out, "resetMs", st.reset_ms);
  gr_napi_set_double(env, out, "refused", (double)st.refused);
  gr_napi_set_double(env, out, "skipped", (double)st.skipped);
  return out;
}

static void free_pinned(napi_env env, void *data, void *hint) {
  int64_t adjusted;
  napi_adjust_external_memory(env, -(int64_t)(uintptr_t)hint, &adjusted);
  gr_gpu_host_free(data);
}

/* pinnedBuffer(size): a zero-filled Buffer in page-locked memory (gpu/gpu.h), or null when
 * there is none to give (no GPU, or pinning failed): the JS layer then makes a plain one. */
static napi_value pinned_buffer(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  double size = 0;
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_double(env, argv[0], &size) != napi_ok || !(size >= 1) ||
      size > (double)SIZE_MAX) {
    napi_throw_range_error(env, NULL, "pinnedBuffer(size) expects a positive size");
    return NULL;
  }
  napi_value out;
  void *data = NULL;
  gr_error err;
  if (gr_gpu_host_alloc((size_t)size, &data, &err) != GR_OK) {
    NAPI_CALL(env, napi_get_null(env, &out));
    return out;
  }
  memset(data, 0, (size_t)size);
  if (napi_create_external_buffer(env, (size_t)size, data, free_pinned, (void *)(uintptr_t)size,
                                  &out) != napi_ok) {
    gr_gpu_host_free(data);
    gr_napi_throw_last(env, "napi_create_external_buffer");
    return NULL;
  }
  int64_t adjusted;
  napi_adjust_external_memory(env, (int64_t)size, &adjusted);
  return out;
}

/* The pinned buffers' figures (gpu/gpu.h), for benchmarks and tests. */
static napi_value pinned_memory(napi_env env, napi_callback_info info) {
  gr_gpu_host_stats_t st;
  gr_gpu_host_stats(&st);
  napi_value out;
  NAPI_CALL(env, napi_create_object(env, &out));
  gr_napi_set_double(env, out, "buffers", (double)st.buffers);
  gr_napi_set_double(env, out, "bytes", (double)st.bytes);
  gr_napi_set_double(env, out, "cachedBuffers", (double)st.cached_buffers);
  gr_napi_set_double(env, out, "cachedBytes", (double)st.cached_bytes);
  gr_napi_set_double(env, out, "directUploads", (double)st.direct_uploads);
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"process", NULL, gr_napi_process, NULL, NULL, NULL, napi_default, NULL},
      {"processMany", NULL, gr_napi_process_many, NULL, NULL, NULL, napi_default, NULL},
      {"metadata", NULL, gr_napi_metadata, NULL, NULL, NULL, napi_default, NULL},
      {"backends", NULL, backends, NULL, NULL, NULL, napi_default, NULL},
      {"pool", NULL, pool, NULL, NULL, NULL, napi_default, NULL},
      {"jpegBatches", NULL, jpeg_batches, NULL, NULL, NULL, napi_default, NULL},
      {"pinnedBuffer", NULL, pinned_buffer, NULL, NULL, NULL, napi_default, NULL},
      {"pinnedMemory", NULL, pinned_memory, NULL, NULL, NULL, napi_default, NULL},
  };
  NAPI_CALL(env, napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
