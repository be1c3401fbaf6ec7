/* gpu-resize public C API.
 *
 * One entry point, gr_process(), takes a request (input bytes or raw pixels, the operations in
 * sharp's order, the output format) and runs it on the first backend that can: GPU, then the CPU
 * path, then libvips. Library code never prints or exits: every failure comes back as a status
 * code plus a message in gr_error.
 */
#ifndef GPU_RESIZE_H
#define GPU_RESIZE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GR_MESSAGE_MAX 256

typedef enum gr_status {
  GR_OK = 0,
  GR_ERR_INVALID_ARGUMENT, /* a parameter is out of range */
  GR_ERR_UNSUPPORTED,      /* this backend cannot do it (the router tries the next one) */
  GR_ERR_DECODE,           /* input is corrupt, truncated or of an unknown format */
  GR_ERR_ENCODE,
  GR_ERR_NO_MEMORY,
  GR_ERR_LIMIT,            /* input exceeds limitInputPixels or an output format limit */
  GR_ERR_BACKEND           /* a backend failed for reasons other than the input (device error) */
} gr_status;

typedef struct gr_error {
  gr_status code;
  char message[GR_MESSAGE_MAX];
} gr_error;

/* An 8-bit interleaved image, 1 to 4 channels (grey, grey+alpha, RGB, RGBA). */
typedef struct gr_image {
  uint8_t *data;
  int width;
  int height;
  int channels;
  size_t stride; /* bytes between the starts of two rows, >= width * channels */
} gr_image;

typedef enum gr_format {
  GR_FORMAT_UNKNOWN = 0,
  GR_FORMAT_JPEG,
  GR_FORMAT_PNG,
  GR_FORMAT_WEBP,
  GR_FORMAT_GIF,
  GR_FORMAT_TIFF,
  GR_FORMAT_AVIF,
  GR_FORMAT_HEIF,
  GR_FORMAT_SVG,
  GR_FORMAT_RAW,
  GR_FORMAT_COUNT
} gr_format;

/* Same order and meaning as libvips' VipsKernel (sharp's `kernel` option). */
typedef enum gr_kernel {
  GR_KERNEL_NEAREST = 0,
  GR_KERNEL_LINEAR,
  GR_KERNEL_CUBIC,    /* Catmull-Rom */
  GR_KERNEL_MITCHELL,
  GR_KERNEL_LANCZOS2,
  GR_KERNEL_LANCZOS3,
  GR_KERNEL_MKS2013,  /* Magic Kernel Sharp 2013 and 2021: libvips only */
  GR_KERNEL_MKS2021,
  GR_KERNEL_COUNT
} gr_kernel;
/* Kernels the native (CPU and GPU) paths implement: nearest to lanczos3. */
#define GR_KERNEL_NATIVE_COUNT (GR_KERNEL_LANCZOS3 + 1)

/* sharp's canvas: cover = CROP, contain = EMBED, fill = IGNORE_ASPECT, inside = MAX, outside = MIN. */
typedef enum gr_fit {
  GR_FIT_COVER = 0,
  GR_FIT_CONTAIN,
  GR_FIT_FILL,
  GR_FIT_INSIDE,
  GR_FIT_OUTSIDE
} gr_fit;

/* sharp's position numbers: 0 centre, 1 north, 2 east, 3 south, 4 west, 5 northeast, 6 southeast,
 * 7 southwest, 8 northwest; 16 entropy, 17 attention (strategies, cover only). */
enum { GR_POSITION_ENTROPY = 16, GR_POSITION_ATTENTION = 17 };

typedef enum gr_backend {
  GR_BACKEND_AUTO = 0,
  GR_BACKEND_GPU,
  GR_BACKEND_CPU,
  GR_BACKEND_VIPS,
  GR_BACKEND_COUNT
} gr_backend;

typedef enum gr_fail_on {
  GR_FAIL_ON_NONE = 0,
  GR_FAIL_ON_TRUNCATED,
  GR_FAIL_ON_ERROR,
  GR_FAIL_ON_WARNING
} gr_fail_on;

typedef struct gr_rect {
  int left, top, width, height; /* width 0 means "not set" */
} gr_rect;

typedef struct gr_jpeg_options {
  int quality;            /* 1-100, sharp default 80 */
  int progressive;
  int chroma_444;         /* 1: '4:4:4', 0: '4:2:0' (sharp default) */
  int optimize_coding;    /* sharp default true */
} gr_jpeg_options;

