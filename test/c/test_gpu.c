/* The GPU backend: agreement with the CPU resize, fault injection, concurrency.
 *
 * Without a GPU (CI) it checks that the backend reports itself unavailable with a reason and
 * that gr_gpu_resize fails cleanly. GPU_RESIZE_REQUIRE_GPU=1 makes a missing GPU a failure.
 * GPU_RESIZE_FAULT is set and unset by this test itself; an inherited value is cleared first.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "gpu/gpu.h"
#include "harness.h"

static uint32_t rng_next(uint32_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 17;
  *s ^= *s << 5;
  return *s;
}

/* A w x h image inside a bigger one (odd stride, odd offset) when `view`, else tight.
 * pattern 0: random bytes; 1: smooth gradients (alpha too). */
typedef struct test_image {
  gr_image base;
  gr_image img;
} test_image;

static int make_image(test_image *t, int w, int h, int c, int pattern, int view, uint32_t seed) {
  gr_error err;
  int bw = view ? w + 7 : w, bh = view ? h + 3 : h;
  if (gr_image_alloc(&t->base, bw, bh, c, &err) != GR_OK) return 0;
  uint32_t s = seed * 2654435761u + 12345u;
  if (s == 0) s = 1;
  for (int y = 0; y < bh; y++) {
    uint8_t *row = t->base.data + (size_t)y * t->base.stride;
    for (int x = 0; x < bw; x++) {
      for (int z = 0; z < c; z++) {
        uint8_t v;
        if (pattern == 0) {
          v = (uint8_t)(rng_next(&s) >> 24);
        } else {
          double fx = bw > 1 ? (double)x / (bw - 1) : 0.5, fy = bh > 1 ? (double)y / (bh - 1) : 0.5;
          double f = z == 0 ? fx : z == 1 ? fy : z == 2 ? 1.0 - 0.5 * (fx + fy) : 0.25 + 0.75 * fx * fy;
          v = (uint8_t)(f * 255.0 + 0.5);
        }
        row[(size_t)x * c + z] = v;
      }
    }
  }
  t->img = view ? gr_image_view(&t->base, 5, 2, w, h) : t->base;
  return 1;
}

/* Compares the GPU with the CPU on one case; returns the max difference (-1: a call failed). */
static int compare_case(int iw, int ih, int ow, int oh, int c, gr_kernel k, int pattern, int view,
                        uint32_t seed, char *why, size_t why_size) {
  test_image t;
  gr_error err;
  why[0] = '\0';
  if (!make_image(&t, iw, ih, c, pattern, view, seed)) {
    snprintf(why, why_size, "image alloc");
    return -1;
  }
  gr_filter h, v;
  if (gr_filter_init_ex(&h, iw, ow, k, 0.0, oh > ih, &err) != GR_OK) {
    snprintf(why, why_size, "filter: %.200s", err.message);
    gr_image_free(&t.base);
    return -1;
  }
  if (gr_filter_init_ex(&v, ih, oh, k, 0.0, ow > iw, &err) != GR_OK) {
    snprintf(why, why_size, "filter: %.200s", err.message);
    gr_filter_free(&h);
    gr_image_free(&t.base);
    return -1;
  }
  gr_image cpu, gpu;
  memset(&cpu, 0, sizeof cpu);
  memset(&gpu, 0, sizeof gpu);
  int result = -1;
  gr_status s = gr_cpu_resize_with(&t.img, &h, &v, &cpu, &err);
  if (s != GR_OK) {
    snprintf(why, why_size, "cpu: %.200s", err.message);
  } else if ((s = gr_gpu_resize(&t.img, &h, &v, &gpu, &err)) != GR_OK) {
    snprintf(why, why_size, "gpu: %.200s (status %d)", err.message, (int)s);
  } else if (gpu.width != ow || gpu.height != oh || gpu.channels != c ||
             gpu.stride != (size_t)ow * c) {
    snprintf(why, why_size, "gpu output is %dx%dx%d", gpu.width, gpu.height, gpu.channels);
  } else {
    result = gr_test_max_diff(cpu.data, gpu.data, (size_t)ow * c * oh);
    if (result > 1) {
      size_t n = (size_t)ow * c * oh;
      for (size_t i = 0; i < n; i++) {
        if (abs((int)cpu.data[i] - (int)gpu.data[i]) == result) {
          size_t px = i / (size_t)c;
          snprintf(why, why_size, "first worst at x=%zu y=%zu ch=%zu: cpu %d gpu %d",
                   px % (size_t)ow, px / (size_t)ow, i % (size_t)c, cpu.data[i], gpu.data[i]);
          break;
        }
      }
    }
  }
  gr_image_free(&cpu);
  gr_image_free(&gpu);
  gr_filter_free(&h);
  gr_filter_free(&v);
  gr_image_free(&t.base);
  return result;
}

