/* Separable resize on the CPU. The exact arithmetic is documented in cpu.h: the CUDA kernel
 * replicates it, so change both together. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"

/* premul_lut[a][v] = (float)((v * a) / 255): premultiplied and truncated to an integer, as
 * sharp's premultiply().cast(uchar) does. */
static float premul_lut[256][256];
static int premul_ready = 0;

static void premul_init(void) {
  /* Idempotent and every thread writes the same values, so a race is harmless; the flag is
   * only an optimisation. */
  if (__atomic_load_n(&premul_ready, __ATOMIC_ACQUIRE)) return;
  for (int a = 0; a < 256; a++) {
    for (int v = 0; v < 256; v++) premul_lut[a][v] = (float)((v * a) / 255);
  }
  __atomic_store_n(&premul_ready, 1, __ATOMIC_RELEASE);
}

static int filter_is_identity(const gr_filter *f) {
  if (f->in_size != f->out_size || f->taps != 1) return 0;
  for (int i = 0; i < f->out_size; i++) {
    if (f->start[i] != i || f->weights[i] != 1.0f) return 0;
  }
  return 1;
}

typedef struct resize_ctx {
  const gr_image *src;
  gr_image *dst;
  const gr_filter *h, *v;
  int skip_h, skip_v;
  int channels, alpha;
  int failed;
} resize_ctx;

static inline int clampi(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

/* Source row y as premultiplied floats (the vertical pass' identity case). */
static void load_row(const resize_ctx *c, int y, float *restrict out) {
  const uint8_t *restrict p = c->src->data + (size_t)y * c->src->stride;
  const int ch = c->channels;
  const int n = c->src->width * ch;
  if (!c->alpha) {
    for (int i = 0; i < n; i++) out[i] = (float)p[i];
  } else {
    for (int i = 0; i < n; i += ch) {
      const float *lut = premul_lut[p[i + ch - 1]];
      for (int k = 0; k < ch - 1; k++) out[i + k] = lut[p[i + k]];
      out[i + ch - 1] = (float)p[i + ch - 1];
    }
  }
}

/* tmp = sum_k w[k] * P[clamp(start + k)], k increasing, one float accumulator per element. */
static void vertical_row(const resize_ctx *c, int y, float *restrict tmp) {
  const gr_filter *f = c->v;
  const int taps = f->taps;
  const float *w = f->weights + (size_t)y * taps;
  const int ch = c->channels;
  const int n = c->src->width * ch;
  const int last = c->src->height - 1;
  for (int i = 0; i < n; i++) tmp[i] = 0.0f;
  for (int k = 0; k < taps; k++) {
    const float wk = w[k];
    const uint8_t *restrict p =
        c->src->data + (size_t)clampi(f->start[y] + k, 0, last) * c->src->stride;
    if (!c->alpha) {
      for (int i = 0; i < n; i++) tmp[i] += wk * (float)p[i];
    } else {
      for (int i = 0; i < n; i += ch) {
        const float *lut = premul_lut[p[i + ch - 1]];
        for (int z = 0; z < ch - 1; z++) tmp[i + z] += wk * lut[p[i + z]];
        tmp[i + ch - 1] += wk * (float)p[i + ch - 1];
      }
    }
  }
}

static inline uint8_t to_u8(float v) {
  if (!(v > 0.0f)) return 0; /* also NaN */
  if (v >= 255.0f) return 255;
  return (uint8_t)(v + 0.5f);
}

/* Writes one pixel from the float accumulators `o` (premultiplied when alpha). Alpha images:
 * both the colour and the alpha are first rounded to 8 bits (libvips' reduce output), then
 * unpremultiplied with integer truncation (sharp's unpremultiply().cast(uchar)). */
static inline void store_px(uint8_t *restrict q, const float *restrict o, int ch, int alpha) {
  if (!alpha) {
    for (int z = 0; z < ch; z++) q[z] = to_u8(o[z]);
  } else {
    const int a = to_u8(o[ch - 1]);
    for (int z = 0; z < ch - 1; z++) {
      const int v = a > 0 ? (to_u8(o[z]) * 255) / a : 0;
      q[z] = (uint8_t)(v > 255 ? 255 : v);
    }
    q[ch - 1] = (uint8_t)a;
  }
}

static inline __attribute__((always_inline)) void horizontal_row(const resize_ctx *c,
                                                                 const float *restrict tmp,
                                                                 uint8_t *restrict q,
                                                                 const int ch) {
  const gr_filter *f = c->h;
  const int taps = f->taps;
  const int in_w = c->src->width;
  const int out_w = c->dst->width;
  const int alpha = c->alpha;
  for (int x = 0; x < out_w; x++) {
    const float *restrict w = f->weights + (size_t)x * taps;
    const int s = f->start[x];
    float acc[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    if (s >= 0 && s + taps <= in_w) {
      const float *restrict p = tmp + (size_t)s * ch;
      for (int k = 0; k < taps; k++) {
        const float wk = w[k];
        for (int z = 0; z < ch; z++) acc[z] += wk * p[k * ch + z];
      }
    } else {
      for (int k = 0; k < taps; k++) {
        const float wk = w[k];
        const float *p = tmp + (size_t)clampi(s + k, 0, in_w - 1) * ch;
        for (int z = 0; z < ch; z++) acc[z] += wk * p[z];
      }
    }
    store_px(q + (size_t)x * ch, acc, ch, alpha);
  }
}

static void copy_row(const resize_ctx *c, const float *restrict tmp, uint8_t *restrict q) {
  const int ch = c->channels;
  const int n = c->dst->width;
  for (int x = 0; x < n; x++) store_px(q + (size_t)x * ch, tmp + (size_t)x * ch, ch, c->alpha);
}

static void resize_rows(void *arg, int begin, int end) {
  resize_ctx *c = arg;
  float *tmp = malloc(sizeof(float) * (size_t)c->src->width * (size_t)c->channels);
  if (!tmp) {
    __atomic_store_n(&c->failed, 1, __ATOMIC_RELAXED);
    return;
  }
  for (int y = begin; y < end; y++) {
    if (c->skip_v) {
      load_row(c, y, tmp);
    } else {
      vertical_row(c, y, tmp);
    }
    uint8_t *q = c->dst->data + (size_t)y * c->dst->stride;
    if (c->skip_h) {
      copy_row(c, tmp, q);
    } else {
      switch (c->channels) {
        case 1: horizontal_row(c, tmp, q, 1); break;
        case 2: horizontal_row(c, tmp, q, 2); break;
        case 3: horizontal_row(c, tmp, q, 3); break;
        default: horizontal_row(c, tmp, q, 4); break;
      }
    }
  }
  free(tmp);
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
  if (c.alpha) premul_init();
  /* Roughly 64k multiply-adds per chunk before a thread is worth it. */
  long work = (long)src->width * src->channels * (long)(vertical->taps + horizontal->taps);
  int min_chunk = work > 0 ? (int)(65536 / work) + 1 : 1;
  gr_parallel_for(dst->height, min_chunk, resize_rows, &c);
  if (c.failed) {
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
