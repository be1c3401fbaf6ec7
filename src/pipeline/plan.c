/* Geometry of a request, ported from sharp 0.35's pipeline.cc and common.cc so that output
 * sizes, crops and offsets are sharp's to the pixel. */
#include "pipeline/plan.h"

#include <limits.h>
#include <math.h>
#include <string.h>

/* vips_resize enlarges with vips_affine, which refuses output coordinates past INT_MAX /
 * VIPS_TRANSFORM_SCALE (64): 33554431, with sharp's message "affine: output coordinates out of
 * range" (sharp 0.35.5: a 1x16777215 image resized to width 2 works, 1x16777216 fails). */
#define GR_AFFINE_MAX_COORD (INT_MAX / 64)

void gr_resolve_shrink(int width, int height, int target_width, int target_height, gr_fit fit,
                       int without_enlargement, int without_reduction, double *hshrink_out,
                       double *vshrink_out) {
  double hshrink = 1.0, vshrink = 1.0;
  if (target_width > 0 && target_height > 0) {
    hshrink = (double)width / target_width;
    vshrink = (double)height / target_height;
    switch (fit) {
      case GR_FIT_COVER:
      case GR_FIT_OUTSIDE:
        if (hshrink < vshrink) vshrink = hshrink; else hshrink = vshrink;
        break;
      case GR_FIT_CONTAIN:
      case GR_FIT_INSIDE:
        if (hshrink > vshrink) vshrink = hshrink; else hshrink = vshrink;
        break;
      case GR_FIT_FILL:
        break;
    }
  } else if (target_width > 0) {
    hshrink = (double)width / target_width;
    if (fit != GR_FIT_FILL) vshrink = hshrink;
  } else if (target_height > 0) {
    vshrink = (double)height / target_height;
    if (fit != GR_FIT_FILL) hshrink = vshrink;
  }
  if (without_reduction) {
    hshrink = fmin(1.0, hshrink);
    vshrink = fmin(1.0, vshrink);
  } else if (without_enlargement) {
    hshrink = fmax(1.0, hshrink);
    vshrink = fmax(1.0, vshrink);
  }
  /* Never shrink an axis to 0. */
  *hshrink_out = fmin(hshrink, (double)width);
  *vshrink_out = fmin(vshrink, (double)height);
}

void gr_calculate_crop(int in_w, int in_h, int out_w, int out_h, int position, int *left,
                       int *top) {
  int l = 0, t = 0;
  switch (position) {
    case 1: l = (in_w - out_w + 1) / 2; break;                              /* north */
    case 2: l = in_w - out_w; t = (in_h - out_h + 1) / 2; break;            /* east */
    case 3: l = (in_w - out_w + 1) / 2; t = in_h - out_h; break;            /* south */
    case 4: t = (in_h - out_h + 1) / 2; break;                              /* west */
    case 5: l = in_w - out_w; break;                                        /* northeast */
    case 6: l = in_w - out_w; t = in_h - out_h; break;                      /* southeast */
    case 7: t = in_h - out_h; break;                                        /* southwest */
    case 8: break;                                                          /* northwest */
    default: l = (in_w - out_w + 1) / 2; t = (in_h - out_h + 1) / 2; break; /* centre */
  }
  *left = l;
  *top = t;
}

void gr_calculate_embed(int in_w, int in_h, int out_w, int out_h, int position, int *left,
                        int *top) {
  int l = 0, t = 0;
  switch (position) {
    case 1: l = (out_w - in_w) / 2; break;
    case 2: l = out_w - in_w; t = (out_h - in_h) / 2; break;
    case 3: l = (out_w - in_w) / 2; t = out_h - in_h; break;
    case 4: t = (out_h - in_h) / 2; break;
    case 5: l = out_w - in_w; break;
    case 6: l = out_w - in_w; t = out_h - in_h; break;
    case 7: t = out_h - in_h; break;
    case 8: break;
    default: l = (out_w - in_w) / 2; t = (out_h - in_h) / 2; break;
  }
  *left = l;
  *top = t;
}

int gr_resize_target(int size, double shrink) {
  /* vips_resize: VIPS_ROUND_UINT(size * scale) with scale = 1 / shrink; at least 1. Sizes past
   * INT_MAX are clamped (the plan refuses them, see GR_AFFINE_MAX_COORD). */
  double scale = 1.0 / shrink;
  double target = floor((double)size * scale + 0.5);
  if (target >= (double)INT_MAX) return INT_MAX;
  return target < 1 ? 1 : (int)target;
}

