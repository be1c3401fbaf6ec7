/* The native pipeline: libjpeg-turbo/libpng/libwebp decode with shrink-on-load, the resize on the
 * GPU or CPU, geometric steps on the CPU, native encode. Follows the plan built in plan.c. */
#include "pipeline/pipeline.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/codecs.h"
#include "cpu/cpu.h"
#include "gpu/gpu.h"
#include "pipeline/plan.h"
#include "vips/vips_backend.h"

void gr_read_input_header(const gr_request *req, gr_input_header *header) {
  memset(header, 0, sizeof *header);
  gr_metadata *meta = &header->meta;
  if (req->raw_width > 0) {
    meta->format = GR_FORMAT_RAW;
    meta->width = req->raw_width;
    meta->height = req->raw_height;
    meta->channels = req->raw_channels;
    meta->has_alpha = req->raw_channels == 2 || req->raw_channels == 4;
    return;
  }
  header->status = gr_codec_read_header(req->input, req->input_length, meta, &header->err);
}

/* Replaces *img by out (freeing the old pixels when owned). */
static void take(gr_image *img, gr_image *owned, gr_image *out) {
  gr_image_free(owned);
  *owned = *out;
  *img = *out;
}

static gr_status apply_rotate(gr_image *img, gr_image *owned, int angle, gr_error *err) {
  if (!angle) return GR_OK;
  gr_image out;
  gr_status st = gr_cpu_rotate(img, angle, &out, err);
  if (st == GR_OK) take(img, owned, &out);
  return st;
}

/* flip/flop work in place: make sure we own the pixels first (raw input is borrowed). */
static gr_status ensure_owned(gr_image *img, gr_image *owned, gr_error *err) {
  if (owned->data && img->data == owned->data && img->stride == owned->stride &&
      img->width == owned->width && img->height == owned->height) {
    return GR_OK;
  }
  gr_image out;
  gr_status st = gr_cpu_convert_channels(img, img->channels, &out, err);
  if (st == GR_OK) take(img, owned, &out);
  return st;
}

static gr_status apply_mirror(gr_image *img, gr_image *owned, int flip, int flop, gr_error *err) {
  if (!flip && !flop) return GR_OK;
  gr_status st = ensure_owned(img, owned, err);
  if (st != GR_OK) return st;
  if (flip) gr_cpu_flip(img);
  if (flop) gr_cpu_flop(img);
  return GR_OK;
}

static int has_alpha(int channels) { return channels == 2 || channels == 4; }

/* libvips' jpegsave flattens alpha onto black (background 0) before saving. */
static gr_status flatten_onto_black(gr_image *img, gr_image *owned, gr_error *err) {
  int colour = img->channels - 1;
  gr_image out;
  gr_status st = gr_image_alloc(&out, img->width, img->height, colour, err);
  if (st != GR_OK) return st;
  for (int y = 0; y < img->height; y++) {
    const uint8_t *s = img->data + (size_t)y * img->stride;
    uint8_t *d = out.data + (size_t)y * out.stride;
    for (int x = 0; x < img->width; x++, s += img->channels, d += colour) {
      int a = s[colour];
      for (int c = 0; c < colour; c++) d[c] = (uint8_t)((s[c] * a + 127) / 255);
    }
  }
  take(img, owned, &out);
  return GR_OK;
}

static gr_status copy_raw(const gr_image *img, gr_image *owned, gr_result *res, gr_error *err) {
  size_t row = (size_t)img->width * (size_t)img->channels;
  if (img->data == owned->data && img->stride == row && owned->data) {
    /* The pipeline's own tightly packed pixels: hand them over instead of copying. */
    res->data = owned->data;
    res->length = row * (size_t)img->height;
    memset(owned, 0, sizeof *owned);
    return GR_OK;
  }
  size_t bytes = row * (size_t)img->height;
  res->data = malloc(bytes ? bytes : 1);
  if (!res->data) return gr_fail(err, GR_ERR_NO_MEMORY, "Out of memory for %zu bytes", bytes);
  for (int y = 0; y < img->height; y++) {
    memcpy(res->data + row * (size_t)y, img->data + img->stride * (size_t)y, row);
  }
  res->length = bytes;
  return GR_OK;
}

/* The size the decoder will produce: shrink-on-load floors for JPEG (libvips' jpegload) and
 * rounds for WebP (libwebp's rescaler), see codecs.h. */
