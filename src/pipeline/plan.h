/* The plan of a request for the native backends: every geometric step decided from the header,
 * before any pixel moves (sharp's pipeline.cc order, ported). */
#ifndef GR_PLAN_H
#define GR_PLAN_H

#include "core/common.h"

typedef struct gr_orient_ops {
  int rotate;  /* 0, 90, 180, 270 clockwise */
  int flip;    /* up-down, applied after rotate... see gr_plan_apply order */
  int flop;    /* left-right */
} gr_orient_ops;

typedef struct gr_plan {
  gr_format input_format;
  gr_format output_format;   /* resolved: never UNKNOWN */
  int jpeg_shrink;           /* shrink-on-load for the decoder: 1, 2, 4, 8 */
  double webp_scale;         /* WebP shrink-on-load scale (1: none) */

  /* Before resize, on the decoded image: EXIF orientation (rotate then flop), then the user's
   * flip, flop, rotate (rotate_before / orient_before, as sharp). */
  gr_orient_ops orient_before;
  gr_orient_ops user_before;
  gr_rect pre_extract;       /* width 0: none */

  /* Resize from the decoded (and pre-extracted) size to resize_width x resize_height. */
  int resize;                /* 0: sizes equal, nothing to do */
  int resize_width, resize_height;
  double hshrink, vshrink;   /* sharp's shrink factors: the filters use scale 1 / shrink */

  /* After resize: EXIF rotate, user flip, EXIF flop xor user flop, user rotate. */
  int post_orient_rotate;
  int post_flip;
  int post_flop;             /* the resulting left-right mirror (EXIF flop xor user flop) */
  int post_rotate;

  /* Then crop or embed (canvas), then the post extract. */
  int crop;                  /* 1: extract crop_rect */
  gr_rect crop_rect;
  int embed;                 /* 1: place on a canvas_width x canvas_height canvas at (left, top) */
  int embed_left, embed_top, canvas_width, canvas_height;
  int embed_add_alpha;       /* background translucent and no alpha: canvas gains alpha */
  gr_rect post_extract;
} gr_plan;

/* Decides everything that depends only on the header (the input's stored size and EXIF
 * orientation): orientation steps, shrink-on-load. Call before decoding. */
gr_status gr_plan_prepare(const gr_request *req, gr_format input_format, int input_width,
                          int input_height, int exif_orientation, gr_plan *plan, gr_error *err);

/* Completes the plan once the decoder gives its actual (possibly shrunk) size. */
gr_status gr_plan_finish(const gr_request *req, int decoded_width, int decoded_height,
                         int channels, gr_plan *plan, gr_error *err);

/* sharp's ResolveShrink, CalculateCrop and CalculateEmbedPosition. */
void gr_resolve_shrink(int width, int height, int target_width, int target_height, gr_fit fit,
                       int without_enlargement, int without_reduction, double *hshrink,
                       double *vshrink);
void gr_calculate_crop(int in_w, int in_h, int out_w, int out_h, int position, int *left,
                       int *top);
void gr_calculate_embed(int in_w, int in_h, int out_w, int out_h, int position, int *left,
                        int *top);
/* sharp's CalculateExifRotationAndFlop (degrees clockwise) and CalculateAngleRotation (any
 * multiple of 90 to 0, 90, 180 or 270; other angles give 0). */
void gr_exif_rotation_and_flop(int orientation, int *rotate, int *flop);
int gr_normalise_angle(int angle);
/* The size vips_resize produces for a scale of 1/shrink. */
int gr_resize_target(int size, double shrink);

#endif