typedef struct gr_png_options {
  int compression_level;  /* 0-9, sharp default 6 */
  int adaptive_filtering; /* sharp default false */
  int progressive;        /* Adam7 interlace */
} gr_png_options;

typedef struct gr_webp_options {
  int quality;            /* sharp default 80 */
  int alpha_quality;      /* sharp default 100 */
  int lossless;
  int near_lossless;
  int smart_subsample;
  int effort;             /* 0-6, sharp default 4 */
} gr_webp_options;

typedef struct gr_request {
  /* Input: encoded bytes, or raw pixels when raw_width > 0. Not copied; must outlive the call. */
  const uint8_t *input;
  size_t input_length;
  int raw_width, raw_height, raw_channels;
  uint64_t limit_input_pixels; /* 0: no limit */
  gr_fail_on fail_on;

  /* Operations, applied in sharp's order. */
  int auto_orient;          /* rotate() without an angle: apply EXIF orientation */
  int rotate_angle;         /* 0, 90, 180, 270 */
  int flip, flop;
  int rotate_before;        /* sharp's rotateBefore: rotate/flip/flop before extract and resize */
  int orient_before;        /* sharp's orientBefore: EXIF orientation before extract and resize */
  gr_rect extract_before;   /* extract() called before resize() */
  int resize_width;         /* 0: auto (keep aspect) */
  int resize_height;
  gr_fit fit;
  int position;             /* see GR_POSITION_* */
  double background[4];     /* RGBA, 0-255 each, alpha 0-255 (sharp's {alpha: 1} is 255) */
  gr_kernel kernel;
  int without_enlargement;
  int without_reduction;
  int fast_shrink_on_load;  /* sharp default true */
  gr_rect extract_after;    /* extract() called after resize() */

  /* Output. GR_FORMAT_UNKNOWN means "same as input" (raw input gives raw). */
  gr_format output_format;
  gr_jpeg_options jpeg;
  gr_png_options png;
  gr_webp_options webp;

  gr_backend backend;       /* GR_BACKEND_AUTO unless a backend is forced */
} gr_request;

typedef struct gr_result {
  uint8_t *data; /* owned, free with gr_result_free() */
  size_t length;
  int width, height, channels;
  gr_format format;
  int premultiplied;
  int has_crop_offset;
  int crop_offset_left, crop_offset_top;
  int has_attention;
  int attention_x, attention_y;
  gr_backend backend;             /* the backend that produced the result */
  int gpu_decoded;                /* the GPU decoded the input (nvJPEG) */
  int gpu_encoded;                /* the GPU encoded the output (nvJPEG) */
  char fallback_reason[GR_MESSAGE_MAX]; /* why earlier backends were skipped or failed, "" if none */
} gr_result;

/* Fills defaults as sharp has them (quality 80, lanczos3, cover, centre, ...). */
void gr_request_init(gr_request *req);

/* Runs the request. On GR_OK, *res holds the output; else err says why. Thread-safe. */
gr_status gr_process(const gr_request *req, gr_result *res, gr_error *err);
void gr_result_free(gr_result *res);

typedef struct gr_metadata {
  gr_format format;
  int width, height;      /* as stored, before EXIF orientation */
  int channels;           /* as decoded to 8-bit: 1-4 */
  int has_alpha;
  int orientation;        /* EXIF 1-8, 0 if absent */
  int is_progressive;
  int bits_per_sample;
  int pages;
  int is_cmyk;
  int chroma_subsampling; /* JPEG: 420, 422, 444, 440, 411; 0 otherwise */
  double density;         /* DPI, 0 if absent */
  int has_profile;        /* an embedded ICC profile */
  int profile_is_srgb;    /* ... that describes sRGB (sharp's conversion to sRGB is then a no-op) */
} gr_metadata;

/* Reads the header only. */
gr_status gr_read_metadata(const uint8_t *input, size_t length, gr_metadata *meta, gr_error *err);

/* A metadata block as libvips attached it (malloc'd copy; NULL, 0 when absent). */
typedef struct gr_blob {
  uint8_t *data;
  size_t length;
} gr_blob;

/* What libvips reports beyond gr_metadata, for the headers it reads (GIF, TIFF, HEIF, SVG, ...;
 * the native codecs' JPEG, PNG and WebP are not among them): the fields of sharp's metadata()
 * that only libvips knows. "Absent" is as sharp leaves a field out. */
