/* WebP header, decode (still images) and encode with libwebp. RIFF chunks are parsed here, so
 * libwebpdemux is not needed. */
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <webp/decode.h>
#include <webp/encode.h>

#include "codecs/codecs_internal.h"

static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* Walks the RIFF chunks: EXIF orientation and the number of ANMF frames. */
static void webp_scan_chunks(const uint8_t *data, size_t length, int *orientation, int *frames,
                             gr_metadata *meta) {
  *orientation = 0;
  *frames = 0;
  if (length < 12) return;
  size_t end = (size_t)le32(data + 4);
  end = end > length - 8 ? length : end + 8; /* RIFF size counts from offset 8 */
  size_t pos = 12;
  while (pos <= end && end - pos >= 8) {
    const uint8_t *fourcc = data + pos;
    size_t n = le32(data + pos + 4);
    if (n > end - pos - 8) break;
    const uint8_t *payload = data + pos + 8;
    if (memcmp(fourcc, "EXIF", 4) == 0 && *orientation == 0) {
      *orientation = gr_exif_orientation_tiff(payload, n);
    } else if (memcmp(fourcc, "ICCP", 4) == 0 && !meta->has_profile) {
      meta->has_profile = 1;
      meta->profile_is_srgb = gr_icc_is_srgb(payload, n);
    } else if (memcmp(fourcc, "ANMF", 4) == 0) {
      (*frames)++;
    }
    pos += 8 + n + (n & 1);
  }
}

/* Whether the RIFF container is whole: its size within the data and every chunk within it.
 * libvips reads WebP through WebPDemux, which refuses partial files, so sharp rejects a
 * truncated WebP before decoding whatever failOn says. */
static int webp_riff_complete(const uint8_t *data, size_t length) {
  if (length < 12) return 0;
  size_t riff = le32(data + 4);
  if (riff < 4 || riff > length - 8) return 0;
  size_t end = riff + 8, pos = 12;
  if (end - pos < 8) return 0;
  while (pos <= end && end - pos >= 8) {
    size_t n = le32(data + pos + 4);
    if (n > end - pos - 8) return 0;
    pos += 8 + n + (n & 1);
  }
  return 1;
}

/* The bitstream's features, with sharp's messages for what libvips' header read refuses. */
static gr_status webp_features(const uint8_t *data, size_t length, WebPBitstreamFeatures *f,
                               gr_error *err) {
  if (!webp_riff_complete(data, length) || WebPGetFeatures(data, length, f) != VP8_STATUS_OK) {
    return gr_fail(err, GR_ERR_DECODE, "Input buffer has corrupt header: webp: unable to parse image");
  }
  if (f->width > GR_WEBP_MAX_DIMENSION || f->height > GR_WEBP_MAX_DIMENSION) {
    return gr_fail(err, GR_ERR_DECODE, "Input buffer has corrupt header: webp: bad image dimensions");
  }
  return GR_OK;
}

gr_status gr_webp_read_header(const uint8_t *data, size_t length, gr_metadata *meta,
                              gr_error *err) {
  memset(meta, 0, sizeof *meta);
  WebPBitstreamFeatures f;
  gr_status s = webp_features(data, length, &f, err);
  if (s != GR_OK) return s;
  int orientation, frames;
  webp_scan_chunks(data, length, &orientation, &frames, meta);
  meta->format = GR_FORMAT_WEBP;
  meta->width = f.width;
  meta->height = f.height;
  meta->has_alpha = f.has_alpha ? 1 : 0;
  meta->channels = f.has_alpha ? 4 : 3;
  meta->bits_per_sample = 8;
  meta->orientation = orientation;
  meta->pages = f.has_animation ? (frames > 0 ? frames : 1) : 1;
  return GR_OK;
}

gr_status gr_webp_decode(const uint8_t *data, size_t length, const gr_decode_options *opts,
                         gr_image *out, gr_error *err) {
  WebPBitstreamFeatures f;
  gr_status s = webp_features(data, length, &f, err);
  if (s != GR_OK) return s;
  if (f.has_animation) {
    return gr_fail(err, GR_ERR_UNSUPPORTED, "Animated WebP is decoded by libvips");
  }
  s = gr_check_pixel_limit((uint64_t)f.width, (uint64_t)f.height,
                                     opts->limit_input_pixels, err);
  if (s != GR_OK) return s;
  /* Shrink-on-load as libvips' webpload with scale: libwebp's own rescaler to
   * rint(size * scale). */
  int width = f.width, height = f.height;
  int scaled = opts->webp_scale > 0.0 && opts->webp_scale < 1.0;
  if (scaled) {
    width = (int)lrint(f.width * opts->webp_scale);
    height = (int)lrint(f.height * opts->webp_scale);
    if (width < 1) width = 1;
    if (height < 1) height = 1;
  }
  gr_image img;
  int channels = f.has_alpha ? 4 : 3;
  s = gr_image_alloc(&img, width, height, channels, err);
  if (s != GR_OK) return s;
  WebPDecoderConfig config;
  if (!WebPInitDecoderConfig(&config)) {
    gr_image_free(&img);
    return gr_fail(err, GR_ERR_DECODE, "WebP decoder version mismatch");
  }
  config.output.colorspace = channels == 4 ? MODE_RGBA : MODE_RGB;
  config.output.is_external_memory = 1;
  config.output.u.RGBA.rgba = img.data;
  config.output.u.RGBA.stride = (int)img.stride;
  config.output.u.RGBA.size = img.stride * (size_t)img.height;
  if (scaled) {
    config.options.use_scaling = 1;
    config.options.scaled_width = width;
    config.options.scaled_height = height;
  }
  VP8StatusCode vs = WebPDecode(data, length, &config);
  WebPFreeDecBuffer(&config.output);
  if (vs != VP8_STATUS_OK) {
    gr_image_free(&img);
    return gr_fail(err, GR_ERR_DECODE, "webp2vips: unable to read pixels");
  }
  *out = img;
  return GR_OK;
}

