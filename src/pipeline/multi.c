/* Many outputs from one input (gr_process_many): one decode, outputs largest first, each resized
 * from the nearest larger output where quality allows. Every output still goes through the
 * router (gr_process_routed) so that backends, fallback and counters are gr_process's; only the
 * native attempts are replaced by a runner that reuses the decode and the resized images.
 *
 * Shrink-on-load: the input is decoded once with the least shrink any output asks for. An output
 * whose own request would decode smaller (JPEG DCT scaling by 2/4/8, WebP's rescaler) gets that
 * smaller image by area-averaging the shared decode to exactly the size its decoder would give,
 * so that its geometry and size are a separate request's to the pixel and its pixels stay close
 * (an area average is what DCT scaling and libwebp's rescaler approximate). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/codecs.h"
#include "pipeline/pipeline.h"
#include "pipeline/plan.h"

/* Chaining rule ("where quality allows"): an output is resized from an earlier output's resized
 * image only when that image is at least this many times larger in both axes (one pixel of
 * rounding slack), was a reduction of the same source image in both axes (so never across a
 * shrink-on-load step, which a separate request would have taken), used the same kernel, not
 * nearest, and has no alpha (an 8-bit unpremultiplied intermediate loses the colour under low
 * alpha: 23-30 dB raw on the alpha PNG, though 43-52 dB as seen). The first pass then only touches frequencies above twice the smaller output's
 * Nyquist limit, so the second pass sees almost what the source has below it. Measured against
 * separate calls: test/c/test_many.c. */
#define GR_CHAIN_MIN_RATIO 2

/* A resized image kept for the smaller outputs. */
typedef struct kept_image {
  gr_image img;
  gr_kernel kernel;
  int source_width, source_height; /* what it was resized from */
} kept_image;

/* The decode as a smaller shrink-on-load would have given it. */
typedef struct shrunk_image {
  gr_image img;
  int jpeg_shrink; /* JPEG: that shrink; 0 for WebP */
} shrunk_image;

typedef struct many_run {
  const gr_image *decoded; /* the shared decode; NULL: raw input, or each output decodes */
  int decoded_shrink;      /* its JPEG shrink-on-load */
  shrunk_image *shrunk;    /* the shared decode area-averaged to other decoders' sizes */
  int shrunk_count, shrunk_capacity;
  kept_image *kept;
  int kept_count, kept_capacity;
  /* the output being produced */
  gr_kernel kernel;
  gr_resize_fn resize;
  gr_output_trace *trace;
} many_run;

/* The resize function pointer has no context argument: the run in progress on this thread. */
static _Thread_local many_run *current_run;

/* The fields a gr_output_spec shares with gr_request, once for both directions of the copy. */
#define GR_COPY_OUTPUT_FIELDS(dst, src)                                   \
  do {                                                                    \
    (dst)->resize_width = (src)->resize_width;                            \
    (dst)->resize_height = (src)->resize_height;                          \
    (dst)->fit = (src)->fit;                                              \
    (dst)->position = (src)->position;                                    \
    memcpy((dst)->background, (src)->background, sizeof (dst)->background); \
    (dst)->kernel = (src)->kernel;                                        \
    (dst)->without_enlargement = (src)->without_enlargement;              \
    (dst)->without_reduction = (src)->without_reduction;                  \
    (dst)->output_format = (src)->output_format;                          \
    (dst)->jpeg = (src)->jpeg;                                            \
    (dst)->png = (src)->png;                                              \
    (dst)->webp = (src)->webp;                                            \
  } while (0)

void gr_output_spec_from_request(const gr_request *req, gr_output_spec *spec) {
  memset(spec, 0, sizeof *spec);
  GR_COPY_OUTPUT_FIELDS(spec, req);
}

static void apply_spec(const gr_request *base, const gr_output_spec *spec, gr_request *req) {
  *req = *base;
  GR_COPY_OUTPUT_FIELDS(req, spec);
}

