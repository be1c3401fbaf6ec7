/* Tests for the resampling coefficient tables (src/core/filter.c). */
#include <math.h>
#include <string.h>

#include "core/filter.h"
#include "harness.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static const gr_kernel kernels[] = {GR_KERNEL_NEAREST, GR_KERNEL_LINEAR,   GR_KERNEL_CUBIC,
                                    GR_KERNEL_MITCHELL, GR_KERNEL_LANCZOS2, GR_KERNEL_LANCZOS3};
static const char *names[] = {"nearest", "linear", "cubic", "mitchell", "lanczos2", "lanczos3"};

static int clampi(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

/* The weight of input i in output o (indices clamped as the samplers do). */
static double weight_of(const gr_filter *f, int o, int i) {
  double s = 0;
  for (int k = 0; k < f->taps; k++) {
    if (clampi(f->start[o] + k, 0, f->in_size - 1) == i) s += f->weights[o * f->taps + k];
  }
  return s;
}

/* The documented bound on taps. */
static int taps_bound(int in, int out, gr_kernel k) {
  if (k == GR_KERNEL_NEAREST) return 1;
  if (out > in) return k == GR_KERNEL_LINEAR ? 2 : 4;
  if (out == in) return 1;
  double shrink = (double)in / out;
  int factor = (int)floor(shrink / GR_REDUCING_GAP);
  if (factor < 1) factor = 1;
  double r = shrink / factor;
  return factor * (2 * (int)rint(gr_kernel_support(k) * r) + 1);
}

static void check_table(int in, int out, gr_kernel k) {
  gr_filter f;
  gr_error err;
  gr_status st = gr_filter_init(&f, in, out, k, &err);
  CHECK_MSG(st == GR_OK, "%s %d->%d: %s", names[k], in, out, err.message);
  if (st != GR_OK) return;
  CHECK(f.in_size == in && f.out_size == out);
  CHECK_MSG(f.taps >= 1 && f.taps <= taps_bound(in, out, k), "%s %d->%d taps %d bound %d",
            names[k], in, out, f.taps, taps_bound(in, out, k));
  int sums_ok = 1, mono = 1, sym = 1, trimmed = 0;
  for (int o = 0; o < out; o++) {
    float s = 0.0f;
    for (int t = 0; t < f.taps; t++) s += f.weights[o * f.taps + t];
    if (fabsf(s - 1.0f) > 1e-5f) sums_ok = 0;
    if (o > 0 && f.start[o] < f.start[o - 1]) mono = 0;
    if (f.weights[o * f.taps] != 0.0f || f.weights[o * f.taps + f.taps - 1] != 0.0f) trimmed = 1;
  }
  /* Symmetry: downsizing (centre convention) mirrors exactly; libvips' upsizing does not
   * (it samples at x / scale - 0.5). */
  int box = (int)floor((double)in / out / GR_REDUCING_GAP);
  if (box < 1) box = 1;
  /* A partial last box (in % box != 0) and nearest's ties are asymmetric in libvips too. */
  if (out <= in && in % box == 0 && k != GR_KERNEL_NEAREST) {
    for (int o = 0; o < out && sym; o++) {
      for (int i = 0; i < in; i++) {
        double a = weight_of(&f, o, i), b = weight_of(&f, out - 1 - o, in - 1 - i);
        if (fabs(a - b) > 1e-4) {
          sym = 0;
          fprintf(stderr, "%s %d->%d asym o=%d i=%d %g %g\n", names[k], in, out, o, i, a, b);
          break;
        }
      }
    }
  }
  CHECK_MSG(sums_ok, "%s %d->%d: row sums", names[k], in, out);
  CHECK_MSG(mono, "%s %d->%d: starts not monotonic", names[k], in, out);
  CHECK_MSG(sym, "%s %d->%d: not symmetric", names[k], in, out);
  CHECK_MSG(trimmed, "%s %d->%d: a zero column at both ends (taps not minimal)", names[k], in, out);
  gr_filter_free(&f);
}

static int same_filter(const gr_filter *a, const gr_filter *b) {
  return a->in_size == b->in_size && a->out_size == b->out_size && a->taps == b->taps &&
         memcmp(a->start, b->start, sizeof(int) * (size_t)a->out_size) == 0 &&
         memcmp(a->weights, b->weights, sizeof(float) * (size_t)a->out_size * a->taps) == 0;
}

/* The cache of built tables (filter.c): a table asked for again, from the cache or built again
 * after eviction (150 tables, 64 kept), is the first one bit for bit, and the caller's copy is
 * its own. */
static void test_cache(void) {
  enum { N = 150 };
  static gr_filter first[N];
  gr_error err;
  for (int i = 0; i < N; i++) {
    int in = 2725 - 7 * i, out = 100 + 11 * i;
    gr_kernel k = kernels[i % 6];
    CHECK(gr_filter_init_ex(&first[i], in, out, k, i % 3 ? 0.0 : (double)out / in, i % 2, &err) ==
          GR_OK);
  }
  for (int pass = 0; pass < 2; pass++) {
    int same = 0;
    for (int i = N - 1; i >= 0; i--) { /* newest first: hits, then rebuilt ones */
      int in = 2725 - 7 * i, out = 100 + 11 * i;
      gr_filter again;
      CHECK(gr_filter_init_ex(&again, in, out, kernels[i % 6], i % 3 ? 0.0 : (double)out / in,
                              i % 2, &err) == GR_OK);
      same += same_filter(&first[i], &again);
      again.weights[0] += 1.0f; /* the caller's copy: the cache keeps its own */
      gr_filter_free(&again);
    }
    CHECK(same == N);
  }
  for (int i = 0; i < N; i++) gr_filter_free(&first[i]);
}

int main(void) {
  test_cache();
  /* Kernel values. */
  CHECK(fabs(gr_kernel_eval(GR_KERNEL_LANCZOS3, 0.0) - 1.0) < 1e-12);
  for (int i = 1; i <= 4; i++) {
    CHECK(gr_kernel_eval(GR_KERNEL_LANCZOS3, i) == 0.0);
    CHECK(gr_kernel_eval(GR_KERNEL_LANCZOS3, -i) == 0.0);
    CHECK(gr_kernel_eval(GR_KERNEL_LANCZOS2, i) == 0.0);
  }
  /* lanczos3(0.5) = 3 sin(pi/2) sin(pi/6) / (pi^2 / 4) = 6 / pi^2 */
  CHECK(fabs(gr_kernel_eval(GR_KERNEL_LANCZOS3, 0.5) - 6.0 / (M_PI * M_PI)) < 1e-12);
  /* lanczos2(0.5) = 2 sin(pi/2) sin(pi/4) / (pi^2 / 4) = 4 sqrt(2) / pi^2 */
  CHECK(fabs(gr_kernel_eval(GR_KERNEL_LANCZOS2, 0.5) - 4.0 * sqrt(2.0) / (M_PI * M_PI)) < 1e-12);
  CHECK(gr_kernel_eval(GR_KERNEL_LANCZOS3, 3.5) == 0.0);
  CHECK(fabs(gr_kernel_eval(GR_KERNEL_CUBIC, 1.5) - (-0.0625)) < 1e-12);
  CHECK(fabs(gr_kernel_eval(GR_KERNEL_CUBIC, 0.0) - 1.0) < 1e-12);
  CHECK(fabs(gr_kernel_eval(GR_KERNEL_CUBIC, 1.0)) < 1e-12);
  CHECK(fabs(gr_kernel_eval(GR_KERNEL_CUBIC, 0.5) - 0.5625) < 1e-12);
  CHECK(fabs(gr_kernel_eval(GR_KERNEL_MITCHELL, 0.0) - 8.0 / 9.0) < 1e-12);
  CHECK(fabs(gr_kernel_eval(GR_KERNEL_MITCHELL, 1.0) - 1.0 / 18.0) < 1e-12);
  CHECK(gr_kernel_eval(GR_KERNEL_MITCHELL, 2.0) == 0.0);
  CHECK(fabs(gr_kernel_eval(GR_KERNEL_LINEAR, 0.25) - 0.75) < 1e-12);
  CHECK(gr_kernel_eval(GR_KERNEL_LINEAR, 1.0) == 0.0);
  CHECK(gr_kernel_eval(GR_KERNEL_NEAREST, 0.2) == 1.0 && gr_kernel_eval(GR_KERNEL_NEAREST, 0.7) == 0.0);
  CHECK(gr_kernel_support(GR_KERNEL_NEAREST) == 0.5 && gr_kernel_support(GR_KERNEL_LINEAR) == 1.0);
  CHECK(gr_kernel_support(GR_KERNEL_CUBIC) == 2.0 && gr_kernel_support(GR_KERNEL_LANCZOS3) == 3.0);

  /* Bad arguments. */
  gr_filter f;
  gr_error err;
  CHECK(gr_filter_init(&f, 0, 5, GR_KERNEL_LINEAR, &err) == GR_ERR_INVALID_ARGUMENT);
  CHECK(gr_filter_init(&f, 5, 0, GR_KERNEL_LINEAR, &err) == GR_ERR_INVALID_ARGUMENT);
  CHECK(gr_filter_init(&f, 5, -3, GR_KERNEL_LINEAR, &err) == GR_ERR_INVALID_ARGUMENT);
  CHECK(gr_filter_init(&f, 5, 3, (gr_kernel)42, &err) == GR_ERR_INVALID_ARGUMENT);

  /* Hand-computed: linear 4 -> 2. shrink 2, no box (floor(2 / 2) = 1), residual 2: 5 taps.
   * Output 0: centre 0.5, taps -2..2 weights K(d / 2): d = -2.5..1.5 -> 0, .25, .75, .75, .25
   * (sum 2) -> 0, .125, .375, .375, .125; taps -1 and 0 both read input 0: .5, .375, .125. */
  CHECK(gr_filter_init(&f, 4, 2, GR_KERNEL_LINEAR, &err) == GR_OK);
  CHECK(fabs(weight_of(&f, 0, 0) - 0.5) < 1e-6);
  CHECK(fabs(weight_of(&f, 0, 1) - 0.375) < 1e-6);
  CHECK(fabs(weight_of(&f, 0, 2) - 0.125) < 1e-6);
  CHECK(fabs(weight_of(&f, 0, 3)) < 1e-6);
  CHECK(fabs(weight_of(&f, 1, 3) - 0.5) < 1e-6);
  gr_filter_free(&f);

  /* Hand-computed: linear 2x upsize 3 -> 6 samples x / 2 - 0.5: -0.5, 0, .5, 1, 1.5, 2. */
  CHECK(gr_filter_init(&f, 3, 6, GR_KERNEL_LINEAR, &err) == GR_OK);
  CHECK(fabs(weight_of(&f, 0, 0) - 1.0) < 1e-6);
  CHECK(fabs(weight_of(&f, 1, 0) - 1.0) < 1e-6);
  CHECK(fabs(weight_of(&f, 2, 0) - 0.5) < 1e-6 && fabs(weight_of(&f, 2, 1) - 0.5) < 1e-6);
  CHECK(fabs(weight_of(&f, 3, 1) - 1.0) < 1e-6);
  CHECK(fabs(weight_of(&f, 5, 2) - 1.0) < 1e-6);
  gr_filter_free(&f);

  /* Box pre-shrink: 8 -> 2 linear = box 2 (8 -> 4), then reduce 2 as above over the boxes. */
  CHECK(gr_filter_init(&f, 8, 2, GR_KERNEL_LINEAR, &err) == GR_OK);
  CHECK(fabs(weight_of(&f, 0, 0) - 0.25) < 1e-6 && fabs(weight_of(&f, 0, 1) - 0.25) < 1e-6);
  CHECK(fabs(weight_of(&f, 0, 2) - 0.1875) < 1e-6 && fabs(weight_of(&f, 0, 5) - 0.0625) < 1e-6);
  gr_filter_free(&f);

  /* Nearest: 12 -> 5 picks 1, 3, 6, 8, 10 (measured on sharp). */
  CHECK(gr_filter_init(&f, 12, 5, GR_KERNEL_NEAREST, &err) == GR_OK);
  CHECK(f.taps == 1);
  CHECK(f.start[0] == 1 && f.start[1] == 3 && f.start[2] == 6 && f.start[3] == 8 && f.start[4] == 10);
  gr_filter_free(&f);

  /* Equal sizes: identity; with the other axis upsizing: half-pixel interpolation. */
  CHECK(gr_filter_init(&f, 7, 7, GR_KERNEL_LANCZOS3, &err) == GR_OK);
  CHECK(f.taps == 1);
  for (int i = 0; i < 7; i++) CHECK(f.start[i] == i && f.weights[i] == 1.0f);
  gr_filter_free(&f);
  CHECK(gr_filter_init_ex(&f, 6, 6, GR_KERNEL_LINEAR, 0.0, 1, &err) == GR_OK);
  CHECK(fabs(weight_of(&f, 0, 0) - 1.0) < 1e-6);
  CHECK(fabs(weight_of(&f, 3, 2) - 0.5) < 1e-6 && fabs(weight_of(&f, 3, 3) - 0.5) < 1e-6);
  gr_filter_free(&f);

  /* Properties over kernels and sizes. */
  static const int pairs[][2] = {
      {300, 200}, {301, 200}, {200, 100}, {201, 100}, {378, 100}, {379, 100}, {800, 100},
      {803, 100}, {10000, 100}, {2725, 720}, {2225, 588}, {100, 200}, {101, 202}, {100, 400},
      {57, 57},   {1, 1},     {1, 7},     {7, 1},     {2, 1},     {3, 2},     {5, 4}};
  for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++) {
    for (int k = 0; k < GR_KERNEL_NATIVE_COUNT; k++) check_table(pairs[p][0], pairs[p][1], kernels[k]);
  }
  return gr_test_finish("filter");
}
