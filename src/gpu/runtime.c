/* The GPU backend: CUDA runtime management around the kernels of kernels/resize.cu.
 *
 * - Lazy initialisation (pthread_once) on the first gr_gpu_available/gr_gpu_resize: counts the
 *   devices; no device or no driver makes the backend unavailable with the CUDA error text.
 * - Every device is used, round-robin per request; each has a pool of contexts (a non-blocking
 *   stream plus pinned staging buffers grown on demand), handed out under a mutex, so concurrent
 *   callers each get their own stream.
 * - Device memory comes from the device's default memory pool (cudaMallocAsync/cudaFreeAsync)
 *   with a release threshold, so it is reused across requests without new allocations.
 * - One request: the filter tables, then the source rows in 2 MiB bands (the host stages band
 *   i+1 into pinned memory while band i crosses PCIe), the resize (one fused launch, or two
 *   passes), one download, one cudaStreamSynchronize (blocking, not spinning), then a copy
 *   into dst.
 * - Every CUDA call is checked: GR_ERR_BACKEND "CUDA error in <what>: <text>"; errors are
 *   cleared so nothing leaks into later requests, and count towards the device's health
 *   (see gpu.h).
 */
#define _POSIX_C_SOURCE 200809L

#include <cuda_runtime_api.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "gpu/gpu.h"
#include "gpu/kernels.h"
#include "gpu/runtime_internal.h"
#include "gpu/table_cache.h"
#include "gpu/tables.h"

#define GR_MAX_DEVICES 16
#define GR_FAIL_LIMIT 3          /* consecutive failures before a device is unhealthy */
#define GR_RECHECK_SECONDS 5.0   /* unhealthy time before a health check */
#define GR_POOL_RELEASE_BYTES ((uint64_t)1 << 30) /* memory a pool keeps cached */
#define GR_UPLOAD_BAND ((size_t)2 << 20) /* bytes of source per staged upload */

typedef struct gr_ctx {
  int device;
  cudaStream_t stream;
  uint8_t *host_in; /* pinned: source pixels + filter tables */
  size_t host_in_cap;
  uint8_t *host_out; /* pinned: output pixels */
  size_t host_out_cap;
  gr_table_cache tables; /* the tensor-core kernels' tables of the last geometry */
  struct gr_ctx *next;
} gr_ctx;

typedef struct gr_device {
  int id;
  int max_smem;
  int pools;                 /* stream-ordered allocator supported */
  int healthy;
  int consecutive_failures;
  int broken;                /* a sticky error: the context needs a reset */
  double unhealthy_since;
  int in_use;                /* requests in flight */
  gr_ctx *free_list;
} gr_device;

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_initialised;
static int g_device_count;
static int g_available;
static int g_stream_copy = 1; /* staging_copy's non-temporal stores (GPU_RESIZE_STREAM_COPY) */
static char g_reason[GR_MESSAGE_MAX];
static char g_name[256];
static uint64_t g_memory;
static gr_device g_dev[GR_MAX_DEVICES];
static unsigned g_next;
static uint64_t g_requests, g_failures, g_tables_built, g_tables_reused;
static char g_last_error[GR_MESSAGE_MAX];

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Errors after which the CUDA context is unusable until reset. */
static int is_sticky(cudaError_t e) {
  switch (e) {
    case cudaErrorIllegalAddress:
    case cudaErrorLaunchFailure:
    case cudaErrorHardwareStackError:
    case cudaErrorIllegalInstruction:
    case cudaErrorMisalignedAddress:
    case cudaErrorInvalidAddressSpace:
    case cudaErrorInvalidPc:
    case cudaErrorLaunchTimeout:
    case cudaErrorECCUncorrectable:
    case cudaErrorAssert:
    case cudaErrorContextIsDestroyed:
    case cudaErrorUnknown:
      return 1;
    default:
      return 0;
  }
}