void gr_native_decoded_size(const gr_metadata *meta, const gr_plan *plan, int *width,
                            int *height) {
  *width = meta->width;
  *height = meta->height;
  if (meta->format == GR_FORMAT_JPEG && plan->jpeg_shrink > 1) {
    if (meta->width / plan->jpeg_shrink >= 1) *width = meta->width / plan->jpeg_shrink;
    if (meta->height / plan->jpeg_shrink >= 1) *height = meta->height / plan->jpeg_shrink;
  } else if (meta->format == GR_FORMAT_WEBP && plan->webp_scale < 1.0) {
    *width = (int)lrint(meta->width * plan->webp_scale);
    *height = (int)lrint(meta->height * plan->webp_scale);
    if (*width < 1) *width = 1;
    if (*height < 1) *height = 1;
  }
}

static int native_output(gr_format f) {
  return f == GR_FORMAT_JPEG || f == GR_FORMAT_PNG || f == GR_FORMAT_WEBP || f == GR_FORMAT_RAW;
}

/* 1 when the JPEG's header (the segments before the first scan) sets a restart interval: the
 * hardware decoder refuses those, and a refused image costs its batch a retry. */
static int jpeg_has_restart_interval(const uint8_t *p, size_t n) {
  size_t i = 2; /* after SOI */
  while (i + 4 <= n && p[i] == 0xFF) {
    uint8_t marker = p[i + 1];
    size_t len = ((size_t)p[i + 2] << 8) | p[i + 3];
    if (marker == 0xDA) return 0; /* start of scan: no DRI before it */
    if (marker == 0xDD && len >= 4 && i + 6 <= n) return (p[i + 4] | p[i + 5]) != 0;
    i += 2 + len;
  }
  return 0;
}

/* The GPU decodes a JPEG itself when its hardware decoder can (baseline, 8-bit, 3 components,
 * no 4:1:1, no restart interval) and the stream is complete (ends with EOI: a truncated stream
 * goes to libjpeg, which reports it as sharp does). Greyscale stays on libjpeg: nvJPEG's
 * RGB output of a one-component image is not libjpeg's grey. */
static int gpu_decodable_jpeg(const gr_request *req, const gr_metadata *meta) {
  if (meta->format != GR_FORMAT_JPEG || meta->is_progressive || meta->is_cmyk ||
      meta->bits_per_sample != 8 || meta->channels != 3)
    return 0;
  int css = meta->chroma_subsampling;
  if (css != 444 && css != 422 && css != 420 && css != 440) return 0;
  size_t n = req->input_length;
  if (n < 4 || req->input[n - 2] != 0xFF || req->input[n - 1] != 0xD9) return 0;
  return !jpeg_has_restart_interval(req->input, n);
}

static int has_pre_resize_steps(const gr_plan *plan) {
  return plan->orient_before.rotate || plan->orient_before.flop || plan->user_before.rotate ||
         plan->user_before.flip || plan->user_before.flop || plan->pre_extract.width > 0;
}

/* The filters of the plan's resize of a width x height image. The plan may have been made for
 * an image xshrink and yshrink times smaller (the CPU's shrink-on-load, when the GPU decodes at
 * full size; else 1): the same output size, the same sample positions on the full-size image. */
static gr_status plan_filters(const gr_request *req, const gr_plan *plan, int width, int height,
                              int xshrink, int yshrink, gr_filter *h, gr_filter *v,
                              gr_error *err) {
  /* vips_resize enlarges both axes in one affine when either enlarges: each filter needs to
   * know about the other axis. */
  int h_up = plan->hshrink < 1.0, v_up = plan->vshrink < 1.0;
  gr_status st = gr_filter_init_ex(h, width, plan->resize_width, req->kernel,
                                   1.0 / (plan->hshrink * xshrink), v_up, err);
  if (st == GR_OK) {
    st = gr_filter_init_ex(v, height, plan->resize_height, req->kernel,
                           1.0 / (plan->vshrink * yshrink), h_up, err);
  }
  return st;
}

/* The JPEG output of GPU-decoded requests is encoded on the GPU too, unless
 * GPU_RESIZE_GPU_ENCODE=0. On the H100 it took tasks 2 and 6 from 460 and 270 to 970 and 1390
 * ops/s, and a lone task 1 request from 10 to 6 ms (bench/results/h100-16core-encode). It was
 * opt-in while fresh encoders now and then lost their first quality settings (jpeg_encode.c,
 * encoder_create). */
