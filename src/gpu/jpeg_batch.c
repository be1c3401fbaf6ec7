/* The GPU JPEG path: nvJPEG's hardware decoder (the JPEG engines of A100/H100-class GPUs) in
 * batches gathered from concurrent requests, the resize kernels on the decoded image in device
 * memory, one download of the resized pixels; no host round trip of the decoded image.
 *
 * Each device has a queue and GR_BATCHERS batcher threads. A request (a libuv worker thread in
 * gr_gpu_jpeg_resize) queues a job and sleeps. A batcher takes the jobs that are waiting, or
 * waits for more up to GPU_RESIZE_BATCH_WAIT_US (default 1000 us) until GPU_RESIZE_BATCH_MAX
 * (default 32) are there, bounded by GPU_RESIZE_GPU_MEMORY_MB of device memory per batch
 * (default 4096: later jobs wait, which is the back-pressure). A lone request therefore waits
 * at most the bound. The batch: one table upload, one nvjpegDecodeBatched, one resize launch
 * per job, then per job either the JPEG encode of its output region (nvJPEG's encoder, when the
 * request's output is that JPEG: only the bitstream comes back) or one download of the pixels.
 * Two batchers per device alternate, so one batch decodes while the other's results are
 * retrieved and handed back.
 *
 * Device memory: each batcher decodes into its own device buffer (cudaMalloc, grown between
 * batches), never into stream-ordered pool memory. nvJPEG's hardware decoder on H100 does not
 * wait for earlier work on the stream it is given before it writes (pytorch/vision#9606,
 * meta-pytorch/torchcodec#1634): handed a pool block whose previous owner's kernels were still
 * reading it, it overwrote their input, and concurrent requests got other images' pixels. A
 * batcher's buffer is only reused after its previous batch's stream synchronisation.
 *
 * The same decoder's writes were not reliably waited for by the kernels queued after it either,
 * and now and then (about 1 image in 400 under concurrent batches, on H100 and H200) it reported
 * success for an image it never wrote (most of those skips came from reused decode parameters,
 * see open_decoder). So the decode sits between two host synchronisations, and a canary in each
 * decode buffer, read back with the results, catches a skipped image, which is decoded again
 * alone (then, if skipped again, on the CPU). Three synchronisations per batch, not per
 * request.
 *
 * GPU hybrid decoders beside the hardware engines (opt-in): GPU_RESIZE_HYBRID_DECODERS=N more
 * batcher threads per device decode one image at a time with nvJPEG's decoupled GPU_HYBRID
 * decoder (Huffman on the host thread, about 7 ms of CPU for the 2725x2225 photo; the rest in
 * kernels), then resize and encode like a hardware batch. They take a job only while more than
 * GPU_RESIZE_HYBRID_QUEUE jobs wait (default: half a batch) and the request pool has a free
 * slot, so a lone request keeps the hardware decoder's latency (3 ms against 8 for the photo)
 * and the hardware batches stay full. Decode alone, on the H100: the hardware engines 2100
 * images/s of the photo, with 8 hybrid threads beside them 2880 (bench/nvjpeg/hybrid_probe.c).
 * End to end on its 16 cores they did not pay: task 1 lost 8-20% (its CPU JPEG encodes already
 * keep the cores busy), tasks 2 and 6 moved between -8% and +15% from run to run
 * (bench/results/h100-16core-hybrid). So none by default; a host with more cores per GPU may
 * gain. GPU_RESIZE_HYBRID_DECODERS=force sends every job to them (tests).
 *
 * When more than GPU_RESIZE_DECODE_QUEUE jobs (default: 8 batches) are already waiting,
 * a new request decodes on the CPU instead (GR_ERR_UNSUPPORTED, "GPU decoder busy"): the
 * worker thread does useful work rather than sleeping, so CPU and GPU decode side by side.
 *
 * Failures: a batch that nvJPEG refuses is decoded again image by image, so one bad image does
 * not fail the others; an image nvJPEG refuses returns GR_ERR_UNSUPPORTED (the caller decodes
 * it on the CPU and still resizes on the GPU); a CUDA failure returns GR_ERR_BACKEND and the
 * request runs on the CPU path. GPU_RESIZE_FAULT=nvjpeg[:rate] fails whole batches for tests. A
 * CUDA error that breaks the context turns the JPEG path off for that device.
 */
#define _POSIX_C_SOURCE 200809L

#include <cuda_runtime_api.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/pool.h"
#include "gpu/gpu.h"
#include "gpu/nvjpeg_api.h"
#include "gpu/runtime_internal.h"
#include "gpu/table_cache.h"
#include "gpu/tables.h"

#define GR_MAX_JPEG_DEVICES 16
#define GR_BATCHERS 2
#define GR_CHANNELS 3 /* nvJPEG decodes to interleaved RGB (grey as RGB, like sharp's output) */
/* The decode queue's default bound, in batches. Sending requests to the CPU decoder as soon as
 * one batch waited (the earlier default) lowered throughput on the H100 at 64 and 128 in
 * flight: the CPU-decoded requests, several times costlier in CPU, crowded out the GPU ones'
 * CPU work (task 2 at 64 in flight: 306 ops/s against 580 with GPU encode and no overflow). */
#define GR_QUEUE_BATCHES 8
/* Pinned result buffers per batcher: while requests still copy one batch's results out, the
 * next batch lands in the other, so a batcher does not wait for slow readers. */
#define GR_OUT_SETS 2
/* nvJPEG's encode costs about 1 ms of the batch per image whatever its size (H100: 720x588,
 * 1920x1080 and 2880x2352 alike), the CPU's grows with the pixels (4, 22 and 50 ms of CPU).
 * So outputs of GR_GPU_ENCODE_LARGE pixels or more are always encoded on the GPU, and smaller
 * ones only for the first GPU_RESIZE_GPU_ENCODE_SMALL (default GR_GPU_ENCODE_SMALL) of a
 * batch; the others come back as pixels for the CPU encoder. A lone request gets the GPU's
 * latency (task 1: 6 ms against 10), a full batch the CPU cores' throughput (task 1 at 128 in
 * flight: 1670 ops/s with CPU encode against 1240 with GPU encode). */
#define GR_GPU_ENCODE_LARGE (1 << 20)
#define GR_GPU_ENCODE_SMALL 4
/* GPU hybrid decoder threads per device: at most; by default none (see the top); with
 * GPU_RESIZE_HYBRID_DECODERS=force. */
#define GR_MAX_HYBRID 32
/* Jobs (outputs) in one batch at most (a group of gr_gpu_jpeg_resize_many has at most
 * GR_GPU_JPEG_GROUP_MAX), far above any responsive image set. */
#define GR_BATCH_JOBS 256
#define GR_HYBRID_DEFAULT 0
#define GR_HYBRID_FORCED 4

typedef struct gr_batcher gr_batcher;