void gr_exif_rotation_and_flop(int orientation, int *rotate, int *flop) {
  *rotate = 0;
  *flop = 0;
  switch (orientation) {
    case 6: *rotate = 90; break;
    case 3: *rotate = 180; break;
    case 8: *rotate = 270; break;
    case 2: *flop = 1; break;
    case 7: *flop = 1; *rotate = 270; break;
    case 4: *flop = 1; *rotate = 180; break;
    case 5: *flop = 1; *rotate = 90; break;
    default: break;
  }
}

int gr_normalise_angle(int angle) {
  angle %= 360;
  if (angle < 0) angle += 360;
  return (angle == 90 || angle == 180 || angle == 270) ? angle : 0;
}

static int swaps_axes(int rotate) { return rotate == 90 || rotate == 270; }

static gr_status check_extract(const gr_rect *r, int width, int height, gr_error *err) {
  if (r->left < 0 || r->top < 0 || r->width <= 0 || r->height <= 0 ||
      r->left + r->width > width || r->top + r->height > height) {
    return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "extract_area: bad extract area");
  }
  return GR_OK;
}

typedef struct plan_state {
  int auto_rotate, auto_flop, rotation, flip, flop;
} plan_state;

static void plan_state_compute(const gr_request *req, int exif_orientation, plan_state *s,
                               int *orient_before, int *rotate_before) {
  memset(s, 0, sizeof *s);
  if (req->auto_orient) gr_exif_rotation_and_flop(exif_orientation, &s->auto_rotate, &s->auto_flop);
  s->rotation = gr_normalise_angle(req->rotate_angle);
  s->flip = req->flip;
  s->flop = req->flop;
  *rotate_before = req->rotate_before && (s->rotation || s->flip || s->flop);
  *orient_before = (*rotate_before || req->orient_before) && (s->auto_rotate || s->auto_flop);
}

gr_status gr_plan_prepare(const gr_request *req, gr_format input_format, int input_width,
                          int input_height, int exif_orientation, gr_plan *plan, gr_error *err) {
  memset(plan, 0, sizeof *plan);
  plan->input_format = input_format;
  plan->output_format = req->output_format == GR_FORMAT_UNKNOWN ? input_format : req->output_format;
  plan->jpeg_shrink = 1;
  plan->webp_scale = 1.0;

  plan_state s;
  int orient_before, rotate_before;
  plan_state_compute(req, exif_orientation, &s, &orient_before, &rotate_before);
  int w = input_width, h = input_height;
  if (orient_before) {
    plan->orient_before.rotate = s.auto_rotate;
    plan->orient_before.flop = s.auto_flop;
    if (swaps_axes(s.auto_rotate)) { int t = w; w = h; h = t; }
    s.auto_rotate = 0;
    s.auto_flop = 0;
  }
  if (rotate_before) {
    plan->user_before.flip = s.flip;
    plan->user_before.flop = s.flop;
    plan->user_before.rotate = s.rotation;
    if (swaps_axes(s.rotation)) { int t = w; w = h; h = t; }
    s.flip = s.flop = s.rotation = 0;
  }
  if (req->extract_before.width > 0) {
    gr_status st = check_extract(&req->extract_before, w, h, err);
    if (st != GR_OK) return st;
    plan->pre_extract = req->extract_before;
    w = req->extract_before.width;
    h = req->extract_before.height;
  }
  plan->post_orient_rotate = s.auto_rotate;
  plan->post_flip = s.flip;
  plan->post_flop = s.flop != s.auto_flop;
  plan->post_rotate = s.rotation;

  int tw = req->resize_width, th = req->resize_height;
  if (swaps_axes(s.auto_rotate)) { int t = tw; tw = th; th = t; }

  double hshrink, vshrink;
  gr_resolve_shrink(w, h, tw, th, req->fit, req->without_enlargement, req->without_reduction,
                    &hshrink, &vshrink);
  int pre_shrink = (tw > 0 || th > 0) && req->extract_before.width <= 0 && !orient_before &&
                   !rotate_before;
  if (pre_shrink && input_format == GR_FORMAT_JPEG) {
    double shrink = fmin(hshrink, vshrink);
    int factor = req->fast_shrink_on_load ? 1 : 2;
    int js = 1;
    if (shrink >= 8 * factor) js = 8;
    else if (shrink >= 4 * factor) js = 4;
    else if (shrink >= 2 * factor) js = 2;
    /* sharp: lower shrink-on-load for known libjpeg rounding errors */
    if (js > 1 && (int)shrink == js) js /= 2;
    plan->jpeg_shrink = js;
  } else if (pre_shrink && input_format == GR_FORMAT_WEBP && req->fast_shrink_on_load) {
    double shrink = fmin(hshrink, vshrink);
    if (shrink > 1.0) plan->webp_scale = 1.0 / shrink; /* sharp: avoid upscaling via webp */
  }
  return GR_OK;
}