static int gpu_encode_enabled(void) {
  const char *env = getenv("GPU_RESIZE_GPU_ENCODE");
  return !env || strcmp(env, "0") != 0;
}

/* The part of the resized image (out_w x out_h) that becomes the output when nothing but a
 * crop and an extract follow the resize: the GPU can then encode it where it lies. 0 when other
 * steps follow or the output is not JPEG. */
static int final_region(const gr_plan *plan, int out_w, int out_h, gr_rect *region) {
  if (plan->output_format != GR_FORMAT_JPEG || plan->post_orient_rotate || plan->post_flip ||
      plan->post_flop || plan->post_rotate || plan->embed)
    return 0;
  gr_rect r = plan->crop ? plan->crop_rect : (gr_rect){0, 0, out_w, out_h};
  if (plan->post_extract.width > 0) {
    r.left += plan->post_extract.left;
    r.top += plan->post_extract.top;
    r.width = plan->post_extract.width;
    r.height = plan->post_extract.height;
  }
  *region = r;
  return 1;
}

/* The GPU's own requests take the mirrors after the resize (flip, flop, and 180-degree turns,
 * which are both) into the filters: a reversed table writes the mirror image, every pixel
 * computed as before (gr_filter_reverse), so no pass over the result is left for the host and
 * a JPEG output can still be encoded on the GPU. Only when no 90-degree turn follows; clears
 * the plan's post-resize mirrors and turns when it folds them. */
static void fold_post_mirrors(gr_plan *plan, gr_filter *h, gr_filter *v) {
  const int r1 = plan->post_orient_rotate, r2 = plan->post_rotate;
  if ((r1 != 0 && r1 != 180) || (r2 != 0 && r2 != 180)) return;
  const int turn = (r1 == 180) ^ (r2 == 180);
  if (plan->post_flip ^ turn) gr_filter_reverse(v);
  if (plan->post_flop ^ turn) gr_filter_reverse(h);
  plan->post_orient_rotate = plan->post_rotate = 0;
  plan->post_flip = plan->post_flop = 0;
}

/* Then the crop (fit cover, or a canvas smaller than the image) and, with no canvas between
 * them, the extract after the resize: the GPU computes only the part that is kept, from sliced
 * tables (gr_filter_slice). Only once no mirror or turn is left to follow the resize. */
static void fold_post_crop(gr_plan *plan, gr_filter *h, gr_filter *v) {
  if (plan->post_orient_rotate || plan->post_rotate || plan->post_flip || plan->post_flop) return;
  if (plan->crop) {
    gr_filter_slice(h, plan->crop_rect.left, plan->crop_rect.width);
    gr_filter_slice(v, plan->crop_rect.top, plan->crop_rect.height);
    plan->crop = 0;
  }
  if (!plan->embed && plan->post_extract.width > 0) {
    gr_filter_slice(h, plan->post_extract.left, plan->post_extract.width);
    gr_filter_slice(v, plan->post_extract.top, plan->post_extract.height);
    memset(&plan->post_extract, 0, sizeof plan->post_extract);
  }
}

/* Both, in that order. */
static void fold_post_steps(gr_plan *plan, gr_filter *h, gr_filter *v) {
  fold_post_mirrors(plan, h, v);
  fold_post_crop(plan, h, v);
}

int gr_native_gpu_jpeg_input(const gr_request *req, const gr_metadata *meta) {
  if (meta->is_cmyk || meta->pages > 1 || (meta->has_profile && !meta->profile_is_srgb)) return 0;
  if (req->limit_input_pixels > 0 &&
      (uint64_t)meta->width * (uint64_t)meta->height > req->limit_input_pixels)
    return 0;
  return gpu_decodable_jpeg(req, meta);
}