typedef struct gr_jpeg_job {
  const uint8_t *data;
  size_t length;
  int width, height;
  const gr_filter *h, *v;
  gr_gpu_tables tables;
  size_t off_tables, off_src, off_out, off_tmp, off_host; /* within the batch's buffers */
  size_t out_bytes;
  size_t device_bytes;
  gr_gpu_jpeg_output *encode;       /* the request's, when the GPU may encode its output */
  gr_gpu_jpeg_encoder *encoder;     /* borrowed by the batch for that */
  int encode_queued;
  /* Result, valid once done. */
  gr_status status;
  int injected, cuda_error, broken;
  char message[GR_MESSAGE_MAX];
  int gpu_encode;          /* planned for the GPU encoder: no place in the pinned set */
  int late_download;       /* its encode failed: pixels copied after the batch, into late_out */
  uint8_t *late_out;       /* malloc'd; the request frees it */
  const uint8_t *host_out; /* in the batcher's pinned set until the job lets go of it, or
                              late_out */
  int encoded;             /* encode->data holds the output; no pixels to read */
  gr_batcher *batcher;
  int out_set;             /* the batcher's pinned set host_out lies in */
  int done;
  struct gr_jpeg_job *next;
  /* A group (gr_gpu_jpeg_resize_many): one decode, several outputs. The decoding job comes
   * first, its members right after it, in the queue and in the batch alike. */
  struct gr_jpeg_job *decode_by;   /* NULL: this job decodes data; else the group's first job */
  struct gr_jpeg_job *resize_from; /* NULL: resize the decoded image; else an earlier job of the
                                      group whose resized image this one resizes */
  int group_size;                  /* decoding job: it and its members */
  size_t group_bytes;              /* their device_bytes */
  int decoded;                     /* decoding job: its decode succeeded (canary read back) */
} gr_jpeg_job;

struct gr_batcher {
  struct gr_jpeg_device *dev;
  int hybrid;               /* a GPU hybrid decoder (one image at a time), not the hardware */
  gr_nvjpeg_handle handle;  /* its own: batched hardware decodes share nothing between threads */
  pthread_t thread;
  cudaStream_t stream;
  gr_nvjpeg_state state;
  int initialised_batch;    /* batch size given to the last DecodeBatchedInitialize */
  /* hybrid: the decoupled decoder, its buffers, a parsed bitstream and the output format */
  gr_nvjpeg_decoder decoder;
  gr_nvjpeg_buffer nv_pinned, nv_device;
  gr_nvjpeg_stream bitstream;
  gr_nvjpeg_params params;
  uint8_t *pinned_tables;
  size_t pinned_tables_cap;
  uint8_t *pinned_out[GR_OUT_SETS]; /* results, by set; one set per batch */
  size_t pinned_out_cap[GR_OUT_SETS];
  int out_set;              /* the set the current batch writes */
  gr_table_cache kernel_tables; /* the tensor-core kernels' tables of the last geometry resized */
  uint8_t *device_buf;      /* the batch's tables, decoded images, intermediates and outputs */
  size_t device_cap;
  int readers[GR_OUT_SETS]; /* jobs still copying their result out of each set */
};

typedef struct gr_jpeg_device {
  int id;
  int ok;                   /* the hardware decoder works on this device */
  int max_smem;
  pthread_mutex_t lock;
  pthread_cond_t work;      /* jobs queued */
  pthread_cond_t done;      /* jobs finished, pinned buffers released */
  pthread_cond_t hybrid_work; /* enough jobs queued for the hybrid decoders */
  gr_jpeg_job *head, *tail;
  int queued;
  int running;              /* batchers running a batch now */
  int hybrids;              /* hybrid batchers started, after the GR_BATCHERS hardware ones */
  int hybrid_running;       /* of those, decoding now */
  gr_batcher batchers[GR_BATCHERS + GR_MAX_HYBRID];
} gr_jpeg_device;

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static const gr_nvjpeg_api *g_nj;
static char g_reason[GR_MESSAGE_MAX];
static int g_device_count;
static gr_jpeg_device g_devices[GR_MAX_JPEG_DEVICES];
static int g_batch_max = 32;
static long g_wait_us = 1000;
static size_t g_batch_memory = (size_t)4096 << 20;
static int g_hybrid_count = GR_HYBRID_DEFAULT;
static int g_hybrid_force;  /* every job to the hybrid decoders (tests) */
static long g_hybrid_queue = 16;
static pthread_mutex_t g_stats_lock = PTHREAD_MUTEX_INITIALIZER;
static gr_gpu_jpeg_stats_t g_stats;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* One more of a g_stats counter. */
static void count_one(uint64_t *counter) {
  pthread_mutex_lock(&g_stats_lock);
  (*counter)++;
  pthread_mutex_unlock(&g_stats_lock);
}

void gr_gpu_jpeg_stats(gr_gpu_jpeg_stats_t *stats) {
  pthread_mutex_lock(&g_stats_lock);
  *stats = g_stats;
  pthread_mutex_unlock(&g_stats_lock);
}

static long env_long(const char *name, long fallback, long lo, long hi) {
  const char *v = getenv(name);
  if (!v || !*v) return fallback;
  long x = strtol(v, NULL, 10);
  return x < lo ? lo : x > hi ? hi : x;
}

static void *batcher_main(void *arg);

/* A decoder handle of that backend with those flags, and interpolated chroma upsampling (which
 * is libjpeg-turbo's) where this nvJPEG has the flag. The hardware handles add
 * GR_NVJPEG_FLAGS_HW_DECODE_NO_PIPELINE: by default the hardware decoder holds images back for
 * the next call, so a batch's outputs would not all be written when its stream work is. */
static int create_handle(int backend, unsigned int flags, gr_nvjpeg_handle *handle) {
  const gr_nvjpeg_api *nj = g_nj;
  int s = nj->CreateEx(backend, NULL, NULL, flags | GR_NVJPEG_FLAGS_UPSAMPLING_WITH_INTERPOLATION,
                       handle);
  if (s != GR_NVJPEG_SUCCESS) s = nj->CreateEx(backend, NULL, NULL, flags, handle);
  if (s != GR_NVJPEG_SUCCESS) *handle = NULL;
  return s;
}

/* Opens the batcher's decoder: a hardware handle and its state. No decode parameters: with
 * nvjpegDecodeBatchedEx and one nvjpegDecodeParams per batch slot, reused from batch to batch,
 * the hardware decoder refused ("bad jpeg") or silently skipped valid images that came after a
 * larger one in the same slot (H100, 2026-11-22, bench/nvjpeg/refusals.js: 75 refusals and 79
 * skips in 413 mixed images; none with nvjpegDecodeBatched, none with a ROI reset or fresh
 * parameters per decode). The output format (RGBI) is DecodeBatchedInitialize's. Returns an
 * nvjpegStatus_t; on failure *step names the call that failed and b->state stays NULL. */
static int open_decoder(gr_batcher *b, const char **step) {
  const gr_nvjpeg_api *nj = g_nj;
  gr_nvjpeg_state state = NULL;
  int s;
  b->initialised_batch = 0;
  *step = "nvjpegCreateEx";
  if ((s = create_handle(GR_NVJPEG_BACKEND_HARDWARE, GR_NVJPEG_FLAGS_HW_DECODE_NO_PIPELINE,
                         &b->handle)) != GR_NVJPEG_SUCCESS)
    return s;
  *step = "nvjpegJpegStateCreate";
  if ((s = nj->JpegStateCreate(b->handle, &state)) != GR_NVJPEG_SUCCESS) return s;
  b->state = state;
  return GR_NVJPEG_SUCCESS;
}