/* Sets up one device (current device set here): shared memory limit, memory pool. */
static cudaError_t device_setup(gr_device *d, const char **what) {
  cudaError_t e;
  *what = "cudaSetDevice";
  if ((e = cudaSetDevice(d->id)) != cudaSuccess) return e;
  /* Many worker threads wait on their streams at once: sleep in the wait instead of spinning,
   * so the cores stay free for staging copies and the CPU work of other requests. */
  *what = "cudaSetDeviceFlags";
  if ((e = cudaSetDeviceFlags(cudaDeviceScheduleBlockingSync)) != cudaSuccess) {
    if (e != cudaErrorSetOnActiveProcess) return e;
    cudaGetLastError();
  }
  int optin = 0;
  *what = "cudaDeviceGetAttribute";
  if ((e = cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, d->id)) !=
      cudaSuccess)
    return e;
  if (optin < 48 * 1024) optin = 48 * 1024;
  d->max_smem = optin;
  *what = "cudaFuncSetAttribute";
  if ((e = (cudaError_t)gr_cuda_kernels_init(d->max_smem)) != cudaSuccess) return e;
  int pools = 0;
  if (cudaDeviceGetAttribute(&pools, cudaDevAttrMemoryPoolsSupported, d->id) != cudaSuccess) {
    cudaGetLastError();
    pools = 0;
  }
  d->pools = pools;
  if (pools) {
    cudaMemPool_t pool;
    *what = "cudaDeviceGetDefaultMemPool";
    if ((e = cudaDeviceGetDefaultMemPool(&pool, d->id)) != cudaSuccess) return e;
    uint64_t threshold = GR_POOL_RELEASE_BYTES;
    *what = "cudaMemPoolSetAttribute";
    if ((e = cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &threshold)) !=
        cudaSuccess)
      return e;
  }
  return cudaSuccess;
}

static void init_once(void) {
  const char *stream_copy = getenv("GPU_RESIZE_STREAM_COPY");
  g_stream_copy = !(stream_copy && strcmp(stream_copy, "0") == 0);
  const char *tensor = getenv("GPU_RESIZE_TENSOR");
  const int tensor_on = !(tensor && strcmp(tensor, "0") == 0);
  gr_cuda_tc_enable(tensor_on);
  gr_cuda_i8_enable(tensor_on);
  int count = 0;
  cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess) {
    snprintf(g_reason, sizeof g_reason, "CUDA unavailable: %s", cudaGetErrorString(e));
    cudaGetLastError();
    g_initialised = 1;
    return;
  }
  if (count <= 0) {
    snprintf(g_reason, sizeof g_reason, "no CUDA device found");
    g_initialised = 1;
    return;
  }
  if (count > GR_MAX_DEVICES) count = GR_MAX_DEVICES;
  g_device_count = count;
  struct cudaDeviceProp prop;
  e = cudaGetDeviceProperties(&prop, 0);
  if (e == cudaSuccess) {
    snprintf(g_name, sizeof g_name, "%.200s (sm_%d%d)%s", prop.name, prop.major, prop.minor,
             count > 1 ? " x" : "");
    if (count > 1) {
      size_t len = strlen(g_name);
      snprintf(g_name + len, sizeof g_name - len, "%d", count);
    }
    g_memory = (uint64_t)prop.totalGlobalMem;
  } else {
    cudaGetLastError();
  }
  int usable = 0;
  for (int i = 0; i < count; i++) {
    gr_device *d = &g_dev[i];
    memset(d, 0, sizeof *d);
    d->id = i;
    const char *what = "";
    e = device_setup(d, &what);
    if (e == cudaSuccess) {
      d->healthy = 1;
      usable++;
    } else {
      snprintf(g_last_error, sizeof g_last_error, "CUDA error in %s (device %d): %s", what, i,
               cudaGetErrorString(e));
      cudaGetLastError();
      d->healthy = 0;
      d->broken = 1;
      d->unhealthy_since = now_seconds();
    }
  }
  if (usable == 0) {
    snprintf(g_reason, sizeof g_reason, "no usable CUDA device: %.200s", g_last_error);
  } else {
    g_available = 1;
  }
  g_initialised = 1;
}

static void ensure_init(void) { pthread_once(&g_once, init_once); }

/* ---- contexts ---- */

static void ctx_destroy(gr_ctx *c) {
  if (!c) return;
  cudaSetDevice(c->device);
  if (c->stream) {
    cudaStreamSynchronize(c->stream);
    cudaStreamDestroy(c->stream);
  }
  gr_table_cache_free(&c->tables);
  if (c->host_in) cudaFreeHost(c->host_in);
  if (c->host_out) cudaFreeHost(c->host_out);
  cudaGetLastError();
  free(c);
}

