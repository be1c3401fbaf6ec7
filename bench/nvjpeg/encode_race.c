/* Do concurrent GPU JPEG encodes of different qualities get each other's tables?
 *
 *   build/cmake/encode_race photo.jpg [--rounds N] [--batch K]
 *
 * A 720x588 crop of the photo is encoded alone at q80 and q90 (the references; each twice, to
 * show the encoder is deterministic). Then, per configuration, T threads each queue K encodes of
 * alternating quality on a stream, synchronise, retrieve, and compare every bitstream with its
 * quality's reference, N rounds. Configurations vary:
 *   lanes   own: each thread its own nvJPEG handle (as the batchers); shared: one for all;
 *   stream  own: a stream per thread; shared: one stream for all threads;
 *   lock    none; queue: one mutex around each thread's queueing (host calls serial, GPU work
 *           of the threads still overlaps); all: the mutex held from queue to retrieve;
 *   tables  libjpeg (copied from a parsed libjpeg image) or nvjpeg (SetQuality only).
 * Prints one line per configuration with the count of bitstreams that differ, and encodes/s.
 *
 * On the H100 (2026-11-22, bench/results/h100-16core-mixups/race.txt) no configuration gave a
 * wrong bitstream: the mix-ups came from fresh encoders racing the default stream, which needs
 * the batch path's copy traffic (bench/nvjpeg/mixups.js reproduces them). What it does show is
 * the cost of optimised Huffman tables: 2347 encodes/s with them, 12343 without (4 threads). */
#define _POSIX_C_SOURCE 200809L

#include <cuda_runtime_api.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_io.h"
#include "codecs/codecs.h"
#include "gpu/jpeg_encode.h"

#define W 720
#define H 588
#define MAX_THREADS 8
#define MAX_BATCH 64

typedef struct config {
  int threads, own_lanes, own_streams, lock; /* lock: 0 none, 1 queue, 2 all */
  gr_gpu_jpeg_tables tables;
  int optimize;
} config;

static uint8_t *g_rgb;  /* device */
static uint8_t *g_ref[2];
static size_t g_ref_len[2];
static int g_rounds = 200, g_batch = 16;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static cudaStream_t g_shared_stream;
static const config *g_cfg;

static void options_for(int quality, const config *c, gr_gpu_jpeg_options *o) {
  gr_jpeg_options jo = {quality, 0, 0, c->optimize};
  gr_gpu_jpeg_options_from(&jo, 3, o);
  o->tables = c->tables;
}

/* One encode alone; the bitstream or NULL. */
static uint8_t *encode_alone(int quality, const config *c, cudaStream_t s, size_t *len) {
  gr_gpu_jpeg_options o;
  options_for(quality, c, &o);
  uint8_t *out = NULL;
  gr_error err;
  if (gr_gpu_jpeg_encode(0, g_rgb, W, H, (size_t)W * 3, &o, s, &out, len, &err) != GR_OK) {
    printf("lone encode q%d: %s\n", quality, err.message);
    return NULL;
  }
  return out;
}

typedef struct worker {
  int id;
  long encodes, differ, failed;
  char first[160];
} worker;

static void *work(void *arg) {
  worker *w = arg;
  const config *c = g_cfg;
  gr_gpu_jpeg_encoder_lane(c->own_lanes ? 1 + w->id : 1);
  cudaSetDevice(0);
  cudaStream_t s = g_shared_stream;
  if (c->own_streams) cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking);
  gr_gpu_jpeg_encoder *enc[MAX_BATCH];
  int q[MAX_BATCH];
  for (int r = 0; r < g_rounds; r++) {
    gr_error err;
    int n = 0;
    if (c->lock) pthread_mutex_lock(&g_lock);
    for (int k = 0; k < g_batch; k++) {
      q[n] = ((w->id + r + k) & 1) ? 90 : 80;
      gr_gpu_jpeg_options o;
      options_for(q[n], c, &o);
      if (gr_gpu_jpeg_encoder_borrow(0, &enc[n], &err) != GR_OK) {
        w->failed++;
        continue;
      }
      if (gr_gpu_jpeg_encode_queue(enc[n], g_rgb, W, H, (size_t)W * 3, &o, s, &err) != GR_OK) {
        w->failed++;
        gr_gpu_jpeg_encoder_return(enc[n]);
        continue;
      }
      n++;
    }
    if (c->lock == 1) pthread_mutex_unlock(&g_lock);
    cudaStreamSynchronize(s);
    for (int k = 0; k < n; k++) {
      uint8_t *out = NULL;
      size_t len = 0;
      int which = q[k] == 90;
      if (gr_gpu_jpeg_encode_retrieve(enc[k], &out, &len, &err) != GR_OK) {
        w->failed++;
      } else {
        w->encodes++;
        if (len != g_ref_len[which] || memcmp(out, g_ref[which], len) != 0) {
          if (!w->differ++) {
            snprintf(w->first, sizeof w->first, "round %d slot %d q%d: %zu bytes, reference %zu",
                     r, k, q[k], len, g_ref_len[which]);
          }
        }
      }
      free(out);
      gr_gpu_jpeg_encoder_return(enc[k]);
    }
    if (c->lock == 2) pthread_mutex_unlock(&g_lock);
  }
  if (c->own_streams) cudaStreamDestroy(s);
  return NULL;
}