/* Destroys what open_decoder or open_hybrid made (any part of it). */
static void close_decoder(gr_batcher *b) {
  const gr_nvjpeg_api *nj = g_nj;
  if (b->params) nj->DecodeParamsDestroy(b->params);
  if (b->bitstream) nj->JpegStreamDestroy(b->bitstream);
  if (b->state) nj->JpegStateDestroy(b->state);
  if (b->nv_pinned) nj->BufferPinnedDestroy(b->nv_pinned);
  if (b->nv_device) nj->BufferDeviceDestroy(b->nv_device);
  if (b->decoder) nj->DecoderDestroy(b->decoder);
  if (b->handle) nj->Destroy(b->handle);
  b->params = NULL;
  b->bitstream = NULL;
  b->state = NULL;
  b->nv_pinned = b->nv_device = NULL;
  b->decoder = NULL;
  b->handle = NULL;
}

/* Opens a hybrid batcher's decoder: nvJPEG's decoupled GPU_HYBRID decoder with its own handle
 * (interpolated chroma upsampling, like the hardware handles), state, buffers and parameters.
 * Returns an nvjpegStatus_t; on failure *step names the call and nothing is left open. */
static int open_hybrid(gr_batcher *b, const char **step) {
  const gr_nvjpeg_api *nj = g_nj;
  int s;
#define HY_TRY(call, name)                   \
  do {                                       \
    *step = name;                            \
    if ((s = (call)) != GR_NVJPEG_SUCCESS) { \
      close_decoder(b);                      \
      return s;                              \
    }                                        \
  } while (0)
  *step = "nvjpegCreateEx";
  if ((s = create_handle(GR_NVJPEG_BACKEND_DEFAULT, GR_NVJPEG_FLAGS_DEFAULT, &b->handle)) !=
      GR_NVJPEG_SUCCESS)
    return s;
  HY_TRY(nj->DecoderCreate(b->handle, GR_NVJPEG_BACKEND_GPU_HYBRID, &b->decoder),
         "nvjpegDecoderCreate");
  HY_TRY(nj->DecoderStateCreate(b->handle, b->decoder, &b->state), "nvjpegDecoderStateCreate");
  HY_TRY(nj->BufferPinnedCreate(b->handle, NULL, &b->nv_pinned), "nvjpegBufferPinnedCreate");
  HY_TRY(nj->BufferDeviceCreate(b->handle, NULL, &b->nv_device), "nvjpegBufferDeviceCreate");
  HY_TRY(nj->StateAttachPinnedBuffer(b->state, b->nv_pinned), "nvjpegStateAttachPinnedBuffer");
  HY_TRY(nj->StateAttachDeviceBuffer(b->state, b->nv_device), "nvjpegStateAttachDeviceBuffer");
  HY_TRY(nj->JpegStreamCreate(b->handle, &b->bitstream), "nvjpegJpegStreamCreate");
  HY_TRY(nj->DecodeParamsCreate(b->handle, &b->params), "nvjpegDecodeParamsCreate");
  HY_TRY(nj->DecodeParamsSetOutputFormat(b->params, GR_NVJPEG_OUTPUT_RGBI),
         "nvjpegDecodeParamsSetOutputFormat");
#undef HY_TRY
  return GR_NVJPEG_SUCCESS;
}

/* Sets up device d (current): hardware decoder handles, batchers. 0 on success. */
static int device_start(gr_jpeg_device *d, char *why, size_t why_size) {
  int s;
  pthread_mutex_init(&d->lock, NULL);
  pthread_cond_init(&d->work, NULL);
  pthread_cond_init(&d->done, NULL);
  pthread_cond_init(&d->hybrid_work, NULL);
  for (int i = 0; i < GR_BATCHERS; i++) {
    gr_batcher *b = &d->batchers[i];
    b->dev = d;
    const char *step;
    if ((s = open_decoder(b, &step)) != GR_NVJPEG_SUCCESS) {
      if (!b->handle) {
        snprintf(why, why_size, "no hardware JPEG decoder (%s: %s)", step,
                 gr_nvjpeg_status_name(s));
      } else {
        snprintf(why, why_size, "%s: %s", step, gr_nvjpeg_status_name(s));
      }
      return -1;
    }
    if (cudaStreamCreateWithFlags(&b->stream, cudaStreamNonBlocking) != cudaSuccess) {
      snprintf(why, why_size, "cudaStreamCreate: %s", cudaGetErrorString(cudaGetLastError()));
      return -1;
    }
  }
  /* Hybrid decoders: as many as open (none where this nvJPEG lacks the decoupled API). */
  d->hybrids = 0;
  for (int i = 0; i < g_hybrid_count && g_nj->has_decoupled; i++) {
    gr_batcher *b = &d->batchers[GR_BATCHERS + d->hybrids];
    const char *step;
    b->dev = d;
    b->hybrid = 1;
    if (open_hybrid(b, &step) != GR_NVJPEG_SUCCESS) break;
    if (cudaStreamCreateWithFlags(&b->stream, cudaStreamNonBlocking) != cudaSuccess) {
      cudaGetLastError();
      close_decoder(b);
      break;
    }
    d->hybrids++;
  }
  for (int i = 0; i < GR_BATCHERS + d->hybrids; i++) {
    if (pthread_create(&d->batchers[i].thread, NULL, batcher_main, &d->batchers[i]) != 0) {
      if (i >= GR_BATCHERS) { /* fewer hybrid decoders: the rest never take work */
        pthread_mutex_lock(&d->lock); /* the started batchers read it */
        d->hybrids = i - GR_BATCHERS;
        pthread_mutex_unlock(&d->lock);
        break;
      }
      snprintf(why, why_size, "cannot start a batcher thread");
      return -1;
    }
    pthread_detach(d->batchers[i].thread);
  }
  d->ok = 1;
  return 0;
}

static void init_once(void) {
  char why[GR_MESSAGE_MAX];
  g_nj = gr_nvjpeg_load(why, sizeof why);
  if (!g_nj) {
    snprintf(g_reason, sizeof g_reason, "%s", why);
    return;
  }
  if (!gr_gpu_available(NULL, 0, NULL, why, sizeof why)) {
    snprintf(g_reason, sizeof g_reason, "%s", why);
    return;
  }
  g_batch_max = (int)env_long("GPU_RESIZE_BATCH_MAX", 32, 1, 256);
  g_wait_us = env_long("GPU_RESIZE_BATCH_WAIT_US", 1000, 0, 1000000);
  g_batch_memory = (size_t)env_long("GPU_RESIZE_GPU_MEMORY_MB", 4096, 64, 1 << 24) << 20;
  const char *hy = getenv("GPU_RESIZE_HYBRID_DECODERS");
  g_hybrid_force = hy && !strcmp(hy, "force");
  g_hybrid_count = g_hybrid_force ? GR_HYBRID_FORCED
                                  : (int)env_long("GPU_RESIZE_HYBRID_DECODERS",
                                                  GR_HYBRID_DEFAULT, 0, GR_MAX_HYBRID);
  g_hybrid_queue = env_long("GPU_RESIZE_HYBRID_QUEUE", g_batch_max / 2, 0, 1 << 20);
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) count = 0;
  if (count > GR_MAX_JPEG_DEVICES) count = GR_MAX_JPEG_DEVICES;
  int any = 0;
  for (int i = 0; i < count; i++) {
    gr_jpeg_device *d = &g_devices[i];
    d->id = i;
    if (!gr_gpu_device_info(i, &d->max_smem, NULL) || cudaSetDevice(i) != cudaSuccess) {
      cudaGetLastError();
      continue;
    }
    if (device_start(d, why, sizeof why) == 0) any = 1;
    else snprintf(g_reason, sizeof g_reason, "device %d: %.200s", i, why);
  }
  g_device_count = count;
  if (any) g_reason[0] = '\0';
  else if (!g_reason[0]) snprintf(g_reason, sizeof g_reason, "no CUDA device");
}

