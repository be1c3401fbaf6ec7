/* The CPU pixel operations: separable resize and the geometric transforms. */
#ifndef GR_CPU_H
#define GR_CPU_H

#include "core/common.h"
#include "core/filter.h"

/* Resizes src to out_width x out_height with the kernel (libvips semantics, see filter.c).
 * dst is allocated here. The exact arithmetic (the CUDA kernel must do the same; GPU and CPU
 * must agree within 1 per channel):
 *  - alpha images (2 or 4 channels, alpha last): P_c = (float)((v_c * a) / 255) (integer
 *    division: sharp's premultiply().cast(uchar) truncates), P_alpha = a. Else P = (float)v.
 *  - vertical pass: tmp[y][x][c] = sum over k = 0..taps-1, in increasing k, of
 *    wv[y * taps + k] * P[clamp(sv[y] + k, 0, in_h - 1)][x][c], one float accumulator from 0.0f.
 *  - horizontal pass: o = sum over k, increasing, of wh[x * taps + k] *
 *    tmp[y][clamp(sh[x] + k, 0, in_w - 1)][c], float.
 *  - u8(v) = v <= 0 (or NaN) ? 0 : v >= 255 ? 255 : (uint8_t)(v + 0.5f).
 *    No alpha: out_c = u8(o_c). Alpha: A = u8(o_a); out_c = A > 0 ? min(255, u8(o_c) * 255 / A)
 *    (integer division) : 0; out_a = A (libvips rounds the premultiplied result to 8 bits, then
 *    sharp's unpremultiply().cast(uchar) truncates).
 *  - an axis whose filter is the identity (in == out, taps 1, weight 1) skips its pass (same
 *    result bit for bit). Output rows are split across threads (gr_parallel_for); each output
 *    row is computed vertical-then-horizontal from a per-thread float row.
 *  - compilers may fuse multiply-adds (CUDA does by default): differences are far below 1/255.
 * Both filters come from gr_filter_init_ex with other_axis_upsizes set when the other axis
 * enlarges (see filter.h). */
gr_status gr_cpu_resize(const gr_image *src, int out_width, int out_height, gr_kernel kernel,
                        gr_image *dst, gr_error *err);

/* The same, with the two filters given (built by gr_filter_init for each axis). */
gr_status gr_cpu_resize_with(const gr_image *src, const gr_filter *horizontal,
                             const gr_filter *vertical, gr_image *dst, gr_error *err);

/* Clockwise rotation by 90, 180 or 270 degrees into a new image. */
gr_status gr_cpu_rotate(const gr_image *src, int angle, gr_image *dst, gr_error *err);
/* In-place mirror: flip is up-down (about the x axis), flop is left-right. */
void gr_cpu_flip(gr_image *img);
void gr_cpu_flop(gr_image *img);
/* Places src at (left, top) on a width x height canvas filled with background (RGBA 0-255).
 * dst has dst_channels channels (src's, or src's + alpha when the background is translucent). */
gr_status gr_cpu_embed(const gr_image *src, int width, int height, int left, int top,
                       const double background[4], int dst_channels, gr_image *dst,
                       gr_error *err);
/* Copies src into a new tightly packed image with `channels` channels (adds an opaque alpha,
 * or drops alpha). */
gr_status gr_cpu_convert_channels(const gr_image *src, int channels, gr_image *dst,
                                  gr_error *err);

#endif
