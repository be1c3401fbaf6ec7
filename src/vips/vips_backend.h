/* The libvips backend: runs a whole request on libvips, as sharp would. Takes every format
 * libvips reads (GIF, TIFF, AVIF, HEIF, SVG, CMYK JPEG, ...). */
#ifndef GR_VIPS_BACKEND_H
#define GR_VIPS_BACKEND_H

#include "gpu_resize.h"

/* 1 when the library was built with libvips and vips_init succeeded (done once, lazily). On 0,
 * reason says why. version gets e.g. "libvips 8.18.7". */
int gr_vips_available(char *version, size_t version_size, char *reason, size_t reason_size);

/* Runs req entirely on libvips; fills res (data malloc'd, backend = GR_BACKEND_VIPS). */
gr_status gr_vips_process(const gr_request *req, gr_result *res, gr_error *err);

/* Header read through libvips, for formats the native codecs do not read. */
gr_status gr_vips_read_metadata(const uint8_t *data, size_t length, gr_metadata *meta,
                                gr_error *err);
/* ... and, when ex is not NULL, what else libvips knows (ex initialised by the caller, as
 * gr_read_metadata_ex does; its allocations are the caller's to free, also on failure). */
gr_status gr_vips_read_metadata_ex(const uint8_t *data, size_t length, gr_metadata *meta,
                                   gr_metadata_ex *ex, gr_error *err);

/* img (decoded from input, 1-4 channels) converted from input's embedded ICC profile to sRGB
 * (8-bit, perceptual intent), as sharp does after loading; out is allocated here and may have
 * other channels (a grey profile gives RGB). GR_ERR_UNSUPPORTED without libvips or when the
 * profile cannot be read or used (sharp then keeps the pixels: libvips runs the request). */
gr_status gr_vips_to_srgb(const uint8_t *input, size_t length, const gr_image *img,
                          gr_image *out, gr_error *err);

#endif