int gr_gpu_jpeg_available(char *reason, size_t reason_size) {
  pthread_once(&g_once, init_once);
  for (int i = 0; i < g_device_count; i++) {
    if (g_devices[i].ok) return 1;
  }
  if (reason && reason_size) snprintf(reason, reason_size, "%s", g_reason);
  return 0;
}

/* ---- the batcher ---- */

static void job_fail(gr_jpeg_job *j, int injected, int cuda_error, const char *fmt, const char *a,
                     const char *b) {
  if (j->status != GR_OK) return; /* keep the first reason */
  j->status = GR_ERR_BACKEND;
  j->injected = injected;
  j->cuda_error = cuda_error;
  snprintf(j->message, sizeof j->message, fmt, a, b);
}

/* nvJPEG would not decode this image (a JPEG feature the hardware lacks): not a GPU failure;
 * the caller decodes it on the CPU. */
static void job_refused(gr_jpeg_job *j, int nvjpeg_status) {
  if (j->status != GR_OK) return;
  j->status = GR_ERR_UNSUPPORTED;
  snprintf(j->message, sizeof j->message, "nvJPEG cannot decode it: %s",
           gr_nvjpeg_status_name(nvjpeg_status));
}

static void fail_all(gr_jpeg_job **jobs, int n, int injected, int cuda_error, const char *fmt,
                     const char *a, const char *b) {
  for (int i = 0; i < n; i++) job_fail(jobs[i], injected, cuda_error, fmt, a, b);
}

/* Grows the batcher's device buffer (no work of it is in flight: the last batch was waited
 * for). Returns a cudaError_t. */
static cudaError_t grow_device(gr_batcher *b, size_t need) {
  if (b->device_cap >= need) return cudaSuccess;
  if (b->device_buf) cudaFree(b->device_buf);
  b->device_buf = NULL;
  b->device_cap = 0;
  size_t size = gr_align_up(need + need / 4, (size_t)1 << 20);
  void *p = NULL;
  cudaError_t e = cudaMalloc(&p, size);
  if (e != cudaSuccess) return e;
  b->device_buf = p;
  b->device_cap = size;
  return cudaSuccess;
}

/* A fresh decoder after the hardware decoder refused or skipped an image: a decoder that saw a
 * failure kept refusing or skipping later, valid images (with the reused decode parameters that
 * caused most of them, see open_decoder), and a new state alone did not cure it. A fresh handle
 * takes 0.7-1.5 s on the H100, so at most two per failed batch. b->state stays NULL when this
 * fails (the batch then fails). */
static void reset_decoder(gr_batcher *b) {
  const char *step;
  double t0 = now_ms();
  close_decoder(b);
  if (b->hybrid) open_hybrid(b, &step);
  else open_decoder(b, &step);
  pthread_mutex_lock(&g_stats_lock);
  g_stats.resets++;
  g_stats.reset_ms += now_ms() - t0;
  pthread_mutex_unlock(&g_stats_lock);
}

/* A hybrid batcher's decode of one image: the host phase (Huffman) on this thread, then the
 * bitstream's copy and the device phase queued on the batch's stream. */
static int decode_hybrid(gr_batcher *b, const gr_jpeg_job *j, gr_nvjpeg_image *image) {
  const gr_nvjpeg_api *nj = g_nj;
  int s = nj->JpegStreamParse(b->handle, j->data, j->length, 0, 0, b->bitstream);
  if (s == GR_NVJPEG_SUCCESS) s = nj->DecodeJpegHost(b->handle, b->decoder, b->state, b->params,
                                                     b->bitstream);
  if (s == GR_NVJPEG_SUCCESS) s = nj->DecodeJpegTransferToDevice(b->handle, b->decoder, b->state,
                                                                 b->bitstream, b->stream);
  if (s == GR_NVJPEG_SUCCESS) s = nj->DecodeJpegDevice(b->handle, b->decoder, b->state, image,
                                                       b->stream);
  return s;
}

/* Decodes the decoding jobs among jobs[0..n) that are still OK into their device buffers. */
static int decode_range(gr_batcher *b, gr_jpeg_job **jobs, int n, uint8_t *dbuf) {
  const gr_nvjpeg_api *nj = g_nj;
  const unsigned char *datas[GR_BATCH_JOBS];
  size_t lengths[GR_BATCH_JOBS];
  gr_nvjpeg_image images[GR_BATCH_JOBS];
  gr_jpeg_job *decoders[GR_BATCH_JOBS];
  int count = 0;
  for (int i = 0; i < n; i++) {
    gr_jpeg_job *j = jobs[i];
    if (j->decode_by || j->status != GR_OK) continue;
    datas[count] = j->data;
    lengths[count] = j->length;
    memset(&images[count], 0, sizeof images[count]);
    images[count].channel[0] = dbuf + j->off_src;
    images[count].pitch[0] = (size_t)j->width * GR_CHANNELS;
    decoders[count++] = j;
  }
  int s = GR_NVJPEG_SUCCESS;
  if (count == 0) return s;
  n = count;
  if (!b->state) reset_decoder(b);
  if (!b->state) return 6; /* NVJPEG_STATUS_EXECUTION_FAILED */
  if (b->hybrid) {
    /* A hybrid batch is one decode: the state's buffers serve one at a time. */
    s = decode_hybrid(b, decoders[0], &images[0]);
    if (s != GR_NVJPEG_SUCCESS) count_one(&g_stats.refused);
    return s;
  }
  if (b->initialised_batch != n) {
    s = nj->DecodeBatchedInitialize(b->handle, b->state, n, 1, GR_NVJPEG_OUTPUT_RGBI);
    b->initialised_batch = s == GR_NVJPEG_SUCCESS ? n : 0;
  }
  if (s == GR_NVJPEG_SUCCESS) {
    s = nj->DecodeBatched(b->handle, b->state, datas, lengths, images, b->stream);
  }
  if (s != GR_NVJPEG_SUCCESS) count_one(&g_stats.refused);
  return s;
}

/* The canary: bytes put in the last GR_CANARY bytes of each image's decode buffer before the
 * decode and read back after the resize. Still there: the hardware decoder reported success but
 * did not write the image (seen on H100 under concurrent batches). */
#define GR_CANARY 32
static const uint8_t g_canary[GR_CANARY] = {
    0x3c, 0xa7, 0x11, 0xf0, 0x5e, 0x82, 0xd9, 0x26, 0x4b, 0xe3, 0x70, 0x1d, 0x95, 0xc8, 0x07, 0x6a,
    0xb2, 0x39, 0xee, 0x54, 0x8f, 0x13, 0xca, 0x61, 0xfd, 0x2e, 0x98, 0x45, 0x7b, 0xd0, 0x0c, 0xa3};

static size_t src_bytes(const gr_jpeg_job *j) {
  return j->decode_by ? 0 : (size_t)j->width * j->height * GR_CHANNELS;
}

