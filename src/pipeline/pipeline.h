/* Internal pipeline entry points: the native run (GPU or CPU resize, native codecs) and the
 * backend counters. */
#ifndef GR_PIPELINE_H
#define GR_PIPELINE_H

#include "core/common.h"
#include "core/filter.h"

/* Resizes src with the two filters into dst (allocated by the callee). */
typedef gr_status (*gr_resize_fn)(const gr_image *src, const gr_filter *horizontal,
                                  const gr_filter *vertical, gr_image *dst, gr_error *err);

/* The input's header as read once per request (raw inputs: their descriptor), with the status
 * and error of that read. */
typedef struct gr_input_header {
  gr_status status;
  gr_error err;
  gr_metadata meta;
} gr_input_header;

void gr_read_input_header(const gr_request *req, gr_input_header *header);

/* Runs req with the native codecs, resizing with `resize`. GR_ERR_UNSUPPORTED when the request
 * needs what only libvips has (format, CMYK, strategy crop, ...), or when require_resize is set
 * and the request has no resize step (so a GPU backend never claims work it did not do). */
gr_status gr_native_run(const gr_request *req, const gr_input_header *header,
                        gr_resize_fn resize, int require_resize, gr_result *res, gr_error *err);

/* Decodes a JPEG (width x height, as stored) and resizes it with the filters in one step, into
 * dst (RGB, allocated by the callee): the GPU's batched nvJPEG path. */
typedef gr_status (*gr_jpeg_resize_fn)(const uint8_t *data, size_t length, int width,
                                       int height, const gr_filter *horizontal,
                                       const gr_filter *vertical, gr_image *dst, gr_error *err);

/* gr_native_run that, given jpeg_resize, hands JPEG input it can decode to it (full-size
 * decode, no shrink-on-load), falling back to the usual decode when it answers
 * GR_ERR_UNSUPPORTED. */
gr_status gr_native_run_ex(const gr_request *req, const gr_input_header *header,
                           gr_resize_fn resize, gr_jpeg_resize_fn jpeg_resize,
                           int require_resize, gr_result *res, gr_error *err);

#endif
