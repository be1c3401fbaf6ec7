/* Separable resize on the CPU. The exact arithmetic is documented in cpu.h: the CUDA kernel
 * replicates it, so change both together.
 *
 * Every output element is one float accumulator summed over the taps in increasing k, with a
 * separate multiply and add (no contraction: see the pragma below), exactly as the spec says;
 * the speed comes from doing many independent accumulators at once:
 *  - vertical pass: the source rows a thread needs are converted to (premultiplied) floats once
 *    into a ring of `taps` rows, then each output row is summed in column blocks of 32-64
 *    floats with the accumulators in registers over all taps. When the ring would be too big
 *    (huge tap counts) the u8 rows are converted on the fly instead.
 *  - horizontal pass: the float row gets a halo of replicated edge pixels (the spec's clamp,
 *    without clamping), and for 2-4 channels one vector holds several output pixels (2 x 4
 *    lanes for RGB/RGBA with AVX2, the RGB 4th lane being ignored), with a weight table
 *    prepared once per call.
 *  - the kernels are compiled twice, for AVX2 and for baseline x86-64 (SSE2), and chosen at
 *    run time: this file includes itself once per target (GR_RESIZE_KERNELS below).
 * The results are bit-identical to the straightforward scalar loops. */
#ifndef GR_RESIZE_KERNELS
#pragma GCC optimize("fp-contract=off")

#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"

#define AI static inline __attribute__((always_inline))

/* premul_lut[a][v] = (float)((v * a) / 255): premultiplied and truncated to an integer, as
 * sharp's premultiply().cast(uchar) does (the vector code computes the same with integers).
 * unpremul_lut[a][v] = a > 0 ? min(255, v * 255 / a) : 0: sharp's unpremultiply().cast(uchar)
 * of libvips' 8-bit reduce output. */
static float premul_lut[256][256];
static uint8_t unpremul_lut[256][256];
static int luts_ready = 0;

static void luts_init(void) {
  /* Idempotent and every thread writes the same values, so a race is harmless; the flag is
   * only an optimisation. */
  if (__atomic_load_n(&luts_ready, __ATOMIC_ACQUIRE)) return;
  for (int a = 0; a < 256; a++) {
    for (int v = 0; v < 256; v++) {
      premul_lut[a][v] = (float)((v * a) / 255);
      const int u = a > 0 ? (v * 255) / a : 0;
      unpremul_lut[a][v] = (uint8_t)(u > 255 ? 255 : u);
    }
  }
  __atomic_store_n(&luts_ready, 1, __ATOMIC_RELEASE);
}

static int filter_is_identity(const gr_filter *f) {
  if (f->in_size != f->out_size || f->taps != 1) return 0;
  for (int i = 0; i < f->out_size; i++) {
    if (f->start[i] != i || f->weights[i] != 1.0f) return 0;
  }
  return 1;
}

/* Rows are padded to a multiple of this many floats (the widest vertical column block). */
#define VBLOCK 64
/* How the vertical pass reads the source rows (measured on a 2-core Xeon with AVX2):
 *  - VMODE_DIRECT: the image's u8 rows, converted per tap (u8 -> float is cheap, and 4 times
 *    less memory traffic than float rows): images without alpha, and the last resort;
 *  - VMODE_FLOAT_RING: alpha images, a ring of rows premultiplied to floats once (the
 *    premultiply costs more than the reads);
 *  - VMODE_U8_RING: alpha images whose float ring would pass RING_MAX_BYTES, a ring of
 *    premultiplied bytes (the premultiplied values are integers 0-255), converted per tap.
 * Past RING_MAX_BYTES for that too (thousands of taps), VMODE_DIRECT premultiplies per tap. */
enum { VMODE_FLOAT_RING, VMODE_U8_RING, VMODE_DIRECT };
#define RING_MAX_BYTES ((size_t)8 << 20)

