/* Bit-exactness of the vectorised CPU resize (src/cpu/resize.c) against a straightforward
 * scalar implementation of the arithmetic specified in cpu.h: random sizes, kernels, channels
 * 1-4, strides, up/down, identity axes, arbitrary hand-made filters (starts outside the image,
 * negative weights, tap counts that select each of the vertical pass' strategies). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "harness.h"
#include "reference.h"


static uint64_t rs = 0x9E3779B97F4A7C15ull;
static unsigned rnd(void) {
  rs ^= rs << 13;
  rs ^= rs >> 7;
  rs ^= rs << 17;
  return (unsigned)(rs >> 11);
}
static int rr(int lo, int hi) { return lo + (int)(rnd() % (unsigned)(hi - lo + 1)); }

static void make_image(gr_image *img, int w, int h, int ch, int pad, int mode) {
  img->width = w;
  img->height = h;
  img->channels = ch;
  img->stride = (size_t)w * ch + pad;
  img->data = malloc(img->stride * h);
  for (size_t i = 0; i < img->stride * h; i++) {
    unsigned v = rnd() & 255;
    if (mode == 1) v = (rnd() & 1) ? 255 : 0;
    if (mode == 2) v = (unsigned)(i / 7) & 255;
    img->data[i] = (uint8_t)v;
  }
  if (mode == 3 && (ch == 2 || ch == 4)) { /* alpha 0, 1, 255 or random */
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        const unsigned r = rnd() % 4;
        img->data[y * img->stride + (size_t)x * ch + ch - 1] =
            (uint8_t)(r == 0 ? 0 : r == 1 ? 255 : r == 2 ? 1 : rnd());
      }
    }
  }
}

/* kind 0: arbitrary starts; 1: nondecreasing; 2: nondecreasing, larger weights. */
static void make_filter(gr_filter *f, int in, int out, int taps, int kind) {
  f->in_size = in;
  f->out_size = out;
  f->taps = taps;
  f->start = malloc(sizeof(int) * (size_t)out);
  f->weights = malloc(sizeof(float) * (size_t)out * taps);
  int s = rr(-taps, 2);
  for (int i = 0; i < out; i++) {
    if (kind == 0) {
      s = rr(-taps - 2, in + 2);
    } else {
      s += rr(0, 3);
      if (s > in + 2) s = in + 2;
    }
    f->start[i] = s;
    for (int k = 0; k < taps; k++) {
      const float w = (float)((double)(rnd() % 2000001) / 1000000.0 - 1.0);
      f->weights[(size_t)i * taps + k] = kind == 2 ? w * 3.0f : w;
    }
  }
}

static void make_identity(gr_filter *f, int n) {
  f->in_size = f->out_size = n;
  f->taps = 1;
  f->start = malloc(sizeof(int) * (size_t)n);
  f->weights = malloc(sizeof(float) * (size_t)n);
  for (int i = 0; i < n; i++) {
    f->start[i] = i;
    f->weights[i] = 1.0f;
  }
}

static void free_filter(gr_filter *f) {
  free(f->start);
  free(f->weights);
}

static void check_one(const gr_image *src, const gr_filter *h, const gr_filter *v,
                      const char *what) {
  gr_image dst;
  gr_error err;
  gr_status st = gr_cpu_resize_with(src, h, v, &dst, &err);
  CHECK_MSG(st == GR_OK, "%s: %s", what, err.message);
  if (st != GR_OK) return;
  const size_t row = (size_t)dst.width * dst.channels;
  uint8_t *ref = malloc(row * dst.height);
  gr_reference_resize(src, h, v, ref);
  int same = 1;
  for (int y = 0; y < dst.height && same; y++) {
    same = memcmp(dst.data + (size_t)y * dst.stride, ref + row * y, row) == 0;
  }
  CHECK_MSG(same, "%s: %dx%dx%d (stride %zu) -> %dx%d, taps %d/%d differs from the reference",
            what, src->width, src->height, src->channels, src->stride, dst.width, dst.height,
            h->taps, v->taps);
  free(ref);
  gr_image_free(&dst);
}

static void test_random(int iterations) {
  gr_error err;
  for (int it = 0; it < iterations; it++) {
    const int ch = rr(1, 4), big = rr(0, 9) == 0;
    const int iw = rr(1, big ? 400 : 80), ih = rr(1, big ? 200 : 80);
    gr_image src;
    make_image(&src, iw, ih, ch, rr(0, 3) ? 0 : rr(1, 70), rr(0, 3));
    gr_filter h, v;
    if (rr(0, 5) <= 2) {
      int ow = rr(1, big ? 600 : 160), oh = rr(1, big ? 200 : 160);
      if (rr(0, 3) == 0) ow = iw;
      if (rr(0, 3) == 0) oh = ih;
      const gr_kernel k = (gr_kernel)rr(0, GR_KERNEL_NATIVE_COUNT - 1);
      if (gr_filter_init_ex(&h, iw, ow, k, 0.0, oh > ih, &err) == GR_OK) {
        if (gr_filter_init_ex(&v, ih, oh, k, 0.0, ow > iw, &err) == GR_OK) {
          check_one(&src, &h, &v, "kernel");
          gr_filter_free(&v);
        }
        gr_filter_free(&h);
      }
    } else {
      const int ow = rr(1, big ? 500 : 120), oh = rr(1, big ? 150 : 120);
      const int r = rr(0, 3);
      if (r == 0) {
        make_identity(&h, iw);
      } else {
        make_filter(&h, iw, ow, rr(1, rr(0, 4) ? 14 : 60), rr(0, 2));
      }
      if (r == 1) {
        make_identity(&v, ih);
      } else {
        make_filter(&v, ih, oh, rr(1, rr(0, 4) ? 14 : 60), rr(0, 2));
      }
      check_one(&src, &h, &v, "random filters");
      free_filter(&h);
      free_filter(&v);
    }
    free(src.data);
  }
}

/* Vertical tap counts large enough for the other strategies of the vertical pass (a ring of
 * premultiplied bytes, then per-tap conversion), and wide rows. */
static void test_large_taps(void) {
  const int cases[][4] = {
      /* width, channels, vertical taps, out height */
      {2100, 4, 260, 3}, {2100, 2, 520, 3}, {300, 2, 2400, 2}, {500, 4, 1200, 2},
      {3000, 3, 40, 4},  {2000, 1, 300, 3},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    gr_image src;
    make_image(&src, cases[i][0], 60, cases[i][1], (int)i, 3);
    gr_filter h, v;
    make_filter(&h, src.width, src.width / 3 + 1, 7, 1);
    make_filter(&v, src.height, cases[i][3], cases[i][2], 1);
    check_one(&src, &h, &v, "large taps");
    free_filter(&h);
    free_filter(&v);
    free(src.data);
  }
}

int main(void) {
  test_random(600);
  test_large_taps();
  return gr_test_finish("cpu_exact");
}