static cudaError_t ctx_create(int device, gr_ctx **out) {
  *out = NULL;
  gr_ctx *c = calloc(1, sizeof *c);
  if (!c) return cudaErrorMemoryAllocation;
  c->device = device;
  cudaError_t e = cudaStreamCreateWithFlags(&c->stream, cudaStreamNonBlocking);
  if (e != cudaSuccess) {
    c->stream = NULL;
    free(c);
    return e;
  }
  *out = c;
  return cudaSuccess;
}

/* Copies into or out of a staging buffer with non-temporal stores: the destination is not
 * read first (no read-for-ownership) and does not evict the cache. For a 25 MB frame that is a
 * quarter of the host memory traffic of a request, and the host's memory bandwidth is what
 * bounds raw throughput. GPU_RESIZE_STREAM_COPY=0 uses memcpy (read once, for comparison). */
static void staging_copy(uint8_t *dst, const uint8_t *src, size_t n) {
#if defined(__SSE2__)
  if (g_stream_copy && n >= 4096) {
    const size_t head = (16 - ((uintptr_t)dst & 15)) & 15;
    memcpy(dst, src, head);
    dst += head;
    src += head;
    n -= head;
    for (; n >= 64; n -= 64, dst += 64, src += 64) {
      const __m128i a = _mm_loadu_si128((const __m128i *)src);
      const __m128i b = _mm_loadu_si128((const __m128i *)(src + 16));
      const __m128i c = _mm_loadu_si128((const __m128i *)(src + 32));
      const __m128i d = _mm_loadu_si128((const __m128i *)(src + 48));
      _mm_stream_si128((__m128i *)dst, a);
      _mm_stream_si128((__m128i *)(dst + 16), b);
      _mm_stream_si128((__m128i *)(dst + 32), c);
      _mm_stream_si128((__m128i *)(dst + 48), d);
    }
    memcpy(dst, src, n);
    _mm_sfence(); /* the copy engine or the caller reads it next */
    return;
  }
#endif
  memcpy(dst, src, n);
}

static cudaError_t grow_pinned(uint8_t **buf, size_t *cap, size_t need) {
  if (*cap >= need) return cudaSuccess;
  if (*buf) cudaFreeHost(*buf);
  *buf = NULL;
  *cap = 0;
  size_t size = gr_align_up(need + need / 4, 1 << 20);
  void *p = NULL;
  cudaError_t e = cudaHostAlloc(&p, size, cudaHostAllocPortable);
  if (e != cudaSuccess) return e;
  *buf = p;
  *cap = size;
  return cudaSuccess;
}

/* ---- health (g_lock held) ---- */

static void mark_unhealthy(gr_device *d, int broken) {
  if (d->healthy) d->unhealthy_since = now_seconds();
  d->healthy = 0;
  if (broken) d->broken = 1;
}

/* A kernel + copy round trip on the device; resets it first when its context is broken (only
 * when no request is in flight on it). Returns 1 when the device is healthy again. */
static int health_check(gr_device *d) {
  if (now_seconds() - d->unhealthy_since < GR_RECHECK_SECONDS) return 0;
  if (d->broken && d->in_use > 0) return 0;
  d->unhealthy_since = now_seconds(); /* next try in 5 s if this one fails */
  const char *what = "";
  cudaError_t e;
  if (d->broken) {
    while (d->free_list) {
      gr_ctx *c = d->free_list;
      d->free_list = c->next;
      ctx_destroy(c);
    }
    cudaSetDevice(d->id);
    cudaDeviceReset();
    cudaGetLastError();
    e = device_setup(d, &what);
    if (e != cudaSuccess) goto fail;
  }
  what = "cudaSetDevice";
  if ((e = cudaSetDevice(d->id)) != cudaSuccess) goto fail;
  cudaStream_t s = NULL;
  int *dp = NULL;
  int host[64];
  what = "cudaStreamCreate";
  if ((e = cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking)) != cudaSuccess) goto fail;
  what = "cudaMalloc";
  if ((e = cudaMalloc((void **)&dp, sizeof host)) == cudaSuccess) {
    what = "health kernel";
    e = (cudaError_t)gr_cuda_fill_launch(dp, 64, 0x5a5a1234, s);
    if (e == cudaSuccess) {
      what = "cudaMemcpyAsync";
      e = cudaMemcpyAsync(host, dp, sizeof host, cudaMemcpyDeviceToHost, s);
    }
    if (e == cudaSuccess) {
      what = "cudaStreamSynchronize";
      e = cudaStreamSynchronize(s);
    }
    cudaFree(dp);
  }
  cudaStreamDestroy(s);
  if (e != cudaSuccess) goto fail;
  for (int i = 0; i < 64; i++) {
    if (host[i] != 0x5a5a1234) {
      snprintf(g_last_error, sizeof g_last_error, "health check on device %d: wrong data", d->id);
      d->broken = 1;
      return 0;
    }
  }
  d->healthy = 1;
  d->broken = 0;
  d->consecutive_failures = 0;
  return 1;
