/* Many outputs from one input (gr_process_many): one decode, outputs largest first, each resized
 * from the nearest larger output where quality allows. Every output still goes through the
 * router (gr_process_routed) so that backends, fallback and counters are gr_process's; only the
 * native attempts are replaced by a runner that reuses the decode and the resized images.
 *
 * Shrink-on-load: the input is decoded once with the least shrink any output asks for. An output
 * whose own request would decode smaller (JPEG DCT scaling by 2/4/8, WebP's rescaler) gets that
 * smaller image by area-averaging the shared decode to exactly the size its decoder would give,
 * so that its geometry and size are a separate request's to the pixel and its pixels stay close
 * (an area average is what DCT scaling and libwebp's rescaler approximate).
 *
 * The GPU set: when the outputs of a JPEG would try the GPU first, those that are a plain
 * resize (what a separate request would hand to the GPU's decode-and-resize) go to the GPU as
 * one batch job (gr_gpu_jpeg_resize_many): one nvJPEG decode at full size, as a separate GPU
 * request decodes, each output resized from it or chained from a larger output on the device by
 * the rule below, and JPEG outputs encoded there. Their GPU attempts then pick up those results;
 * any output the GPU set did not serve (or that failed there) runs as above, from the CPU's
 * shared decode, which is skipped when every output was served. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/codecs.h"
#include "gpu/gpu.h"
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

/* The outputs sent to the GPU as one decode (gr_gpu_jpeg_resize_many), by target. */
typedef struct gpu_set {
  int count;
  int *target_of;              /* per output: its target, or -1 */
  int *output_of;              /* per target: its output */
  gr_gpu_jpeg_target *targets;
  gr_filter *filters;          /* 2 per target: horizontal, vertical */
  gr_gpu_jpeg_output *encodes; /* per target */
  int decoded_width, decoded_height;
  char note[GR_MESSAGE_MAX];   /* why the outputs were not decoded on the GPU, or "" */
} gpu_set;

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
  int output;              /* its index */
  gpu_set gpu;
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
    (dst)->fast_shrink_on_load = (src)->fast_shrink_on_load;              \
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

/* The rule's sizes: an image of w x h may feed an output of out_w x out_h when it is at least
 * GR_CHAIN_MIN_RATIO times larger in both axes, with one pixel of slack: sizes are rounded
 * (800x653 is twice 400x327). */
static int chain_size_ok(int w, int h, int out_w, int out_h) {
  return w + 1 >= GR_CHAIN_MIN_RATIO * out_w && h + 1 >= GR_CHAIN_MIN_RATIO * out_h;
}

/* The filters of a chained step: from_w x from_h to out_w x out_h, scale as in/out. Both are
 * freed on failure. */
