/* Tests for the CPU resize and transforms (src/cpu). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "harness.h"
#include "reference.h"

static uint8_t *px(const gr_image *img, int x, int y) {
  return img->data + (size_t)y * img->stride + (size_t)x * img->channels;
}

static void fill_random(gr_image *img, unsigned seed) {
  for (int y = 0; y < img->height; y++) {
    for (int x = 0; x < img->width * img->channels; x++) {
      seed = seed * 1103515245u + 12345u;
      img->data[(size_t)y * img->stride + x] = (uint8_t)(seed >> 16);
    }
  }
}

static int tight_equals(const gr_image *img, const uint8_t *ref) {
  for (int y = 0; y < img->height; y++) {
    if (memcmp(img->data + (size_t)y * img->stride, ref + (size_t)y * img->width * img->channels,
               (size_t)img->width * img->channels) != 0) {
      return 0;
    }
  }
  return 1;
}

static void test_constant(void) {
  static const int sizes[][4] = {{17, 13, 5, 4},  {17, 13, 40, 31}, {100, 80, 9, 7},
                                 {64, 48, 64, 48}, {30, 30, 90, 10}, {1, 1, 5, 3},
                                 {1, 20, 1, 6},   {20, 1, 7, 1},    {9, 9, 2, 2}};
  for (int k = 0; k < GR_KERNEL_NATIVE_COUNT; k++) {
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
      for (int ch = 1; ch <= 4; ch++) {
        gr_image src, dst;
        gr_error err;
        gr_image_alloc(&src, sizes[s][0], sizes[s][1], ch, &err);
        const uint8_t val[4] = {37, 201, 128, 255};
        for (int y = 0; y < src.height; y++) {
          for (int x = 0; x < src.width; x++) {
            memcpy(px(&src, x, y), val, (size_t)ch);
            if (ch == 2) px(&src, x, y)[1] = 255; /* opaque alpha */
          }
        }
        gr_status st = gr_cpu_resize(&src, sizes[s][2], sizes[s][3], (gr_kernel)k, &dst, &err);
        CHECK_MSG(st == GR_OK, "kernel %d: %s", k, err.message);
        if (st == GR_OK) {
          int maxd = 0;
          for (int y = 0; y < dst.height; y++) {
            for (int x = 0; x < dst.width; x++) {
              for (int c = 0; c < ch; c++) {
                int want = (ch == 2 && c == 1) ? 255 : val[c];
                int d = abs((int)px(&dst, x, y)[c] - want);
                if (d > maxd) maxd = d;
              }
            }
          }
          CHECK(dst.width == sizes[s][2] && dst.height == sizes[s][3] && dst.channels == ch);
          CHECK_MSG(maxd <= 1, "constant kernel %d %dx%d->%dx%d ch %d: diff %d", k,
                    sizes[s][0], sizes[s][1], sizes[s][2], sizes[s][3], ch, maxd);
          gr_image_free(&dst);
        }
        gr_image_free(&src);
      }
    }
  }
}