gr_status gr_native_gpu_jpeg_plan(const gr_request *req, const gr_metadata *meta, gr_plan *plan,
                                  int fold_post, gr_filter *h, gr_filter *v,
                                  gr_gpu_jpeg_output *enc, int *encode, gr_error *err) {
  memset(h, 0, sizeof *h);
  memset(v, 0, sizeof *v);
  *encode = 0;
  /* Planned for the size the CPU's shrink-on-load decodes, so that the output has the size a
   * CPU request (and sharp) gives: 2725x2225 to width 200 is 200x164 from the 1/8 decode, where
   * the full size alone would give 200x163. */
  gr_plan full = *plan;
  int w, hgt;
  gr_native_decoded_size(meta, plan, &w, &hgt);
  int xshrink = w == meta->width ? 1 : plan->jpeg_shrink;
  int yshrink = hgt == meta->height ? 1 : plan->jpeg_shrink;
  gr_status st = gr_plan_finish(req, w, hgt, 3, &full, err);
  if (st != GR_OK || !full.resize || has_pre_resize_steps(&full)) {
    return gr_fail(err, GR_ERR_UNSUPPORTED, "not a plain JPEG resize");
  }
  if (plan_filters(req, &full, meta->width, meta->height, xshrink, yshrink, h, v, err) != GR_OK) {
    gr_filter_free(h);
    gr_filter_free(v);
    return err->code = GR_ERR_UNSUPPORTED; /* the usual path reports it */
  }
  if (fold_post) fold_post_steps(&full, h, v);
  *encode = gpu_encode_enabled() && final_region(&full, h->out_size, v->out_size, &enc->region);
  if (*encode) gr_gpu_jpeg_options_from(&req->jpeg, 3, &enc->options);
  *plan = full;
  return GR_OK;
}

/* Decode and resize in one GPU step (no shrink-on-load: the hardware decodes at full size),
 * and the JPEG encode too where the resized image needs nothing else (enc->data then holds the
 * output). GR_ERR_UNSUPPORTED leaves *plan untouched for the usual path. */
static gr_status gpu_jpeg_decode_resize(const gr_request *req, const gr_metadata *meta,
                                        gr_jpeg_resize_fn jpeg_resize, gr_plan *plan,
                                        gr_gpu_jpeg_output *enc, gr_image *out, gr_error *err) {
  gr_plan full = *plan;
  gr_filter h, v;
  int encode;
  gr_status st = gr_native_gpu_jpeg_plan(req, meta, &full, jpeg_resize == gr_gpu_jpeg_resize,
                                         &h, &v, enc, &encode, err);
  if (st != GR_OK) return st;
  st = jpeg_resize(req->input, req->input_length, meta->width, meta->height, &h, &v,
                   encode ? enc : NULL, out, err);
  gr_filter_free(&h);
  gr_filter_free(&v);
  if (st == GR_OK) *plan = full;
  return st;
}

gr_status gr_native_run(const gr_request *req, const gr_input_header *header,
                        gr_resize_fn resize, int require_resize, gr_result *res, gr_error *err) {
  return gr_native_run_ex(req, header, NULL, resize, NULL, require_resize, res, err);
}

gr_status gr_native_run_decoded(const gr_request *req, const gr_input_header *header,
                                const gr_image *decoded, gr_resize_fn resize, int require_resize,
                                gr_result *res, gr_error *err) {
  return gr_native_run_ex(req, header, decoded, resize, NULL, require_resize, res, err);
}

