#include "reference.h"

#include <stdint.h>
#include <stdlib.h>

static int clampi(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

static uint8_t u8(float v) {
  if (!(v > 0.0f)) return 0;
  if (v >= 255.0f) return 255;
  return (uint8_t)(v + 0.5f);
}

/* The spec, one element at a time (output tightly packed). */
void gr_reference_resize(const gr_image *src, const gr_filter *h, const gr_filter *v,
                             uint8_t *out) {
  const int ch = src->channels, alpha = ch == 2 || ch == 4;
  const int ow = h->out_size, oh = v->out_size, iw = src->width, ih = src->height;
  float *tmp = malloc(sizeof(float) * (size_t)iw * ch);
  for (int y = 0; y < oh; y++) {
    for (int x = 0; x < iw; x++) {
      for (int c = 0; c < ch; c++) {
        float acc = 0.0f;
        for (int k = 0; k < v->taps; k++) {
          const uint8_t *p = src->data + (size_t)clampi(v->start[y] + k, 0, ih - 1) * src->stride +
                             (size_t)x * ch;
          const float pv = (alpha && c < ch - 1) ? (float)((p[c] * p[ch - 1]) / 255) : (float)p[c];
          const float prod = v->weights[(size_t)y * v->taps + k] * pv;
          acc = acc + prod;
        }
        tmp[(size_t)x * ch + c] = acc;
      }
    }
    for (int x = 0; x < ow; x++) {
      float o[4] = {0.0f, 0.0f, 0.0f, 0.0f};
      for (int c = 0; c < ch; c++) {
        float acc = 0.0f;
        for (int k = 0; k < h->taps; k++) {
          const float prod = h->weights[(size_t)x * h->taps + k] *
                             tmp[(size_t)clampi(h->start[x] + k, 0, iw - 1) * ch + c];
          acc = acc + prod;
        }
        o[c] = acc;
      }
      uint8_t *q = out + ((size_t)y * ow + x) * ch;
      if (!alpha) {
        for (int c = 0; c < ch; c++) q[c] = u8(o[c]);
      } else {
        const int a = u8(o[ch - 1]);
        for (int c = 0; c < ch - 1; c++) {
          const int val = a > 0 ? u8(o[c]) * 255 / a : 0;
          q[c] = (uint8_t)(val > 255 ? 255 : val);
        }
        q[ch - 1] = (uint8_t)a;
      }
    }
  }
  free(tmp);
}