typedef struct resize_ctx {
  const gr_image *src;
  gr_image *dst;
  const gr_filter *h, *v;
  int skip_h, skip_v;
  int channels, alpha;
  int vmode;         /* how the vertical pass reads the source rows: VMODE_* */
  size_t n;          /* floats per row: src width * channels */
  size_t n_pad;      /* n rounded up to VBLOCK */
  size_t ring_pitch; /* elements between ring rows (offset so that they do not alias in L1) */
  int pad_l, pad_r;  /* halo pixels left and right of the tmp row */
  size_t tmp_len;    /* floats in a tmp row with its halo and slack */
  int lanes;         /* horizontal: vector lanes per output pixel (2: ch 2, 4: ch 3/4), 0: scalar */
  int group;         /* horizontal: output pixels per vector */
  int out_w_pad;     /* out width rounded up to a multiple of group */
  int *hoff;         /* out_w_pad: float offset of each output pixel's first tap in the tmp row */
  float *hw;         /* grouped weights: [group index][k][vector lanes] */
  int failed;
} resize_ctx;

static inline int clampi(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

static inline uint8_t to_u8(float v) {
  if (!(v > 0.0f)) return 0; /* also NaN */
  if (v >= 255.0f) return 255;
  return (uint8_t)(v + 0.5f);
}

/* Writes one pixel from the float accumulators `o` (premultiplied when alpha). Alpha images:
 * both the colour and the alpha are first rounded to 8 bits (libvips' reduce output), then
 * unpremultiplied with integer truncation (sharp's unpremultiply().cast(uchar)). */
AI void store_px(uint8_t *restrict q, const float *restrict o, int ch, int alpha) {
  if (!alpha) {
    for (int z = 0; z < ch; z++) q[z] = to_u8(o[z]);
  } else {
    const int a = to_u8(o[ch - 1]);
    const uint8_t *lut = unpremul_lut[a];
    for (int z = 0; z < ch - 1; z++) q[z] = lut[to_u8(o[z])];
    q[ch - 1] = (uint8_t)a;
  }
}

AI void copy_row(const resize_ctx *c, const float *restrict tmp, uint8_t *restrict q) {
  const int ch = c->channels;
  const int n = c->dst->width;
  for (int x = 0; x < n; x++) store_px(q + (size_t)x * ch, tmp + (size_t)x * ch, ch, c->alpha);
}

/* Source row y as (premultiplied) floats, the scalar part: out[i, n). */
AI void convert_tail(const resize_ctx *c, const uint8_t *restrict p, size_t i,
                     float *restrict out) {
  const int ch = c->channels;
  if (!c->alpha) {
    for (; i < c->n; i++) out[i] = (float)p[i];
  } else {
    for (; i < c->n; i += ch) {
      const float *lut = premul_lut[p[i + ch - 1]];
      for (int k = 0; k < ch - 1; k++) out[i + k] = lut[p[i + k]];
      out[i + ch - 1] = (float)p[i + ch - 1];
    }
  }
}

static void *aligned_buf(size_t floats) {
  size_t bytes = (floats * sizeof(float) + 63) & ~(size_t)63;
  void *p = aligned_alloc(64, bytes ? bytes : 64);
  if (p) memset(p, 0, bytes);
  return p;
}

/* The kernels, once per target. */
#define GR_RESIZE_KERNELS 1
#pragma GCC push_options
#pragma GCC target("avx2")
#define SFX(name) name##_avx2
#include "resize.c"
#undef SFX
#pragma GCC pop_options
#define SFX(name) name##_base
#include "resize.c"
#undef SFX

static int have_avx2(void) {
  static int cached = -1;
  int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);
  if (v < 0) {
    __builtin_cpu_init();
    v = __builtin_cpu_supports("avx2") ? 1 : 0;
    __atomic_store_n(&cached, v, __ATOMIC_RELAXED);
  }
  return v;
}

/* Prepares the horizontal tables for vectors of `vw` lanes: halo sizes, offsets and the
 * grouped weights. */