static void test_reference(void) {
  static const int sizes[][4] = {{37, 23, 11, 9}, {37, 23, 80, 50}, {37, 23, 37, 60},
                                 {37, 23, 12, 23}, {1, 1, 5, 3},    {1, 9, 4, 3},
                                 {9, 1, 3, 4},     {64, 3, 7, 3},   {200, 150, 23, 17}};
  for (int k = 0; k < GR_KERNEL_NATIVE_COUNT; k++) {
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
      for (int ch = 1; ch <= 4; ch++) {
        /* A view with an odd stride inside a larger image. */
        gr_image big, dst;
        gr_error err;
        gr_image_alloc(&big, sizes[s][0] + 3, sizes[s][1] + 2, ch, &err);
        fill_random(&big, (unsigned)(k * 100 + (int)s * 10 + ch));
        gr_image src = gr_image_view(&big, 1, 1, sizes[s][0], sizes[s][1]);
        int ow = sizes[s][2], oh = sizes[s][3];
        gr_status st = gr_cpu_resize(&src, ow, oh, (gr_kernel)k, &dst, &err);
        CHECK_MSG(st == GR_OK, "%s", err.message);
        if (st == GR_OK) {
          gr_filter h, v;
          gr_filter_init_ex(&h, src.width, ow, (gr_kernel)k, 0.0, oh > src.height, &err);
          gr_filter_init_ex(&v, src.height, oh, (gr_kernel)k, 0.0, ow > src.width, &err);
          uint8_t *ref = malloc((size_t)ow * oh * ch);
          gr_reference_resize(&src, &h, &v, ref);
          int diff = gr_test_max_diff(dst.data, ref, (size_t)ow * oh * ch);
          CHECK_MSG(diff <= 1, "reference kernel %d %dx%d->%dx%d ch %d: diff %d", k,
                    sizes[s][0], sizes[s][1], ow, oh, ch, diff);
          /* Identical math (modulo compiler contraction): usually bit-exact. */
          free(ref);
          gr_filter_free(&h);
          gr_filter_free(&v);
          gr_image_free(&dst);
        }
        gr_image_free(&big);
      }
    }
  }
}

static void test_threads_match(void) {
  /* Large enough to be split across threads; compared with the single-threaded reference. */
  gr_image src, dst;
  gr_error err;
  gr_image_alloc(&src, 640, 480, 3, &err);
  fill_random(&src, 7);
  CHECK(gr_cpu_resize(&src, 211, 157, GR_KERNEL_LANCZOS3, &dst, &err) == GR_OK);
  gr_filter h, v;
  gr_filter_init(&h, 640, 211, GR_KERNEL_LANCZOS3, &err);
  gr_filter_init(&v, 480, 157, GR_KERNEL_LANCZOS3, &err);
  uint8_t *ref = malloc((size_t)211 * 157 * 3);
  gr_reference_resize(&src, &h, &v, ref);
  CHECK(tight_equals(&dst, ref) || gr_test_max_diff(dst.data, ref, (size_t)211 * 157 * 3) <= 1);
  free(ref);
  gr_filter_free(&h);
  gr_filter_free(&v);
  gr_image_free(&dst);
  gr_image_free(&src);
}

static void test_alpha_no_bleed(void) {
  /* Left half opaque red, right half fully transparent green: no green may appear. */
  for (int k = 0; k < GR_KERNEL_NATIVE_COUNT; k++) {
    gr_image src, dst;
    gr_error err;
    gr_image_alloc(&src, 16, 8, 4, &err);
    for (int y = 0; y < 8; y++) {
      for (int x = 0; x < 16; x++) {
        uint8_t *p = px(&src, x, y);
        if (x < 8) {
          p[0] = 255, p[1] = 0, p[2] = 0, p[3] = 255;
        } else {
          p[0] = 0, p[1] = 255, p[2] = 0, p[3] = 0;
        }
      }
    }
    CHECK(gr_cpu_resize(&src, 7, 5, (gr_kernel)k, &dst, &err) == GR_OK);
    int ok = 1;
    for (int y = 0; y < 5; y++) {
      for (int x = 0; x < 7; x++) {
        uint8_t *p = px(&dst, x, y);
        if (p[3] > 0 && (p[1] != 0 || p[0] < 250)) ok = 0;
        if (p[3] == 0 && (p[0] | p[1] | p[2])) ok = 0;
      }
    }
    CHECK_MSG(ok, "kernel %d: transparent colour bled", k);
    gr_image_free(&dst);
    gr_image_free(&src);
  }
  /* Grey + alpha. */
  gr_image src, dst;
  gr_error err;
  gr_image_alloc(&src, 4, 1, 2, &err);
  const uint8_t row[8] = {200, 255, 200, 255, 10, 0, 10, 0};
  memcpy(src.data, row, 8);
  CHECK(gr_cpu_resize(&src, 2, 1, GR_KERNEL_LINEAR, &dst, &err) == GR_OK);
  CHECK(dst.data[0] == 200 && dst.data[1] > 128);
  CHECK(dst.data[3] < 128);
  if (dst.data[3] > 0) CHECK(dst.data[2] == 200 || dst.data[2] == 199);
  gr_image_free(&dst);
  gr_image_free(&src);
}