/* The native path holds whole frames, where libvips streams: an output (or embed canvas) with
 * more pixels than limitInputPixels lets in (sharp's default when the limit is off) goes to
 * libvips. A thin input enlarged to a huge other side (1x167772 to width 200: 200x33554400)
 * would otherwise allocate gigabytes. */
static gr_status check_frame_budget(const gr_request *req, const gr_plan *plan, gr_error *err) {
  uint64_t budget = req->limit_input_pixels ? req->limit_input_pixels : GR_DEFAULT_PIXEL_LIMIT;
  int w = plan->embed ? plan->canvas_width : plan->resize_width;
  int h = plan->embed ? plan->canvas_height : plan->resize_height;
  uint64_t resized = (uint64_t)plan->resize_width * (uint64_t)plan->resize_height;
  uint64_t frame = (uint64_t)w * (uint64_t)h;
  if (resized > budget || frame > budget) {
    return gr_fail(err, GR_ERR_UNSUPPORTED,
                   "an output of %dx%d is over the pixel limit of the native path: runs on libvips",
                   w, h);
  }
  return GR_OK;
}

gr_status gr_plan_finish(const gr_request *req, int decoded_width, int decoded_height,
                         int channels, gr_plan *plan, gr_error *err) {
  int w = decoded_width, h = decoded_height;
  if (swaps_axes(plan->orient_before.rotate)) { int t = w; w = h; h = t; }
  if (swaps_axes(plan->user_before.rotate)) { int t = w; w = h; h = t; }
  if (plan->pre_extract.width > 0) {
    w = plan->pre_extract.width;
    h = plan->pre_extract.height;
  }
  int tw = req->resize_width, th = req->resize_height;
  if (swaps_axes(plan->post_orient_rotate)) { int t = tw; tw = th; th = t; }
  double hshrink, vshrink;
  gr_resolve_shrink(w, h, tw, th, req->fit, req->without_enlargement, req->without_reduction,
                    &hshrink, &vshrink);
  plan->resize = hshrink != 1.0 || vshrink != 1.0;
  plan->hshrink = hshrink;
  plan->vshrink = vshrink;
  plan->resize_width = plan->resize ? gr_resize_target(w, hshrink) : w;
  plan->resize_height = plan->resize ? gr_resize_target(h, vshrink) : h;
  if ((hshrink < 1.0 || vshrink < 1.0) &&
      (plan->resize_width > GR_AFFINE_MAX_COORD || plan->resize_height > GR_AFFINE_MAX_COORD)) {
    return gr_fail(err, GR_ERR_LIMIT, "affine: output coordinates out of range");
  }
  w = plan->resize_width;
  h = plan->resize_height;
  if (swaps_axes(plan->post_orient_rotate)) { int t = w; w = h; h = t; }
  if (swaps_axes(plan->post_rotate)) { int t = w; w = h; h = t; }

  int width = req->resize_width > 0 ? req->resize_width : w;
  int height = req->resize_height > 0 ? req->resize_height : h;
  if (w != width || h != height) {
    if (req->fit == GR_FIT_CONTAIN) {
      plan->embed = 1;
      gr_calculate_embed(w, h, width, height, req->position, &plan->embed_left, &plan->embed_top);
      plan->canvas_width = w > width ? w : width;
      plan->canvas_height = h > height ? h : height;
      int has_alpha = channels == 2 || channels == 4;
      plan->embed_add_alpha = req->background[3] < 255.0 && !has_alpha;
      w = plan->canvas_width;
      h = plan->canvas_height;
    } else if (req->fit == GR_FIT_COVER) {
      if (width > w) width = w;
      if (height > h) height = h;
      if (req->position >= 9) {
        return gr_fail(err, GR_ERR_UNSUPPORTED, "entropy and attention crops run on libvips");
      }
      plan->crop = 1;
      gr_calculate_crop(w, h, width, height, req->position, &plan->crop_rect.left,
                        &plan->crop_rect.top);
      plan->crop_rect.width = width;
      plan->crop_rect.height = height;
      w = width;
      h = height;
    }
  }
  gr_status st = check_frame_budget(req, plan, err);
  if (st != GR_OK) return st;
  if (req->extract_after.width > 0) {
    st = check_extract(&req->extract_after, w, h, err);
    if (st != GR_OK) return st;
    plan->post_extract = req->extract_after;
  }
  return GR_OK;
}