gr_status gr_webp_encode(const gr_image *img, const gr_webp_options *o, uint8_t **out,
                         size_t *out_length, gr_error *err) {
  if (img->width > GR_WEBP_MAX_DIMENSION || img->height > GR_WEBP_MAX_DIMENSION) {
    return gr_fail(err, GR_ERR_LIMIT, "Processed image is too large for the WebP format");
  }
  WebPConfig config;
  float quality = (float)(o->quality < 1 ? 1 : o->quality > 100 ? 100 : o->quality);
  if (!WebPConfigPreset(&config, WEBP_PRESET_DEFAULT, quality)) {
    return gr_fail(err, GR_ERR_ENCODE, "WebP encoder version mismatch");
  }
  config.quality = quality;
  config.alpha_quality = o->alpha_quality < 0 ? 0 : o->alpha_quality > 100 ? 100 : o->alpha_quality;
  config.lossless = (o->lossless || o->near_lossless) ? 1 : 0;
  if (o->near_lossless) config.near_lossless = (int)quality;
  config.use_sharp_yuv = o->smart_subsample ? 1 : 0;
  config.method = o->effort < 0 ? 0 : o->effort > 6 ? 6 : o->effort;
  if (!WebPValidateConfig(&config)) {
    return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "Invalid WebP encoder options");
  }

  WebPPicture pic;
  if (!WebPPictureInit(&pic)) return gr_fail(err, GR_ERR_ENCODE, "WebP encoder version mismatch");
  pic.width = img->width;
  pic.height = img->height;
  pic.use_argb = config.lossless || config.use_sharp_yuv;

  /* 1- and 2-channel input expands to RGB / RGBA. */
  const uint8_t *src = img->data;
  int stride = (int)img->stride;
  uint8_t *expanded = NULL;
  int has_alpha = img->channels == 2 || img->channels == 4;
  if (img->channels <= 2) {
    int oc = img->channels + 2;
    expanded = malloc((size_t)img->width * (size_t)oc * (size_t)img->height);
    if (!expanded) return gr_fail(err, GR_ERR_NO_MEMORY, "Out of memory");
    for (int y = 0; y < img->height; y++) {
      const uint8_t *s = img->data + (size_t)y * img->stride;
      uint8_t *d = expanded + (size_t)y * (size_t)img->width * (size_t)oc;
      for (int x = 0; x < img->width; x++, s += img->channels, d += oc) {
        d[0] = d[1] = d[2] = s[0];
        if (oc == 4) d[3] = s[1];
      }
    }
    src = expanded;
    stride = img->width * oc;
  }
  int ok = has_alpha ? WebPPictureImportRGBA(&pic, src, stride)
                     : WebPPictureImportRGB(&pic, src, stride);
  free(expanded);
  if (!ok) {
    WebPPictureFree(&pic);
    return gr_fail(err, GR_ERR_NO_MEMORY, "Out of memory importing pixels into WebP");
  }
  WebPMemoryWriter writer;
  WebPMemoryWriterInit(&writer);
  pic.writer = WebPMemoryWrite;
  pic.custom_ptr = &writer;
  ok = WebPEncode(&config, &pic);
  int code = pic.error_code;
  WebPPictureFree(&pic);
  if (!ok) {
    WebPMemoryWriterClear(&writer);
    if (code == VP8_ENC_ERROR_OUT_OF_MEMORY || code == VP8_ENC_ERROR_BITSTREAM_OUT_OF_MEMORY)
      return gr_fail(err, GR_ERR_NO_MEMORY, "Out of memory encoding WebP");
    if (code == VP8_ENC_ERROR_BAD_DIMENSION)
      return gr_fail(err, GR_ERR_LIMIT, "Processed image is too large for the WebP format");
    return gr_fail(err, GR_ERR_ENCODE, "WebP encode failed (libwebp error %d)", code);
  }
  /* Hand back a plain malloc'd buffer (the writer's memory belongs to libwebp's allocator). */
  uint8_t *buf = malloc(writer.size ? writer.size : 1);
  if (!buf) {
    WebPMemoryWriterClear(&writer);
    return gr_fail(err, GR_ERR_NO_MEMORY, "Out of memory");
  }
  memcpy(buf, writer.mem, writer.size);
  *out = buf;
  *out_length = writer.size;
  WebPMemoryWriterClear(&writer);
  return GR_OK;
}