static int prepare_horizontal(resize_ctx *c, int vw) {
  const gr_filter *f = c->h;
  const int ch = c->channels, taps = f->taps, out_w = f->out_size, in_w = c->src->width;
  c->lanes = ch == 1 ? 0 : ch == 2 ? 2 : 4;
  c->group = ch == 1 ? 1 : vw / c->lanes;
  c->out_w_pad = (out_w + c->group - 1) / c->group * c->group;
  if (c->skip_h) return 1;
  int lo = 0, hi = in_w;
  for (int x = 0; x < out_w; x++) {
    if (f->start[x] < lo) lo = f->start[x];
    if (f->start[x] + taps > hi) hi = f->start[x] + taps;
  }
  c->pad_l = -lo;
  c->pad_r = hi - in_w;
  c->hoff = malloc(sizeof(int) * (size_t)c->out_w_pad);
  if (!c->hoff) return 0;
  for (int x = 0; x < c->out_w_pad; x++) {
    c->hoff[x] = (f->start[x < out_w ? x : out_w - 1] + c->pad_l) * ch;
  }
  if (c->lanes) {
    const int G = c->group, L = c->lanes;
    c->hw = malloc(sizeof(float) * (size_t)vw * (size_t)taps * (size_t)(c->out_w_pad / G));
    if (!c->hw) return 0;
    for (int g = 0; g < c->out_w_pad / G; g++) {
      for (int k = 0; k < taps; k++) {
        float *d = c->hw + ((size_t)g * taps + k) * vw;
        for (int j = 0; j < G; j++) {
          const int x = g * G + j;
          const float wk = x < out_w ? f->weights[(size_t)x * taps + k] : 0.0f;
          for (int l = 0; l < L; l++) d[j * L + l] = wk;
        }
      }
    }
  }
  return 1;
}

gr_status gr_cpu_resize_with(const gr_image *src, const gr_filter *horizontal,
                             const gr_filter *vertical, gr_image *dst, gr_error *err) {
  if (!src || !src->data || !horizontal || !vertical || !dst || src->width <= 0 ||
      src->height <= 0 || src->channels < 1 || src->channels > 4 ||
      src->stride < (size_t)src->width * (size_t)src->channels) {
    return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "Invalid resize source image");
  }
  if (horizontal->in_size != src->width || vertical->in_size != src->height ||
      horizontal->taps < 1 || vertical->taps < 1 || !horizontal->weights ||
      !vertical->weights) {
    return gr_fail(err, GR_ERR_INVALID_ARGUMENT,
                   "Resize filters (%d, %d) do not match the %dx%d image", horizontal->in_size,
                   vertical->in_size, src->width, src->height);
  }
  gr_status st = gr_image_alloc(dst, horizontal->out_size, vertical->out_size, src->channels, err);
  if (st != GR_OK) return st;
  resize_ctx c;
  memset(&c, 0, sizeof c);
  c.src = src;
  c.dst = dst;
  c.h = horizontal;
  c.v = vertical;
  c.skip_h = filter_is_identity(horizontal);
  c.skip_v = filter_is_identity(vertical);
  c.channels = src->channels;
  c.alpha = src->channels == 2 || src->channels == 4;
  if (c.alpha) luts_init();
  c.n = (size_t)src->width * (size_t)src->channels;
  c.n_pad = (c.n + VBLOCK - 1) / VBLOCK * VBLOCK;
  /* Ring rows start 64 bytes apart modulo 4 KiB, so that the taps' rows do not share L1 sets. */
  const size_t taps_v = (size_t)vertical->taps;
  const size_t float_pitch = (c.n_pad + 1023) / 1024 * 1024 + 16;
  const size_t u8_pitch = (c.n_pad + 4095) / 4096 * 4096 + 64;
  if (!c.alpha) {
    c.vmode = VMODE_DIRECT;
  } else if (float_pitch * sizeof(float) * taps_v <= RING_MAX_BYTES) {
    c.vmode = VMODE_FLOAT_RING;
    c.ring_pitch = float_pitch;
  } else if (u8_pitch * taps_v <= RING_MAX_BYTES) {
    c.vmode = VMODE_U8_RING;
    c.ring_pitch = u8_pitch;
  } else {
    c.vmode = VMODE_DIRECT;
  }
  const int avx2 = have_avx2();
  int ok = prepare_horizontal(&c, avx2 ? 8 : 4);
  /* The row, its halo, the vertical pass' padding to n_pad and 8 floats of slack. */
  c.tmp_len = (size_t)(c.pad_l + c.pad_r) * c.channels + c.n_pad + 16;
  if (ok) {
    long work = (long)src->width * src->channels * (long)(vertical->taps + horizontal->taps);
    /* About a million multiply-adds per chunk: a thread costs tens of microseconds to start. */
    int min_chunk = work > 0 ? (int)((1L << 20) / work) + 1 : 1;
    gr_parallel_for(dst->height, min_chunk, avx2 ? resize_rows_avx2 : resize_rows_base, &c);
  }
  free(c.hoff);
  free(c.hw);
  if (!ok || c.failed) {
    gr_image_free(dst);
    return gr_fail(err, GR_ERR_NO_MEMORY, "Out of memory in resize");
  }
  return GR_OK;
}