static const int kSizes[][4] = {
    {640, 480, 320, 240}, {640, 480, 123, 77}, {640, 480, 1280, 960}, {1, 1, 5, 3},
    {1, 64, 7, 3},        {997, 13, 31, 2},    {64, 64, 64, 64},      {300, 200, 300, 97},
    {4000, 20, 3, 7}, /* huge horizontal taps: the two-pass path */
    {24, 3000, 9, 2},  /* huge vertical taps */
};

/* quick: one kernel and one pattern, every channel count and size (every kernel launch shape):
 * for compute-sanitizer's racecheck, which runs each launch hundreds of times slower. */
static void test_against_cpu(int quick) {
  const int nsizes = (int)(sizeof kSizes / sizeof kSizes[0]);
  int cases = 0, worst = 0;
  for (int k = 0; k < GR_KERNEL_NATIVE_COUNT; k++) {
    if (quick && k != GR_KERNEL_LANCZOS3) continue;
    for (int c = 1; c <= 4; c++) {
      for (int i = 0; i < nsizes; i++) {
        for (int pattern = 0; pattern < (quick ? 1 : 2); pattern++) {
          const int *sz = kSizes[i];
          char why[GR_MESSAGE_MAX];
          uint32_t seed = (uint32_t)(k * 1000 + c * 100 + i * 10 + pattern + 1);
          int view = (i + pattern + c) % 2 == 0; /* half the cases through an odd stride */
          int d = compare_case(sz[0], sz[1], sz[2], sz[3], c, (gr_kernel)k, pattern, view, seed,
                               why, sizeof why);
          cases++;
          if (d > worst) worst = d;
          CHECK_MSG(d >= 0 && d <= 1,
                    "kernel %d, %d channels, %dx%d -> %dx%d, pattern %d, view %d: max diff %d %s",
                    k, c, sz[0], sz[1], sz[2], sz[3], pattern, view, d, why);
        }
      }
    }
  }
  printf("GPU vs CPU: %d cases, worst difference %d\n", cases, worst);
}

/* The tensor-core kernels' tables stay with a context: a request of the geometry its context's
 * last one had reuses them (no prep kernel), any other builds them, and every result stays
 * within 1 of the CPU. One thread, so one context (on one device). */
static void test_table_reuse(void) {
  static const struct {
    int iw, ih, ow, oh, c;
    gr_kernel k;
    int reused;
  } seq[] = {
      {800, 600, 400, 300, 3, GR_KERNEL_LANCZOS3, 0}, {800, 600, 400, 300, 3, GR_KERNEL_LANCZOS3, 1},
      {800, 600, 400, 300, 3, GR_KERNEL_MITCHELL, 0}, {800, 600, 400, 300, 1, GR_KERNEL_LANCZOS3, 0},
      {800, 600, 400, 300, 1, GR_KERNEL_LANCZOS3, 1}, {800, 600, 410, 300, 3, GR_KERNEL_LANCZOS3, 0},
      {800, 600, 400, 300, 3, GR_KERNEL_LANCZOS3, 0},
  };
  const int n = (int)(sizeof seq / sizeof seq[0]);
  gr_gpu_stats_t before, after;
  gr_gpu_stats(&before);
  int reused = 0;
  for (int i = 0; i < n; i++) {
    char why[GR_MESSAGE_MAX];
    int d = compare_case(seq[i].iw, seq[i].ih, seq[i].ow, seq[i].oh, seq[i].c, seq[i].k, 1, i & 1,
                         (uint32_t)(77 + i), why, sizeof why);
    CHECK_MSG(d >= 0 && d <= 1, "table reuse step %d: max diff %d %s", i, d, why);
    reused += seq[i].reused;
  }
  gr_gpu_stats(&after);
  const uint64_t built = after.tables_built - before.tables_built;
  const uint64_t kept = after.tables_reused - before.tables_reused;
  const char *tensor = getenv("GPU_RESIZE_TENSOR");
  if (tensor && !strcmp(tensor, "0")) {
    CHECK_MSG(built + kept == 0, "GPU_RESIZE_TENSOR=0, yet %llu tensor-core launches", (unsigned long long)(built + kept));
    return;
  }
  CHECK_MSG(built + kept == (uint64_t)n, "tensor-core tables: %llu built + %llu reused, %d requests",
            (unsigned long long)built, (unsigned long long)kept, n);
  if (after.device_count == 1) {
    CHECK_MSG(kept == (uint64_t)reused && built == (uint64_t)(n - reused),
              "tensor-core tables: %llu built, %llu reused; expected %d, %d", (unsigned long long)built,
              (unsigned long long)kept, n - reused, reused);
  }
  printf("tensor-core tables: %llu built, %llu reused\n", (unsigned long long)built, (unsigned long long)kept);
}

