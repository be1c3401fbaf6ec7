/* Resampling coefficients: one table per axis that reproduces what sharp's resize does.
 *
 * What libvips 8.18 does (sharp 0.35 calls vips_resize(in, 1/hshrink, vscale = 1/vshrink,
 * kernel), gap left at its default 2.0). Checked against libvips' resize.c, reduceh.cpp,
 * reducev.cpp, shrinkh.c/shrinkv.c, affine.c and the interpolators, and measured on sharp
 * 0.35.5 / libvips 8.18.7 with impulse images (16-bit, so each weight is visible to ~1e-4):
 *
 *  Downsizing (scale < 1) with a kernel other than nearest: vips_reducev then vips_reduceh, each
 *  with "gap" = 2.0.
 *    - width = round(in / shrink) where shrink = 1 / scale; extra = width * shrink - in
 *      (pixels invented, < 0 when discarding).
 *    - int_shrink = max(1, floor(in / width / gap)). When > 1, a box pre-shrink: vips_shrinkh
 *      with ceil=TRUE, i.e. in' = ceil(in / int_shrink), each pixel the mean of int_shrink
 *      inputs, the right edge padded by copying the last pixel. Then shrink /= int_shrink and
 *      extra /= int_shrink.
 *    - if the residual shrink is exactly 1, done. Otherwise the kernel reduce: n = 2 *
 *      rint(support * shrink) + 1 taps (support 1 linear, 2 cubic/mitchell/lanczos2,
 *      3 lanczos3): the kernel is stretched by the residual shrink. For output x:
 *      X = (x + 0.5) * shrink - 0.5 - offset, offset = (1 + extra) / 2 - 1; ix = (int) X; taps
 *      are inputs ix - n/2 .. ix + n/2, each weighted K((t - c) / shrink) with the centre
 *      c = X - 0.5 = (x + 0.5) * shrink - 0.5 - extra / 2 (the centre convention), then
 *      normalised to sum 1 over the n taps. Taps outside the image read the edge pixel
 *      (reducev embeds with extend=copy; measured the same for reduceh).
 *    - libvips rounds to 8 bits between the box and the reduce and quantises the weights to
 *      1/4096 (truncated, so its weights sum to slightly less than 1) and the vertical phase to
 *      1/64; we keep everything in float with weights that sum to 1. That is the remaining
 *      difference (PSNR about 45-50 dB on photos).
 *  Downsizing with nearest: vips_resize first subsamples by int_shrink = floor(in / target /
 *    gap) (picks input b * int_shrink), then reduce with a 1-tap "kernel": input (int) X.
 *  Upsizing (scale > 1): vips_affine(scale) with the interpolator vips_resize picks from the
 *    kernel: "nearest" for nearest, "bilinear" for linear, "bicubic" (Catmull-Rom) for cubic,
 *    mitchell, lanczos2 and lanczos3; input displacement idx = idy = 0.5 (0 for nearest),
 *    extend=copy. Output X samples input p = X / scale - 0.5 (NOT (X + 0.5) / scale - 0.5: a
 *    2x bilinear upsize puts odd outputs exactly on input pixels); nearest takes floor(X / scale).
 *  Mixed: the affine runs on both axes at once, so when one axis upsizes, the other axis (scale
 *    1, or after its reduce) is also interpolated at p = X - 0.5: a half-pixel shift and blur
 *    (measured). gr_filter_init_ex's other_axis_upsizes reproduces that.
 *
 * How the table reproduces it: every stage above is a linear map with edge clamping, so the
 * stages (subsample or box, reduce, affine) are composed into one row of weights per output
 * over the original input indices (clamped while composing, so the box's edge padding and the
 * reduce's edge taps land on the edge pixel), zero weights trimmed from both ends, the widest
 * row fixing `taps` (shorter rows padded with zero weights), each row renormalised to sum 1.
 * taps <= int_shrink * (2 * rint(support * residual) + 1) when downsizing, 2 bilinear and 4
 * bicubic when upsizing (+1 or +3 when composed with the half-pixel shift), 1 for nearest.
 */