gr_status gr_cpu_resize(const gr_image *src, int out_width, int out_height, gr_kernel kernel,
                        gr_image *dst, gr_error *err) {
  if (!src || out_width <= 0 || out_height <= 0) {
    return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "Invalid resize to %dx%d", out_width,
                   out_height);
  }
  gr_filter h, v;
  int h_up = out_width > src->width;
  int v_up = out_height > src->height;
  gr_status st = gr_filter_init_ex(&h, src->width, out_width, kernel, 0.0, v_up, err);
  if (st != GR_OK) return st;
  st = gr_filter_init_ex(&v, src->height, out_height, kernel, 0.0, h_up, err);
  if (st != GR_OK) {
    gr_filter_free(&h);
    return st;
  }
  st = gr_cpu_resize_with(src, &h, &v, dst, err);
  gr_filter_free(&h);
  gr_filter_free(&v);
  return st;
}
#else /* GR_RESIZE_KERNELS: the kernels for one target, named SFX(...) */

#ifdef __AVX2__
#define VF __m256
#define VW 8
#define VZERO() _mm256_setzero_ps()
#define VSET1(x) _mm256_set1_ps(x)
#define VLOAD(p) _mm256_loadu_ps(p)
#define VSTORE(p, v) _mm256_storeu_ps(p, v)
#define VMUL(a, b) _mm256_mul_ps(a, b)
#define VADD(a, b) _mm256_add_ps(a, b)
#else
#define VF __m128
#define VW 4
#define VZERO() _mm_setzero_ps()
#define VSET1(x) _mm_set1_ps(x)
#define VLOAD(p) _mm_loadu_ps(p)
#define VSTORE(p, v) _mm_storeu_ps(p, v)
#define VMUL(a, b) _mm_mul_ps(a, b)
#define VADD(a, b) _mm_add_ps(a, b)
#endif
/* Vertical accumulators per column block (NACC * VW floats per block, dividing VBLOCK). */
#define NACC 8

/* Premultiplies 8 u16 lanes holding bytes of whole pixels (ch 2 or 4, alpha last). With
 * x = v * a in [0, 65025], (v * a) / 255 == (x + 1 + (x >> 8)) >> 8 (checked exhaustively); the
 * alpha lane is multiplied by 255 so that it comes out unchanged. */
AI __m128i SFX(premul16)(__m128i x, const int ch) {
  __m128i a, cm, am;
  if (ch == 4) {
    a = _mm_shufflehi_epi16(_mm_shufflelo_epi16(x, 0xFF), 0xFF);
    cm = _mm_setr_epi16(-1, -1, -1, 0, -1, -1, -1, 0);
    am = _mm_setr_epi16(0, 0, 0, 255, 0, 0, 0, 255);
  } else {
    a = _mm_shufflehi_epi16(_mm_shufflelo_epi16(x, 0xF5), 0xF5);
    cm = _mm_setr_epi16(-1, 0, -1, 0, -1, 0, -1, 0);
    am = _mm_setr_epi16(0, 255, 0, 255, 0, 255, 0, 255);
  }
  x = _mm_mullo_epi16(x, _mm_or_si128(_mm_and_si128(a, cm), am));
  x = _mm_add_epi16(_mm_add_epi16(x, _mm_set1_epi16(1)), _mm_srli_epi16(x, 8));
  x = _mm_srli_epi16(x, 8);
  return x;
}

/* VW source bytes as floats, premultiplied when alpha (ch 2 or 4: whole pixels). With
 * x = v * a in [0, 65025], (v * a) / 255 == (x + 1 + (x >> 8)) >> 8 (checked exhaustively), in
 * 16-bit lanes; the alpha lane is multiplied by 255 so that it comes out unchanged. */
