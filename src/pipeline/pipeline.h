/* Internal pipeline entry points: the native run (GPU or CPU resize, native codecs) and the
 * backend counters. */
#ifndef GR_PIPELINE_H
#define GR_PIPELINE_H

#include "core/common.h"
#include "core/filter.h"
#include "gpu/jpeg_encode.h"

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

struct gr_plan;
/* The size the native decoder produces with the plan's shrink-on-load. */
void gr_native_decoded_size(const gr_metadata *meta, const struct gr_plan *plan, int *width,
                            int *height);

/* Runs req with the native codecs, resizing with `resize`. GR_ERR_UNSUPPORTED when the request
 * needs what only libvips has (format, CMYK, strategy crop, ...), or when require_resize is set
 * and the request has no resize step (so a GPU backend never claims work it did not do). */
gr_status gr_native_run(const gr_request *req, const gr_input_header *header,
                        gr_resize_fn resize, int require_resize, gr_result *res, gr_error *err);
/* The same from an image the caller decoded already (with the shrink-on-load it chose; the plan
 * resizes from whatever size it has); NULL decodes as gr_native_run. Used by gr_process_many. */
gr_status gr_native_run_decoded(const gr_request *req, const gr_input_header *header,
                                const gr_image *decoded, gr_resize_fn resize, int require_resize,
                                gr_result *res, gr_error *err);

/* What runs the gpu and cpu attempts of a routed request: gr_native_run by default; the many-
 * outputs path passes its own (shared decode, chained resizes) with the same resize function. */
typedef gr_status (*gr_native_runner)(void *ctx, const gr_request *req,
                                      const gr_input_header *header, gr_resize_fn resize,
                                      int require_resize, gr_result *res, gr_error *err);

/* gr_process after the header read: route, fall back, count. runner NULL: gr_native_run. res
 * must be zeroed and err not NULL (gr_process prepares both). */
gr_status gr_process_routed(const gr_request *req, const gr_input_header *header,
                            gr_native_runner runner, void *ctx, gr_result *res, gr_error *err);

/* Decodes a JPEG (width x height, as stored) and resizes it with the filters in one step, into
 * dst (RGB, allocated by the callee): the GPU's batched nvJPEG path. With encode (not NULL)
 * it may also encode a region of the result as the final JPEG (see gr_gpu_jpeg_resize). */
typedef gr_status (*gr_jpeg_resize_fn)(const uint8_t *data, size_t length, int width,
                                       int height, const gr_filter *horizontal,
                                       const gr_filter *vertical, gr_gpu_jpeg_output *encode,
                                       gr_image *dst, gr_error *err);

/* gr_native_run_decoded that, given jpeg_resize (and no decoded image), hands JPEG input it can decode to it (full-size
 * decode, no shrink-on-load), falling back to the usual decode when it answers
 * GR_ERR_UNSUPPORTED. */
gr_status gr_native_run_ex(const gr_request *req, const gr_input_header *header,
                           const gr_image *decoded, gr_resize_fn resize,
                           gr_jpeg_resize_fn jpeg_resize, int require_resize, gr_result *res,
                           gr_error *err);

/* 1 when gr_native_run_ex would hand this input to its jpeg_resize: a JPEG the GPU's decoder
 * takes, in sRGB, within the request's pixel limit. */
int gr_native_gpu_jpeg_input(const gr_request *req, const gr_metadata *meta);

/* What gr_native_run_ex asks its jpeg_resize for: the plan (from gr_plan_prepare) finished at
 * the size the CPU's shrink-on-load would decode (so the output has a CPU request's size), into
 * *plan; the filters of its resize from the full-size decode (the caller frees them); and
 * *encode = 1 with enc's region and options set when the GPU may encode the output (nothing
 * but a crop follows the resize). fold_post: the mirrors after the resize (flip, flop,
 * 180-degree turns) go into the filters (reversed), and then the crop and extract (sliced), so
 * the resize writes just the mirrored part that is kept and the plan keeps no such step; not
 * for the GPU set, whose outputs chain from each other. GR_ERR_UNSUPPORTED when it is not a plain resize. */
gr_status gr_native_gpu_jpeg_plan(const gr_request *req, const gr_metadata *meta,
                                  struct gr_plan *plan, int fold_post, gr_filter *h,
                                  gr_filter *v, gr_gpu_jpeg_output *enc, int *encode,
                                  gr_error *err);

/* The router's choices, for gr_process_many's GPU set: 1 when a request with this header tries
 * the GPU first (forced or auto and worth it), and when JPEGs may decode on the GPU. */
int gr_route_tries_gpu(const gr_request *req, const gr_input_header *header);
int gr_gpu_decode_enabled(void);

#endif