static void test_errors(void) {
  gr_image src, dst;
  gr_error err;
  gr_image_alloc(&src, 4, 4, 3, &err);
  memset(src.data, 0, 48);
  CHECK(gr_cpu_resize(&src, 0, 3, GR_KERNEL_LINEAR, &dst, &err) == GR_ERR_INVALID_ARGUMENT);
  gr_filter h, v;
  gr_filter_init(&h, 5, 3, GR_KERNEL_LINEAR, &err);
  gr_filter_init(&v, 4, 3, GR_KERNEL_LINEAR, &err);
  CHECK(gr_cpu_resize_with(&src, &h, &v, &dst, &err) == GR_ERR_INVALID_ARGUMENT);
  gr_filter_free(&h);
  gr_filter_free(&v);
  CHECK(gr_cpu_rotate(&src, 45, &dst, &err) == GR_ERR_INVALID_ARGUMENT);
  gr_image_free(&src);
}

static void make_seq(gr_image *img, int w, int h, int ch) {
  gr_error err;
  gr_image_alloc(img, w, h, ch, &err);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int c = 0; c < ch; c++) px(img, x, y)[c] = (uint8_t)(y * 40 + x * 4 + c);
}

static void test_transforms(void) {
  gr_image src, dst;
  gr_error err;
  make_seq(&src, 3, 2, 2);
  /* 90 clockwise: the bottom-left source pixel goes to the top-left. */
  CHECK(gr_cpu_rotate(&src, 90, &dst, &err) == GR_OK);
  CHECK(dst.width == 2 && dst.height == 3);
  for (int y = 0; y < 3; y++)
    for (int x = 0; x < 2; x++) CHECK(memcmp(px(&dst, x, y), px(&src, y, 1 - x), 2) == 0);
  gr_image_free(&dst);
  CHECK(gr_cpu_rotate(&src, 180, &dst, &err) == GR_OK);
  for (int y = 0; y < 2; y++)
    for (int x = 0; x < 3; x++) CHECK(memcmp(px(&dst, x, y), px(&src, 2 - x, 1 - y), 2) == 0);
  gr_image_free(&dst);
  CHECK(gr_cpu_rotate(&src, 270, &dst, &err) == GR_OK);
  CHECK(dst.width == 2 && dst.height == 3);
  for (int y = 0; y < 3; y++)
    for (int x = 0; x < 2; x++) CHECK(memcmp(px(&dst, x, y), px(&src, 2 - y, x), 2) == 0);
  gr_image_free(&dst);
  CHECK(gr_cpu_rotate(&src, 0, &dst, &err) == GR_OK);
  CHECK(memcmp(dst.data, src.data, 12) == 0);
  gr_image_free(&dst);

  gr_image copy;
  gr_cpu_convert_channels(&src, 2, &copy, &err);
  gr_cpu_flip(&copy);
  for (int y = 0; y < 2; y++)
    for (int x = 0; x < 3; x++) CHECK(memcmp(px(&copy, x, y), px(&src, x, 1 - y), 2) == 0);
  gr_cpu_flip(&copy);
  gr_cpu_flop(&copy);
  for (int y = 0; y < 2; y++)
    for (int x = 0; x < 3; x++) CHECK(memcmp(px(&copy, x, y), px(&src, 2 - x, y), 2) == 0);
  gr_image_free(&copy);
  gr_image_free(&src);

  /* Embed RGB onto a 5x4 canvas at (1, 2), adding alpha. */
  make_seq(&src, 3, 2, 3);
  const double bg[4] = {10, 20, 30, 128};
  CHECK(gr_cpu_embed(&src, 5, 4, 1, 2, bg, 4, &dst, &err) == GR_OK);
  for (int y = 0; y < 4; y++) {
    for (int x = 0; x < 5; x++) {
      const uint8_t *p = px(&dst, x, y);
      if (x >= 1 && x < 4 && y >= 2) {
        CHECK(memcmp(p, px(&src, x - 1, y - 2), 3) == 0 && p[3] == 255);
      } else {
        CHECK(p[0] == 10 && p[1] == 20 && p[2] == 30 && p[3] == 128);
      }
    }
  }
  gr_image_free(&dst);
  gr_image_free(&src);
  /* Grey canvas: background becomes luma. */
  make_seq(&src, 2, 2, 1);
  const double bg2[4] = {255, 0, 0, 255};
  CHECK(gr_cpu_embed(&src, 4, 3, 2, 1, bg2, 1, &dst, &err) == GR_OK);
  CHECK(px(&dst, 0, 0)[0] == 54); /* 0.2126 * 255 = 54.2 */
  CHECK(px(&dst, 2, 1)[0] == px(&src, 0, 0)[0] && px(&dst, 3, 2)[0] == px(&src, 1, 1)[0]);
  gr_image_free(&dst);
  /* Clipped placement (negative offset). */
  CHECK(gr_cpu_embed(&src, 2, 2, -1, -1, bg2, 2, &dst, &err) == GR_OK);
  CHECK(px(&dst, 0, 0)[0] == px(&src, 1, 1)[0] && px(&dst, 0, 0)[1] == 255);
  CHECK(px(&dst, 1, 1)[0] == 54 && px(&dst, 1, 1)[1] == 255);
  gr_image_free(&dst);
  gr_image_free(&src);

  /* Channel conversions. */
  make_seq(&src, 2, 1, 4);
  CHECK(gr_cpu_convert_channels(&src, 3, &dst, &err) == GR_OK);
  CHECK(memcmp(px(&dst, 1, 0), px(&src, 1, 0), 3) == 0);
  gr_image_free(&dst);
  CHECK(gr_cpu_convert_channels(&src, 2, &dst, &err) == GR_OK);
  CHECK(px(&dst, 0, 0)[1] == px(&src, 0, 0)[3]);
  gr_image_free(&dst);
  gr_image_free(&src);
  make_seq(&src, 2, 1, 1);
  CHECK(gr_cpu_convert_channels(&src, 4, &dst, &err) == GR_OK);
  CHECK(px(&dst, 1, 0)[0] == px(&src, 1, 0)[0] && px(&dst, 1, 0)[2] == px(&src, 1, 0)[0] &&
        px(&dst, 1, 0)[3] == 255);
  gr_image_free(&dst);
  gr_image_free(&src);
}