typedef struct gr_metadata_ex {
  int from_vips;            /* 1 when libvips read the header; the fields below are then set */
  char space[24];           /* the interpretation, as libvips names it ("srgb", "b-w", ...) */
  char depth[16];           /* the band format ("uchar", "ushort", ...) */
  char resolution_unit[8];  /* "in", "cm", or "" when absent */
  char compression[16];     /* HEIF: "av1" or "hevc", or "" */
  int is_palette;           /* -1 when absent */
  int bits_per_sample;      /* 0 when absent */
  int pages, page_height;   /* 0 when absent */
  int loop;                 /* -1 when absent; 0 loops forever */
  int page_primary;         /* -1 when absent */
  int subifds;              /* 0 when absent */
  int *delay;               /* per page, in ms; malloc'd */
  int delay_count;
  double background[4];     /* the default background, if the file has one */
  int background_count;
  gr_blob exif, icc, iptc, xmp, photoshop;
} gr_metadata_ex;

/* gr_read_metadata, and ex filled when libvips read the header; free ex with
 * gr_metadata_ex_free, also on failure. */
gr_status gr_read_metadata_ex(const uint8_t *input, size_t length, gr_metadata *meta,
                              gr_metadata_ex *ex, gr_error *err);
void gr_metadata_ex_free(gr_metadata_ex *ex);

/* Backend availability and counters. */
typedef struct gr_backend_info {
  int available;
  char name[64];          /* e.g. "gpu" */
  char device[128];       /* GPU name, libvips version, ... */
  uint64_t memory_bytes;  /* GPU memory, 0 otherwise */
  char decoder[GR_MESSAGE_MAX]; /* GPU: "nvjpeg-hardware", or why JPEG decodes on the CPU */
  char reason[GR_MESSAGE_MAX]; /* why unavailable */
  uint64_t requests;      /* requests completed on this backend */
  uint64_t failures;      /* requests this backend failed and passed on */
  uint64_t skipped;       /* requests this backend could not take (unsupported) */
} gr_backend_info;

void gr_backend_query(gr_backend backend, gr_backend_info *info);
const char *gr_backend_name(gr_backend backend);
const char *gr_format_name(gr_format format);
const char *gr_status_name(gr_status code);

/* ---- Many outputs from one input: decode once (src/pipeline/multi.c) ----
 *
 * One request (input, input options, the steps before the resize) and a list of outputs that
 * differ in size, fit and format: the input is decoded once, with the shrink-on-load the largest
 * output allows (smaller outputs area-average it to their own shrink-on-load size, so sizes
 * are a separate call's), and the outputs are produced largest first. An output is resized from
 * the smallest already produced one of the same source that is at least twice its size in both
 * axes, with the same kernel (not nearest), else from the decoded image (the "chain"; PSNR
 * >= 40 dB against separate gr_process calls, test/c/test_many.c). Each output runs on the
 * backend gr_process would pick and falls back the same way; outputs the native path cannot
 * produce decode on their own. */
typedef struct gr_output_spec {
  int resize_width;         /* 0: auto (keep aspect) */
  int resize_height;
  gr_fit fit;
  int position;
  double background[4];
  gr_kernel kernel;
  int without_enlargement;
  int without_reduction;
  int fast_shrink_on_load;  /* resize()'s fastShrinkOnLoad, per output */
  gr_format output_format;  /* GR_FORMAT_UNKNOWN: as the input */
  gr_jpeg_options jpeg;
  gr_png_options png;
  gr_webp_options webp;
} gr_output_spec;

/* How a native output was made (for tests and reports); zeros where it did not happen. */
typedef struct gr_output_trace {
  int decoded_width, decoded_height; /* the one decode the outputs share */
  int source_width, source_height;   /* what the resize read: that decode (or its area average
                                        to this output's own shrink-on-load size), after the
                                        steps before resize, or ... */
  int chained;                       /* ... 1: a larger output's resized image */
} gr_output_trace;

/* The output fields of req as a spec (the rest of req is the base of gr_process_many). */
void gr_output_spec_from_request(const gr_request *req, gr_output_spec *spec);

/* Runs every output of base. results[i] / errs[i] / traces[i] (traces may be NULL) hold each
 * output's result or error; free every results[i] with gr_result_free. Returns GR_OK when all
 * succeeded, else the status of the first output that failed. Thread-safe. */
gr_status gr_process_many(const gr_request *base, const gr_output_spec *outputs, int count,
                          gr_result *results, gr_error *errs, gr_output_trace *traces);

#ifdef __cplusplus
}
#endif
#endif
