/* Shared declarations between the codec source files (not part of the public contract). */
#ifndef GR_CODECS_INTERNAL_H
#define GR_CODECS_INTERNAL_H

#include "codecs/codecs.h"
#include "core/common.h"

/* Limits of the output formats (libvips/sharp use the same ones). */
#define GR_JPEG_MAX_DIMENSION 65535
#define GR_WEBP_MAX_DIMENSION 16383

/* "Input image exceeds pixel limit" check shared by the decoders. */
gr_status gr_check_pixel_limit(uint64_t width, uint64_t height, uint64_t limit, gr_error *err);

gr_status gr_jpeg_read_header(const uint8_t *data, size_t length, gr_metadata *meta,
                              gr_error *err);
gr_status gr_jpeg_decode(const uint8_t *data, size_t length, const gr_decode_options *opts,
                         gr_image *out, gr_error *err);
gr_status gr_jpeg_encode(const gr_image *img, const gr_jpeg_options *o, uint8_t **out,
                         size_t *out_length, gr_error *err);

gr_status gr_png_read_header(const uint8_t *data, size_t length, gr_metadata *meta,
                             gr_error *err);
gr_status gr_png_decode(const uint8_t *data, size_t length, const gr_decode_options *opts,
                        gr_image *out, gr_error *err);
gr_status gr_png_encode(const gr_image *img, const gr_png_options *o, uint8_t **out,
                        size_t *out_length, gr_error *err);

gr_status gr_webp_read_header(const uint8_t *data, size_t length, gr_metadata *meta,
                              gr_error *err);
gr_status gr_webp_decode(const uint8_t *data, size_t length, const gr_decode_options *opts,
                         gr_image *out, gr_error *err);
gr_status gr_webp_encode(const gr_image *img, const gr_webp_options *o, uint8_t **out,
                         size_t *out_length, gr_error *err);

#endif