static const kept_image *pick_source(const many_run *run, const gr_image *src, int out_w,
                                     int out_h) {
  if (run->kernel == GR_KERNEL_NEAREST || src->channels == 2 || src->channels == 4) return NULL;
  const kept_image *best = NULL;
  for (int i = 0; i < run->kept_count; i++) {
    const kept_image *k = &run->kept[i];
    if (k->kernel != run->kernel || k->source_width != src->width ||
        k->source_height != src->height || k->img.channels != src->channels) {
      continue;
    }
    if (k->img.width > src->width || k->img.height > src->height) continue; /* an enlargement */
    /* One pixel of slack: sizes are rounded (800x653 is twice 400x327) */
    if (k->img.width + 1 < GR_CHAIN_MIN_RATIO * out_w ||
        k->img.height + 1 < GR_CHAIN_MIN_RATIO * out_h) {
      continue;
    }
    if (!best || (uint64_t)k->img.width * (uint64_t)k->img.height <
                     (uint64_t)best->img.width * (uint64_t)best->img.height) {
      best = k;
    }
  }
  return best;
}

/* Keeps a copy of a resized image (the pipeline frees its own). Failing to keep one only means
 * the smaller outputs resize from a larger image. */
static void keep(many_run *run, const gr_image *src, const gr_image *img) {
  if (run->kept_count == run->kept_capacity) {
    int capacity = run->kept_capacity ? run->kept_capacity * 2 : 4;
    kept_image *grown = realloc(run->kept, (size_t)capacity * sizeof *grown);
    if (!grown) return;
    run->kept = grown;
    run->kept_capacity = capacity;
  }
  kept_image *k = &run->kept[run->kept_count];
  gr_error ignored;
  if (gr_image_alloc(&k->img, img->width, img->height, img->channels, &ignored) != GR_OK) return;
  size_t row = (size_t)img->width * (size_t)img->channels;
  for (int y = 0; y < img->height; y++) {
    memcpy(k->img.data + k->img.stride * (size_t)y, img->data + img->stride * (size_t)y, row);
  }
  k->kernel = run->kernel;
  k->source_width = src->width;
  k->source_height = src->height;
  run->kept_count++;
}

/* The resize step of every native attempt: from a kept larger output when the rule allows,
 * else from the pipeline's image, with the attempt's own resize (GPU or CPU). */
static gr_status chained_resize(const gr_image *src, const gr_filter *horizontal,
                                const gr_filter *vertical, gr_image *dst, gr_error *err) {
  many_run *run = current_run;
  const kept_image *from = pick_source(run, src, horizontal->out_size, vertical->out_size);
  const gr_image *source = src;
  gr_status st;
  if (from) {
    gr_filter h = {0}, v = {0};
    st = gr_filter_init_ex(&h, from->img.width, horizontal->out_size, run->kernel, 0, 0, err);
    if (st == GR_OK) {
      st = gr_filter_init_ex(&v, from->img.height, vertical->out_size, run->kernel, 0, 0, err);
    }
    if (st == GR_OK) st = run->resize(&from->img, &h, &v, dst, err);
    gr_filter_free(&h);
    gr_filter_free(&v);
    source = &from->img;
  } else {
    st = run->resize(src, horizontal, vertical, dst, err);
  }
  if (st != GR_OK) return st;
  if (run->trace) {
    run->trace->source_width = source->width;
    run->trace->source_height = source->height;
    run->trace->chained = from != NULL;
  }
  keep(run, src, dst);
  return GR_OK;
}

/* Area-average table: output sample x averages the input interval [x * ratio, (x + 1) * ratio),
 * weighted by overlap. */
