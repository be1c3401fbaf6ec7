/* The GPU backend (CUDA). Built only where the CUDA toolkit is found; elsewhere gpu_stub.c
 * provides the same functions reporting the backend unavailable. */
#ifndef GR_GPU_H
#define GR_GPU_H

#include "core/common.h"
#include "core/filter.h"
#include "gpu/jpeg_encode.h"

/* 1 when a usable CUDA device is present (lazy initialisation, once). On 0, reason says why.
 * device/memory describe device 0. */
int gr_gpu_available(char *device, size_t device_size, uint64_t *memory_bytes, char *reason,
                     size_t reason_size);

/* Resizes src (host memory, 1-4 channels) on the GPU with the given filters, alpha premultiplied
 * inside the passes, and writes dst (allocated here, host memory). One synchronisation. */
gr_status gr_gpu_resize(const gr_image *src, const gr_filter *horizontal,
                        const gr_filter *vertical, gr_image *dst, gr_error *err);

/* JPEG input decoded on the GPU (nvJPEG's hardware decoder, batched across concurrent calls,
 * see jpeg_batch.c) at its full width x height as RGB, resized with the filters (in_size =
 * width/height), and the result downloaded into dst (RGB, allocated here). One request of a
 * batch; blocks until its batch is done. GR_ERR_UNSUPPORTED when there is no nvJPEG or no
 * hardware decoder (decode on the CPU instead); GR_ERR_BACKEND when the batch failed.
 * encode (may be NULL): encode that region of the result on the GPU in the same batch; on
 * GR_OK either encode->data holds the JPEG (dst stays empty) or dst holds the pixels. */
gr_status gr_gpu_jpeg_resize(const uint8_t *data, size_t length, int width, int height,
                             const gr_filter *horizontal, const gr_filter *vertical,
                             gr_gpu_jpeg_output *encode, gr_image *dst, gr_error *err);
/* One output of gr_gpu_jpeg_resize_many; at most this many of them. */
#define GR_GPU_JPEG_GROUP_MAX 64

typedef struct gr_gpu_jpeg_target {
  const gr_filter *horizontal, *vertical; /* in_size: the decoded image's, or `from`'s output */
  int from;                    /* -1: resize the decoded image; else an earlier target whose
                                  resized image (still on the device) this one resizes */
  gr_gpu_jpeg_output *encode;  /* as gr_gpu_jpeg_resize's (may be NULL) */
  /* Out: dst (RGB, allocated here) or encode->data when status is GR_OK; else the reason. */
  gr_image dst;
  gr_status status;
  char message[GR_MESSAGE_MAX];
} gr_gpu_jpeg_target;

/* Many outputs of one JPEG (toBuffers on the GPU): one nvJPEG decode into device memory, every
 * target resized (and JPEG-encoded where asked and possible) from it or from an earlier
 * target's resized image, in one batch job; each output counts as a GPU request. Returns
 * GR_ERR_UNSUPPORTED (nothing was done: the caller decodes on the CPU) when the GPU could not
 * decode the image or takes no group that size (1 to GR_GPU_JPEG_GROUP_MAX targets); else GR_OK with each
 * target's own status (GR_ERR_BACKEND: that output failed, its dependants too). */
gr_status gr_gpu_jpeg_resize_many(const uint8_t *data, size_t length, int width, int height,
                                  gr_gpu_jpeg_target *targets, int count, gr_error *err);

/* 1 when gr_gpu_jpeg_resize can run (nvJPEG with a hardware decoder on some device). */
int gr_gpu_jpeg_available(char *reason, size_t reason_size);

/* What the JPEG batchers did, summed over devices since start (diagnostics: bench/ and tests
 * read it to see batch sizes and where a batch's time goes). */
typedef struct gr_gpu_jpeg_stats {
  uint64_t batches, images;   /* batches run, JPEGs decoded in them */
  uint64_t outputs;           /* outputs resized from those (more than images: toBuffers sets) */
  uint64_t busy;              /* requests sent to the CPU decoder because the queue was full */
  uint64_t hybrid;            /* of the images, those the GPU hybrid decoders took */
  double batch_ms;            /* batchers' time in run_batch */
  double decode_ms;           /* of which: the decode between its two synchronisations */
  uint64_t resets;            /* hardware decoders made anew after a refused or skipped image */
  double reset_ms;            /* time that took */
  uint64_t refused;           /* batch decodes the hardware decoder refused ("bad jpeg", ...) */
  uint64_t skipped;           /* images it reported decoded but did not write (the canary) */
  double blocked_ms;          /* batchers' time with jobs queued but every pinned result set read */
} gr_gpu_jpeg_stats_t;

void gr_gpu_jpeg_stats(gr_gpu_jpeg_stats_t *stats);

/* Counters and health of the GPU backend (safe to call at any time, from any thread; does not
 * initialise CUDA: before the first gr_gpu_available/gr_gpu_resize everything reads 0).
 *
 * Health: a CUDA error that leaves the context broken (illegal address, launch failure, ...)
 * marks its device unhealthy at once; other CUDA errors mark it unhealthy after 3 consecutive
 * failures. An unhealthy device takes no requests; 5 seconds later the next gr_gpu_available or
 * gr_gpu_resize runs a health check (device reset when the context was broken and no request
 * is in flight on it, then a kernel + copy round trip) and, if it passes, takes it back.
 * gr_gpu_available returns 0 while no device is healthy. Injected faults (below) count as
 * failures but never affect health.
 *
 * Fault injection for tests: GPU_RESIZE_FAULT=alloc|launch|copy, optionally ":RATE" (0-1,
 * default 1), read with getenv on every gr_gpu_resize call, makes that step fail with
 * GR_ERR_BACKEND "injected fault: <step>". */
typedef struct gr_gpu_stats {
  uint64_t requests;  /* gr_gpu_resize calls */
  uint64_t failures;  /* of those, the ones that returned an error */
  int healthy;        /* 1 when at least one device is available and healthy */
  int device_count;   /* CUDA devices found (0 without CUDA or a driver) */
  uint64_t tables_built;  /* tensor-core requests that built their kernel tables (prep kernel) */
  uint64_t tables_reused; /* those that found them kept from the previous request of their stream */
  char last_error[GR_MESSAGE_MAX]; /* message of the last failure, "" if none */
} gr_gpu_stats_t;

void gr_gpu_stats(gr_gpu_stats_t *stats);

/* Page-locked host memory for callers' buffers (host_memory.c). A source that lies in one is
 * uploaded by gr_gpu_resize straight from it, without the staging copy. Blocks freed are kept
 * for reuse, up to 1 GiB. gr_gpu_host_alloc: GR_ERR_UNSUPPORTED without a usable GPU. */
gr_status gr_gpu_host_alloc(size_t size, void **out, gr_error *err);
void gr_gpu_host_free(void *p);
/* 1 when [p, p + length) lies in one live block of gr_gpu_host_alloc. */
int gr_gpu_host_is_pinned(const void *p, size_t length);
/* Counts one upload made straight from such a block (runtime.c). */
void gr_gpu_host_count_direct(void);

typedef struct gr_gpu_host_stats {
  uint64_t buffers, bytes;               /* blocks handed out and not yet freed */
  uint64_t cached_buffers, cached_bytes; /* freed blocks kept for reuse */
  uint64_t direct_uploads;               /* gr_gpu_resize sources uploaded straight from a block */
} gr_gpu_host_stats_t;

void gr_gpu_host_stats(gr_gpu_host_stats_t *stats);

#endif