AI VF SFX(cvt)(const uint8_t *p, const int alpha, const int ch) {
#ifdef __AVX2__
  const __m128i b = _mm_loadl_epi64((const __m128i *)p);
  if (!alpha) return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(b));
  __m128i x = _mm_cvtepu8_epi16(b);
#else
  int32_t u;
  memcpy(&u, p, sizeof u);
  const __m128i zero = _mm_setzero_si128();
  __m128i x = _mm_unpacklo_epi8(_mm_cvtsi32_si128(u), zero);
  if (!alpha) return _mm_cvtepi32_ps(_mm_unpacklo_epi16(x, zero));
#endif
  x = SFX(premul16)(x, ch);
#ifdef __AVX2__
  return _mm256_cvtepi32_ps(_mm256_cvtepu16_epi32(x));
#else
  return _mm_cvtepi32_ps(_mm_unpacklo_epi16(x, zero));
#endif
}

/* Source row y as (premultiplied) floats: out[0, n). */
AI void SFX(convert_row)(const resize_ctx *c, int y, float *restrict out) {
  const uint8_t *restrict p = c->src->data + (size_t)y * c->src->stride;
  const size_t n = c->n;
  size_t i = 0;
  if (!c->alpha) {
    for (; i + VW <= n; i += VW) VSTORE(out + i, SFX(cvt)(p + i, 0, 1));
  } else if (c->channels == 4) {
    for (; i + VW <= n; i += VW) VSTORE(out + i, SFX(cvt)(p + i, 1, 4));
  } else {
    for (; i + VW <= n; i += VW) VSTORE(out + i, SFX(cvt)(p + i, 1, 2));
  }
  convert_tail(c, p, i, out);
}

/* Source row y premultiplied, as bytes (the values are integers 0-255): out[0, n). */
AI void SFX(premul_row_u8)(const resize_ctx *c, int y, uint8_t *restrict out) {
  const uint8_t *restrict p = c->src->data + (size_t)y * c->src->stride;
  const size_t n = c->n;
  const int ch = c->channels;
  const __m128i zero = _mm_setzero_si128();
  size_t i = 0;
  if (ch == 4) {
    for (; i + 8 <= n; i += 8) {
      const __m128i x = _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *)(p + i)), zero);
      const __m128i r = SFX(premul16)(x, 4);
      _mm_storel_epi64((__m128i *)(out + i), _mm_packus_epi16(r, r));
    }
  } else {
    for (; i + 8 <= n; i += 8) {
      const __m128i x = _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *)(p + i)), zero);
      const __m128i r = SFX(premul16)(x, 2);
      _mm_storel_epi64((__m128i *)(out + i), _mm_packus_epi16(r, r));
    }
  }
  for (; i < n; i += ch) {
    const int a = p[i + ch - 1];
    for (int k = 0; k < ch - 1; k++) out[i + k] = (uint8_t)((p[i + k] * a) / 255);
    out[i + ch - 1] = (uint8_t)a;
  }
}

/* Vertical pass from float rows: out[i] = sum_k w[k] * rows[k][i], i in [0, n_pad), in column
 * blocks of NACC vectors with the accumulators in registers over all taps. */
AI void SFX(vertical_ring)(const float *const *rows, const float *w, int taps, size_t n_pad,
                           float *restrict out) {
  for (size_t i = 0; i < n_pad; i += (size_t)NACC * VW) {
    VF acc[NACC];
    for (int j = 0; j < NACC; j++) acc[j] = VZERO();
    for (int k = 0; k < taps; k++) {
      const VF wk = VSET1(w[k]);
      const float *r = rows[k] + i;
      for (int j = 0; j < NACC; j++) acc[j] = VADD(acc[j], VMUL(wk, VLOAD(r + VW * j)));
    }
    for (int j = 0; j < NACC; j++) VSTORE(out + i + VW * j, acc[j]);
  }
}