/* A small request for the fault and failure checks. */
static gr_status small_request(gr_error *err) {
  test_image t;
  gr_filter h, v;
  if (!make_image(&t, 37, 29, 3, 0, 1, 7)) return GR_ERR_NO_MEMORY;
  gr_status s = gr_filter_init(&h, 37, 20, GR_KERNEL_LANCZOS3, err);
  if (s != GR_OK) {
    gr_image_free(&t.base);
    return s;
  }
  s = gr_filter_init(&v, 29, 11, GR_KERNEL_LANCZOS3, err);
  if (s != GR_OK) {
    gr_filter_free(&h);
    gr_image_free(&t.base);
    return s;
  }
  gr_image out;
  memset(&out, 0, sizeof out);
  s = gr_gpu_resize(&t.img, &h, &v, &out, err);
  if (s == GR_OK) {
    gr_image ref;
    gr_error cerr;
    if (gr_cpu_resize_with(&t.img, &h, &v, &ref, &cerr) == GR_OK) {
      if (gr_test_max_diff(ref.data, out.data, (size_t)20 * 3 * 11) > 1) {
        s = GR_ERR_BACKEND;
        snprintf(err->message, sizeof err->message, "result differs from the CPU");
      }
      gr_image_free(&ref);
    }
  } else {
    CHECK(out.data == NULL);
  }
  gr_image_free(&out);
  gr_filter_free(&h);
  gr_filter_free(&v);
  gr_image_free(&t.base);
  return s;
}

static void test_faults(void) {
  static const char *const steps[] = {"alloc", "copy", "launch"};
  gr_gpu_stats_t before, after;
  gr_gpu_stats(&before);
  for (int i = 0; i < 3; i++) {
    setenv("GPU_RESIZE_FAULT", steps[i], 1);
    for (int rep = 0; rep < 2; rep++) { /* 6 injected failures: health must not change */
      gr_error err;
      memset(&err, 0, sizeof err);
      gr_status s = small_request(&err);
      char expect[64];
      snprintf(expect, sizeof expect, "injected fault: %s", steps[i]);
      CHECK_MSG(s == GR_ERR_BACKEND, "fault %s gave status %d", steps[i], (int)s);
      CHECK_MSG(strstr(err.message, expect) != NULL, "fault %s: message '%s'", steps[i],
                err.message);
    }
  }
  unsetenv("GPU_RESIZE_FAULT");
  gr_gpu_stats(&after);
  CHECK(after.failures >= before.failures + 6);
  CHECK(after.requests >= before.requests + 6);
  CHECK(strstr(after.last_error, "injected fault") != NULL);
  CHECK(after.healthy == 1);
  char reason[GR_MESSAGE_MAX];
  CHECK_MSG(gr_gpu_available(NULL, 0, NULL, reason, sizeof reason) == 1, "after faults: %s",
            reason);
  gr_error err;
  gr_status s = small_request(&err);
  CHECK_MSG(s == GR_OK, "after unsetenv: %s", s == GR_OK ? "" : err.message);

  /* A rate: over 40 requests at 0.5, some fail and some succeed. */
  setenv("GPU_RESIZE_FAULT", "launch:0.5", 1);
  int ok = 0, failed = 0;
  for (int i = 0; i < 40; i++) {
    s = small_request(&err);
    if (s == GR_OK) ok++;
    else if (s == GR_ERR_BACKEND) failed++;
  }
  unsetenv("GPU_RESIZE_FAULT");
  CHECK_MSG(ok > 0 && failed > 0 && ok + failed == 40, "launch:0.5 gave %d ok, %d failed", ok,
            failed);
  s = small_request(&err);
  CHECK_MSG(s == GR_OK, "after the rate test: %s", s == GR_OK ? "" : err.message);
}

typedef struct thread_arg {
  int index;
  int failures;
  char why[GR_MESSAGE_MAX];
} thread_arg;

