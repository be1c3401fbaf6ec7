/* Native codecs: libjpeg-turbo (jpeglib API), libpng, libwebp. 8-bit output only. */
#ifndef GR_CODECS_H
#define GR_CODECS_H

#include "gpu_resize.h"

/* Identifies the format from the first bytes (JPEG, PNG, WebP, GIF, TIFF, AVIF, HEIF, SVG). */
gr_format gr_sniff_format(const uint8_t *data, size_t length);

/* Header-only read for JPEG, PNG and WebP: dimensions, channels, EXIF orientation, ...
 * GR_ERR_UNSUPPORTED for other formats (the caller asks libvips). */
gr_status gr_codec_read_header(const uint8_t *data, size_t length, gr_metadata *meta,
                               gr_error *err);

typedef struct gr_decode_options {
  int jpeg_shrink;             /* 1, 2, 4 or 8: libjpeg DCT-domain scale 1/jpeg_shrink; the
                                  result is floor(size / shrink) like libvips' jpegload (the
                                  image's stride may then exceed width * channels) */
  gr_fail_on fail_on;          /* sharp's failOn: 'warning' fails on libjpeg warnings too */
  uint64_t limit_input_pixels; /* checked against the header before any pixel memory; 0: none */
  double webp_scale;           /* WebP shrink-on-load (libwebp's rescaler), 0 or 1: none */
} gr_decode_options;

/* Decodes to 8-bit: grey -> 1, grey+alpha -> 2, colour -> 3, colour+alpha -> 4 channels (PNG
 * palettes expand to RGB or RGBA with tRNS, 16-bit scales to 8, low bit depths expand).
 * CMYK/YCCK JPEG and animated or non-native formats: GR_ERR_UNSUPPORTED (libvips takes them).
 * Truncated or corrupt data: GR_ERR_DECODE, unless fail_on is NONE and libjpeg/libpng could
 * recover, as sharp does. Over the pixel limit: GR_ERR_LIMIT with sharp's message
 * "Input image exceeds pixel limit". */
gr_status gr_decode(const uint8_t *data, size_t length, const gr_decode_options *opts,
                    gr_image *out, gr_error *err);

/* Encodes img (1-4 channels) to JPEG, PNG or WebP with the request's options; *out is malloc'd.
 * JPEG drops alpha (like sharp: flattened onto black, i.e. the colour channels are kept). */
gr_status gr_encode(const gr_image *img, gr_format format, const gr_request *req, uint8_t **out,
                    size_t *out_length, gr_error *err);

/* 1 when an ICC profile (its bytes, possibly split across JPEG APP2 segments and then only the
 * first given) describes sRGB: its description names sRGB (ASCII or UTF-16). */
int gr_icc_is_srgb(const uint8_t *profile, size_t length);

/* EXIF orientation (1-8) from a JPEG APP1 segment or a WebP/PNG eXIf chunk body starting with
 * the TIFF header ("II*\0" or "MM\0*"); 0 when absent or unreadable. */
int gr_exif_orientation_tiff(const uint8_t *tiff, size_t length);

#endif