/* Vertical pass straight from the u8 rows (converted per tap): out[0, n_pad). */
AI void SFX(vertical_direct)(const resize_ctx *c, const uint8_t *const *rows, const float *w,
                             int taps, float *restrict out, uint8_t *restrict tail,
                             const int alpha, const int ch) {
  const size_t n = c->n;
  const size_t blk = (size_t)NACC * VW;
  for (size_t i = 0; i < n; i += blk) {
    VF acc[NACC];
    for (int j = 0; j < NACC; j++) acc[j] = VZERO();
    if (i + blk <= n) {
      for (int k = 0; k < taps; k++) {
        const VF wk = VSET1(w[k]);
        const uint8_t *r = rows[k] + i;
        for (int j = 0; j < NACC; j++) {
          acc[j] = VADD(acc[j], VMUL(wk, SFX(cvt)(r + VW * j, alpha, ch)));
        }
      }
    } else {
      /* The last partial block: each row's bytes through a zero-padded copy. */
      const size_t m = n - i;
      memset(tail, 0, blk);
      for (int k = 0; k < taps; k++) {
        const VF wk = VSET1(w[k]);
        memcpy(tail, rows[k] + i, m);
        for (int j = 0; j < NACC; j++) {
          acc[j] = VADD(acc[j], VMUL(wk, SFX(cvt)(tail + VW * j, alpha, ch)));
        }
      }
    }
    for (int j = 0; j < NACC; j++) VSTORE(out + i + VW * j, acc[j]);
  }
}

/* Horizontal pass, 1 channel: one pixel at a time (t has the halo: no clamping). */
AI void SFX(horizontal_scalar)(const resize_ctx *c, const float *restrict t,
                               uint8_t *restrict q) {
  const gr_filter *f = c->h;
  const int taps = f->taps;
  const int out_w = c->dst->width;
  int x = 0;
  /* Four pixels at once for the independent add chains. */
  for (; x + 4 <= out_w; x += 4) {
    const float *restrict w = f->weights + (size_t)x * taps;
    const float *p0 = t + c->hoff[x], *p1 = t + c->hoff[x + 1];
    const float *p2 = t + c->hoff[x + 2], *p3 = t + c->hoff[x + 3];
    float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
    for (int k = 0; k < taps; k++) {
      a0 += w[k] * p0[k];
      a1 += w[taps + k] * p1[k];
      a2 += w[2 * taps + k] * p2[k];
      a3 += w[3 * taps + k] * p3[k];
    }
    q[x] = to_u8(a0);
    q[x + 1] = to_u8(a1);
    q[x + 2] = to_u8(a2);
    q[x + 3] = to_u8(a3);
  }
  for (; x < out_w; x++) {
    const float *restrict w = f->weights + (size_t)x * taps;
    const float *p = t + c->hoff[x];
    float acc = 0.0f;
    for (int k = 0; k < taps; k++) acc += w[k] * p[k];
    q[x] = to_u8(acc);
  }
}

/* The lanes for tap k of one group of output pixels: VW / L pixels of L floats each. */
AI VF SFX(group_load)(const float *t, const int *off, int kk, const int L) {
#ifdef __AVX2__
  if (L == 4) {
    return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(t + off[0] + kk)),
                                _mm_loadu_ps(t + off[1] + kk), 1);
  } else {
    const __m128 lo = _mm_loadh_pi(_mm_castpd_ps(_mm_load_sd((const double *)(t + off[0] + kk))),
                                   (const __m64 *)(t + off[1] + kk));
    const __m128 hi = _mm_loadh_pi(_mm_castpd_ps(_mm_load_sd((const double *)(t + off[2] + kk))),
                                   (const __m64 *)(t + off[3] + kk));
    return _mm256_insertf128_ps(_mm256_castps128_ps256(lo), hi, 1);
  }
#else
  if (L == 4) return _mm_loadu_ps(t + off[0] + kk);
  return _mm_loadh_pi(_mm_castpd_ps(_mm_load_sd((const double *)(t + off[0] + kk))),
                      (const __m64 *)(t + off[1] + kk));
#endif
}

/* to_u8 of 8 floats into 8 bytes: min(max(v, 0), 255) (NaN gives 0) then (int)(v + 0.5f), which
 * is the scalar to_u8 for every input. */
AI void SFX(u8x8)(const float *o, uint8_t *b) {
  const __m128 zero = _mm_setzero_ps(), top = _mm_set1_ps(255.0f), half = _mm_set1_ps(0.5f);
  const __m128 lo = _mm_min_ps(_mm_max_ps(_mm_loadu_ps(o), zero), top);
  const __m128 hi = _mm_min_ps(_mm_max_ps(_mm_loadu_ps(o + 4), zero), top);
  const __m128i p = _mm_packs_epi32(_mm_cvttps_epi32(_mm_add_ps(lo, half)),
                                    _mm_cvttps_epi32(_mm_add_ps(hi, half)));
  _mm_storel_epi64((__m128i *)b, _mm_packus_epi16(p, p));
}

