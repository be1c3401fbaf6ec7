#include "core/common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

gr_status gr_fail(gr_error *err, gr_status code, const char *fmt, ...) {
  if (err) {
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
  }
  return code;
}

gr_status gr_image_alloc(gr_image *img, int width, int height, int channels, gr_error *err) {
  memset(img, 0, sizeof *img);
  if (width <= 0 || height <= 0 || channels < 1 || channels > 4) {
    return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "Invalid image dimensions %dx%dx%d", width,
                   height, channels);
  }
  size_t stride = (size_t)width * (size_t)channels;
  size_t bytes = stride * (size_t)height;
  if (bytes / (size_t)height != stride) {
    return gr_fail(err, GR_ERR_NO_MEMORY, "Image of %dx%d is too large", width, height);
  }
  img->data = malloc(bytes);
  if (!img->data) {
    return gr_fail(err, GR_ERR_NO_MEMORY, "Out of memory allocating %zu bytes", bytes);
  }
  img->width = width;
  img->height = height;
  img->channels = channels;
  img->stride = stride;
  return GR_OK;
}

void gr_image_free(gr_image *img) {
  if (img) {
    free(img->data);
    memset(img, 0, sizeof *img);
  }
}

gr_image gr_image_view(const gr_image *src, int left, int top, int width, int height) {
  gr_image view = *src;
  view.data = src->data + (size_t)top * src->stride + (size_t)left * (size_t)src->channels;
  view.width = width;
  view.height = height;
  return view;
}