/* A reversed filter (gr_filter_reverse, how the GPU path folds a flip or flop into the resize)
 * gives the mirror image of the resize with the original one, byte for byte: down and up, every
 * kernel, 1-4 channels (alpha premultiplied), both axes. */
static void test_reversed_filters(void) {
  static const int sizes[][4] = {{301, 207, 97, 55}, {64, 48, 150, 101}, {257, 3, 31, 7}};
  for (int k = GR_KERNEL_NEAREST; k <= GR_KERNEL_LANCZOS3; k++) {
    for (int c = 1; c <= 4; c++) {
      for (int i = 0; i < 3; i++) {
        const int *sz = sizes[i];
        gr_image src, plain, mirrored;
        gr_error err;
        CHECK(gr_image_alloc(&src, sz[0], sz[1], c, &err) == GR_OK);
        fill_random(&src, (unsigned)(k * 100 + c * 10 + i));
        for (int axes = 1; axes <= 3; axes++) { /* 1 flop, 2 flip, 3 both */
          gr_filter h, v;
          CHECK(gr_filter_init(&h, sz[0], sz[2], (gr_kernel)k, &err) == GR_OK);
          CHECK(gr_filter_init(&v, sz[1], sz[3], (gr_kernel)k, &err) == GR_OK);
          CHECK(gr_cpu_resize_with(&src, &h, &v, &plain, &err) == GR_OK);
          if (axes & 1) gr_filter_reverse(&h);
          if (axes & 2) gr_filter_reverse(&v);
          CHECK(gr_cpu_resize_with(&src, &h, &v, &mirrored, &err) == GR_OK);
          if (axes & 1) gr_cpu_flop(&plain);
          if (axes & 2) gr_cpu_flip(&plain);
          int same = plain.width == mirrored.width && plain.height == mirrored.height;
          for (int y = 0; same && y < plain.height; y++) {
            same = memcmp(px(&plain, 0, y), px(&mirrored, 0, y), (size_t)plain.width * c) == 0;
          }
          CHECK_MSG(same, "kernel %d, %d channels, %dx%d -> %dx%d, axes %d: reversed filter is not the mirror",
                    k, c, sz[0], sz[1], sz[2], sz[3], axes);
          if (axes & 1) gr_filter_reverse(&h); /* twice: the original table again */
          gr_filter again;
          CHECK(gr_filter_init(&again, sz[0], sz[2], (gr_kernel)k, &err) == GR_OK);
          CHECK(memcmp(again.start, h.start, sizeof(int) * (size_t)h.out_size) == 0 &&
                memcmp(again.weights, h.weights, sizeof(float) * (size_t)h.out_size * h.taps) == 0);
          gr_filter_free(&again);
          gr_filter_free(&h);
          gr_filter_free(&v);
          gr_image_free(&plain);
          gr_image_free(&mirrored);
        }
        gr_image_free(&src);
      }
    }
  }
}

