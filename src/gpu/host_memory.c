/* Page-locked host buffers handed to callers (sharp.pinnedBuffer): a request whose source lies
 * in one is uploaded straight from it, skipping the staging copy into the context's pinned
 * buffer. For a 4K RGB frame that copy is 25 MB of host memory traffic each way, and it, not
 * PCIe, bounds raw Buffer-to-Buffer throughput (bench/xfer.c).
 *
 * Blocks are recorded here, so gr_gpu_host_is_pinned answers from our own list without asking
 * the driver. Freed blocks are kept (up to GR_HOST_CACHE_BYTES) for the next allocation of a
 * similar size, because cudaHostAlloc of 25 MB costs milliseconds (pinning every page). */
#include <cuda_runtime_api.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu/gpu.h"

#define GR_HOST_CACHE_BYTES ((size_t)1 << 30)
#define GR_HOST_PAGE ((size_t)4096)

typedef struct host_block {
  uint8_t *data;
  size_t size;
  int in_use;
} host_block;

static pthread_mutex_t g_host_lock = PTHREAD_MUTEX_INITIALIZER;
static host_block *g_blocks;
static int g_count, g_capacity;
static size_t g_cached_bytes;
static uint64_t g_direct_uploads;

/* Index of a cached block of at least size bytes and at most twice that, the smallest. */
static int take_cached(size_t size) {
  int best = -1;
  for (int i = 0; i < g_count; i++) {
    const host_block *b = &g_blocks[i];
    if (b->in_use || b->size < size || b->size / 2 > size) continue;
    if (best < 0 || b->size < g_blocks[best].size) best = i;
  }
  return best;
}

gr_status gr_gpu_host_alloc(size_t size, void **out, gr_error *err) {
  *out = NULL;
  if (size == 0) return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "pinned buffer of 0 bytes");
  char reason[GR_MESSAGE_MAX];
  if (!gr_gpu_available(NULL, 0, NULL, reason, sizeof reason)) {
    return gr_fail(err, GR_ERR_UNSUPPORTED, "GPU not available: %.200s", reason);
  }
  const size_t rounded = (size + GR_HOST_PAGE - 1) / GR_HOST_PAGE * GR_HOST_PAGE;
  if (rounded < size) return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "pinned buffer too large");

  pthread_mutex_lock(&g_host_lock);
  int i = take_cached(rounded);
  if (i >= 0) {
    g_blocks[i].in_use = 1;
    g_cached_bytes -= g_blocks[i].size;
    *out = g_blocks[i].data;
    pthread_mutex_unlock(&g_host_lock);
    return GR_OK;
  }
  pthread_mutex_unlock(&g_host_lock);

  /* Portable: every device's copies see it as pinned. Not write-combined: the CPU path reads
   * it when a request falls back. */
  void *p = NULL;
  cudaError_t e = cudaHostAlloc(&p, rounded, cudaHostAllocPortable);
  if (e != cudaSuccess) {
    cudaGetLastError();
    return gr_fail(err, GR_ERR_NO_MEMORY, "cudaHostAlloc of %zu bytes: %s", rounded,
                   cudaGetErrorString(e));
  }
  pthread_mutex_lock(&g_host_lock);
  if (g_count == g_capacity) {
    int cap = g_capacity ? g_capacity * 2 : 16;
    host_block *grown = realloc(g_blocks, (size_t)cap * sizeof *grown);
    if (!grown) {
      pthread_mutex_unlock(&g_host_lock);
      cudaFreeHost(p);
      return gr_fail(err, GR_ERR_NO_MEMORY, "out of memory recording a pinned buffer");
    }
    g_blocks = grown;
    g_capacity = cap;
  }
  g_blocks[g_count++] = (host_block){.data = p, .size = rounded, .in_use = 1};
  pthread_mutex_unlock(&g_host_lock);
  *out = p;
  return GR_OK;
}

void gr_gpu_host_free(void *p) {
  if (!p) return;
  void *release = NULL;
  pthread_mutex_lock(&g_host_lock);
  for (int i = 0; i < g_count; i++) {
    host_block *b = &g_blocks[i];
    if (b->data != p || !b->in_use) continue;
    if (g_cached_bytes + b->size <= GR_HOST_CACHE_BYTES) {
      b->in_use = 0;
      g_cached_bytes += b->size;
    } else {
      release = b->data;
      g_blocks[i] = g_blocks[--g_count];
    }
    break;
  }
  pthread_mutex_unlock(&g_host_lock);
  if (release) cudaFreeHost(release);
}

int gr_gpu_host_is_pinned(const void *p, size_t length) {
  const uint8_t *q = p;
  int found = 0;
  pthread_mutex_lock(&g_host_lock);
  for (int i = 0; i < g_count && !found; i++) {
    const host_block *b = &g_blocks[i];
    found = b->in_use && q >= b->data && length <= b->size && (size_t)(q - b->data) <= b->size - length;
  }
  pthread_mutex_unlock(&g_host_lock);
  return found;
}

void gr_gpu_host_count_direct(void) {
  pthread_mutex_lock(&g_host_lock);
  g_direct_uploads++;
  pthread_mutex_unlock(&g_host_lock);
}

void gr_gpu_host_stats(gr_gpu_host_stats_t *stats) {
  memset(stats, 0, sizeof *stats);
  pthread_mutex_lock(&g_host_lock);
  for (int i = 0; i < g_count; i++) {
    if (g_blocks[i].in_use) {
      stats->buffers++;
      stats->bytes += g_blocks[i].size;
    } else {
      stats->cached_buffers++;
      stats->cached_bytes += g_blocks[i].size;
    }
  }
  stats->direct_uploads = g_direct_uploads;
  pthread_mutex_unlock(&g_host_lock);
}
