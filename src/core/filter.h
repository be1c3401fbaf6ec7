/* Resampling coefficients: the one function that computes them, for the CPU and GPU paths alike.
 *
 * A filter maps in_size samples to out_size samples along one axis, with libvips' meaning (what
 * sharp's resize does): downsizing by more than the reducing gap (2.0) first box-averages by an
 * integer factor, then reduces the rest with the kernel; that box step is folded into the same
 * table, so one table does the whole axis. Upsizing interpolates like vips_affine does for the
 * kernel (nearest, bilinear, or bicubic Catmull-Rom for cubic/mitchell/lanczos), centre sampled.
 */
#ifndef GR_FILTER_H
#define GR_FILTER_H

#include "gpu_resize.h"

typedef struct gr_filter {
  int in_size;
  int out_size;
  int taps;        /* coefficients per output sample (same for every output) */
  int *start;      /* out_size entries: input index of the first tap. May be < 0, and
                      start + taps may pass in_size: samplers clamp the index to
                      [0, in_size - 1] (edge replication, as libvips' extend=copy). */
  float *weights;  /* out_size * taps, row-major; each row sums to 1 */
} gr_filter;

/* Reducing gap as in vips_resize (libvips default 2.0); 0 disables the box pre-shrink. */
#define GR_REDUCING_GAP 2.0

/* The axis' table for in_size -> out_size, libvips semantics, scale = out/in as sharp computes
 * it (1 / (in / out)). Weights sum to 1 (in float, summed in tap order), starts never decrease
 * (gr_filter_reverse makes them never increase; the samplers take either),
 * taps <= int_shrink * (2 * rint(support * residual_shrink) + 1) downsizing, 2 (bilinear) or 4
 * (bicubic) upsizing, 1 for nearest. Bad sizes or kernel: GR_ERR_INVALID_ARGUMENT. */
gr_status gr_filter_init(gr_filter *filter, int in_size, int out_size, gr_kernel kernel,
                         gr_error *err);

/* The same with the two things vips_resize knows and in/out alone do not say:
 *  - scale: the scale libvips applies on this axis (0: 1 / (in / out)). With fit cover/contain/
 *    inside/outside sharp uses one shrink for both axes, so pass 1 / that shrink here to get its
 *    exact sample positions (out is then round(in * scale)).
 *  - other_axis_upsizes: nonzero when the other axis is enlarged. vips_resize then runs one
 *    vips_affine over both axes, which also interpolates this axis at p = x - 0.5 (after this
 *    axis' reduce, if any): a half-pixel shift that sharp really has (measured on 8.18.7).
 * gr_cpu_resize uses this; the GPU path should call it the same way. */
gr_status gr_filter_init_ex(gr_filter *filter, int in_size, int out_size, gr_kernel kernel,
                            double scale, int other_axis_upsizes, gr_error *err);
void gr_filter_free(gr_filter *filter);
/* Reverses the order of the outputs (row i becomes row out_size - 1 - i): a resize with it writes
 * the mirror image of the one with the original, each sample computed the same way. Its starts
 * then never increase. */
void gr_filter_reverse(gr_filter *filter);
/* Keeps outputs [first, first + count) (0 <= first, count >= 1, first + count <= out_size): a
 * resize with it writes that crop of the one with the whole table, each sample the same. */
void gr_filter_slice(gr_filter *filter, int first, int count);

/* The kernel's support (half-width, in input samples at scale 1): 0.5 nearest, 1 linear,
 * 2 cubic/mitchell/lanczos2, 3 lanczos3. */
double gr_kernel_support(gr_kernel kernel);
/* The kernel evaluated at x (in units of the kernel's own scale). */
double gr_kernel_eval(gr_kernel kernel, double x);

#endif