static gr_status area_filter(gr_filter *f, int in_size, int out_size, double ratio,
                             gr_error *err) {
  memset(f, 0, sizeof *f);
  f->in_size = in_size;
  f->out_size = out_size;
  f->taps = (int)ceil(ratio) + 1;
  f->start = malloc((size_t)out_size * sizeof *f->start);
  f->weights = calloc((size_t)out_size * (size_t)f->taps, sizeof *f->weights);
  if (!f->start || !f->weights) {
    gr_filter_free(f);
    return gr_fail(err, GR_ERR_NO_MEMORY, "Out of memory for an area filter");
  }
  for (int x = 0; x < out_size; x++) {
    double lo = x * ratio, hi = fmin(lo + ratio, (double)in_size);
    int first = (int)floor(lo);
    float *w = f->weights + (size_t)x * (size_t)f->taps;
    double sum = 0;
    for (int t = 0; t < f->taps; t++) {
      double overlap = fmin(hi, first + t + 1.0) - fmax(lo, (double)(first + t));
      if (overlap > 0) {
        w[t] = (float)overlap;
        sum += overlap;
      }
    }
    for (int t = 0; t < f->taps; t++) w[t] = (float)(w[t] / sum);
    f->start[x] = first;
  }
  return GR_OK;
}

/* The image req's own decoder would produce: the shared decode itself, or an area average of it
 * to the smaller size of req's shrink-on-load (made once per size, with the attempt's resize). */
static gr_status request_source(many_run *run, const gr_request *req,
                                const gr_input_header *header, const gr_image **source,
                                gr_error *err) {
  const gr_metadata *meta = &header->meta;
  const gr_image *decoded = run->decoded;
  *source = decoded;
  gr_plan plan;
  gr_error ignored;
  if (gr_plan_prepare(req, meta->format, meta->width, meta->height, meta->orientation, &plan,
                      &ignored) != GR_OK) {
    return GR_OK; /* the run reports the same error */
  }
  int w, h;
  gr_native_decoded_size(meta, &plan, &w, &h);
  if ((w == decoded->width && h == decoded->height) || w > decoded->width ||
      h > decoded->height) {
    return GR_OK;
  }
  /* Room first: `from` below may point into the array. */
  if (run->shrunk_count == run->shrunk_capacity) {
    int capacity = run->shrunk_capacity ? run->shrunk_capacity * 2 : 4;
    shrunk_image *grown = realloc(run->shrunk, (size_t)capacity * sizeof *grown);
    if (!grown) return gr_fail(err, GR_ERR_NO_MEMORY, "Out of memory");
    run->shrunk = grown;
    run->shrunk_capacity = capacity;
  }
  /* JPEG: from the smallest image made so far whose shrink divides this one (box of box is a
   * box), so that 1/8 comes from 1/4, not from the full size; WebP: from the decode. */
  int jpeg = meta->format == GR_FORMAT_JPEG;
  const gr_image *from = decoded;
  int from_shrink = run->decoded_shrink;
  for (int i = 0; i < run->shrunk_count; i++) {
    const shrunk_image *k = &run->shrunk[i];
    if (k->img.width == w && k->img.height == h) {
      *source = &k->img;
      return GR_OK;
    }
    if (jpeg && k->jpeg_shrink > from_shrink && plan.jpeg_shrink % k->jpeg_shrink == 0) {
      from = &k->img;
      from_shrink = k->jpeg_shrink;
    }
  }
  /* JPEG: decoder pixel x covers [x * shrink, (x + 1) * shrink) of the full-size image. */
  double rx = jpeg ? (double)plan.jpeg_shrink / from_shrink : (double)from->width / w;
  double ry = jpeg ? (double)plan.jpeg_shrink / from_shrink : (double)from->height / h;
  gr_filter fh, fv = {0};
  gr_status st = area_filter(&fh, from->width, w, rx, err);
  if (st == GR_OK) st = area_filter(&fv, from->height, h, ry, err);
  shrunk_image *out = &run->shrunk[run->shrunk_count];
  if (st == GR_OK) st = run->resize(from, &fh, &fv, &out->img, err);
  gr_filter_free(&fh);
  gr_filter_free(&fv);
  if (st != GR_OK) return st;
  out->jpeg_shrink = jpeg ? plan.jpeg_shrink : 0;
  *source = &out->img;
  run->shrunk_count++;
  return GR_OK;
}