/* Sliced filters (gr_filter_slice, how the GPU path folds a crop into the resize), on their own
 * and after a reversal, give that crop of the full result byte for byte. */
static void test_sliced_filters(void) {
  gr_image src, full, part;
  gr_error err;
  for (int c = 1; c <= 4; c++) {
    CHECK(gr_image_alloc(&src, 403, 297, c, &err) == GR_OK);
    fill_random(&src, (unsigned)c);
    for (int rev = 0; rev < 2; rev++) {
      gr_filter h, v;
      CHECK(gr_filter_init(&h, 403, 120, GR_KERNEL_LANCZOS3, &err) == GR_OK);
      CHECK(gr_filter_init(&v, 297, 211, GR_KERNEL_LANCZOS3, &err) == GR_OK);
      if (rev) {
        gr_filter_reverse(&h);
        gr_filter_reverse(&v);
      }
      CHECK(gr_cpu_resize_with(&src, &h, &v, &full, &err) == GR_OK);
      gr_filter_slice(&h, 17, 64);
      gr_filter_slice(&v, 100, 111);
      CHECK(gr_cpu_resize_with(&src, &h, &v, &part, &err) == GR_OK);
      CHECK(part.width == 64 && part.height == 111);
      int same = 1;
      for (int y = 0; same && y < part.height; y++) {
        same = memcmp(px(&part, 0, y), px(&full, 17, 100 + y), (size_t)64 * c) == 0;
      }
      CHECK_MSG(same, "%d channels, reversed %d: the sliced resize is not the crop", c, rev);
      gr_filter_free(&h);
      gr_filter_free(&v);
      gr_image_free(&full);
      gr_image_free(&part);
    }
    gr_image_free(&src);
  }
}

int main(void) {
  test_reversed_filters();
  test_sliced_filters();
  test_constant();
  test_reference();
  test_threads_match();
  test_alpha_no_bleed();
  test_errors();
  test_transforms();
  return gr_test_finish("cpu_resize");
}