static void *worker(void *p) {
  thread_arg *a = p;
  static const int sizes[][4] = {{640, 480, 320, 240}, {333, 222, 100, 401}, {1920, 1080, 960, 540},
                                 {50, 50, 17, 17}};
  for (int i = 0; i < 12; i++) {
    const int *sz = sizes[(a->index + i) % 4];
    int c = 1 + (a->index + i) % 4;
    gr_kernel k = (gr_kernel)((a->index * 7 + i) % GR_KERNEL_NATIVE_COUNT);
    char why[GR_MESSAGE_MAX];
    int d = compare_case(sz[0], sz[1], sz[2], sz[3], c, k, i % 2, (a->index + i) % 2,
                         (uint32_t)(a->index * 100 + i + 1), why, sizeof why);
    if (d < 0 || d > 1) {
      a->failures++;
      snprintf(a->why, sizeof a->why, "%dx%d->%dx%d c%d k%d: diff %d %.150s", sz[0], sz[1], sz[2],
               sz[3], c, (int)k, d, why);
    }
  }
  return NULL;
}

static void test_threads(void) {
  enum { N = 16 };
  pthread_t th[N];
  thread_arg args[N];
  int started[N];
  for (int i = 0; i < N; i++) {
    memset(&args[i], 0, sizeof args[i]);
    args[i].index = i;
    started[i] = pthread_create(&th[i], NULL, worker, &args[i]) == 0;
    CHECK(started[i]);
  }
  for (int i = 0; i < N; i++) {
    if (started[i]) pthread_join(th[i], NULL);
    CHECK_MSG(args[i].failures == 0, "thread %d: %d failures, last: %s", i, args[i].failures,
              args[i].why);
  }
}

static void test_invalid(void) {
  gr_error err;
  gr_image out;
  gr_filter h, v;
  test_image t;
  CHECK(make_image(&t, 10, 10, 3, 0, 0, 3));
  CHECK(gr_filter_init(&h, 12, 5, GR_KERNEL_LINEAR, &err) == GR_OK); /* wrong in_size */
  CHECK(gr_filter_init(&v, 10, 5, GR_KERNEL_LINEAR, &err) == GR_OK);
  CHECK(gr_gpu_resize(&t.img, &h, &v, &out, &err) == GR_ERR_INVALID_ARGUMENT);
  CHECK(gr_gpu_resize(NULL, &h, &v, &out, &err) == GR_ERR_INVALID_ARGUMENT);
  gr_filter_free(&h);
  gr_filter_free(&v);
  gr_image_free(&t.base);
}

int main(void) {
  unsetenv("GPU_RESIZE_FAULT");
  const char *req = getenv("GPU_RESIZE_REQUIRE_GPU");
  int require = req && *req && strcmp(req, "0") != 0;
  char device[128] = "", reason[GR_MESSAGE_MAX] = "";
  uint64_t memory = 0;
  int available = gr_gpu_available(device, sizeof device, &memory, reason, sizeof reason);

  if (!available) {
    CHECK_MSG(!require, "GPU_RESIZE_REQUIRE_GPU is set but the GPU is not available: %s", reason);
    CHECK(reason[0] != '\0');
    gr_error err;
    memset(&err, 0, sizeof err);
    gr_status s = small_request(&err);
    CHECK_MSG(s != GR_OK, "gr_gpu_resize succeeded without a GPU");
    CHECK(err.message[0] != '\0');
    gr_gpu_stats_t st;
    gr_gpu_stats(&st);
    CHECK(st.healthy == 0);
    /* Asking again gives the same answer (initialisation is once). */
    char reason2[GR_MESSAGE_MAX];
    CHECK(gr_gpu_available(NULL, 0, NULL, reason2, sizeof reason2) == 0);
    CHECK(strcmp(reason, reason2) == 0);
    printf("GPU not available: %s\n", reason);
    return gr_test_finish("test_gpu");
  }

  printf("GPU: %s, %.1f GiB\n", device, (double)memory / (1024.0 * 1024.0 * 1024.0));
  gr_gpu_stats_t st;
  gr_gpu_stats(&st);
  CHECK(st.healthy == 1);
  CHECK(st.device_count >= 1);
  /* GR_TEST_GPU_QUICK=1: the kernels' launch shapes only (see test_against_cpu). */
  const char *quick = getenv("GR_TEST_GPU_QUICK");
  if (quick && !strcmp(quick, "1")) {
    test_against_cpu(1);
    return gr_test_finish("test_gpu (quick)");
  }
  test_invalid();
  test_table_reuse();
  test_against_cpu(0);
  test_faults();
  test_threads();
  gr_gpu_stats(&st);
  printf("GPU stats: %llu requests, %llu failures, %d devices\n",
         (unsigned long long)st.requests, (unsigned long long)st.failures, st.device_count);
  return gr_test_finish("test_gpu");
}