fail:
  snprintf(g_last_error, sizeof g_last_error, "health check on device %d: CUDA error in %s: %s",
           d->id, what, cudaGetErrorString(e));
  cudaGetLastError();
  d->broken = 1;
  return 0;
}

/* g_lock held: 1 if some device is healthy (running due health checks). */
static int any_healthy(void) {
  int ok = 0;
  for (int i = 0; i < g_device_count; i++) {
    gr_device *d = &g_dev[i];
    if (d->healthy || health_check(d)) ok = 1;
  }
  return ok;
}

int gr_gpu_available(char *device, size_t device_size, uint64_t *memory_bytes, char *reason,
                     size_t reason_size) {
  ensure_init();
  if (device && device_size > 0) snprintf(device, device_size, "%s", g_name);
  if (memory_bytes) *memory_bytes = g_memory;
  if (reason && reason_size > 0) reason[0] = '\0';
  if (!g_available) {
    if (reason && reason_size > 0) snprintf(reason, reason_size, "%s", g_reason);
    return 0;
  }
  pthread_mutex_lock(&g_lock);
  int ok = any_healthy();
  if (!ok && reason && reason_size > 0) {
    snprintf(reason, reason_size, "GPU unhealthy: %s", g_last_error);
  }
  pthread_mutex_unlock(&g_lock);
  return ok;
}

void gr_gpu_stats(gr_gpu_stats_t *stats) {
  memset(stats, 0, sizeof *stats);
  pthread_mutex_lock(&g_lock);
  stats->requests = g_requests;
  stats->failures = g_failures;
  stats->tables_built = __atomic_load_n(&g_tables_built, __ATOMIC_RELAXED);
  stats->tables_reused = __atomic_load_n(&g_tables_reused, __ATOMIC_RELAXED);
  stats->device_count = g_device_count;
  if (g_initialised && g_available) {
    for (int i = 0; i < g_device_count; i++) {
      if (g_dev[i].healthy) stats->healthy = 1;
    }
  }
  snprintf(stats->last_error, sizeof stats->last_error, "%s", g_last_error);
  pthread_mutex_unlock(&g_lock);
}

/* ---- fault injection ---- */

typedef struct fault_spec {
  char step[16];
  double rate;
} fault_spec;

static void fault_read(fault_spec *f) {
  f->step[0] = '\0';
  f->rate = 0;
  const char *env = getenv("GPU_RESIZE_FAULT");
  if (!env || !*env) return;
  size_t n = strcspn(env, ":");
  if (n >= sizeof f->step) return;
  memcpy(f->step, env, n);
  f->step[n] = '\0';
  f->rate = env[n] == ':' ? atof(env + n + 1) : 1.0;
}

static _Thread_local uint64_t t_rng;

static int fault_hits(const fault_spec *f, const char *step) {
  if (!f->step[0] || strcmp(f->step, step) != 0) return 0;
  if (f->rate >= 1.0) return 1;
  if (f->rate <= 0.0) return 0;
  if (t_rng == 0) t_rng = (uint64_t)(uintptr_t)&t_rng ^ (uint64_t)(now_seconds() * 1e9) ^ 1;
  t_rng ^= t_rng << 13;
  t_rng ^= t_rng >> 7;
  t_rng ^= t_rng << 17;
  return (double)(t_rng >> 11) * (1.0 / 9007199254740992.0) < f->rate;
}

int gr_gpu_fault(const char *step) {
  fault_spec f;
  fault_read(&f);
  return fault_hits(&f, step);
}