#include "core/filter.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/common.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

double gr_kernel_support(gr_kernel kernel) {
  switch (kernel) {
    case GR_KERNEL_NEAREST: return 0.5;
    case GR_KERNEL_LINEAR: return 1.0;
    case GR_KERNEL_CUBIC:
    case GR_KERNEL_MITCHELL:
    case GR_KERNEL_LANCZOS2: return 2.0;
    case GR_KERNEL_LANCZOS3: return 3.0;
    default: return 0.0;
  }
}

/* Mitchell-Netravali cubic with parameters B, C (libvips' calculate_coefficients_cubic). */
static double bc_cubic(double x, double b, double c) {
  x = fabs(x);
  if (x < 1.0) {
    return ((12.0 - 9.0 * b - 6.0 * c) * x * x * x + (-18.0 + 12.0 * b + 6.0 * c) * x * x +
            (6.0 - 2.0 * b)) / 6.0;
  }
  if (x < 2.0) {
    return ((-b - 6.0 * c) * x * x * x + (6.0 * b + 30.0 * c) * x * x +
            (-12.0 * b - 48.0 * c) * x + (8.0 * b + 24.0 * c)) / 6.0;
  }
  return 0.0;
}

static double lanczos(double x, double a) {
  x = fabs(x);
  if (x == 0.0) return 1.0;
  if (x >= a) return 0.0;
  if (x == floor(x)) return 0.0; /* exact zeros at the integers (sin would give ~1e-16) */
  return a * sin(M_PI * x) * sin(M_PI * x / a) / (M_PI * M_PI * x * x);
}

double gr_kernel_eval(gr_kernel kernel, double x) {
  switch (kernel) {
    case GR_KERNEL_NEAREST: return (x >= -0.5 && x < 0.5) ? 1.0 : 0.0;
    case GR_KERNEL_LINEAR: {
      double ax = fabs(x);
      return ax < 1.0 ? 1.0 - ax : 0.0;
    }
    case GR_KERNEL_CUBIC: return bc_cubic(x, 0.0, 0.5);
    case GR_KERNEL_MITCHELL: return bc_cubic(x, 1.0 / 3.0, 1.0 / 3.0);
    case GR_KERNEL_LANCZOS2: return lanczos(x, 2.0);
    case GR_KERNEL_LANCZOS3: return lanczos(x, 3.0);
    default: return 0.0;
  }
}

/* One linear stage: n_out rows of n taps, each an (already clamped) index into a domain of
 * n_in samples and a weight. */
typedef struct stage {
  int n_in, n_out, n;
  int *idx;
  double *w;
} stage;

static void stage_free(stage *s) {
  free(s->idx);
  free(s->w);
  memset(s, 0, sizeof *s);
}

static int stage_alloc(stage *s, int n_in, int n_out, int n) {
  s->n_in = n_in;
  s->n_out = n_out;
  s->n = n;
  s->idx = malloc(sizeof(int) * (size_t)n_out * (size_t)n);
  s->w = malloc(sizeof(double) * (size_t)n_out * (size_t)n);
  return s->idx && s->w;
}