static int run(const config *c) {
  g_cfg = c;
  /* References for this configuration's tables and coding, each made twice. */
  for (int i = 0; i < 2; i++) {
    free(g_ref[i]);
    g_ref[i] = encode_alone(i ? 90 : 80, c, g_shared_stream, &g_ref_len[i]);
    size_t again_len = 0;
    uint8_t *again = encode_alone(i ? 90 : 80, c, g_shared_stream, &again_len);
    if (!g_ref[i] || !again) return 1;
    if (again_len != g_ref_len[i] || memcmp(again, g_ref[i], again_len) != 0) {
      printf("q%d: two lone encodes differ (%zu, %zu bytes): not deterministic\n", i ? 90 : 80,
             g_ref_len[i], again_len);
    }
    free(again);
  }
  pthread_t t[MAX_THREADS];
  worker w[MAX_THREADS];
  double t0 = now_ms();
  for (int i = 0; i < c->threads; i++) {
    memset(&w[i], 0, sizeof w[i]);
    w[i].id = i;
    pthread_create(&t[i], NULL, work, &w[i]);
  }
  long encodes = 0, differ = 0, failed = 0;
  const char *first = "";
  for (int i = 0; i < c->threads; i++) {
    pthread_join(t[i], NULL);
    encodes += w[i].encodes;
    differ += w[i].differ;
    failed += w[i].failed;
    if (!*first && w[i].differ) first = w[i].first;
  }
  double ms = now_ms() - t0;
  static const char *locks[] = {"none", "queue", "all"};
  printf("threads %d lanes %-6s stream %-6s lock %-5s tables %-7s optimise %d: %6ld encodes, "
         "%5ld differ, %ld failed, %.0f encodes/s  %s\n",
         c->threads, c->own_lanes ? "own" : "shared", c->own_streams ? "own" : "shared",
         locks[c->lock], c->tables == GR_GPU_JPEG_TABLES_LIBJPEG ? "libjpeg" : "nvjpeg",
         c->optimize, encodes, differ, failed, encodes * 1000.0 / ms, first);
  fflush(stdout);
  return 0;
}

int main(int argc, char **argv) {
  const char *path = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--rounds") && i + 1 < argc) g_rounds = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--batch") && i + 1 < argc) g_batch = atoi(argv[++i]);
    else path = argv[i];
  }
  if (g_batch < 1 || g_batch > MAX_BATCH || g_rounds < 1 || !path) {
    fprintf(stderr, "usage: encode_race photo.jpg [--rounds N] [--batch 1-%d]\n", MAX_BATCH);
    return 2;
  }
  size_t len = 0;
  uint8_t *data = read_file(path, &len);
  gr_image photo;
  gr_error err;
  gr_decode_options d = {1, GR_FAIL_ON_NONE, 0, 0};
  if (!data || gr_decode(data, len, &d, &photo, &err) != GR_OK || photo.channels != 3 ||
      photo.width < W || photo.height < H) {
    fprintf(stderr, "cannot read %s as an RGB image of at least %dx%d\n", path, W, H);
    return 2;
  }
  uint8_t *crop = malloc((size_t)W * H * 3);
  for (int y = 0; y < H; y++) memcpy(crop + (size_t)y * W * 3, photo.data + photo.stride * y, W * 3);
  if (cudaSetDevice(0) != cudaSuccess || cudaMalloc((void **)&g_rgb, (size_t)W * H * 3) ||
      cudaMemcpy(g_rgb, crop, (size_t)W * H * 3, cudaMemcpyHostToDevice) ||
      cudaStreamCreateWithFlags(&g_shared_stream, cudaStreamNonBlocking)) {
    fprintf(stderr, "CUDA: %s\n", cudaGetErrorString(cudaGetLastError()));
    return 2;
  }
  const gr_gpu_jpeg_tables LJ = GR_GPU_JPEG_TABLES_LIBJPEG, NV = GR_GPU_JPEG_TABLES_NVJPEG;
  const config configs[] = {
      {1, 1, 1, 0, LJ, 1}, /* one thread: the control */
      {2, 1, 1, 0, LJ, 1}, /* the batchers today */
      {4, 1, 1, 0, LJ, 1},
      {4, 0, 1, 0, LJ, 1}, /* one handle */
      {4, 1, 1, 1, LJ, 1}, /* host calls serial, GPU work overlapping */
      {4, 1, 1, 2, LJ, 1}, /* fully serial */
      {4, 1, 0, 1, LJ, 1}, /* one stream, host calls serial */
      {4, 1, 1, 0, NV, 1}, /* nvJPEG's own tables */
      {4, 1, 1, 0, LJ, 0}, /* standard Huffman tables */
      {4, 1, 1, 0, NV, 0},
  };
  printf("encode_race: %d rounds of %d encodes per thread, %dx%d crop of %s\n", g_rounds, g_batch,
         W, H, path);
  for (size_t i = 0; i < sizeof configs / sizeof configs[0]; i++) {
    if (run(&configs[i])) return 1;
  }
  return 0;
}