static gr_status many_runner(void *ctx, const gr_request *req, const gr_input_header *header,
                             gr_resize_fn resize, int require_resize, gr_result *res,
                             gr_error *err) {
  many_run *run = ctx;
  run->kernel = req->kernel;
  run->resize = resize;
  const gr_image *source = run->decoded;
  if (source) {
    gr_status st = request_source(run, req, header, &source, err);
    if (st != GR_OK) return st;
  }
  if (run->trace && source) {
    run->trace->decoded_width = run->decoded->width;
    run->trace->decoded_height = run->decoded->height;
  }
  many_run *saved = current_run;
  current_run = run;
  gr_status st = gr_native_run_decoded(req, header, source, chained_resize, require_resize, res,
                                       err);
  current_run = saved;
  return st;
}

static int native_format(gr_format f) {
  return f == GR_FORMAT_JPEG || f == GR_FORMAT_PNG || f == GR_FORMAT_WEBP;
}

/* Decodes the input once for every output the native path can take, with the least
 * shrink-on-load any of them asks for. *decoded stays empty when none can use it; an input
 * error (corrupt data, the pixel limit) is returned for all outputs. */
static gr_status shared_decode(const gr_request *reqs, int count, const gr_input_header *header,
                               gr_image *decoded, int *decoded_shrink, gr_error *err) {
  const gr_metadata *meta = &header->meta;
  memset(decoded, 0, sizeof *decoded);
  if (header->status != GR_OK || !native_format(meta->format) || meta->is_cmyk ||
      meta->pages > 1 || (meta->has_profile && !meta->profile_is_srgb)) {
    return GR_OK;
  }
  int jpeg_shrink = 0;
  double webp_scale = 0, webp_scale_min = 1;
  for (int i = 0; i < count; i++) {
    gr_plan plan;
    gr_error ignored;
    if (reqs[i].kernel >= GR_KERNEL_NATIVE_COUNT ||
        gr_plan_prepare(&reqs[i], meta->format, meta->width, meta->height, meta->orientation,
                        &plan, &ignored) != GR_OK) {
      continue;
    }
    gr_format out = plan.output_format;
    if (!native_format(out) && out != GR_FORMAT_RAW) continue;
    if (!jpeg_shrink || plan.jpeg_shrink < jpeg_shrink) jpeg_shrink = plan.jpeg_shrink;
    if (plan.webp_scale > webp_scale) webp_scale = plan.webp_scale;
    if (plan.webp_scale < webp_scale_min) webp_scale_min = plan.webp_scale;
  }
  /* libwebp's rescaler area-averages from the full size: outputs of different scales get the
   * closest match to their own decode from a full-size decode (39 dB from the larger scale's,
   * against separate calls on 4.webp). */
  if (webp_scale != webp_scale_min) {
    /* With alpha libwebp rescales in its own way (36-41 dB as seen from a full-size decode):
     * each output then decodes with its own scale, as a separate call does. */
    if (meta->has_alpha) return GR_OK;
    webp_scale = 1.0;
  }
  if (!jpeg_shrink) return GR_OK;
  *decoded_shrink = jpeg_shrink;
  gr_decode_options opts = {jpeg_shrink, reqs[0].fail_on, reqs[0].limit_input_pixels,
                            webp_scale};
  gr_status st = gr_decode(reqs[0].input, reqs[0].input_length, &opts, decoded, err);
  if (st == GR_ERR_DECODE || st == GR_ERR_LIMIT || st == GR_ERR_INVALID_ARGUMENT) return st;
  if (st != GR_OK) memset(decoded, 0, sizeof *decoded);
  return GR_OK;
}