gr_status gr_native_run_ex(const gr_request *req, const gr_input_header *header,
                           const gr_image *decoded, gr_resize_fn resize,
                           gr_jpeg_resize_fn jpeg_resize, int require_resize, gr_result *res,
                           gr_error *err) {
  if (header->status != GR_OK) {
    *err = header->err;
    return header->status;
  }
  const gr_metadata meta = header->meta;
  gr_status st;
  if (meta.is_cmyk || meta.pages > 1) {
    return gr_fail(err, GR_ERR_UNSUPPORTED, "%s input runs on libvips",
                   meta.is_cmyk ? "CMYK" : "multi-page");
  }
  if (req->kernel >= GR_KERNEL_NATIVE_COUNT) {
    return gr_fail(err, GR_ERR_UNSUPPORTED, "the %s kernel runs on libvips",
                   req->kernel == GR_KERNEL_MKS2013 ? "mks2013" : "mks2021");
  }
  /* sharp converts an embedded profile to sRGB (lcms) right after loading: so does the native
   * path, through libvips, after its decode (so not with the GPU's full-size JPEG decode). */
  const int to_srgb = meta.has_profile && !meta.profile_is_srgb;
  if (to_srgb && (decoded || !gr_vips_available(NULL, 0, NULL, 0))) {
    return gr_fail(err, GR_ERR_UNSUPPORTED, "input with a non-sRGB ICC profile runs on libvips");
  }
  if (req->limit_input_pixels > 0 &&
      (uint64_t)meta.width * (uint64_t)meta.height > req->limit_input_pixels) {
    return gr_fail(err, GR_ERR_LIMIT, "Input image exceeds pixel limit");
  }
  gr_plan plan;
  st = gr_plan_prepare(req, meta.format, meta.width, meta.height, meta.orientation, &plan, err);
  if (st != GR_OK) return st;
  if (!native_output(plan.output_format)) {
    return gr_fail(err, GR_ERR_UNSUPPORTED, "%s output runs on libvips",
                   gr_format_name(plan.output_format));
  }
  /* The plan for the size the decoder will give, before any pixel memory: what it refuses for
   * the sizes alone (past sharp's enlargement range, an output over the native path's pixel
   * budget, attention crops) is refused now, as libvips does before it reads pixels, and a
   * request whose shrink-on-load already gives the size can be declined undecoded. */
  gr_plan probe = plan;
  int probe_ok = 0;
  if (!decoded) {
    int w, h;
    gr_native_decoded_size(&meta, &plan, &w, &h);
    st = gr_plan_finish(req, w, h, meta.channels, &probe, err);
    if (st == GR_ERR_LIMIT || st == GR_ERR_UNSUPPORTED) return st;
    probe_ok = st == GR_OK;
  }

  gr_image img, owned = {0};
  int resized_alpha = 0, on_gpu = 0;
  char decode_note[GR_MESSAGE_MAX] = "";
  /* The GPU decodes at full size, so it resizes even where shrink-on-load alone would do. */
  if (jpeg_resize && !decoded && gr_native_gpu_jpeg_input(req, &meta)) {
    gr_gpu_jpeg_output enc;
    memset(&enc, 0, sizeof enc);
    st = gpu_jpeg_decode_resize(req, &meta, jpeg_resize, &plan, &enc, &owned, err);
    if (st == GR_OK && enc.data) {
      res->data = enc.data;
      res->length = enc.length;
      res->width = enc.region.width;
      res->height = enc.region.height;
      res->channels = 3;
      res->format = GR_FORMAT_JPEG;
      res->gpu_decoded = 1;
      res->gpu_encoded = 1;
      return GR_OK;
    }
    if (st == GR_OK) {
      img = owned;
      on_gpu = 1;
      if (enc.note[0]) {
        snprintf(decode_note, sizeof decode_note, "JPEG encoded on the CPU: %.200s", enc.note);
      }
    } else if (st != GR_ERR_UNSUPPORTED) {
      return st;
    } else {
      snprintf(decode_note, sizeof decode_note, "JPEG decoded on the CPU: %.200s", err->message);
    }
  }
  if (require_resize && !decoded && !on_gpu && probe_ok && !probe.resize) {
    return gr_fail(err, GR_ERR_UNSUPPORTED, "no resize step");
  }
  st = GR_OK;
  if (!on_gpu) {
    if (decoded) {
      img = *decoded; /* borrowed, like raw input: copied before anything works in place */
    } else if (meta.format == GR_FORMAT_RAW) {
      size_t need = (size_t)req->raw_width * req->raw_height * req->raw_channels;
      if (req->raw_channels < 1 || req->raw_channels > 4 || req->input_length < need) {
        return gr_fail(err, GR_ERR_INVALID_ARGUMENT,
                       "Raw input of %dx%dx%d needs %zu bytes but %zu were given", req->raw_width,
                       req->raw_height, req->raw_channels, need, req->input_length);
      }
      img.data = (uint8_t *)req->input;
      img.width = req->raw_width;
      img.height = req->raw_height;
      img.channels = req->raw_channels;
      img.stride = (size_t)req->raw_width * req->raw_channels;
    } else {
      gr_decode_options dopts = {plan.jpeg_shrink, req->fail_on, req->limit_input_pixels,
                                 plan.webp_scale};
      st = gr_decode(req->input, req->input_length, &dopts, &owned, err);
      if (st != GR_OK) return st;
      img = owned;
      if (to_srgb) {
        gr_image srgb;
        st = gr_vips_to_srgb(req->input, req->input_length, &img, &srgb, err);
        if (st != GR_OK) {
          gr_image_free(&owned);
          return st;
        }
        take(&img, &owned, &srgb);
      }
    }

    st = gr_plan_finish(req, img.width, img.height, img.channels, &plan, err);
    if (st == GR_OK && require_resize && !plan.resize) {
      st = gr_fail(err, GR_ERR_UNSUPPORTED, "no resize step");
    }
    /* Before resize: orientation, user mirror and rotation, pre-extract. */
    if (st == GR_OK) st = apply_rotate(&img, &owned, plan.orient_before.rotate, err);
    if (st == GR_OK) st = apply_mirror(&img, &owned, 0, plan.orient_before.flop, err);
    if (st == GR_OK) st = apply_mirror(&img, &owned, plan.user_before.flip, plan.user_before.flop, err);
    if (st == GR_OK) st = apply_rotate(&img, &owned, plan.user_before.rotate, err);
    if (st == GR_OK && plan.pre_extract.width > 0) {
      img = gr_image_view(&img, plan.pre_extract.left, plan.pre_extract.top,
                          plan.pre_extract.width, plan.pre_extract.height);
    }
    resized_alpha = has_alpha(img.channels);
    if (st == GR_OK && plan.resize) {
      gr_filter h = {0}, v = {0};
      st = plan_filters(req, &plan, img.width, img.height, 1, 1, &h, &v, err);
      if (st == GR_OK && resize == gr_gpu_resize) fold_post_steps(&plan, &h, &v);
      gr_image out;
      if (st == GR_OK) st = resize(&img, &h, &v, &out, err);
      if (st == GR_OK) take(&img, &owned, &out);
      gr_filter_free(&h);
      gr_filter_free(&v);
    }
  }
  /* After resize: EXIF rotation, mirrors, user rotation. */
  if (st == GR_OK) st = apply_rotate(&img, &owned, plan.post_orient_rotate, err);
  if (st == GR_OK) st = apply_mirror(&img, &owned, plan.post_flip, plan.post_flop, err);
  if (st == GR_OK) st = apply_rotate(&img, &owned, plan.post_rotate, err);
  if (st == GR_OK && plan.crop) {
    img = gr_image_view(&img, plan.crop_rect.left, plan.crop_rect.top, plan.crop_rect.width,
                        plan.crop_rect.height);
  }
  if (st == GR_OK && plan.embed) {
    gr_image out;
    int channels = img.channels + (plan.embed_add_alpha ? 1 : 0);
    st = gr_cpu_embed(&img, plan.canvas_width, plan.canvas_height, plan.embed_left,
                      plan.embed_top, req->background, channels, &out, err);
    if (st == GR_OK) take(&img, &owned, &out);
  }
  if (st == GR_OK && plan.post_extract.width > 0) {
    img = gr_image_view(&img, plan.post_extract.left, plan.post_extract.top,
                        plan.post_extract.width, plan.post_extract.height);
  }
  /* sharp always ends in sRGB: grey becomes RGB, grey+alpha RGBA. */
  if (st == GR_OK && img.channels <= 2) {
    gr_image out;
    st = gr_cpu_convert_channels(&img, img.channels + 2, &out, err);
    if (st == GR_OK) take(&img, &owned, &out);
  }
  if (st == GR_OK && plan.output_format == GR_FORMAT_JPEG && has_alpha(img.channels)) {
    st = flatten_onto_black(&img, &owned, err);
  }
  if (st == GR_OK) {
    if (plan.output_format == GR_FORMAT_RAW) {
      st = copy_raw(&img, &owned, res, err);
    } else {
      st = gr_encode(&img, plan.output_format, req, &res->data, &res->length, err);
    }
  }
  if (st == GR_OK) {
    res->width = img.width;
    res->height = img.height;
    res->channels = img.channels;
    if (plan.output_format == GR_FORMAT_JPEG && res->channels > 3) res->channels = 3;
    res->format = plan.output_format;
    /* sharp reports premultiplied when an image with alpha went through the resize. */
    res->premultiplied = plan.resize && resized_alpha;
    res->gpu_decoded = on_gpu;
    snprintf(res->fallback_reason, sizeof res->fallback_reason, "%s", decode_note);
  }
  gr_image_free(&owned);
  return st;
}