/* canary holds the pattern, then the read-back of job slot i at canary + GR_CANARY * (i + 1). */
static int canary_intact(const uint8_t *canary, int i) {
  return memcmp(canary + GR_CANARY * (size_t)(i + 1), canary, GR_CANARY) == 0;
}

/* Queues the download of the job's resized pixels into its part of the pinned buffer. */
static cudaError_t queue_download(gr_batcher *b, const gr_jpeg_job *j, const uint8_t *dp) {
  return cudaMemcpyAsync(b->pinned_out[b->out_set] + j->off_host, dp + j->off_out, j->out_bytes,
                         cudaMemcpyDeviceToHost, b->stream);
}

/* Queues the encode of the job's output region (device memory, just resized) on the batch's
 * stream. 0 when it cannot (the reason goes to the request's note): its pixels are downloaded
 * instead and the CPU encodes them. */
static int queue_encode(gr_batcher *b, gr_jpeg_job *j, uint8_t *dp) {
  gr_gpu_jpeg_output *o = j->encode;
  size_t pitch = (size_t)j->h->out_size * GR_CHANNELS;
  const uint8_t *region = dp + j->off_out + (size_t)o->region.top * pitch +
                          (size_t)o->region.left * GR_CHANNELS;
  gr_error err;
  if (!j->encoder && gr_gpu_jpeg_encoder_borrow(b->dev->id, &j->encoder, &err) != GR_OK) {
    snprintf(o->note, sizeof o->note, "%s", err.message);
    return 0;
  }
  if (gr_gpu_jpeg_encode_queue(j->encoder, region, o->region.width, o->region.height, pitch,
                               &o->options, b->stream, &err) != GR_OK) {
    snprintf(o->note, sizeof o->note, "%s", err.message);
    return 0;
  }
  j->encode_queued = 1;
  return 1;
}

/* After the batch's synchronisation: the job's bitstream into its request's output. When that
 * fails the pixels come back instead (late_download). */
static void retrieve_encode(gr_jpeg_job *j) {
  gr_gpu_jpeg_output *o = j->encode;
  gr_error err;
  j->encode_queued = 0;
  if (gr_gpu_jpeg_encode_retrieve(j->encoder, &o->data, &o->length, &err) == GR_OK) {
    j->encoded = 1;
    return;
  }
  snprintf(o->note, sizeof o->note, "%s", err.message);
  j->late_download = 1;
}

/* The pixels of a job whose GPU encode failed, after the batch's synchronisation: it has no
 * place in the pinned set (planned GPU encodes take none, which keeps large outputs' sets
 * small), so they are copied into memory of its own. A cudaError_t. */
static cudaError_t late_download(gr_jpeg_job *j, const uint8_t *dp) {
  j->late_out = malloc(j->out_bytes);
  if (!j->late_out) {
    job_fail(j, 0, 0, "%s%s", "Out of memory", "");
    return cudaSuccess;
  }
  return cudaMemcpy(j->late_out, dp + j->off_out, j->out_bytes, cudaMemcpyDeviceToHost);
}

/* Drops a queued encode whose input turned out not to be written (a skipped decode). */
static void drop_encode(gr_jpeg_job *j) {
  if (!j->encode_queued) return;
  uint8_t *data = NULL;
  size_t length = 0;
  gr_error err;
  j->encode_queued = 0;
  if (gr_gpu_jpeg_encode_retrieve(j->encoder, &data, &length, &err) == GR_OK) free(data);
}

/* A member of a group fails as the job it depends on (its decode, or the output it resizes). */
static void inherit_failure(gr_jpeg_job *j, const gr_jpeg_job *from) {
  if (j->status != GR_OK) return;
  j->status = from->status;
  j->injected = from->injected;
  j->cuda_error = from->cuda_error;
  snprintf(j->message, sizeof j->message, "%s", from->message);
}

/* Decodes the decoding jobs among jobs[0..n) (the ones still OK), queues each one's canary
 * read-back (into slot 0..n-1 by its index), then every job's resize (a group's members from
 * their decode or from an earlier member's resized image, in batch order on the one stream),
 * and its download or encode. The hardware decoder neither waits for earlier work on its
 * stream nor is reliably waited for by later work (see the top), so the decode sits between
 * two host synchronisations. Returns a cudaError_t; the caller synchronises once more. */
static cudaError_t decode_resize(gr_batcher *b, gr_jpeg_job **jobs, int n, uint8_t *dp,
                                 uint8_t *canary) {
  cudaError_t e;
  int decoders = 0;
  for (int i = 0; i < n; i++) {
    gr_jpeg_job *j = jobs[i];
    if (j->decode_by || j->status != GR_OK) continue;
    decoders++;
    if ((e = cudaMemcpyAsync(dp + j->off_src + src_bytes(j) - GR_CANARY, canary, GR_CANARY,
                             cudaMemcpyHostToDevice, b->stream)))
      return e;
  }
  if ((e = cudaStreamSynchronize(b->stream))) return e;
  double t0 = now_ms();
  int s = decode_range(b, jobs, n, dp);
  if ((e = cudaStreamSynchronize(b->stream))) return e;
  if (s != GR_NVJPEG_SUCCESS && !b->hybrid) reset_decoder(b);
  pthread_mutex_lock(&g_stats_lock);
  g_stats.decode_ms += now_ms() - t0;
  pthread_mutex_unlock(&g_stats_lock);
  if (s != GR_NVJPEG_SUCCESS && decoders > 1) {
    /* One image may spoil the batch: decode them one by one so the others still succeed.
     * No fresh decoder after each refusal (one costs 0.7-1.5 s on the H100, and a mixed batch
     * can have several): the ones after it may be refused too and decode on the CPU; one
     * fresh decoder at the end. */
    int refused = 0;
    for (int i = 0; i < n; i++) {
      if (jobs[i]->decode_by || jobs[i]->status != GR_OK) continue;
      int si = decode_range(b, &jobs[i], 1, dp);
      if ((e = cudaStreamSynchronize(b->stream))) return e;
      if (si != GR_NVJPEG_SUCCESS) job_refused(jobs[i], si), refused = 1;
    }
    if (refused && !b->hybrid) reset_decoder(b);
  } else if (s != GR_NVJPEG_SUCCESS) {
    for (int i = 0; i < n; i++) {
      if (!jobs[i]->decode_by) job_refused(jobs[i], s);
    }
  }
  for (int i = 0; i < n; i++) {
    gr_jpeg_job *j = jobs[i];
    if (j->decode_by) continue;
    j->decoded = j->status == GR_OK;
    if (j->decoded &&
        (e = cudaMemcpyAsync(canary + GR_CANARY * (size_t)(i + 1),
                             dp + j->off_src + src_bytes(j) - GR_CANARY, GR_CANARY,
                             cudaMemcpyDeviceToHost, b->stream)))
      return e;
  }
  for (int i = 0; i < n; i++) {
    gr_jpeg_job *j = jobs[i];
    if (j->decode_by && !j->decode_by->decoded) inherit_failure(j, j->decode_by);
    if (j->resize_from && j->resize_from->status != GR_OK) inherit_failure(j, j->resize_from);
    if (j->status != GR_OK) continue;
    const gr_jpeg_job *src = j->resize_from;
    const gr_jpeg_job *decoder = j->decode_by ? j->decode_by : j;
    const uint8_t *from = src ? dp + src->off_out : dp + decoder->off_src;
    size_t pitch = (size_t)(src ? src->h->out_size : decoder->width) * GR_CHANNELS;
    gr_resize_desc desc;
    gr_gpu_desc_init(&desc, j->h, j->v, &j->tables, dp + j->off_tables, from, pitch, GR_CHANNELS,
                     dp + j->off_out, (float *)(dp + j->off_tmp));
    if (gr_gpu_fault("launch")) {
      job_fail(j, 1, 0, "injected fault: %s%s", "launch", "");
      continue;
    }
    if ((e = (cudaError_t)gr_table_cache_launch(&b->kernel_tables, &desc, &j->tables.plan, j->h, j->v, b->stream,
                                                NULL)))
      return e;
    /* The encode reads the resized image on the device; else the pixels come back. */
    if (!j->gpu_encode) {
      if ((e = queue_download(b, j, dp))) return e;
    } else if (!queue_encode(b, j, dp)) {
      j->late_download = 1;
    }
  }
  return cudaSuccess;
}

