/* Geometric transforms and channel conversions on 8-bit interleaved images. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"

static inline uint8_t round_u8(double v) {
  if (!(v > 0.0)) return 0;
  if (v >= 255.0) return 255;
  return (uint8_t)(v + 0.5);
}

/* Rec. 709 luma, as sharp uses for a grey background. */
static inline uint8_t luma(double r, double g, double b) {
  return round_u8(0.2126 * r + 0.7152 * g + 0.0722 * b);
}

/* Converts one pixel from sc to dc channels: grey <-> RGB, alpha added (opaque) or dropped. */
static inline void convert_px(const uint8_t *s, int sc, uint8_t *d, int dc) {
  if (sc == dc) {
    memcpy(d, s, (size_t)sc);
    return;
  }
  int s_alpha = sc == 2 || sc == 4;
  int d_alpha = dc == 2 || dc == 4;
  uint8_t a = s_alpha ? s[sc - 1] : 255;
  if (sc <= 2) { /* grey source */
    if (dc <= 2) {
      d[0] = s[0];
    } else {
      d[0] = d[1] = d[2] = s[0];
    }
  } else { /* colour source */
    if (dc <= 2) {
      d[0] = luma(s[0], s[1], s[2]);
    } else {
      d[0] = s[0];
      d[1] = s[1];
      d[2] = s[2];
    }
  }
  if (d_alpha) d[dc - 1] = a;
}

static int valid_image(const gr_image *img) {
  return img && img->data && img->width > 0 && img->height > 0 && img->channels >= 1 &&
         img->channels <= 4 && img->stride >= (size_t)img->width * (size_t)img->channels;
}

gr_status gr_cpu_rotate(const gr_image *src, int angle, gr_image *dst, gr_error *err) {
  if (!valid_image(src) || !dst) {
    return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "Invalid image to rotate");
  }
  angle %= 360;
  if (angle < 0) angle += 360;
  if (angle % 90 != 0) {
    return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "Unsupported rotation angle %d", angle);
  }
  const int w = src->width, h = src->height, ch = src->channels;
  const int dw = (angle == 90 || angle == 270) ? h : w;
  const int dh = (angle == 90 || angle == 270) ? w : h;
  gr_status st = gr_image_alloc(dst, dw, dh, ch, err);
  if (st != GR_OK) return st;
  for (int y = 0; y < dh; y++) {
    uint8_t *q = dst->data + (size_t)y * dst->stride;
    if (angle == 0 || angle == 180) {
      const int sy = angle == 0 ? y : h - 1 - y;
      const uint8_t *p = src->data + (size_t)sy * src->stride;
      if (angle == 0) {
        memcpy(q, p, (size_t)w * ch);
      } else {
        for (int x = 0; x < dw; x++) memcpy(q + (size_t)x * ch, p + (size_t)(w - 1 - x) * ch, ch);
      }
    } else if (angle == 90) {
      /* Clockwise: dst(x, y) = src(y, h - 1 - x). */
      for (int x = 0; x < dw; x++) {
        memcpy(q + (size_t)x * ch, src->data + (size_t)(h - 1 - x) * src->stride + (size_t)y * ch,
               ch);
      }
    } else {
      /* 270 clockwise: dst(x, y) = src(w - 1 - y, x). */
      for (int x = 0; x < dw; x++) {
        memcpy(q + (size_t)x * ch, src->data + (size_t)x * src->stride + (size_t)(w - 1 - y) * ch,
               ch);
      }
    }
  }
  return GR_OK;
}

void gr_cpu_flip(gr_image *img) {
  if (!valid_image(img)) return;
  const size_t row = (size_t)img->width * img->channels;
  uint8_t *tmp = malloc(row);
  if (!tmp) {
    /* Byte-wise swap without a buffer. */
    for (int y = 0; y < img->height / 2; y++) {
      uint8_t *a = img->data + (size_t)y * img->stride;
      uint8_t *b = img->data + (size_t)(img->height - 1 - y) * img->stride;
      for (size_t i = 0; i < row; i++) {
        uint8_t t = a[i];
        a[i] = b[i];
        b[i] = t;
      }
    }
    return;
  }
  for (int y = 0; y < img->height / 2; y++) {
    uint8_t *a = img->data + (size_t)y * img->stride;
    uint8_t *b = img->data + (size_t)(img->height - 1 - y) * img->stride;
    memcpy(tmp, a, row);
    memcpy(a, b, row);
    memcpy(b, tmp, row);
  }
  free(tmp);
}