/* Writes npx pixels from o (L floats per pixel, premultiplied when alpha). */
AI void SFX(store_pixels)(uint8_t *restrict q, const float *o, int npx, const int ch,
                          const int L, const int alpha, const int nfloats) {
  uint8_t b[64];
  for (int i = 0; i < nfloats; i += 8) SFX(u8x8)(o + i, b + i);
  if (alpha) {
    for (int j = 0; j < npx; j++) {
      const uint8_t *bj = b + j * L;
      const uint8_t *lut = unpremul_lut[bj[ch - 1]];
      for (int z = 0; z < ch - 1; z++) q[j * ch + z] = lut[bj[z]];
      q[j * ch + ch - 1] = bj[ch - 1];
    }
  } else if (ch == L) {
    memcpy(q, b, (size_t)npx * ch);
  } else {
    int j = 0;
#ifdef __AVX2__
    const __m128i drop = _mm_setr_epi8(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1);
    for (; j + 4 <= npx; j += 4) {
      const __m128i v = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(b + j * 4)), drop);
      memcpy(q + j * 3, &v, 12);
    }
#endif
    for (; j < npx; j++) memcpy(q + j * 3, b + j * 4, 3);
  }
}

/* Horizontal pass, 2-4 channels: VW / L output pixels per vector, NG vectors at once. */
AI void SFX(horizontal_grouped)(const resize_ctx *c, const float *restrict t,
                                uint8_t *restrict q, const int ch, const int L) {
  enum { NG = 4 };
  const int G = VW / L;
  const int taps = c->h->taps;
  const int out_w = c->dst->width;
  const int ngroups = c->out_w_pad / G;
  const int *hoff = c->hoff;
  const int alpha = c->alpha;
  float o[NG * VW];
  int g = 0;
  for (; g < ngroups; g += NG) {
    const int ng = ngroups - g < NG ? ngroups - g : NG;
    const float *w = c->hw + (size_t)g * taps * VW;
    if (ng == NG) {
      VF acc[NG];
      for (int j = 0; j < NG; j++) acc[j] = VZERO();
      for (int k = 0; k < taps; k++) {
        for (int j = 0; j < NG; j++) {
          acc[j] = VADD(acc[j], VMUL(VLOAD(w + ((size_t)j * taps + k) * VW),
                                     SFX(group_load)(t, hoff + (g + j) * G, k * ch, L)));
        }
      }
      for (int j = 0; j < NG; j++) VSTORE(o + j * VW, acc[j]);
    } else {
      for (int j = 0; j < ng; j++) {
        VF acc = VZERO();
        for (int k = 0; k < taps; k++) {
          acc = VADD(acc, VMUL(VLOAD(w + ((size_t)j * taps + k) * VW),
                               SFX(group_load)(t, hoff + (g + j) * G, k * ch, L)));
        }
        VSTORE(o + j * VW, acc);
      }
    }
    const int x0 = g * G;
    const int npx = out_w - x0 < ng * G ? out_w - x0 : ng * G;
    SFX(store_pixels)(q + (size_t)x0 * ch, o, npx, ch, L, alpha, NG * VW);
  }
}

