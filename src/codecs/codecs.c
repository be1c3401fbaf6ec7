/* Dispatch: gr_decode, gr_encode and gr_codec_read_header pick the codec from the sniffed format. */
#include <string.h>

#include "codecs/codecs_internal.h"

gr_status gr_check_pixel_limit(uint64_t width, uint64_t height, uint64_t limit, gr_error *err) {
  if (limit > 0 && width * height > limit) {
    return gr_fail(err, GR_ERR_LIMIT, "Input image exceeds pixel limit");
  }
  return GR_OK;
}

/* Local names, so the codecs do not depend on the pipeline's format_label(). */
static const char *format_label(gr_format f) {
  static const char *names[GR_FORMAT_COUNT] = {"unknown", "JPEG", "PNG", "WebP", "GIF",
                                               "TIFF",    "AVIF", "HEIF", "SVG", "raw"};
  return (f >= 0 && f < GR_FORMAT_COUNT) ? names[f] : "unknown";
}

static gr_status unknown_format(gr_error *err) {
  return gr_fail(err, GR_ERR_DECODE, "Input buffer contains unsupported image format");
}

static gr_status not_native(gr_format f, gr_error *err) {
  return gr_fail(err, GR_ERR_UNSUPPORTED, "%s input is decoded by libvips", format_label(f));
}

gr_status gr_codec_read_header(const uint8_t *data, size_t length, gr_metadata *meta,
                               gr_error *err) {
  if (!meta) return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "meta is NULL");
  memset(meta, 0, sizeof *meta);
  gr_format f = gr_sniff_format(data, length);
  switch (f) {
    case GR_FORMAT_JPEG: return gr_jpeg_read_header(data, length, meta, err);
    case GR_FORMAT_PNG: return gr_png_read_header(data, length, meta, err);
    case GR_FORMAT_WEBP: return gr_webp_read_header(data, length, meta, err);
    case GR_FORMAT_UNKNOWN: return unknown_format(err);
    default: meta->format = f; return not_native(f, err);
  }
}

gr_status gr_decode(const uint8_t *data, size_t length, const gr_decode_options *opts,
                    gr_image *out, gr_error *err) {
  if (!out) return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "out is NULL");
  memset(out, 0, sizeof *out);
  /* NULL options: no shrink, no limit, and sharp's default failOn, which is 'warning'. */
  gr_decode_options o = {1, GR_FAIL_ON_WARNING, 0, 0.0};
  if (opts) o = *opts;
  if (o.jpeg_shrink == 0) o.jpeg_shrink = 1;
  if (o.jpeg_shrink != 1 && o.jpeg_shrink != 2 && o.jpeg_shrink != 4 && o.jpeg_shrink != 8) {
    return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "jpeg_shrink must be 1, 2, 4 or 8, not %d",
                   o.jpeg_shrink);
  }
  gr_format f = gr_sniff_format(data, length);
  switch (f) {
    case GR_FORMAT_JPEG: return gr_jpeg_decode(data, length, &o, out, err);
    case GR_FORMAT_PNG: return gr_png_decode(data, length, &o, out, err);
    case GR_FORMAT_WEBP: return gr_webp_decode(data, length, &o, out, err);
    case GR_FORMAT_UNKNOWN: return unknown_format(err);
    default: return not_native(f, err);
  }
}

gr_status gr_encode(const gr_image *img, gr_format format, const gr_request *req, uint8_t **out,
                    size_t *out_length, gr_error *err) {
  if (!out || !out_length) return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "out is NULL");
  *out = NULL;
  *out_length = 0;
  if (!img || !img->data || img->width <= 0 || img->height <= 0 || img->channels < 1 ||
      img->channels > 4 || img->stride < (size_t)img->width * (size_t)img->channels) {
    return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "Invalid image to encode");
  }
  /* sharp's defaults when no request is given. */
  static const gr_jpeg_options jpeg_defaults = {80, 0, 0, 1};
  static const gr_png_options png_defaults = {6, 0, 0};
  static const gr_webp_options webp_defaults = {80, 100, 0, 0, 0, 4};
  switch (format) {
    case GR_FORMAT_JPEG:
      return gr_jpeg_encode(img, req ? &req->jpeg : &jpeg_defaults, out, out_length, err);
    case GR_FORMAT_PNG:
      return gr_png_encode(img, req ? &req->png : &png_defaults, out, out_length, err);
    case GR_FORMAT_WEBP:
      return gr_webp_encode(img, req ? &req->webp : &webp_defaults, out, out_length, err);
    default:
      return gr_fail(err, GR_ERR_UNSUPPORTED, "Encoding to %s is not handled by the native codecs",
                     format_label(format));
  }
}
