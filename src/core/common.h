/* Internal helpers shared by every part of the library. */
#ifndef GR_COMMON_H
#define GR_COMMON_H

#include "gpu_resize.h"

/* sharp's default limitInputPixels, 0x3FFF * 0x3FFF. */
#define GR_DEFAULT_PIXEL_LIMIT (0x3FFFull * 0x3FFFull)

/* Sets err (if not NULL) to code and a printf-style message; returns code. */
gr_status gr_fail(gr_error *err, gr_status code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Allocates an image with a tight stride (width * channels). */
gr_status gr_image_alloc(gr_image *img, int width, int height, int channels, gr_error *err);
void gr_image_free(gr_image *img);
/* A view of a rectangle of src (no copy); the rectangle must lie inside src. */
gr_image gr_image_view(const gr_image *src, int left, int top, int width, int height);

/* Runs fn(ctx, begin, end) over [0, count) split across up to `threads` worker threads
 * (0: the number of online CPUs, capped by GPU_RESIZE_THREADS). Returns when all are done. */
typedef void (*gr_range_fn)(void *ctx, int begin, int end);
void gr_parallel_for(int count, int min_chunk, gr_range_fn fn, void *ctx);
int gr_thread_count(void);

#endif