static int clampi(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

/* vips_subsample: output b reads input b * factor. */
static int stage_subsample(stage *s, int n_in, int factor) {
  int n_out = n_in / factor;
  if (n_out < 1) n_out = 1;
  if (!stage_alloc(s, n_in, n_out, 1)) return 0;
  for (int b = 0; b < n_out; b++) {
    s->idx[b] = clampi(b * factor, 0, n_in - 1);
    s->w[b] = 1.0;
  }
  return 1;
}

/* vips_shrinkh/v with ceil: mean of `factor` inputs, the last block padded with the edge. */
static int stage_box(stage *s, int n_in, int factor) {
  int n_out = (n_in + factor - 1) / factor;
  if (!stage_alloc(s, n_in, n_out, factor)) return 0;
  for (int b = 0; b < n_out; b++) {
    for (int j = 0; j < factor; j++) {
      s->idx[b * factor + j] = clampi(b * factor + j, 0, n_in - 1);
      s->w[b * factor + j] = 1.0 / factor;
    }
  }
  return 1;
}

/* vips_reduceh/v's kernel part with residual shrink factor `shrink` and `extra` pixels. */
static int stage_reduce(stage *s, int n_in, int n_out, gr_kernel kernel, double shrink,
                        double extra) {
  int n;
  if (kernel == GR_KERNEL_NEAREST) {
    n = 1;
  } else {
    n = 2 * (int)rint(gr_kernel_support(kernel) * shrink) + 1;
  }
  int half = n / 2;
  if (!stage_alloc(s, n_in, n_out, n)) return 0;
  double offset = (1.0 + extra) / 2.0 - 1.0;
  for (int x = 0; x < n_out; x++) {
    double X = (x + 0.5) * shrink - 0.5 - offset;
    int ix = (int)X;
    if (X < 0 && (double)ix != X) ix--; /* floor: X is >= 0 in practice */
    int *idx = s->idx + (size_t)x * n;
    double *w = s->w + (size_t)x * n;
    if (n == 1) {
      idx[0] = clampi(ix, 0, n_in - 1);
      w[0] = 1.0;
      continue;
    }
    double centre = X - 0.5;
    double sum = 0.0;
    for (int i = 0; i < n; i++) {
      int t = ix - half + i;
      double v = gr_kernel_eval(kernel, ((double)t - centre) / shrink);
      idx[i] = clampi(t, 0, n_in - 1);
      w[i] = v;
      sum += v;
    }
    if (sum != 0.0) {
      for (int i = 0; i < n; i++) w[i] /= sum;
    }
  }
  return 1;
}

/* vips_affine along one axis with the interpolator vips_resize picks for the kernel. */
static int stage_interp(stage *s, int n_in, int n_out, gr_kernel kernel, double scale) {
  int n = kernel == GR_KERNEL_NEAREST ? 1 : (kernel == GR_KERNEL_LINEAR ? 2 : 4);
  if (!stage_alloc(s, n_in, n_out, n)) return 0;
  for (int x = 0; x < n_out; x++) {
    int *idx = s->idx + (size_t)x * n;
    double *w = s->w + (size_t)x * n;
    if (n == 1) {
      idx[0] = clampi((int)floor(x / scale), 0, n_in - 1);
      w[0] = 1.0;
      continue;
    }
    double p = x / scale - 0.5;
    double fp = floor(p);
    double t = p - fp;
    int i0 = (int)fp;
    if (n == 2) {
      idx[0] = clampi(i0, 0, n_in - 1);
      idx[1] = clampi(i0 + 1, 0, n_in - 1);
      w[0] = 1.0 - t;
      w[1] = t;
    } else {
      for (int i = 0; i < 4; i++) {
        idx[i] = clampi(i0 - 1 + i, 0, n_in - 1);
        w[i] = gr_kernel_eval(GR_KERNEL_CUBIC, (double)(i - 1) - t);
      }
    }
  }
  return 1;
}

static int stage_identity(stage *s, int n) {
  if (!stage_alloc(s, n, n, 1)) return 0;
  for (int x = 0; x < n; x++) {
    s->idx[x] = x;
    s->w[x] = 1.0;
  }
  return 1;
}

#define MAX_STAGES 4

/* Composes stages[0..count) (stage 0 reads the input) into filter. */
static gr_status compose(gr_filter *f, stage *stages, int count, int out_size, gr_error *err) {
  int in_size = stages[0].n_in;
  /* Dense accumulators per domain, with lists of touched indices. */
  double *acc[MAX_STAGES];
  int *touched[MAX_STAGES];
  unsigned char *mark[MAX_STAGES];
  int n_touched[MAX_STAGES];
  memset(acc, 0, sizeof acc);
  memset(touched, 0, sizeof touched);
  memset(mark, 0, sizeof mark);
  int *row_first = malloc(sizeof(int) * (size_t)out_size);
  int *row_len = malloc(sizeof(int) * (size_t)out_size);
  int *row_start = malloc(sizeof(int) * (size_t)out_size);
  size_t cap = 1024, used = 0;
  double *buf = malloc(sizeof(double) * cap);
  size_t *row_off = malloc(sizeof(size_t) * (size_t)out_size);
  gr_status st = GR_OK;
  int ok = row_first && row_len && row_start && buf && row_off;
  for (int k = 0; ok && k < count; k++) {
    int dom = stages[k].n_in;
    acc[k] = calloc((size_t)dom, sizeof(double));
    touched[k] = malloc(sizeof(int) * (size_t)dom);
    mark[k] = calloc((size_t)dom, 1);
    ok = acc[k] && touched[k] && mark[k];
  }
  int taps = 1;
  for (int o = 0; ok && o < out_size; o++) {
    /* Expand the last stage's row o down to the input domain. */
    int k = count - 1;
    n_touched[k] = 0;
    const stage *s = &stages[k];
    for (int i = 0; i < s->n; i++) {
      int id = s->idx[(size_t)o * s->n + i];
      if (!mark[k][id]) {
        mark[k][id] = 1;
        touched[k][n_touched[k]++] = id;
      }
      acc[k][id] += s->w[(size_t)o * s->n + i];
    }
    for (k = count - 2; k >= 0; k--) {
      s = &stages[k];
      n_touched[k] = 0;
      for (int j = 0; j < n_touched[k + 1]; j++) {
        int r = touched[k + 1][j];
        double wr = acc[k + 1][r];
        acc[k + 1][r] = 0.0;
        mark[k + 1][r] = 0;
        for (int i = 0; i < s->n; i++) {
          int id = s->idx[(size_t)r * s->n + i];
          if (!mark[k][id]) {
            mark[k][id] = 1;
            touched[k][n_touched[k]++] = id;
          }
          acc[k][id] += wr * s->w[(size_t)r * s->n + i];
        }
      }
    }
    /* acc[0] holds the row over the input; trim negligible weights from both ends. */
    double total = 0.0, maxabs = 0.0;
    int lo = in_size, hi = -1;
    for (int j = 0; j < n_touched[0]; j++) {
      double v = acc[0][touched[0][j]];
      total += v;
      if (fabs(v) > maxabs) maxabs = fabs(v);
    }
    double eps = maxabs * 1e-9;
    for (int j = 0; j < n_touched[0]; j++) {
      int id = touched[0][j];
      if (fabs(acc[0][id]) > eps) {
        if (id < lo) lo = id;
        if (id > hi) hi = id;
      }
    }
    if (hi < lo) { /* cannot happen with weights summing to 1; keep one tap */
      lo = hi = touched[0][0];
      acc[0][lo] = 1.0;
      total = 1.0;
    }
    int len = hi - lo + 1;
    if (used + (size_t)len > cap) {
      while (used + (size_t)len > cap) cap *= 2;
      double *nb = realloc(buf, sizeof(double) * cap);
      if (!nb) {
        ok = 0;
        break;
      }
      buf = nb;
    }
    double kept = 0.0;
    for (int j = lo; j <= hi; j++) kept += acc[0][j];
    if (kept == 0.0) kept = total != 0.0 ? total : 1.0;
    for (int j = lo; j <= hi; j++) buf[used + (size_t)(j - lo)] = acc[0][j] / kept;
    for (int j = 0; j < n_touched[0]; j++) {
      acc[0][touched[0][j]] = 0.0;
      mark[0][touched[0][j]] = 0;
    }
    row_first[o] = lo;
    row_len[o] = len;
    row_off[o] = used;
    used += (size_t)len;
  }
  /* Starts must not decrease (trimming an exact zero can push one row's start past the next
   * row's): pull starts back, the rows then begin with zero weights. */
  if (ok) {
    int next = in_size;
    for (int o = out_size - 1; o >= 0; o--) {
      int first = row_first[o] < next ? row_first[o] : next;
      int len = row_first[o] + row_len[o] - first;
      row_start[o] = first;
      next = first;
      if (len > taps) taps = len;
    }
  }
  if (ok) {
    f->in_size = in_size;
    f->out_size = out_size;
    f->taps = taps;
    f->start = malloc(sizeof(int) * (size_t)out_size);
    f->weights = calloc((size_t)out_size * (size_t)taps, sizeof(float));
    ok = f->start && f->weights;
  }
  if (ok) {
    for (int o = 0; o < out_size; o++) {
      f->start[o] = row_start[o];
      float *w = f->weights + (size_t)o * taps;
      const double *src = buf + row_off[o];
      /* The row's first nonzero weight may lie after its (monotonic) start. */
      const int lead = row_first[o] - row_start[o];
      int big = lead;
      for (int j = 0; j < row_len[o]; j++) {
        w[lead + j] = (float)src[j];
        if (fabsf(w[lead + j]) > fabsf(w[big])) big = lead + j;
      }
      /* Make the float sum (in the order the samplers add) as close to 1 as possible. */
      float fs = 0.0f;
      for (int j = 0; j < taps; j++) fs += w[j];
      w[big] += 1.0f - fs;
    }
  } else {
    free(f->start);
    free(f->weights);
    memset(f, 0, sizeof *f);
    st = gr_fail(err, GR_ERR_NO_MEMORY, "Out of memory building resampling filter");
  }
  for (int k = 0; k < count; k++) {
    free(acc[k]);
    free(touched[k]);
    free(mark[k]);
  }
  free(row_first);
  free(row_len);
  free(row_start);
  free(row_off);
  free(buf);
  return st;
}

/* ---- the cache ----
 * Building a table costs about one sin() pair per tap: 0.4-0.9 ms per axis for the photo's
 * sizes, 1.5 ms of CPU per JPEG request before any pixel moves (task 1's CPU-bound load on the
 * H100 spent about 7 ms of CPU per request). A service resizes to a few sizes again and again,
 * so the last GR_FILTER_CACHE_ENTRIES tables are kept (at most GR_FILTER_CACHE_BYTES) and a
 * request gets a copy: the same weights, bit for bit. */
#define GR_FILTER_CACHE_ENTRIES 64
#define GR_FILTER_CACHE_BYTES ((size_t)16 << 20)

typedef struct cache_key {
  int in_size, out_size, kernel, other_axis_upsizes;
  double scale;
} cache_key;

typedef struct cache_entry {
  cache_key key;
  gr_filter filter;
  size_t bytes;
  uint64_t used; /* last use, for eviction */
} cache_entry;

static pthread_mutex_t g_cache_lock = PTHREAD_MUTEX_INITIALIZER;
static cache_entry g_cache[GR_FILTER_CACHE_ENTRIES];
static int g_cache_count;
static size_t g_cache_bytes;
static uint64_t g_cache_tick;

static size_t filter_bytes(const gr_filter *f) {
  return (size_t)f->out_size * (sizeof(int) + (size_t)f->taps * sizeof(float));
}

static int same_key(const cache_key *a, const cache_key *b) {
  return a->in_size == b->in_size && a->out_size == b->out_size && a->kernel == b->kernel &&
         a->other_axis_upsizes == b->other_axis_upsizes && a->scale == b->scale;
}

/* A copy of src into dst (0 when out of memory). */
static int filter_copy(gr_filter *dst, const gr_filter *src) {
  *dst = *src;
  dst->start = malloc(sizeof(int) * (size_t)src->out_size);
  dst->weights = malloc(sizeof(float) * (size_t)src->out_size * (size_t)src->taps);
  if (!dst->start || !dst->weights) {
    free(dst->start);
    free(dst->weights);
    memset(dst, 0, sizeof *dst);
    return 0;
  }
  memcpy(dst->start, src->start, sizeof(int) * (size_t)src->out_size);
  memcpy(dst->weights, src->weights, sizeof(float) * (size_t)src->out_size * (size_t)src->taps);
  return 1;
}

static int cache_lookup(const cache_key *key, gr_filter *out) {
  int hit = 0;
  pthread_mutex_lock(&g_cache_lock);
  for (int i = 0; i < g_cache_count; i++) {
    if (same_key(&g_cache[i].key, key)) {
      g_cache[i].used = ++g_cache_tick;
      hit = filter_copy(out, &g_cache[i].filter);
      break;
    }
  }
  pthread_mutex_unlock(&g_cache_lock);
  return hit;
}

static void cache_evict(int i) {
  g_cache_bytes -= g_cache[i].bytes;
  free(g_cache[i].filter.start);
  free(g_cache[i].filter.weights);
  g_cache[i] = g_cache[--g_cache_count];
}

static void cache_insert(const cache_key *key, const gr_filter *f) {
  size_t bytes = filter_bytes(f);
  if (bytes > GR_FILTER_CACHE_BYTES / 4) return;
  cache_entry e = {*key, {0}, bytes, 0};
  if (!filter_copy(&e.filter, f)) return;
  pthread_mutex_lock(&g_cache_lock);
  for (int i = 0; i < g_cache_count; i++) {
    if (same_key(&g_cache[i].key, key)) { /* another thread made it meanwhile */
      pthread_mutex_unlock(&g_cache_lock);
      gr_filter_free(&e.filter);
      return;
    }
  }
  while (g_cache_count > 0 && (g_cache_count == GR_FILTER_CACHE_ENTRIES ||
                               g_cache_bytes + bytes > GR_FILTER_CACHE_BYTES)) {
    int oldest = 0;
    for (int i = 1; i < g_cache_count; i++) {
      if (g_cache[i].used < g_cache[oldest].used) oldest = i;
    }
    cache_evict(oldest);
  }
  e.used = ++g_cache_tick;
  g_cache[g_cache_count++] = e;
  g_cache_bytes += bytes;
  pthread_mutex_unlock(&g_cache_lock);
}

static gr_status filter_build(gr_filter *filter, int in_size, int out_size, gr_kernel kernel,
                              double scale, int other_axis_upsizes, gr_error *err);

gr_status gr_filter_init_ex(gr_filter *filter, int in_size, int out_size, gr_kernel kernel,
                            double scale, int other_axis_upsizes, gr_error *err) {
  memset(filter, 0, sizeof *filter);
  cache_key key = {in_size, out_size, (int)kernel, other_axis_upsizes != 0, scale};
  if (cache_lookup(&key, filter)) return GR_OK;
  gr_status st = filter_build(filter, in_size, out_size, kernel, scale, other_axis_upsizes, err);
  if (st == GR_OK) cache_insert(&key, filter);
  return st;
}

static gr_status filter_build(gr_filter *filter, int in_size, int out_size, gr_kernel kernel,
                              double scale, int other_axis_upsizes, gr_error *err) {
  if (in_size <= 0 || out_size <= 0) {
    return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "Invalid resize %d -> %d", in_size, out_size);
  }
  if ((int)kernel < 0 || kernel >= GR_KERNEL_NATIVE_COUNT) {
    return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "Invalid kernel %d", (int)kernel);
  }
  if (!(scale > 0.0) || !isfinite(scale)) {
    /* As sharp computes it: shrink = in / out, then vips_resize(1 / shrink). */
    scale = 1.0 / ((double)in_size / (double)out_size);
  }
  stage stages[MAX_STAGES];
  int count = 0;
  int ok = 1;
  int dom = in_size;
  double gap = GR_REDUCING_GAP;
  memset(stages, 0, sizeof stages);

  if (kernel == GR_KERNEL_NEAREST && gap >= 1.0 && scale < 1.0) {
    int target = (int)floor(dom * scale + 0.5);
    if (target < 1) target = 1;
    int factor = (int)floor((double)dom / target / gap);
    if (factor > 1) {
      ok = stage_subsample(&stages[count], dom, factor);
      dom = stages[count++].n_out;
      scale *= factor;
    }
  }
  if (scale < 1.0 / dom) scale = 1.0 / dom;

  if (ok && scale < 1.0) {
    double shrink = 1.0 / scale;
    int width = (int)floor((double)dom / shrink + 0.5);
    if (width < 1) width = 1;
    double extra = width * shrink - dom;
    if (kernel != GR_KERNEL_NEAREST && gap > 0.0) {
      int factor = (int)floor((double)dom / width / gap);
      if (factor > 1) {
        ok = stage_box(&stages[count], dom, factor);
        dom = stages[count++].n_out;
        shrink /= factor;
        extra /= factor;
      }
    }
    if (ok && shrink != 1.0) {
      ok = stage_reduce(&stages[count], dom, out_size, kernel, shrink, extra);
      dom = stages[count++].n_out;
    }
  }
  if (ok && scale > 1.0) {
    ok = stage_interp(&stages[count], dom, out_size, kernel, scale);
    dom = stages[count++].n_out;
  } else if (ok && other_axis_upsizes && kernel != GR_KERNEL_NEAREST) {
    /* The affine of the other axis runs with scale 1 on this one. */
    ok = stage_interp(&stages[count], dom, out_size, kernel, 1.0);
    dom = stages[count++].n_out;
  }
  if (ok && count == 0) {
    ok = stage_identity(&stages[count++], dom);
  }
  gr_status st;
  if (!ok) {
    st = gr_fail(err, GR_ERR_NO_MEMORY, "Out of memory building resampling filter");
  } else if (dom != out_size) {
    /* Only when the libvips-rounded size differs from the requested one (the identity or a
     * reduce that rounds to a different size); the stages above already write out_size. */
    st = gr_fail(err, GR_ERR_INVALID_ARGUMENT, "Resize %d -> %d has no filter", in_size,
                 out_size);
  } else {
    st = compose(filter, stages, count, out_size, err);
  }
  for (int k = 0; k < count; k++) stage_free(&stages[k]);
  return st;
}