static void run_batch(gr_batcher *b, gr_jpeg_job **jobs, int n) {
  gr_jpeg_device *d = b->dev;
  cudaError_t e;
  if (gr_gpu_fault("nvjpeg")) {
    fail_all(jobs, n, 1, 0, "injected fault: %s%s", "nvjpeg", "");
    return;
  }
  if ((e = cudaSetDevice(d->id)) != cudaSuccess) goto cuda_fail;
  /* Layout: every job's tables, then each job's decoded image, output and intermediate. */
  size_t tables = 0, total, host = 0;
  int small_encodes = 0;
  long small_max = env_long("GPU_RESIZE_GPU_ENCODE_SMALL", GR_GPU_ENCODE_SMALL, 0, 1 << 20);
  for (int i = 0; i < n; i++) {
    jobs[i]->off_tables = tables;
    tables += jobs[i]->tables.bytes;
  }
  total = gr_align_up(tables, GR_GPU_ALIGN);
  for (int i = 0; i < n; i++) {
    gr_jpeg_job *j = jobs[i];
    j->off_src = total;
    total = gr_align_up(total + src_bytes(j), GR_GPU_ALIGN);
    j->off_out = total;
    total = gr_align_up(total + j->out_bytes, GR_GPU_ALIGN);
    j->off_tmp = total;
    total = gr_align_up(total + j->tables.plan.tmp_bytes, GR_GPU_ALIGN);
    j->gpu_encode = j->encode && ((size_t)j->encode->region.width * j->encode->region.height >=
                                      GR_GPU_ENCODE_LARGE ||
                                  small_encodes++ < small_max);
    if (!j->gpu_encode) {
      j->off_host = host;
      host = gr_align_up(host + j->out_bytes, GR_GPU_ALIGN);
    }
  }
  size_t pinned_small = gr_align_up(tables, 64) + GR_CANARY * (size_t)(n + 1);
  if ((e = (cudaError_t)gr_gpu_grow_pinned(&b->pinned_tables, &b->pinned_tables_cap,
                                           pinned_small)) ||
      (e = (cudaError_t)gr_gpu_grow_pinned(&b->pinned_out[b->out_set],
                                           &b->pinned_out_cap[b->out_set], host)))
    goto cuda_fail;
  for (int i = 0; i < n; i++) {
    gr_gpu_tables_write(jobs[i]->h, jobs[i]->v, &jobs[i]->tables,
                        b->pinned_tables + jobs[i]->off_tables);
  }
  if ((e = grow_device(b, total))) goto cuda_fail;
  uint8_t *dp = b->device_buf;
  uint8_t *canary = b->pinned_tables + gr_align_up(tables, 64); /* pattern, then n read-backs */
  memcpy(canary, g_canary, GR_CANARY);
  if ((e = cudaMemcpyAsync(dp, b->pinned_tables, tables, cudaMemcpyHostToDevice, b->stream)))
    goto cuda_fail;
  if ((e = decode_resize(b, jobs, n, dp, canary))) goto cuda_fail;
  if ((e = cudaStreamSynchronize(b->stream))) goto cuda_fail;
  for (int i = 0; i < n; i++) {
    /* An image the hardware skipped still has its canary: decode it again alone, then give
     * it to the CPU decoder if it is skipped again. A group goes to the CPU decoder at once. */
    gr_jpeg_job *j = jobs[i];
    if (j->decode_by || !j->decoded || !canary_intact(canary, i)) continue;
    count_one(&g_stats.skipped);
    if (j->group_size > 1) {
      for (int m = 0; m < j->group_size; m++) {
        gr_jpeg_job *member = jobs[i + m];
        drop_encode(member);
        member->late_download = 0;
        if (member->status == GR_OK) {
          member->status = GR_ERR_UNSUPPORTED;
          snprintf(member->message, sizeof member->message,
                   "the hardware JPEG decoder skipped it");
        }
      }
      reset_decoder(b);
      continue;
    }
    if (j->status != GR_OK) continue;
    drop_encode(j);
    reset_decoder(b);
    if ((e = decode_resize(b, &jobs[i], 1, dp, canary))) goto cuda_fail;
    if ((e = cudaStreamSynchronize(b->stream))) goto cuda_fail;
    memmove(canary + GR_CANARY * (size_t)(i + 1), canary + GR_CANARY, GR_CANARY);
    if (j->decoded && canary_intact(canary, i)) {
      jobs[i]->status = GR_ERR_UNSUPPORTED;
      snprintf(jobs[i]->message, sizeof jobs[i]->message,
               "the hardware JPEG decoder skipped it twice");
    }
  }
  for (int i = 0; i < n; i++) {
    gr_jpeg_job *j = jobs[i];
    if (j->status != GR_OK) continue;
    if (j->encode_queued) retrieve_encode(j);
    if (j->late_download && (e = late_download(j, dp))) goto cuda_fail;
    if (j->status == GR_OK && !j->encoded) {
      j->host_out = j->late_out ? j->late_out : b->pinned_out[b->out_set] + j->off_host;
    }
  }
  return;

cuda_fail:
  fail_all(jobs, n, 0, (int)e, "CUDA error in the JPEG batch: %s%s", cudaGetErrorString(e), "");
  cudaStreamSynchronize(b->stream);
  cudaError_t again = cudaGetLastError(); /* clear; a sticky error comes back at once */
  if (again != cudaSuccess && cudaGetLastError() != cudaSuccess) {
    for (int i = 0; i < n; i++) jobs[i]->broken = 1;
    pthread_mutex_lock(&d->lock);
    d->ok = 0; /* the context is broken: this device's JPEG path stays off */
    pthread_mutex_unlock(&d->lock);
  }
}

/* A pinned result set no request still reads (the current one first), or -1. */
static int free_out_set(const gr_batcher *b) {
  for (int k = 0; k < GR_OUT_SETS; k++) {
    int set = (b->out_set + k) % GR_OUT_SETS;
    if (b->readers[set] == 0) return set;
  }
  return -1;
}

/* Whether batcher b may take the queued jobs now (d locked): hardware batchers whenever jobs
 * wait; hybrid ones past their queue threshold, and only while the CPU has room (a free
 * request-pool slot beside the hybrid decodes already running): their Huffman decode is CPU
 * work, and where requests already queue for the CPU (task 1 with its CPU JPEG encodes, H100)
 * it slowed everything down. */