int gr_gpu_acquire(char *message, size_t message_size) {
  ensure_init();
  if (!g_available) {
    snprintf(message, message_size, "GPU not available: %.200s", g_reason);
    return -1;
  }
  gr_device *dev = NULL;
  pthread_mutex_lock(&g_lock);
  for (int i = 0; i < g_device_count && !dev; i++) {
    gr_device *d = &g_dev[(g_next + (unsigned)i) % (unsigned)g_device_count];
    if (d->healthy || health_check(d)) dev = d;
  }
  if (dev) {
    g_next = (unsigned)dev->id + 1;
    dev->in_use++;
  } else {
    snprintf(message, message_size, "GPU unhealthy: %.200s", g_last_error);
  }
  pthread_mutex_unlock(&g_lock);
  return dev ? dev->id : -1;
}

void gr_gpu_unacquire(int id) {
  if (id < 0 || id >= g_device_count) return;
  pthread_mutex_lock(&g_lock);
  g_dev[id].in_use--;
  pthread_mutex_unlock(&g_lock);
}

int gr_gpu_device_info(int id, int *max_smem, int *pools) {
  if (id < 0 || id >= g_device_count) return 0;
  if (max_smem) *max_smem = g_dev[id].max_smem;
  if (pools) *pools = g_dev[id].pools;
  return 1;
}

void gr_gpu_count_tables(int use) {
  if (use) __atomic_fetch_add(use == 2 ? &g_tables_reused : &g_tables_built, 1, __ATOMIC_RELAXED);
}

void gr_gpu_count(gr_status status, const char *message) {
  pthread_mutex_lock(&g_lock);
  g_requests++;
  if (status != GR_OK) {
    g_failures++;
    snprintf(g_last_error, sizeof g_last_error, "%s", message);
  }
  pthread_mutex_unlock(&g_lock);
}

void gr_gpu_release(int id, gr_status status, int injected, int cuda_error, int broken,
                    const char *message) {
  gr_gpu_count(status, message);
  if (id < 0 || id >= g_device_count) return;
  gr_device *dev = &g_dev[id];
  pthread_mutex_lock(&g_lock);
  dev->in_use--;
  if (status == GR_OK) {
    dev->consecutive_failures = 0;
  } else if (!injected && cuda_error != 0) {
    dev->consecutive_failures++;
    if (broken || is_sticky((cudaError_t)cuda_error) ||
        dev->consecutive_failures >= GR_FAIL_LIMIT)
      mark_unhealthy(dev, broken || is_sticky((cudaError_t)cuda_error));
  }
  pthread_mutex_unlock(&g_lock);
}

int gr_gpu_grow_pinned(uint8_t **buf, size_t *cap, size_t need) {
  return (int)grow_pinned(buf, cap, need);
}

/* ---- the request ---- */

static int filter_ok(const gr_filter *f, int in_size) {
  return f && f->in_size == in_size && f->out_size > 0 && f->taps > 0 && f->start && f->weights;
}