/* The resized area an output asks for, from the size the pipeline will resize from. */
static uint64_t planned_area(const gr_request *req, const gr_input_header *header,
                             const gr_image *decoded) {
  const gr_metadata *meta = &header->meta;
  gr_plan plan;
  gr_error ignored;
  if (header->status != GR_OK ||
      gr_plan_prepare(req, meta->format, meta->width, meta->height, meta->orientation, &plan,
                      &ignored) != GR_OK) {
    return 0;
  }
  int w = decoded->data ? decoded->width : meta->width;
  int h = decoded->data ? decoded->height : meta->height;
  if (gr_plan_finish(req, w, h, meta->channels, &plan, &ignored) != GR_OK) return 0;
  return (uint64_t)plan.resize_width * (uint64_t)plan.resize_height;
}

gr_status gr_process_many(const gr_request *base, const gr_output_spec *outputs, int count,
                          gr_result *results, gr_error *errs, gr_output_trace *traces) {
  if (count <= 0 || !outputs || !results || !errs) return GR_ERR_INVALID_ARGUMENT;
  memset(results, 0, (size_t)count * sizeof *results);
  memset(errs, 0, (size_t)count * sizeof *errs);
  if (traces) memset(traces, 0, (size_t)count * sizeof *traces);
  gr_request *reqs = malloc((size_t)count * sizeof *reqs);
  int *order = malloc((size_t)count * sizeof *order);
  uint64_t *area = malloc((size_t)count * sizeof *area);
  if (!reqs || !order || !area) {
    free(reqs);
    free(order);
    free(area);
    for (int i = 0; i < count; i++) gr_fail(&errs[i], GR_ERR_NO_MEMORY, "Out of memory");
    return GR_ERR_NO_MEMORY;
  }
  gr_status first = GR_OK;
  gr_image decoded = {0};
  int decoded_shrink = 1;
  gr_input_header header;
  gr_error decode_err = {GR_OK, ""};
  gr_status st = GR_OK;
  if (!base || !base->input || base->input_length == 0) {
    st = gr_fail(&decode_err, GR_ERR_DECODE, "Input buffer is empty");
  } else {
    for (int i = 0; i < count; i++) apply_spec(base, &outputs[i], &reqs[i]);
    gr_read_input_header(base, &header);
    st = shared_decode(reqs, count, &header, &decoded, &decoded_shrink, &decode_err);
  }
  if (st != GR_OK) {
    for (int i = 0; i < count; i++) errs[i] = decode_err;
    first = st;
  } else {
    /* Largest first (insertion sort: the lists are short), so that smaller outputs find a
     * larger image to chain from. */
    for (int i = 0; i < count; i++) {
      area[i] = planned_area(&reqs[i], &header, &decoded);
      int j = i;
      while (j > 0 && area[order[j - 1]] < area[i]) {
        order[j] = order[j - 1];
        j--;
      }
      order[j] = i;
    }
    many_run run;
    memset(&run, 0, sizeof run);
    run.decoded = decoded.data ? &decoded : NULL;
    run.decoded_shrink = decoded_shrink;
    int first_failed = count;
    for (int n = 0; n < count; n++) {
      int i = order[n];
      run.trace = traces ? &traces[i] : NULL;
      gr_status s = gr_process_routed(&reqs[i], &header, many_runner, &run, &results[i], &errs[i]);
      if (s == GR_OK && results[i].backend == GR_BACKEND_VIPS && traces) {
        memset(&traces[i], 0, sizeof traces[i]);
      }
      if (s != GR_OK && i < first_failed) {
        first_failed = i;
        first = s;
      }
    }
    for (int k = 0; k < run.kept_count; k++) gr_image_free(&run.kept[k].img);
    for (int k = 0; k < run.shrunk_count; k++) gr_image_free(&run.shrunk[k].img);
    free(run.kept);
    free(run.shrunk);
  }
  gr_image_free(&decoded);
  free(reqs);
  free(order);
  free(area);
  return first;
}