AI void SFX(resize_rows_impl)(resize_ctx *c, int begin, int end) {
  const int ch = c->channels;
  const gr_filter *fv = c->v;
  const int taps = fv->taps;
  const int last = c->src->height - 1;
  const int in_w = c->src->width;
  const int mode = c->vmode;
  float *tmp = aligned_buf(c->tmp_len);
  void *ring = NULL;
  int *tags = NULL;
  const void **rows = NULL;
  uint8_t tail[VBLOCK];
  int ok = tmp != NULL;
  if (ok && !c->skip_v) {
    rows = malloc(sizeof(void *) * (size_t)taps);
    ok = rows != NULL;
    if (ok && (mode == VMODE_FLOAT_RING || mode == VMODE_U8_RING)) {
      /* ring_pitch is in elements: floats or bytes. */
      const size_t esize = mode == VMODE_FLOAT_RING ? sizeof(float) : 1;
      ring = aligned_buf((c->ring_pitch * esize * (size_t)taps + 3) / 4);
      tags = malloc(sizeof(int) * (size_t)taps);
      ok = ring && tags;
      if (tags) {
        for (int k = 0; k < taps; k++) tags[k] = -1;
      }
    }
  }
  if (!ok) {
    __atomic_store_n(&c->failed, 1, __ATOMIC_RELAXED);
    free(tmp);
    free(ring);
    free(tags);
    free(rows);
    return;
  }
  float *row = tmp + (size_t)c->pad_l * ch; /* the row proper, after the left halo */
  for (int y = begin; y < end; y++) {
    if (c->skip_v) {
      SFX(convert_row)(c, y, row);
    } else {
      const float *w = fv->weights + (size_t)y * taps;
      const int s = fv->start[y];
      if (mode == VMODE_FLOAT_RING || mode == VMODE_U8_RING) {
        /* The rows of one output row are taps consecutive (clamped) indices: distinct
         * modulo taps, so slot r % taps never evicts a row still needed. */
        for (int k = 0; k < taps; k++) {
          const int r = clampi(s + k, 0, last);
          const int slot = r % taps;
          if (mode == VMODE_FLOAT_RING) {
            float *dst = (float *)ring + (size_t)slot * c->ring_pitch;
            if (tags[slot] != r) SFX(convert_row)(c, r, dst);
            rows[k] = dst;
          } else {
            uint8_t *dst = (uint8_t *)ring + (size_t)slot * c->ring_pitch;
            if (tags[slot] != r) SFX(premul_row_u8)(c, r, dst);
            rows[k] = dst;
          }
          tags[slot] = r;
        }
      } else {
        for (int k = 0; k < taps; k++) {
          rows[k] = c->src->data + (size_t)clampi(s + k, 0, last) * c->src->stride;
        }
      }
      const uint8_t *const *r8 = (const uint8_t *const *)rows;
      if (mode == VMODE_FLOAT_RING) {
        SFX(vertical_ring)((const float *const *)rows, w, taps, c->n_pad, row);
      } else if (mode == VMODE_U8_RING || !c->alpha) {
        SFX(vertical_direct)(c, r8, w, taps, row, tail, 0, 1);
      } else if (ch == 4) {
        SFX(vertical_direct)(c, r8, w, taps, row, tail, 1, 4);
      } else {
        SFX(vertical_direct)(c, r8, w, taps, row, tail, 1, 2);
      }
    }
    uint8_t *q = c->dst->data + (size_t)y * c->dst->stride;
    if (c->skip_h) {
      copy_row(c, row, q);
      continue;
    }
    /* The halo: edge pixels replicated (the clamp of the spec); then the slack past it
     * (read by the RGB 4-lane loads, ignored) is zeroed. */
    for (int x = 0; x < c->pad_l; x++) memcpy(tmp + (size_t)x * ch, row, sizeof(float) * ch);
    float *end_px = row + (size_t)in_w * ch;
    for (int x = 0; x < c->pad_r; x++) {
      memcpy(end_px + (size_t)x * ch, end_px - ch, sizeof(float) * ch);
    }
    memset(end_px + (size_t)c->pad_r * ch, 0, sizeof(float) * 8);
    switch (ch) {
      case 1: SFX(horizontal_scalar)(c, tmp, q); break;
      case 2: SFX(horizontal_grouped)(c, tmp, q, 2, 2); break;
      case 3: SFX(horizontal_grouped)(c, tmp, q, 3, 4); break;
      default: SFX(horizontal_grouped)(c, tmp, q, 4, 4); break;
    }
  }
  free(tmp);
  free(ring);
  free(tags);
  free(rows);
}

static void SFX(resize_rows)(void *arg, int begin, int end) {
  SFX(resize_rows_impl)(arg, begin, end);
}

#undef VF
#undef VW
#undef VZERO
#undef VSET1
#undef VLOAD
#undef VSTORE
#undef VMUL
#undef VADD
#undef NACC

#endif /* GR_RESIZE_KERNELS */