gr_status gr_gpu_resize(const gr_image *src, const gr_filter *horizontal,
                        const gr_filter *vertical, gr_image *dst, gr_error *err) {
  if (dst) memset(dst, 0, sizeof *dst);

  gr_status status = GR_OK;
  char message[GR_MESSAGE_MAX] = "";
  int injected = 0;      /* the failure was injected: no effect on health */
  cudaError_t cerr = cudaSuccess;
  gr_device *dev = NULL;
  gr_ctx *ctx = NULL;
  void *dbuf = NULL;
  int have_dst = 0;
  int direct = 0;        /* the source goes up straight from a caller's pinned buffer */

#define FAIL_STATUS(code, ...)                                  \
  do {                                                          \
    status = (code);                                            \
    snprintf(message, sizeof message, __VA_ARGS__);             \
    goto done;                                                  \
  } while (0)
#define CUDA_TRY(call, what)                                                         \
  do {                                                                               \
    cerr = (call);                                                                   \
    if (cerr != cudaSuccess)                                                         \
      FAIL_STATUS(GR_ERR_BACKEND, "CUDA error in %s: %s", what, cudaGetErrorString(cerr)); \
  } while (0)
#define INJECT(step)                                                                 \
  do {                                                                               \
    if (gr_gpu_fault(step)) {                                                        \
      injected = 1;                                                                  \
      FAIL_STATUS(GR_ERR_BACKEND, "injected fault: %s", step);                       \
    }                                                                                \
  } while (0)

  if (!src || !src->data || !dst || src->width <= 0 || src->height <= 0 || src->channels < 1 ||
      src->channels > 4 || src->stride < (size_t)src->width * (size_t)src->channels) {
    FAIL_STATUS(GR_ERR_INVALID_ARGUMENT, "gr_gpu_resize: invalid source image");
  }
  if (!filter_ok(horizontal, src->width) || !filter_ok(vertical, src->height)) {
    FAIL_STATUS(GR_ERR_INVALID_ARGUMENT, "gr_gpu_resize: filters do not match the image");
  }

  ensure_init();
  if (!g_available) FAIL_STATUS(GR_ERR_UNSUPPORTED, "GPU not available: %.200s", g_reason);


  /* Pick a device (round-robin over healthy ones) and a context. */
  {
    char why[GR_MESSAGE_MAX];
    int id = gr_gpu_acquire(why, sizeof why);
    if (id < 0) FAIL_STATUS(GR_ERR_BACKEND, "%s", why);
    dev = &g_dev[id];
    pthread_mutex_lock(&g_lock);
    ctx = dev->free_list;
    if (ctx) dev->free_list = ctx->next;
    pthread_mutex_unlock(&g_lock);
  }
  CUDA_TRY(cudaSetDevice(dev->id), "cudaSetDevice");
  if (!ctx) CUDA_TRY(ctx_create(dev->id, &ctx), "cudaStreamCreate");

  const int C = src->channels;
  const int in_w = src->width, in_h = src->height;
  const int out_w = horizontal->out_size, out_h = vertical->out_size;
  gr_gpu_tables tables;
  gr_gpu_tables_plan(horizontal, vertical, C, dev->max_smem, &tables);

  /* Device layout: source rows, then the tables, the output and the two-pass intermediate. The
   * pinned staging buffer holds the first two the same way (or the tables alone, below). */
  const size_t row = (size_t)in_w * (size_t)C;
  const size_t out_row = (size_t)out_w * (size_t)C;
  const size_t off_src = 0;
  const size_t off_tables = gr_align_up(off_src + row * (size_t)in_h, GR_GPU_ALIGN);
  const size_t upload = off_tables + tables.bytes;
  const size_t off_dst = gr_align_up(upload, GR_GPU_ALIGN);
  const size_t out_bytes = out_row * (size_t)out_h;
  const size_t off_tmp = gr_align_up(off_dst + out_bytes, GR_GPU_ALIGN);
  const size_t total = off_tmp + tables.plan.tmp_bytes;

  /* A source in a caller's pinned buffer (sharp.pinnedBuffer) is not staged: the context's
   * pinned buffer then holds just the tables. */
  direct = gr_gpu_host_is_pinned(src->data, src->stride * (size_t)(in_h - 1) + row);
  const size_t staged = direct ? 0 : off_tables;
  CUDA_TRY(grow_pinned(&ctx->host_in, &ctx->host_in_cap, staged + tables.bytes), "cudaHostAlloc");
  CUDA_TRY(grow_pinned(&ctx->host_out, &ctx->host_out_cap, out_bytes), "cudaHostAlloc");
  uint8_t *h = ctx->host_in;
  uint8_t *h_tables = h + staged;
  gr_gpu_tables_write(horizontal, vertical, &tables, h_tables);

  INJECT("alloc");
  if (dev->pools) {
    CUDA_TRY(cudaMallocAsync(&dbuf, total, ctx->stream), "cudaMallocAsync");
  } else {
    CUDA_TRY(cudaMalloc(&dbuf, total), "cudaMalloc");
  }
  uint8_t *d = dbuf;
  INJECT("copy");
  CUDA_TRY(cudaMemcpyAsync(d + off_tables, h_tables, tables.bytes, cudaMemcpyHostToDevice,
                           ctx->stream),
           "cudaMemcpyAsync (tables)");
  /* A source in a caller's pinned buffer goes up straight from it. Otherwise in bands: the
   * host copies band i+1 into pinned memory while the copy engine moves band i, so staging
   * and PCIe overlap instead of adding up. */
  if (direct) {
    CUDA_TRY(cudaMemcpy2DAsync(d + off_src, row, src->data, src->stride, row, (size_t)in_h,
                               cudaMemcpyHostToDevice, ctx->stream),
             "cudaMemcpy2DAsync (upload)");
  } else {
    const int band_rows = row > 0 ? (int)((GR_UPLOAD_BAND + row - 1) / row) : in_h;
    for (int y0 = 0; y0 < in_h; y0 += band_rows) {
      const int rows = in_h - y0 < band_rows ? in_h - y0 : band_rows;
      uint8_t *hp = h + off_src + row * (size_t)y0;
      if (src->stride == row) {
        staging_copy(hp, src->data + row * (size_t)y0, row * (size_t)rows);
      } else {
        for (int y = 0; y < rows; y++) {
          staging_copy(hp + row * (size_t)y, src->data + src->stride * (size_t)(y0 + y), row);
        }
      }
      CUDA_TRY(cudaMemcpyAsync(d + off_src + row * (size_t)y0, hp, row * (size_t)rows,
                               cudaMemcpyHostToDevice, ctx->stream),
               "cudaMemcpyAsync (upload)");
    }
  }

  gr_resize_desc desc;
  gr_gpu_desc_init(&desc, horizontal, vertical, &tables, d + off_tables, d + off_src, row, C,
                   d + off_dst, (float *)(d + off_tmp));
  INJECT("launch");
  /* The tensor-core kernels' tables stay with the context: a repeated geometry skips the prep. */
  {
    const char *what = "";
    CUDA_TRY((cudaError_t)gr_table_cache_launch(&ctx->tables, &desc, &tables.plan, horizontal, vertical,
                                                ctx->stream, &what),
             what);
  }
  CUDA_TRY(cudaMemcpyAsync(ctx->host_out, d + off_dst, out_bytes, cudaMemcpyDeviceToHost,
                           ctx->stream),
           "cudaMemcpyAsync (download)");
  if (dev->pools) {
    void *p = dbuf;
    dbuf = NULL;
    CUDA_TRY(cudaFreeAsync(p, ctx->stream), "cudaFreeAsync");
  }
  CUDA_TRY(cudaStreamSynchronize(ctx->stream), "cudaStreamSynchronize");
  if (!dev->pools) {
    void *p = dbuf;
    dbuf = NULL;
    CUDA_TRY(cudaFree(p), "cudaFree");
  }

  {
    gr_error aerr;
    gr_status s = gr_image_alloc(dst, out_w, out_h, C, &aerr);
    if (s != GR_OK) FAIL_STATUS(s, "%s", aerr.message);
    have_dst = 1;
    staging_copy(dst->data, ctx->host_out, out_bytes);
  }

done:
  if (dbuf) {
    if (dev->pools) {
      cudaFreeAsync(dbuf, ctx ? ctx->stream : 0);
    } else {
      cudaFree(dbuf);
    }
  }
  if (status != GR_OK && ctx) cudaStreamSynchronize(ctx->stream); /* nothing in flight on reuse */
  int broken = 0;
  if (status != GR_OK && !injected && dev) {
    cudaError_t again = cudaGetLastError(); /* clear; a sticky error comes back at once */
    broken = is_sticky(cerr) || (again != cudaSuccess && cudaGetLastError() != cudaSuccess);
  }
  if (status != GR_OK && have_dst) gr_image_free(dst);

  if (status == GR_OK && direct) gr_gpu_host_count_direct();
  if (dev) {
    /* A context that saw a real CUDA error is not reused. */
    pthread_mutex_lock(&g_lock);
    if (ctx && (status == GR_OK || injected || cerr == cudaSuccess)) {
      ctx->next = dev->free_list;
      dev->free_list = ctx;
      ctx = NULL;
    }
    pthread_mutex_unlock(&g_lock);
    gr_gpu_release(dev->id, status, injected, (int)cerr, broken, message);
  } else {
    gr_gpu_count(status, message);
  }
  if (ctx) ctx_destroy(ctx);
  if (status != GR_OK) return gr_fail(err, status, "%s", message);
  return GR_OK;

#undef FAIL_STATUS
#undef CUDA_TRY
#undef INJECT
}
