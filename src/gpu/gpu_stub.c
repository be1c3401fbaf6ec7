/* The GPU backend when CUDA is not found at build time: always unavailable. */
#include "gpu/gpu.h"
#include "gpu/jpeg_encode.h"

#include <stdio.h>
#include <string.h>

static const char *const kReason = "built without CUDA";

int gr_gpu_available(char *device, size_t device_size, uint64_t *memory_bytes, char *reason,
                     size_t reason_size) {
  if (device && device_size > 0) device[0] = '\0';
  if (memory_bytes) *memory_bytes = 0;
  if (reason && reason_size > 0) snprintf(reason, reason_size, "%s", kReason);
  return 0;
}

gr_status gr_gpu_resize(const gr_image *src, const gr_filter *horizontal,
                        const gr_filter *vertical, gr_image *dst, gr_error *err) {
  return gr_fail(err, GR_ERR_UNSUPPORTED, "GPU backend %s", kReason);
}

gr_status gr_gpu_jpeg_resize(const uint8_t *data, size_t length, int width, int height,
                             const gr_filter *horizontal, const gr_filter *vertical,
                             gr_gpu_jpeg_output *encode, gr_image *dst, gr_error *err) {
  return gr_fail(err, GR_ERR_UNSUPPORTED, "GPU backend %s", kReason);
}

gr_status gr_gpu_jpeg_resize_many(const uint8_t *data, size_t length, int width, int height,
                                  gr_gpu_jpeg_target *targets, int count, gr_error *err) {
  return gr_fail(err, GR_ERR_UNSUPPORTED, "GPU backend %s", kReason);
}

void gr_gpu_jpeg_stats(gr_gpu_jpeg_stats_t *stats) { memset(stats, 0, sizeof *stats); }

int gr_gpu_jpeg_available(char *reason, size_t reason_size) {
  if (reason && reason_size > 0) snprintf(reason, reason_size, "%s", kReason);
  return 0;
}

void gr_gpu_stats(gr_gpu_stats_t *stats) {
  memset(stats, 0, sizeof *stats);
}

gr_status gr_gpu_host_alloc(size_t size, void **out, gr_error *err) {
  *out = NULL;
  return gr_fail(err, GR_ERR_UNSUPPORTED, "GPU not available: %s", kReason);
}

void gr_gpu_host_free(void *p) { (void)p; }

int gr_gpu_host_is_pinned(const void *p, size_t length) { return 0; }

void gr_gpu_host_count_direct(void) {}

void gr_gpu_host_stats(gr_gpu_host_stats_t *stats) { memset(stats, 0, sizeof *stats); }

/* The GPU JPEG encoder (jpeg_encode.h); its option checks (jpeg_encode_options.c) are built
 * here too, so only the encoder itself is missing. */
int gr_gpu_jpeg_encoder_available(char *reason, size_t reason_size) {
  if (reason && reason_size > 0) snprintf(reason, reason_size, "%s", kReason);
  return 0;
}

gr_status gr_gpu_jpeg_encoder_borrow(int device, gr_gpu_jpeg_encoder **enc, gr_error *err) {
  if (!enc) return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "GPU JPEG encode: no encoder");
  *enc = NULL;
  return gr_fail(err, GR_ERR_UNSUPPORTED, "GPU JPEG encode unavailable: %s", kReason);
}

void gr_gpu_jpeg_encoder_return(gr_gpu_jpeg_encoder *enc) {}

gr_status gr_gpu_jpeg_encode_queue(gr_gpu_jpeg_encoder *enc, const uint8_t *device_rgb,
                                   int width, int height, size_t pitch,
                                   const gr_gpu_jpeg_options *o, void *stream, gr_error *err) {
  gr_status s = gr_gpu_jpeg_check_frame(enc, device_rgb, width, height, pitch, o, err);
  if (s != GR_OK) return s;
  return gr_fail(err, GR_ERR_UNSUPPORTED, "GPU JPEG encode unavailable: %s", kReason);
}

gr_status gr_gpu_jpeg_encode_retrieve(gr_gpu_jpeg_encoder *enc, uint8_t **out,
                                      size_t *out_length, gr_error *err) {
  if (!enc || !out || !out_length) {
    return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "GPU JPEG encode: retrieve without %s",
                   enc ? "an output" : "an encoder");
  }
  return gr_fail(err, GR_ERR_UNSUPPORTED, "GPU JPEG encode unavailable: %s", kReason);
}

gr_status gr_gpu_jpeg_encode(int device, const uint8_t *device_rgb, int width, int height,
                             size_t pitch, const gr_gpu_jpeg_options *o, void *stream,
                             uint8_t **out, size_t *out_length, gr_error *err) {
  if (!out || !out_length) {
    return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "GPU JPEG encode: no output");
  }
  *out = NULL;
  *out_length = 0;
  gr_status s = gr_gpu_jpeg_encode_supported(o, width, height, err);
  if (s != GR_OK) return s;
  return gr_fail(err, GR_ERR_UNSUPPORTED, "GPU JPEG encode unavailable: %s", kReason);
}

const char *gr_gpu_jpeg_encoder_tables(const gr_gpu_jpeg_encoder *enc) { return ""; }

void gr_gpu_jpeg_encoder_lane(int lane) { (void)lane; }
