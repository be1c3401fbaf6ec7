/* Which JPEG outputs the GPU encoder takes (see jpeg_encode.h). Host code, built with and
 * without CUDA. */
#include <string.h>

#include "gpu/jpeg_encode.h"

/* libjpeg's JPEG_MAX_DIMENSION: larger images get the CPU encoder's error message. */
#define GR_GPU_JPEG_MAX_DIMENSION 65500

void gr_gpu_jpeg_options_from(const gr_jpeg_options *jpeg, int channels,
                              gr_gpu_jpeg_options *out) {
  memset(out, 0, sizeof *out);
  out->quality = jpeg->quality;
  out->chroma_444 = jpeg->chroma_444;
  out->optimize_coding = jpeg->optimize_coding;
  out->progressive = jpeg->progressive;
  out->channels = channels;
  out->tables = GR_GPU_JPEG_TABLES_LIBJPEG;
}

gr_status gr_gpu_jpeg_encode_supported(const gr_gpu_jpeg_options *o, int width, int height,
                                       gr_error *err) {
  if (!o) return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "GPU JPEG encode: no options");
  if (width <= 0 || height <= 0) {
    return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "GPU JPEG encode: bad size %dx%d", width,
                   height);
  }
  if (o->quality < 1 || o->quality > 100) {
    return gr_fail(err, GR_ERR_INVALID_ARGUMENT,
                   "GPU JPEG encode: quality %d is not an integer between 1 and 100", o->quality);
  }
  if (o->channels < 1 || o->channels > 4) {
    return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "GPU JPEG encode: %d channels", o->channels);
  }
  if (o->tables != GR_GPU_JPEG_TABLES_LIBJPEG && o->tables != GR_GPU_JPEG_TABLES_NVJPEG) {
    return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "GPU JPEG encode: unknown tables %d",
                   (int)o->tables);
  }
  /* What nvJPEG cannot do as the CPU encoder (libjpeg-turbo) does: the CPU encodes. */
  const char *cpu_only = NULL;
  if (o->channels != 3) {
    cpu_only = o->channels == 1 || o->channels == 2 ? "greyscale output" : "alpha to drop";
  } else if (o->trellis_quantisation) {
    cpu_only = "trellisQuantisation";
  } else if (o->overshoot_deringing) {
    cpu_only = "overshootDeringing";
  } else if (o->optimise_scans) {
    cpu_only = "optimiseScans";
  } else if (o->quantisation_table != 0) {
    cpu_only = "quantisationTable";
  } else if (o->keep_metadata) {
    cpu_only = "metadata to keep";
  } else if (width > GR_GPU_JPEG_MAX_DIMENSION || height > GR_GPU_JPEG_MAX_DIMENSION) {
    cpu_only = "a size over the JPEG limit";
  }
  if (cpu_only) {
    return gr_fail(err, GR_ERR_UNSUPPORTED, "GPU JPEG encode: %s (encoded on the CPU)", cpu_only);
  }
  return GR_OK;
}

gr_status gr_gpu_jpeg_check_frame(const void *enc, const uint8_t *device_rgb, int width,
                                  int height, size_t pitch, const gr_gpu_jpeg_options *o,
                                  gr_error *err) {
  if (!enc || !device_rgb) {
    return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "GPU JPEG encode: no %s",
                   enc ? "pixels" : "encoder");
  }
  gr_status s = gr_gpu_jpeg_encode_supported(o, width, height, err);
  if (s != GR_OK) return s;
  if (pitch < (size_t)width * 3) {
    return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "GPU JPEG encode: pitch %zu < width %d x 3",
                   pitch, width);
  }
  return GR_OK;
}