gr_status gr_filter_init(gr_filter *filter, int in_size, int out_size, gr_kernel kernel,
                         gr_error *err) {
  return gr_filter_init_ex(filter, in_size, out_size, kernel, 0.0, 0, err);
}

void gr_filter_reverse(gr_filter *filter) {
  const int n = filter->out_size, taps = filter->taps;
  for (int a = 0, b = n - 1; a < b; a++, b--) {
    int t = filter->start[a];
    filter->start[a] = filter->start[b];
    filter->start[b] = t;
    float *wa = filter->weights + (size_t)a * taps, *wb = filter->weights + (size_t)b * taps;
    for (int k = 0; k < taps; k++) {
      float w = wa[k];
      wa[k] = wb[k];
      wb[k] = w;
    }
  }
}

void gr_filter_slice(gr_filter *filter, int first, int count) {
  const int taps = filter->taps;
  memmove(filter->start, filter->start + first, sizeof(int) * (size_t)count);
  memmove(filter->weights, filter->weights + (size_t)first * taps,
          sizeof(float) * (size_t)count * (size_t)taps);
  filter->out_size = count;
}

void gr_filter_free(gr_filter *filter) {
  if (!filter) return;
  free(filter->start);
  free(filter->weights);
  memset(filter, 0, sizeof *filter);
}
