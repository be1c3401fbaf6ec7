/* The GPU backend when CUDA is not found at build time: always unavailable. */
#include "gpu/gpu.h"

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
                             gr_image *dst, gr_error *err) {
  return gr_fail(err, GR_ERR_UNSUPPORTED, "GPU backend %s", kReason);
}

int gr_gpu_jpeg_available(char *reason, size_t reason_size) {
  if (reason && reason_size > 0) snprintf(reason, reason_size, "%s", kReason);
  return 0;
}

void gr_gpu_stats(gr_gpu_stats_t *stats) {
  memset(stats, 0, sizeof *stats);
}