void gr_cpu_flop(gr_image *img) {
  if (!valid_image(img)) return;
  const int ch = img->channels;
  for (int y = 0; y < img->height; y++) {
    uint8_t *p = img->data + (size_t)y * img->stride;
    for (int x = 0; x < img->width / 2; x++) {
      uint8_t *a = p + (size_t)x * ch;
      uint8_t *b = p + (size_t)(img->width - 1 - x) * ch;
      for (int z = 0; z < ch; z++) {
        uint8_t t = a[z];
        a[z] = b[z];
        b[z] = t;
      }
    }
  }
}

gr_status gr_cpu_embed(const gr_image *src, int width, int height, int left, int top,
                       const double background[4], int dst_channels, gr_image *dst,
                       gr_error *err) {
  if (!valid_image(src) || !dst || !background) {
    return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "Invalid image to embed");
  }
  if (dst_channels < 1 || dst_channels > 4) {
    return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "Invalid embed channel count %d", dst_channels);
  }
  gr_status st = gr_image_alloc(dst, width, height, dst_channels, err);
  if (st != GR_OK) return st;
  /* The background pixel in the output's channels. */
  uint8_t bg[4];
  int d_alpha = dst_channels == 2 || dst_channels == 4;
  if (dst_channels <= 2) {
    bg[0] = luma(background[0], background[1], background[2]);
  } else {
    bg[0] = round_u8(background[0]);
    bg[1] = round_u8(background[1]);
    bg[2] = round_u8(background[2]);
  }
  if (d_alpha) bg[dst_channels - 1] = round_u8(background[3]);
  const int dc = dst_channels, sc = src->channels;
  /* The part of src that lands on the canvas. */
  int x0 = left < 0 ? 0 : left;
  int y0 = top < 0 ? 0 : top;
  int x1 = left + src->width < width ? left + src->width : width;
  int y1 = top + src->height < height ? top + src->height : height;
  for (int y = 0; y < height; y++) {
    uint8_t *q = dst->data + (size_t)y * dst->stride;
    int inside = y >= y0 && y < y1 && x0 < x1;
    int fill_to = inside ? x0 : width;
    for (int x = 0; x < fill_to; x++) memcpy(q + (size_t)x * dc, bg, (size_t)dc);
    if (!inside) continue;
    const uint8_t *p = src->data + (size_t)(y - top) * src->stride;
    for (int x = x0; x < x1; x++) convert_px(p + (size_t)(x - left) * sc, sc, q + (size_t)x * dc, dc);
    for (int x = x1; x < width; x++) memcpy(q + (size_t)x * dc, bg, (size_t)dc);
  }
  return GR_OK;
}

gr_status gr_cpu_convert_channels(const gr_image *src, int channels, gr_image *dst,
                                  gr_error *err) {
  if (!valid_image(src) || !dst) {
    return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "Invalid image to convert");
  }
  if (channels < 1 || channels > 4) {
    return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "Invalid channel count %d", channels);
  }
  gr_status st = gr_image_alloc(dst, src->width, src->height, channels, err);
  if (st != GR_OK) return st;
  const int sc = src->channels;
  for (int y = 0; y < src->height; y++) {
    const uint8_t *p = src->data + (size_t)y * src->stride;
    uint8_t *q = dst->data + (size_t)y * dst->stride;
    if (sc == channels) {
      memcpy(q, p, (size_t)src->width * sc);
      continue;
    }
    for (int x = 0; x < src->width; x++) {
      convert_px(p + (size_t)x * sc, sc, q + (size_t)x * channels, channels);
    }
  }
  return GR_OK;
}