static int may_take(const gr_batcher *b) {
  const gr_jpeg_device *d = b->dev;
  if (!d->head) return 0;
  if (!b->hybrid) return !g_hybrid_force || d->hybrids == 0;
  if (g_hybrid_force) return 1;
  if (d->queued <= g_hybrid_queue) return 0;
  gr_pool_stats pool;
  gr_pool_get_stats(&pool);
  return pool.queued == 0 && pool.active + d->hybrid_running < pool.max_active;
}

static void *batcher_main(void *arg) {
  gr_batcher *b = arg;
  gr_jpeg_device *d = b->dev;
  gr_jpeg_job *jobs[GR_BATCH_JOBS];
  cudaSetDevice(d->id);
  gr_gpu_jpeg_encoder_lane(1 + (int)(b - d->batchers)); /* lane 0: other threads */
  pthread_mutex_lock(&d->lock);
  for (;;) {
    double blocked_since = 0;
    int set = -1;
    int take;
    while (!(take = may_take(b)) || (set = free_out_set(b)) < 0) {
      if (take && !blocked_since) blocked_since = now_ms();
      pthread_cond_wait(take ? &d->done : b->hybrid ? &d->hybrid_work : &d->work, &d->lock);
    }
    b->out_set = set;
    double t_start = now_ms();
    /* Gather: while the other batcher keeps the GPU busy, wait up to wait_us for up to
     * batch_max jobs; an idle GPU starts at once, so a lone request is not delayed. */
    if (!b->hybrid && d->running > 0 && d->queued < g_batch_max && g_wait_us > 0) {
      struct timespec ts;
      clock_gettime(CLOCK_REALTIME, &ts);
      long ns = ts.tv_nsec + (g_wait_us % 1000000) * 1000;
      ts.tv_sec += g_wait_us / 1000000 + ns / 1000000000;
      ts.tv_nsec = ns % 1000000000;
      while (d->queued < g_batch_max) {
        if (pthread_cond_timedwait(&d->work, &d->lock, &ts) == ETIMEDOUT) break;
      }
      if (!d->head) continue; /* the other batcher took them */
    }
    /* A group is taken whole; the bounds count decodes, and jobs for the array. */
    int n = 0, decodes = 0;
    size_t bytes = 0;
    const int limit = b->hybrid ? 1 : g_batch_max;
    while (d->head && decodes < limit && n + d->head->group_size <= GR_BATCH_JOBS &&
           (n == 0 || bytes + d->head->group_bytes <= g_batch_memory)) {
      bytes += d->head->group_bytes;
      for (int m = d->head->group_size; m > 0; m--) {
        jobs[n++] = d->head;
        d->head = d->head->next;
      }
      if (!d->head) d->tail = NULL;
      d->queued--;
      decodes++;
    }
    d->running++;
    if (b->hybrid) d->hybrid_running++;
    pthread_mutex_unlock(&d->lock);
    double t_run = now_ms();
    run_batch(b, jobs, n);
    for (int i = 0; i < n; i++) {
      gr_gpu_jpeg_encoder_return(jobs[i]->encoder); /* retrieved, or waited for here */
      jobs[i]->encoder = NULL;
    }
    pthread_mutex_lock(&g_stats_lock);
    g_stats.batches++;
    g_stats.images += (uint64_t)decodes;
    g_stats.outputs += (uint64_t)n;
    if (b->hybrid) g_stats.hybrid += (uint64_t)decodes;
    g_stats.batch_ms += now_ms() - t_run;
    if (blocked_since) g_stats.blocked_ms += t_start - blocked_since;
    pthread_mutex_unlock(&g_stats_lock);
    pthread_mutex_lock(&d->lock);
    d->running--;
    if (b->hybrid) d->hybrid_running--;
    for (int i = 0; i < n; i++) {
      jobs[i]->batcher = b;
      jobs[i]->out_set = set;
      if (jobs[i]->status == GR_OK && !jobs[i]->encoded && !jobs[i]->late_out) b->readers[set]++;
      jobs[i]->done = 1;
    }
    pthread_cond_broadcast(&d->done);
  }
  return NULL;
}

/* ---- a request ---- */

/* Marks the job for a GPU encode when the GPU can encode the request's output (the batch lends
 * it an encoder); else the reason goes to the note and the pixels will come back. */
static void plan_encode(gr_jpeg_job *job, gr_gpu_jpeg_output *encode) {
  encode->data = NULL;
  encode->length = 0;
  encode->note[0] = '\0';
  gr_rect *r = &encode->region;
  if (r->width == 0) *r = (gr_rect){0, 0, job->h->out_size, job->v->out_size};
  gr_error err;
  char why[GR_MESSAGE_MAX];
  if (!gr_gpu_jpeg_encoder_available(why, sizeof why)) {
    snprintf(encode->note, sizeof encode->note, "GPU JPEG encode unavailable: %.200s", why);
  } else if (r->left < 0 || r->top < 0 || r->width <= 0 || r->height <= 0 ||
      r->left + r->width > job->h->out_size || r->top + r->height > job->v->out_size) {
    snprintf(encode->note, sizeof encode->note, "GPU JPEG encode: region outside the image");
  } else if (gr_gpu_jpeg_encode_supported(&encode->options, r->width, r->height, &err) != GR_OK) {
    snprintf(encode->note, sizeof encode->note, "%s", err.message);
  } else {
    job->encode = encode;
  }
}

/* Sets up a target's job (device and pinned sizes, tables, the encode plan). */
static void job_init(gr_jpeg_job *job, const gr_jpeg_device *d, const uint8_t *data,
                     size_t length, int width, int height, gr_gpu_jpeg_target *t) {
  memset(job, 0, sizeof *job);
  job->data = data;
  job->length = length;
  job->width = width;
  job->height = height;
  job->h = t->horizontal;
  job->v = t->vertical;
  gr_gpu_tables_plan(job->h, job->v, GR_CHANNELS, d->max_smem, &job->tables);
  job->out_bytes = (size_t)job->h->out_size * (size_t)job->v->out_size * GR_CHANNELS;
  job->status = GR_OK;
  if (t->encode) plan_encode(job, t->encode);
}

/* Checks the targets' filters against what each one resizes. */
static gr_status check_targets(int width, int height, const gr_gpu_jpeg_target *t, int count,
                               gr_error *err) {
  for (int i = 0; i < count; i++) {
    int from = t[i].from;
    if (from < -1 || from >= i || !t[i].horizontal || !t[i].vertical) {
      return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "gr_gpu_jpeg_resize_many: bad target %d", i);
    }
    int in_w = from < 0 ? width : t[from].horizontal->out_size;
    int in_h = from < 0 ? height : t[from].vertical->out_size;
    if (t[i].horizontal->in_size != in_w || t[i].vertical->in_size != in_h) {
      return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "gr_gpu_jpeg_resize: filters do not match");
    }
  }
  return GR_OK;
}