static gr_status chain_filters(int from_w, int from_h, int out_w, int out_h, gr_kernel kernel,
                               gr_filter *h, gr_filter *v, gr_error *err) {
  memset(v, 0, sizeof *v);
  gr_status st = gr_filter_init_ex(h, from_w, out_w, kernel, 0, 0, err);
  if (st == GR_OK) st = gr_filter_init_ex(v, from_h, out_h, kernel, 0, 0, err);
  if (st != GR_OK) {
    gr_filter_free(h);
    gr_filter_free(v);
  }
  return st;
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
    if (!chain_size_ok(k->img.width, k->img.height, out_w, out_h)) continue;
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
    gr_filter h, v;
    st = chain_filters(from->img.width, from->img.height, horizontal->out_size,
                       vertical->out_size, run->kernel, &h, &v, err);
    if (st == GR_OK) {
      st = run->resize(&from->img, &h, &v, dst, err);
      gr_filter_free(&h);
      gr_filter_free(&v);
    }
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

/* gr_native_run_ex's decode-and-resize step for an output of the GPU set: hands over the
 * result its target got (the filters are the ones the set was planned with). */
static gr_status from_gpu_set(const uint8_t *data, size_t length, int width, int height,
                              const gr_filter *h, const gr_filter *v, gr_gpu_jpeg_output *encode,
                              gr_image *dst, gr_error *err) {
  (void)data, (void)length, (void)width, (void)height;
  many_run *run = current_run;
  gr_gpu_jpeg_target *t = &run->gpu.targets[run->gpu.target_of[run->output]];
  if (t->status != GR_OK) return gr_fail(err, t->status, "%s", t->message);
  if (h->out_size != t->horizontal->out_size || v->out_size != t->vertical->out_size ||
      !encode != !t->encode) {
    return gr_fail(err, GR_ERR_BACKEND, "the GPU set planned another resize for this output");
  }
  if (encode) *encode = *t->encode; /* the bitstream, or why the pixels came back */
  if (t->encode) t->encode->data = NULL;
  *dst = t->dst;
  memset(&t->dst, 0, sizeof t->dst);
  return GR_OK;
}

static gr_status gpu_set_runner(many_run *run, const gr_request *req,
                                const gr_input_header *header, gr_resize_fn resize,
                                int require_resize, gr_result *res, gr_error *err) {
  many_run *saved = current_run;
  current_run = run;
  gr_status st = gr_native_run_ex(req, header, NULL, resize, from_gpu_set, require_resize, res,
                                  err);
  current_run = saved;
  if (st == GR_OK && run->trace) {
    const gr_gpu_jpeg_target *t = &run->gpu.targets[run->gpu.target_of[run->output]];
    run->trace->decoded_width = run->gpu.decoded_width;
    run->trace->decoded_height = run->gpu.decoded_height;
    run->trace->source_width = t->horizontal->in_size;
    run->trace->source_height = t->vertical->in_size;
    run->trace->chained = t->from >= 0;
  }
  return st;
}

static gr_status many_runner(void *ctx, const gr_request *req, const gr_input_header *header,
                             gr_resize_fn resize, int require_resize, gr_result *res,
                             gr_error *err) {
  many_run *run = ctx;
  int target = run->gpu.target_of ? run->gpu.target_of[run->output] : -1;
  if (resize == gr_gpu_resize && target >= 0) {
    return gpu_set_runner(run, req, header, resize, require_resize, res, err);
  }
  run->kernel = req->kernel;
  run->resize = resize;
  /* An output the GPU set served had no say in the shared decode's shrink: should it still
   * run here (its GPU attempt failed after the set), it decodes for itself. */
  int served = target >= 0 && run->gpu.targets[target].status == GR_OK;
  const gr_image *source = served ? NULL : run->decoded;
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
  if (st == GR_OK && resize == gr_gpu_resize && run->gpu.note[0] && !res->fallback_reason[0]) {
    snprintf(res->fallback_reason, sizeof res->fallback_reason, "%s", run->gpu.note);
  }
  return st;
}

static int native_format(gr_format f) {
  return f == GR_FORMAT_JPEG || f == GR_FORMAT_PNG || f == GR_FORMAT_WEBP;
}

/* Decodes the input once for every output the native path can take (but those `served`
 * already, when given), with the least shrink-on-load any of them asks for. *decoded stays
 * empty when none can use it; an input error (corrupt data, the pixel limit) is returned for
 * all of them. */
static gr_status shared_decode(const gr_request *reqs, int count, const int *served,
                               const gr_input_header *header, gr_image *decoded,
                               int *decoded_shrink, gr_error *err) {
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
    if ((served && served[i]) || reqs[i].kernel >= GR_KERNEL_NATIVE_COUNT ||
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

/* ---- the GPU set ---- */

static void gpu_set_free(gpu_set *g) {
  for (int k = 0; k < g->count; k++) {
    gr_image_free(&g->targets[k].dst);
    free(g->encodes[k].data);
    gr_filter_free(&g->filters[2 * k]);
    gr_filter_free(&g->filters[2 * k + 1]);
  }
  free(g->target_of);
  free(g->output_of);
  free(g->targets);
  free(g->filters);
  free(g->encodes);
  memset(g, 0, sizeof *g);
}

/* The chaining rule of pick_source for the GPU set (every target resizes the one full-size
 * decode, and RGB): the earlier (larger) target with the smallest area that reduced the decode,
 * by the same kernel, at least GR_CHAIN_MIN_RATIO times this one's size; -1 for none. As on
 * the CPU, a chained output may be the source of a smaller one. */
static int gpu_chain_source(const gpu_set *g, const gr_request *reqs, int k) {
  const gr_filter *h = &g->filters[2 * k], *v = &g->filters[2 * k + 1];
  gr_kernel kernel = reqs[g->output_of[k]].kernel;
  if (kernel == GR_KERNEL_NEAREST) return -1;
  int best = -1;
  for (int s = 0; s < k; s++) {
    const gr_filter *sh = &g->filters[2 * s], *sv = &g->filters[2 * s + 1];
    if (reqs[g->output_of[s]].kernel != kernel || sh->out_size > g->decoded_width ||
        sv->out_size > g->decoded_height ||
        !chain_size_ok(sh->out_size, sv->out_size, h->out_size, v->out_size)) {
      continue;
    }
    if (best < 0 || (uint64_t)sh->out_size * sv->out_size <
                        (uint64_t)g->filters[2 * best].out_size * g->filters[2 * best + 1].out_size) {
      best = s;
    }
  }
  return best;
}

/* Plans the outputs a GPU request would decode-and-resize in one step, largest first, chains
 * them, and runs them as one GPU batch job. Leaves g empty (with the reason in note where the
 * GPU was tried) when there is nothing to send or the GPU did not decode. */
static void gpu_set_run(gpu_set *g, const gr_request *reqs, int count,
                        const gr_input_header *header) {
  const gr_metadata *meta = &header->meta;
  memset(g, 0, sizeof *g);
  if (header->status != GR_OK || !gr_route_tries_gpu(&reqs[0], header) ||
      !gr_gpu_decode_enabled() || !gr_native_gpu_jpeg_input(&reqs[0], meta)) {
    return;
  }
  g->target_of = malloc((size_t)count * sizeof *g->target_of);
  g->output_of = malloc((size_t)count * sizeof *g->output_of);
  g->targets = calloc((size_t)count, sizeof *g->targets);
  g->filters = calloc((size_t)count * 2, sizeof *g->filters);
  g->encodes = calloc((size_t)count, sizeof *g->encodes);
  uint64_t *area = malloc((size_t)count * sizeof *area);
  if (!g->target_of || !g->output_of || !g->targets || !g->filters || !g->encodes || !area) {
    free(area);
    gpu_set_free(g);
    return;
  }
  /* The targets, largest first (insertion sort: the lists are short). */
  for (int i = 0; i < count; i++) {
    g->target_of[i] = -1;
    gr_plan plan;
    gr_filter h, v;
    gr_gpu_jpeg_output enc;
    int encode;
    gr_error ignored;
    memset(&enc, 0, sizeof enc);
    if (reqs[i].kernel >= GR_KERNEL_NATIVE_COUNT ||
        gr_plan_prepare(&reqs[i], meta->format, meta->width, meta->height, meta->orientation,
                        &plan, &ignored) != GR_OK ||
        (!native_format(plan.output_format) && plan.output_format != GR_FORMAT_RAW) ||
        gr_native_gpu_jpeg_plan(&reqs[i], meta, &plan, 0, &h, &v, &enc, &encode, &ignored) != GR_OK) {
      continue;
    }
    uint64_t a = (uint64_t)h.out_size * (uint64_t)v.out_size;
    int k = g->count++;
    while (k > 0 && area[k - 1] < a) {
      area[k] = area[k - 1];
      g->output_of[k] = g->output_of[k - 1];
      g->filters[2 * k] = g->filters[2 * k - 2];
      g->filters[2 * k + 1] = g->filters[2 * k - 1];
      g->encodes[k] = g->encodes[k - 1];
      g->targets[k] = g->targets[k - 1];
      k--;
    }
    area[k] = a;
    g->output_of[k] = i;
    g->filters[2 * k] = h;
    g->filters[2 * k + 1] = v;
    g->encodes[k] = enc;
    g->targets[k].encode = encode ? &g->encodes[k] : NULL; /* re-pointed below */
  }
  free(area);
  for (; g->count > GR_GPU_JPEG_GROUP_MAX; g->count--) { /* the smallest go the CPU's way */
    gr_filter_free(&g->filters[2 * g->count - 2]);
    gr_filter_free(&g->filters[2 * g->count - 1]);
  }
  g->decoded_width = meta->width;
  g->decoded_height = meta->height;
  for (int k = 0; k < g->count; k++) {
    gr_gpu_jpeg_target *t = &g->targets[k];
    g->target_of[g->output_of[k]] = k;
    t->encode = t->encode ? &g->encodes[k] : NULL;
    t->from = gpu_chain_source(g, reqs, k);
    if (t->from >= 0) {
      /* Its filters from the source's size (as chained_resize makes them). */
      gr_filter *h = &g->filters[2 * k], *v = &g->filters[2 * k + 1];
      gr_filter ch, cv;
      gr_error ignored;
      if (chain_filters(g->filters[2 * t->from].out_size, g->filters[2 * t->from + 1].out_size,
                        h->out_size, v->out_size, reqs[g->output_of[k]].kernel, &ch, &cv,
                        &ignored) == GR_OK) {
        gr_filter_free(h);
        gr_filter_free(v);
        *h = ch;
        *v = cv;
      } else {
        t->from = -1;
      }
    }
    t->horizontal = &g->filters[2 * k];
    t->vertical = &g->filters[2 * k + 1];
  }
  if (g->count == 0) {
    gpu_set_free(g);
    return;
  }
  gr_error err = {GR_OK, ""};
  gr_status st = gr_gpu_jpeg_resize_many(reqs[0].input, reqs[0].input_length, meta->width,
                                         meta->height, g->targets, g->count, &err);
  if (st == GR_ERR_UNSUPPORTED) {
    char note[GR_MESSAGE_MAX];
    snprintf(note, sizeof note, "JPEG decoded on the CPU: %.200s", err.message);
    gpu_set_free(g);
    snprintf(g->note, sizeof g->note, "%s", note);
  } else if (st != GR_OK) {
    for (int k = 0; k < g->count; k++) {
      g->targets[k].status = st;
      snprintf(g->targets[k].message, sizeof g->targets[k].message, "%s", err.message);
    }
  }
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
  int *served = calloc((size_t)count, sizeof *served);
  uint64_t *area = malloc((size_t)count * sizeof *area);
  if (!reqs || !order || !served || !area) {
    free(reqs);
    free(order);
    free(served);
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
  many_run run;
  memset(&run, 0, sizeof run);
  if (!base || !base->input || base->input_length == 0) {
    st = gr_fail(&decode_err, GR_ERR_DECODE, "Input buffer is empty");
  } else {
    for (int i = 0; i < count; i++) apply_spec(base, &outputs[i], &reqs[i]);
    gr_read_input_header(base, &header);
    /* served[i]: output i has its pixels from the GPU set; the CPU decodes for the others,
     * and an input error from that decode ends only them. */
    gpu_set_run(&run.gpu, reqs, count, &header);
    int all_served = 1;
    for (int i = 0; i < count; i++) {
      int k = run.gpu.target_of ? run.gpu.target_of[i] : -1;
      served[i] = k >= 0 && run.gpu.targets[k].status == GR_OK;
      all_served = all_served && served[i];
    }
    if (!all_served) {
      st = shared_decode(reqs, count, served, &header, &decoded, &decoded_shrink, &decode_err);
    }
  }
  /* Largest first (insertion sort: the lists are short), so that smaller outputs find a
   * larger image to chain from. */
  for (int i = 0; i < count; i++) {
    area[i] = st == GR_OK ? planned_area(&reqs[i], &header, &decoded) : 0;
    int j = i;
    while (j > 0 && area[order[j - 1]] < area[i]) {
      order[j] = order[j - 1];
      j--;
    }
    order[j] = i;
  }
  run.decoded = decoded.data ? &decoded : NULL;
  run.decoded_shrink = decoded_shrink;
  int first_failed = count;
  for (int n = 0; n < count; n++) {
    int i = order[n];
    gr_status s;
    if (st != GR_OK && !served[i]) {
      errs[i] = decode_err;
      s = st;
    } else {
      run.trace = traces ? &traces[i] : NULL;
      run.output = i;
      s = gr_process_routed(&reqs[i], &header, many_runner, &run, &results[i], &errs[i]);
      if (s == GR_OK && results[i].backend == GR_BACKEND_VIPS && traces) {
        memset(&traces[i], 0, sizeof traces[i]);
      }
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
  gpu_set_free(&run.gpu);
  gr_image_free(&decoded);
  free(reqs);
  free(order);
  free(served);
  free(area);
  return first;
}