/* After the batch: target i's pixels out of the pinned set (or its late copy), its result. */
static void collect(gr_jpeg_device *d, gr_jpeg_job *job, gr_gpu_jpeg_target *t) {
  gr_gpu_jpeg_output *encode = t->encode;
  t->status = job->status;
  if (job->status == GR_OK && !job->encoded) {
    gr_error err;
    if (gr_image_alloc(&t->dst, job->h->out_size, job->v->out_size, GR_CHANNELS, &err) == GR_OK) {
      size_t row = (size_t)job->h->out_size * GR_CHANNELS;
      for (int y = 0; y < job->v->out_size; y++) {
        memcpy(t->dst.data + t->dst.stride * (size_t)y, job->host_out + (size_t)y * row, row);
      }
    } else {
      t->status = err.code;
      snprintf(job->message, sizeof job->message, "%s", err.message);
    }
    if (!job->late_out) {
      pthread_mutex_lock(&d->lock);
      if (--job->batcher->readers[job->out_set] == 0) pthread_cond_broadcast(&d->done);
      pthread_mutex_unlock(&d->lock);
    }
  }
  free(job->late_out);
  job->late_out = NULL;
  if (t->status != GR_OK && encode && encode->data) {
    free(encode->data);
    encode->data = NULL;
  }
  snprintf(t->message, sizeof t->message, "%s", t->status == GR_OK ? "" : job->message);
}

gr_status gr_gpu_jpeg_resize_many(const uint8_t *data, size_t length, int width, int height,
                                  gr_gpu_jpeg_target *targets, int count, gr_error *err) {
  for (int i = 0; i < count; i++) {
    memset(&targets[i].dst, 0, sizeof targets[i].dst);
    targets[i].status = GR_OK;
    targets[i].message[0] = '\0';
  }
  char why[GR_MESSAGE_MAX];
  if (!gr_gpu_jpeg_available(why, sizeof why)) {
    return gr_fail(err, GR_ERR_UNSUPPORTED, "GPU JPEG decode unavailable: %s", why);
  }
  if (count < 1 || count > GR_GPU_JPEG_GROUP_MAX) {
    return gr_fail(err, GR_ERR_UNSUPPORTED, "%d outputs of one decode (the GPU takes 1 to %d)",
                   count, GR_GPU_JPEG_GROUP_MAX);
  }
  gr_status st = check_targets(width, height, targets, count, err);
  if (st != GR_OK) return st;
  if ((size_t)width * height * GR_CHANNELS < GR_CANARY) {
    return gr_fail(err, GR_ERR_UNSUPPORTED, "image too small for the GPU decoder");
  }
  int id = gr_gpu_acquire(why, sizeof why);
  if (id < 0) {
    for (int i = 0; i < count; i++) gr_gpu_count(GR_ERR_BACKEND, why);
    return gr_fail(err, GR_ERR_BACKEND, "%s", why);
  }
  gr_jpeg_device *d = id < g_device_count ? &g_devices[id] : NULL;
  if (!d || !d->ok) {
    /* Not a failure of this request: the caller decodes on the CPU instead. */
    gr_gpu_unacquire(id);
    return gr_fail(err, GR_ERR_UNSUPPORTED, "no hardware JPEG decoder on device %d", id);
  }
  gr_jpeg_job one, *jobs = count == 1 ? &one : calloc((size_t)count, sizeof *jobs);
  if (!jobs) {
    gr_gpu_unacquire(id);
    return gr_fail(err, GR_ERR_NO_MEMORY, "Out of memory");
  }
  size_t group_bytes = 0;
  for (int i = 0; i < count; i++) {
    gr_jpeg_job *j = &jobs[i];
    job_init(j, d, data, length, width, height, &targets[i]);
    j->decode_by = i ? &jobs[0] : NULL;
    j->resize_from = targets[i].from >= 0 ? &jobs[targets[i].from] : NULL;
    j->device_bytes = j->tables.bytes + src_bytes(j) + j->out_bytes + j->tables.plan.tmp_bytes +
                      4 * GR_GPU_ALIGN;
    j->next = i + 1 < count ? &jobs[i + 1] : NULL;
    group_bytes += j->device_bytes;
  }
  jobs[0].group_size = count;
  jobs[0].group_bytes = group_bytes;
  gr_jpeg_job *last = &jobs[count - 1];

  long queue_max = env_long("GPU_RESIZE_DECODE_QUEUE", GR_QUEUE_BATCHES * g_batch_max, 0,
                            1 << 20); /* per call: tests set it */
  pthread_mutex_lock(&d->lock);
  if (d->queued >= queue_max && d->running > 0) {
    pthread_mutex_unlock(&d->lock);
    count_one(&g_stats.busy);
    gr_gpu_unacquire(id);
    if (jobs != &one) free(jobs);
    return gr_fail(err, GR_ERR_UNSUPPORTED, "GPU decoder busy (%ld waiting)", queue_max);
  }
  if (d->tail) d->tail->next = &jobs[0];
  else d->head = &jobs[0];
  d->tail = last;
  d->queued++;
  pthread_cond_signal(&d->work);
  if (d->hybrids && (g_hybrid_force || d->queued > g_hybrid_queue)) {
    pthread_cond_signal(&d->hybrid_work);
  }
  pthread_mutex_unlock(&d->lock);
  /* The wait uses no CPU: the request pool starts another request meanwhile. A group's jobs
   * finish together (one batch, marked done under one lock). */
  gr_pool_wait_begin();
  pthread_mutex_lock(&d->lock);
  while (!last->done) pthread_cond_wait(&d->done, &d->lock);
  pthread_mutex_unlock(&d->lock);
  gr_pool_wait_end();

  int unsupported = -1, health = 0;
  for (int i = 0; i < count; i++) {
    collect(d, &jobs[i], &targets[i]);
    if (targets[i].status == GR_ERR_UNSUPPORTED && unsupported < 0) unsupported = i;
    if (jobs[i].cuda_error && !jobs[health].cuda_error) health = i;
  }
  if (unsupported >= 0) {
    /* Not decoded here (refused, skipped): the caller decodes on the CPU, for every output. */
    st = gr_fail(err, GR_ERR_UNSUPPORTED, "%s", targets[unsupported].message);
    for (int i = 0; i < count; i++) {
      gr_image_free(&targets[i].dst);
      if (targets[i].encode && targets[i].encode->data) {
        free(targets[i].encode->data);
        targets[i].encode->data = NULL;
      }
    }
    gr_gpu_unacquire(id);
  } else {
    /* Every output counts as a GPU request; the device's health reads the one with a CUDA
     * error, if any. */
    for (int i = 0; i < count; i++) {
      if (i != health) gr_gpu_count(targets[i].status, targets[i].message);
    }
    gr_jpeg_job *h = &jobs[health];
    gr_gpu_release(id, targets[health].status, h->injected, h->cuda_error, h->broken,
                   targets[health].message);
    st = GR_OK;
  }
  if (jobs != &one) free(jobs);
  return st;
}

gr_status gr_gpu_jpeg_resize(const uint8_t *data, size_t length, int width, int height,
                             const gr_filter *h, const gr_filter *v, gr_gpu_jpeg_output *encode,
                             gr_image *dst, gr_error *err) {
  memset(dst, 0, sizeof *dst);
  gr_gpu_jpeg_target t;
  memset(&t, 0, sizeof t);
  t.horizontal = h;
  t.vertical = v;
  t.from = -1;
  t.encode = encode;
  gr_status st = gr_gpu_jpeg_resize_many(data, length, width, height, &t, 1, err);
  if (st != GR_OK) return st;
  if (t.status != GR_OK) return gr_fail(err, t.status, "%s", t.message);
  *dst = t.dst; /* empty when encode->data holds the output */
  return GR_OK;
}
