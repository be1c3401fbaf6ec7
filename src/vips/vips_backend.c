/* The libvips backend: runs a whole request through the libvips C API in the order sharp 0.35.5's
 * pipeline.cc does (open, orient/rotate before, pre-extract, shrink-on-load, ICC to sRGB,
 * premultiply, resize, auto-orient/flip/flop/rotate, crop/embed/smartcrop, post-extract,
 * unpremultiply, sRGB output, save with sharp's default options). Built only with libvips. */
#include "vips/vips_backend.h"
#include "vips/vips_metadata.h"
#include "pipeline/plan.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include <vips/vips.h>

#include "core/common.h"

/* ---- one-time initialisation ---- */

static pthread_once_t g_init_once = PTHREAD_ONCE_INIT;
static int g_init_ok = 0;
static char g_init_reason[GR_MESSAGE_MAX];
static char g_version[64];

static void gr_vips_log_silence(const gchar *domain, GLogLevelFlags level, const gchar *message,
                                gpointer data) {
  (void)domain;
  (void)level;
  (void)message;
  (void)data;
}

static void gr_vips_init_once(void) {
  /* libvips reports warnings (e.g. "VipsJpeg: premature end of JPEG file") through g_log in the
   * "VIPS" domain; a library must not print, so they are dropped (as sharp queues them). */
  g_log_set_handler("VIPS",
                    (GLogLevelFlags)(G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO |
                                     G_LOG_LEVEL_DEBUG),
                    gr_vips_log_silence, NULL);
  if (VIPS_INIT("gpu-resize")) {
    char *msg = vips_error_buffer_copy();
    snprintf(g_init_reason, sizeof g_init_reason, "vips_init failed: %s", msg ? msg : "");
    g_free(msg);
    return;
  }
  /* No operation cache: cached loads would keep pointers into callers' buffers (sharp.cache(false)). */
  vips_cache_set_max(0);
  vips_cache_set_max_mem(0);
  vips_cache_set_max_files(0);
  vips_leak_set(FALSE);
  snprintf(g_version, sizeof g_version, "libvips %s", vips_version_string());
  g_init_ok = 1;
}

static int gr_vips_ensure_init(void) {
  pthread_once(&g_init_once, gr_vips_init_once);
  return g_init_ok;
}

int gr_vips_available(char *version, size_t version_size, char *reason, size_t reason_size) {
  int ok = gr_vips_ensure_init();
  if (version && version_size) snprintf(version, version_size, "%s", ok ? g_version : "");
  if (reason && reason_size) snprintf(reason, reason_size, "%s", ok ? "" : g_init_reason);
  return ok;
}

/* ---- errors ---- */

/* Takes libvips' error buffer (and clears it) into err with a prefix. The buffer is global (under
 * a lock), so with many threads failing at once a message may land on another request; the code
 * is always this request's. */
static gr_status gr_vips_error(gr_error *err, gr_status code, const char *prefix,
                               const char *fallback) {
  char *msg = vips_error_buffer_copy();
  if (msg) {
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' ' || msg[n - 1] == '\r')) msg[--n] = 0;
  }
  const char *text = (msg && msg[0]) ? msg : fallback;
  gr_fail(err, code, "%s%s", prefix ? prefix : "", text);
  g_free(msg);
  /* sharp trims the end: an empty reason leaves "Input buffer has corrupt header:". */
  size_t n = err ? strlen(err->message) : 0;
  while (n > 0 && err->message[n - 1] == ' ') err->message[--n] = 0;
  return code;
}

/* Errors that surface while pixels are computed (sequential access decodes lazily, so a truncated
 * input fails only during the final write) are decode errors when libvips blames the loader. */
static int gr_vips_message_is_decode(const char *msg) {
  static const char *const markers[] = {"load", "VipsJpeg", "VipsPng", "VipsWebp", "VipsGif",
                                        "VipsTiff", "VipsHeif", "VipsSvg", "Premature",
                                        "premature", "truncated", "Truncated", "corrupt",
                                        "libpng read", "read error", "gifload", "nsgif",
                                        "out of order read", NULL};
  for (int i = 0; markers[i]; i++) {
    if (strstr(msg, markers[i])) return 1;
  }
  return 0;
}

static gr_status gr_vips_error_pixels(gr_error *err, gr_status otherwise, const char *fallback) {
  char *msg = vips_error_buffer_copy();
  gr_status code = otherwise;
  if (msg) {
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' ' || msg[n - 1] == '\r')) msg[--n] = 0;
    if (gr_vips_message_is_decode(msg)) code = GR_ERR_DECODE;
  }
  gr_fail(err, code, "%s", (msg && msg[0]) ? msg : fallback);
  g_free(msg);
  return code;
}

/* ---- input types, as sharp's ImageType ---- */

typedef enum {
  IT_UNKNOWN = 0,
  IT_JPEG,
  IT_PNG,
  IT_WEBP,
  IT_GIF,
  IT_TIFF,
  IT_HEIF,
  IT_SVG,
  IT_JP2,
  IT_PDF,
  IT_MAGICK,
  IT_OTHER,
  IT_RAW
} gr_vips_type;

static const char *gr_vips_type_id(gr_vips_type t) {
  switch (t) {
    case IT_JPEG: return "jpeg";
    case IT_PNG: return "png";
    case IT_WEBP: return "webp";
    case IT_GIF: return "gif";
    case IT_TIFF: return "tiff";
    case IT_HEIF: return "heif";
    case IT_SVG: return "svg";
    case IT_JP2: return "jp2";
    case IT_PDF: return "pdf";
    case IT_MAGICK: return "magick";
    case IT_RAW: return "raw";
    case IT_OTHER: return "other";
    default: return "unknown";
  }
}

/* Maps a loader class name (vips_foreign_find_load_buffer, e.g. "VipsForeignLoadJpegBuffer") or
 * nickname ("jpegload_buffer") to a type. */
static gr_vips_type gr_vips_type_from_loader(const char *name) {
  if (!name) return IT_UNKNOWN;
  static const struct {
    const char *key;
    gr_vips_type type;
  } map[] = {{"jpeg", IT_JPEG}, {"uhdr", IT_JPEG},  {"png", IT_PNG},   {"webp", IT_WEBP},
             {"gif", IT_GIF},   {"tiff", IT_TIFF},  {"heif", IT_HEIF}, {"svg", IT_SVG},
             {"jp2k", IT_JP2},  {"pdf", IT_PDF},    {"magick", IT_MAGICK}};
  char lower[128];
  size_t n = strlen(name);
  if (n >= sizeof lower) n = sizeof lower - 1;
  for (size_t i = 0; i < n; i++) {
    char c = name[i];
    lower[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
  }
  lower[n] = 0;
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
    if (strstr(lower, map[i].key)) return map[i].type;
  }
  return IT_OTHER;
}

static int gr_vips_heif_is_av1(VipsImage *image) {
  const char *compression = NULL;
  if (vips_image_get_typeof(image, "heif-compression") == VIPS_TYPE_REF_STRING &&
      !vips_image_get_string(image, "heif-compression", &compression) && compression) {
    return strcmp(compression, "av1") == 0;
  }
  return 0;
}

/* ---- small helpers mirroring sharp's common.cc ---- */

/* Drops the reference to *cur and makes next the current image. */
static void gr_vips_swap(VipsImage **cur, VipsImage *next) {
  g_object_unref(*cur);
  *cur = next;
}

static int gr_vips_is16bit(VipsInterpretation interpretation) {
  return interpretation == VIPS_INTERPRETATION_RGB16 ||
         interpretation == VIPS_INTERPRETATION_GREY16;
}

static int gr_vips_orientation(VipsImage *image) {
  int orientation = 0;
  if (vips_image_get_typeof(image, VIPS_META_ORIENTATION) != 0) {
    if (vips_image_get_int(image, VIPS_META_ORIENTATION, &orientation)) {
      vips_error_clear();
      orientation = 0;
    }
  }
  return orientation;
}

/* Degrees (0, 90, 180, 270) as a VipsAngle. */
static VipsAngle gr_vips_angle(int degrees) {
  switch (degrees) {
    case 90: return VIPS_ANGLE_D90;
    case 180: return VIPS_ANGLE_D180;
    case 270: return VIPS_ANGLE_D270;
    default: return VIPS_ANGLE_D0;
  }
}

static void gr_vips_exif_rotation(int orientation, VipsAngle *rotate, int *flop) {
  int degrees;
  gr_exif_rotation_and_flop(orientation, &degrees, flop);
  *rotate = gr_vips_angle(degrees);
}

/* sharp's StaySequential: a sequential image that is about to be read out of order (rotate,
 * flip, smartcrop) is rendered to memory first. Returns 0 on success. */
static int gr_vips_stay_sequential(VipsImage **image, int condition) {
  if (!condition || !vips_image_is_sequential(*image)) return 0;
  VipsImage *mem = vips_image_copy_memory(*image);
  if (!mem) return -1;
  VipsImage *copy = NULL;
  if (vips_copy(mem, &copy, NULL)) {
    g_object_unref(mem);
    return -1;
  }
  g_object_unref(mem);
  vips_image_remove(copy, VIPS_META_SEQUENTIAL);
  gr_vips_swap(image, copy);
  return 0;
}

/* A metadata-only copy with fields removed. */
static int gr_vips_remove_fields(VipsImage **image, const char *const *fields) {
  VipsImage *copy = NULL;
  if (vips_copy(*image, &copy, NULL)) return -1;
  for (int i = 0; fields[i]; i++) vips_image_remove(copy, fields[i]);
  gr_vips_swap(image, copy);
  return 0;
}

/* sharp's GetRgbaAsColourspace: converts a colour (sRGB, n >= 3 values) to the image's
 * interpretation, premultiplied if asked. Writes back into colour[]. */
static int gr_vips_rgba_as_colourspace(double *colour, int n, VipsInterpretation interpretation,
                                       int premultiply) {
  if (n < 3) return 0;
  VipsImage *matrix = vips_image_new_matrix(1, 1);
  if (!matrix) return -1;
  VipsImage *pixel = vips_image_new_from_image(matrix, colour, n);
  g_object_unref(matrix);
  if (!pixel) return -1;
  VipsImage *converted = NULL;
  if (vips_colourspace(pixel, &converted, interpretation, "source_space",
                       VIPS_INTERPRETATION_sRGB, NULL)) {
    g_object_unref(pixel);
    return -1;
  }
  g_object_unref(pixel);
  if (premultiply) {
    VipsImage *pre = NULL;
    if (vips_premultiply(converted, &pre, NULL)) {
      g_object_unref(converted);
      return -1;
    }
    gr_vips_swap(&converted, pre);
  }
  double *vector = NULL;
  int count = 0;
  if (vips_getpoint(converted, &vector, &count, 0, 0, NULL)) {
    g_object_unref(converted);
    return -1;
  }
  g_object_unref(converted);
  for (int i = 0; i < n && i < count; i++) colour[i] = vector[i];
  g_free(vector);
  return count < n ? count : n;
}

/* sharp's ApplyAlpha: returns the background for the image (in out[], count in *out_n) and adds
 * an opaque alpha band to the image when the colour is translucent. */
static int gr_vips_apply_alpha(VipsImage **image, const double rgba[4], int premultiply,
                               double out[8], int *out_n) {
  double multiplier = gr_vips_is16bit((*image)->Type) ? 256.0 : 1.0;
  int bands = (*image)->Bands;
  int has_alpha = vips_image_hasalpha(*image);
  int n = 0;
  if (bands > 2) {
    out[n++] = multiplier * rgba[0];
    out[n++] = multiplier * rgba[1];
    out[n++] = multiplier * rgba[2];
  } else {
    out[n++] = multiplier * (0.2126 * rgba[0] + 0.7152 * rgba[1] + 0.0722 * rgba[2]);
  }
  if (rgba[3] < 255.0 || has_alpha) {
    int extra = bands > 4 ? bands - 3 : 1;
    for (int i = 0; i < extra && n < 8; i++) out[n++] = rgba[3] * multiplier;
  }
  int converted = gr_vips_rgba_as_colourspace(out, n, (*image)->Type, premultiply);
  if (converted < 0) return -1;
  if (converted > 0) n = converted;
  if (rgba[3] < 255.0 && !has_alpha) {
    VipsImage *joined = NULL;
    if (vips_bandjoin_const1(*image, &joined, 255 * multiplier, NULL)) return -1;
    gr_vips_swap(image, joined);
  }
  *out_n = n;
  return 0;
}

/* Copies a g_malloc'd buffer into a malloc'd one owned by the caller. */
static gr_status gr_vips_take_buffer(void *gbuf, size_t length, gr_result *res, gr_error *err) {
  uint8_t *data = malloc(length ? length : 1);
  if (!data) {
    g_free(gbuf);
    return gr_fail(err, GR_ERR_NO_MEMORY, "Out of memory copying %zu bytes of output", length);
  }
  if (length) memcpy(data, gbuf, length);
  g_free(gbuf);
  res->data = data;
  res->length = length;
  return GR_OK;
}

/* ---- input ---- */

typedef struct gr_vips_input {
  VipsImage *image;
  gr_vips_type type;
} gr_vips_input;

static VipsFailOn gr_vips_fail_on(gr_fail_on f) {
  switch (f) {
    case GR_FAIL_ON_NONE: return VIPS_FAIL_ON_NONE;
    case GR_FAIL_ON_TRUNCATED: return VIPS_FAIL_ON_TRUNCATED;
    case GR_FAIL_ON_ERROR: return VIPS_FAIL_ON_ERROR;
    case GR_FAIL_ON_WARNING: return VIPS_FAIL_ON_WARNING;
  }
  return VIPS_FAIL_ON_WARNING;
}

/* sharp's OpenInput for buffers and raw pixels, with the limitInputPixels check. */
static gr_status gr_vips_open(const gr_request *req, gr_vips_input *in, gr_error *err) {
  in->image = NULL;
  in->type = IT_UNKNOWN;
  if (req->raw_width > 0) {
    int w = req->raw_width, h = req->raw_height, c = req->raw_channels;
    if (h <= 0 || c < 1 || c > 4) {
      return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "Invalid raw input %dx%dx%d", w, h, c);
    }
    size_t need = (size_t)w * (size_t)h * (size_t)c;
    if (!req->input || req->input_length < need) {
      return gr_fail(err, GR_ERR_INVALID_ARGUMENT,
                     "Raw input of %dx%dx%d needs %zu bytes, got %zu", w, h, c, need,
                     req->input_length);
    }
    VipsImage *image = vips_image_new_from_memory(req->input, need, w, h, c, VIPS_FORMAT_UCHAR);
    if (!image) return gr_vips_error(err, GR_ERR_DECODE, "", "Could not wrap raw input");
    image->Type = c < 3 ? VIPS_INTERPRETATION_B_W : VIPS_INTERPRETATION_sRGB;
    in->image = image;
    in->type = IT_RAW;
  } else {
    if (!req->input || req->input_length == 0) {
      return gr_fail(err, GR_ERR_DECODE, "Input buffer contains unsupported image format");
    }
    const char *loader = vips_foreign_find_load_buffer(req->input, req->input_length);
    if (!loader) {
      vips_error_clear();
      return gr_fail(err, GR_ERR_DECODE, "Input buffer contains unsupported image format");
    }
    in->type = gr_vips_type_from_loader(loader);
    VipsImage *image = vips_image_new_from_buffer(req->input, req->input_length, "", "access",
                                                  VIPS_ACCESS_SEQUENTIAL, "fail_on",
                                                  gr_vips_fail_on(req->fail_on), NULL);
    if (!image) {
      return gr_vips_error(err, GR_ERR_DECODE, "Input buffer has corrupt header: ",
                           "");
    }
    in->image = image;
  }
  if (req->limit_input_pixels > 0 &&
      (uint64_t)in->image->Xsize * (uint64_t)in->image->Ysize > req->limit_input_pixels) {
    g_object_unref(in->image);
    in->image = NULL;
    return gr_fail(err, GR_ERR_LIMIT, "Input image exceeds pixel limit");
  }
  return GR_OK;
}

/* ---- output ---- */

static gr_format gr_vips_output_format(const gr_request *req, gr_vips_type type, VipsImage *loaded,
                                       gr_error *err) {
  if (req->output_format != GR_FORMAT_UNKNOWN) return req->output_format;
  switch (type) {
    case IT_JPEG: return GR_FORMAT_JPEG;
    case IT_PNG:
    case IT_SVG: return GR_FORMAT_PNG;
    case IT_WEBP: return GR_FORMAT_WEBP;
    case IT_GIF: return GR_FORMAT_GIF;
    case IT_TIFF: return GR_FORMAT_TIFF;
    case IT_HEIF: return gr_vips_heif_is_av1(loaded) ? GR_FORMAT_AVIF : GR_FORMAT_HEIF;
    case IT_RAW: return GR_FORMAT_RAW;
    default:
      gr_fail(err, GR_ERR_UNSUPPORTED,
              "Unsupported output format when trying to match input format of %s",
              gr_vips_type_id(type));
      return GR_FORMAT_UNKNOWN;
  }
}

/* sharp's AssertImageTypeDimensions. */
static gr_status gr_vips_check_dimensions(VipsImage *image, gr_format format, gr_error *err) {
  int page_height = image->Ysize;
  if (vips_image_get_typeof(image, VIPS_META_PAGE_HEIGHT) == G_TYPE_INT) {
    if (vips_image_get_int(image, VIPS_META_PAGE_HEIGHT, &page_height)) {
      vips_error_clear();
      page_height = image->Ysize;
    }
  }
  int w = image->Xsize;
  const char *name = NULL;
  int limit = 0;
  switch (format) {
    case GR_FORMAT_JPEG: name = "JPEG"; limit = 65535; break;
    case GR_FORMAT_TIFF: name = "JPEG"; limit = 65535; break; /* sharp's TIFF default: JPEG tiles */
    case GR_FORMAT_WEBP: name = "WebP"; limit = 16383; break;
    case GR_FORMAT_GIF: name = "GIF"; limit = 65535; break;
    case GR_FORMAT_HEIF:
    case GR_FORMAT_AVIF: name = "HEIF"; limit = 16384; break;
    default: break;
  }
  if (name && (w > limit || page_height > limit)) {
    return gr_fail(err, GR_ERR_LIMIT, "Processed image is too large for the %s format", name);
  }
  return GR_OK;
}

static gr_status gr_vips_save(VipsImage **image_io, gr_format format, const gr_request *req,
                              gr_result *res, gr_error *err) {
  VipsImage *image = *image_io;
  void *buf = NULL;
  size_t len = 0;
  int rc = 0;
  gr_status st = gr_vips_check_dimensions(image, format, err);
  if (st != GR_OK) return st;

  switch (format) {
    case GR_FORMAT_JPEG: {
      int q = req->jpeg.quality > 0 ? req->jpeg.quality : 80;
      rc = vips_jpegsave_buffer(image, &buf, &len, "keep", VIPS_FOREIGN_KEEP_NONE, "Q", q,
                                "interlace", req->jpeg.progressive ? TRUE : FALSE,
                                "subsample_mode",
                                req->jpeg.chroma_444 ? VIPS_FOREIGN_SUBSAMPLE_OFF
                                                     : VIPS_FOREIGN_SUBSAMPLE_ON,
                                "trellis_quant", FALSE, "quant_table", 0, "overshoot_deringing",
                                FALSE, "optimize_scans", FALSE, "optimize_coding",
                                req->jpeg.optimize_coding ? TRUE : FALSE, NULL);
      if (res->channels > 3) res->channels = 3;
      break;
    }
    case GR_FORMAT_PNG: {
      int level = req->png.compression_level;
      if (level < 0 || level > 9) level = 6;
      rc = vips_pngsave_buffer(image, &buf, &len, "keep", VIPS_FOREIGN_KEEP_NONE, "interlace",
                               req->png.progressive ? TRUE : FALSE, "compression", level,
                               "filter",
                               req->png.adaptive_filtering ? VIPS_FOREIGN_PNG_FILTER_ALL
                                                           : VIPS_FOREIGN_PNG_FILTER_NONE,
                               "palette", FALSE, "Q", 100, "effort", 7, "bitdepth",
                               gr_vips_is16bit(image->Type) ? 16 : 8, "dither", 1.0, NULL);
      break;
    }
    case GR_FORMAT_WEBP: {
      int q = req->webp.quality > 0 ? req->webp.quality : 80;
      int alpha_q = req->webp.alpha_quality >= 0 ? req->webp.alpha_quality : 100;
      int effort = req->webp.effort;
      if (effort < 0 || effort > 6) effort = 4;
      rc = vips_webpsave_buffer(image, &buf, &len, "keep", VIPS_FOREIGN_KEEP_NONE, "Q", q,
                                "lossless", req->webp.lossless ? TRUE : FALSE, "near_lossless",
                                req->webp.near_lossless ? TRUE : FALSE, "smart_subsample",
                                req->webp.smart_subsample ? TRUE : FALSE, "smart_deblock", FALSE,
                                "preset", VIPS_FOREIGN_WEBP_PRESET_DEFAULT, "effort", effort,
                                "min_size", FALSE, "mixed", FALSE, "exact", FALSE, "alpha_q",
                                alpha_q, NULL);
      break;
    }
    case GR_FORMAT_GIF:
      rc = vips_gifsave_buffer(image, &buf, &len, "keep", VIPS_FOREIGN_KEEP_NONE, "bitdepth", 8,
                               "effort", 7, "reuse", TRUE, "interlace", FALSE,
                               "interframe_maxerror", 0.0, "interpalette_maxerror", 3.0,
                               "keep_duplicate_frames", FALSE, "dither", 1.0, NULL);
      break;
    case GR_FORMAT_TIFF:
      /* sharp's default tiff compression is jpeg: no alpha in the output. */
      if (res->channels > 3) res->channels = 3;
      rc = vips_tiffsave_buffer(image, &buf, &len, "keep", VIPS_FOREIGN_KEEP_NONE, "Q", 80,
                                "bitdepth", 0, "compression", VIPS_FOREIGN_TIFF_COMPRESSION_JPEG,
                                "bigtiff", FALSE, "miniswhite", FALSE, "predictor",
                                VIPS_FOREIGN_TIFF_PREDICTOR_HORIZONTAL, "pyramid", FALSE, "tile",
                                FALSE, "tile_height", 256, "tile_width", 256, "xres", 1.0, "yres",
                                1.0, "resunit", VIPS_FOREIGN_TIFF_RESUNIT_INCH, NULL);
      break;
    case GR_FORMAT_HEIF:
    case GR_FORMAT_AVIF: {
      static const char *const anim[] = {VIPS_META_PAGE_HEIGHT, "delay", "loop", NULL};
      if (gr_vips_remove_fields(image_io, anim)) {
        return gr_vips_error(err, GR_ERR_ENCODE, "", "copy failed");
      }
      image = *image_io;
      rc = vips_heifsave_buffer(image, &buf, &len, "keep", VIPS_FOREIGN_KEEP_NONE, "Q", 50,
                                "compression", VIPS_FOREIGN_HEIF_COMPRESSION_AV1, "effort", 4,
                                "bitdepth", 8, "subsample_mode", VIPS_FOREIGN_SUBSAMPLE_OFF,
                                "lossless", FALSE, NULL);
      break;
    }
    case GR_FORMAT_RAW: {
      if (image->Type == VIPS_INTERPRETATION_B_W && image->Bands > 1) {
        VipsImage *first = NULL;
        if (vips_extract_band(image, &first, 0, NULL)) {
          return gr_vips_error(err, GR_ERR_ENCODE, "", "extract_band failed");
        }
        gr_vips_swap(image_io, first);
        image = first;
        res->channels = 1;
      }
      if (image->BandFmt != VIPS_FORMAT_UCHAR) {
        VipsImage *cast = NULL;
        if (vips_cast(image, &cast, VIPS_FORMAT_UCHAR, NULL)) {
          return gr_vips_error(err, GR_ERR_ENCODE, "", "cast failed");
        }
        gr_vips_swap(image_io, cast);
        image = cast;
      }
      buf = vips_image_write_to_memory(image, &len);
      if (!buf) {
        return gr_vips_error_pixels(err, GR_ERR_NO_MEMORY,
                                    "Could not allocate enough memory for raw output");
      }
      break;
    }
    default:
      return gr_fail(err, GR_ERR_UNSUPPORTED, "Unsupported output format %d", (int)format);
  }
  if (rc) {
    g_free(buf);
    return gr_vips_error_pixels(err, GR_ERR_ENCODE, "libvips could not write the output");
  }
  st = gr_vips_take_buffer(buf, len, res, err);
  if (st == GR_OK) res->format = format;
  return st;
}

/* ---- the pipeline ---- */

static gr_status gr_vips_validate(const gr_request *req, gr_error *err) {
  if ((int)req->kernel < 0 || req->kernel >= GR_KERNEL_COUNT) {
    return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "Invalid kernel %d", (int)req->kernel);
  }
  if ((int)req->fit < GR_FIT_COVER || req->fit > GR_FIT_OUTSIDE) {
    return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "Invalid fit %d", (int)req->fit);
  }
  if (!((req->position >= 0 && req->position <= 8) || req->position == GR_POSITION_ENTROPY ||
        req->position == GR_POSITION_ATTENTION)) {
    return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "Invalid position %d", req->position);
  }
  if (req->rotate_angle % 90 != 0) {
    return gr_fail(err, GR_ERR_UNSUPPORTED, "Rotation by %d degrees is not supported",
                   req->rotate_angle);
  }
  if (req->resize_width < 0 || req->resize_height < 0) {
    return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "Invalid resize dimensions %dx%d",
                   req->resize_width, req->resize_height);
  }
  const gr_rect *rects[2] = {&req->extract_before, &req->extract_after};
  for (int i = 0; i < 2; i++) {
    const gr_rect *r = rects[i];
    if (r->width > 0 && (r->left < 0 || r->top < 0 || r->height <= 0)) {
      return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "Invalid extract area %d,%d %dx%d", r->left,
                     r->top, r->width, r->height);
    }
  }
  return GR_OK;
}

/* Runs `call` (which writes its output to t_) and replaces image with the result. */
#define GR_STEP(call, code)                                                   \
  do {                                                                        \
    VipsImage *t_ = NULL;                                                     \
    if (call) {                                                               \
      st = gr_vips_error_pixels(err, (code), "libvips operation failed");     \
      goto done;                                                              \
    }                                                                         \
    gr_vips_swap(&image, t_);                                                 \
  } while (0)

#define GR_CHECK(expr, code)                                                  \
  do {                                                                        \
    if (expr) {                                                               \
      st = gr_vips_error_pixels(err, (code), "libvips operation failed");     \
      goto done;                                                              \
    }                                                                         \
  } while (0)

gr_status gr_vips_process(const gr_request *req, gr_result *res, gr_error *err) {
  if (!req || !res) return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "NULL request or result");
  res->data = NULL;
  res->length = 0;
  res->width = res->height = res->channels = 0;
  res->format = GR_FORMAT_UNKNOWN;
  res->premultiplied = 0;
  res->has_crop_offset = 0;
  res->crop_offset_left = res->crop_offset_top = 0;
  res->has_attention = 0;
  res->attention_x = res->attention_y = 0;
  res->backend = GR_BACKEND_VIPS;

  if (!gr_vips_ensure_init()) {
    return gr_fail(err, GR_ERR_UNSUPPORTED, "libvips is not available: %s", g_init_reason);
  }
  gr_status st = gr_vips_validate(req, err);
  if (st != GR_OK) return st;

  gr_vips_input in;
  st = gr_vips_open(req, &in, err);
  if (st != GR_OK) return st;
  VipsImage *image = in.image;
  const gr_vips_type type = in.type;
  const VipsFailOn fail_on = gr_vips_fail_on(req->fail_on);

  gr_format format = gr_vips_output_format(req, type, image, err);
  if (format == GR_FORMAT_UNKNOWN) {
    st = err ? err->code : GR_ERR_UNSUPPORTED;
    goto done;
  }
  if (format == GR_FORMAT_SVG || format < GR_FORMAT_UNKNOWN || format >= GR_FORMAT_COUNT) {
    st = gr_fail(err, GR_ERR_UNSUPPORTED, "Unsupported output format %d", (int)format);
    goto done;
  }

  /* Rotation: EXIF, then the explicit angle / flip / flop. */
  VipsAngle auto_rotation = VIPS_ANGLE_D0;
  int auto_flop = 0;
  if (req->auto_orient) gr_vips_exif_rotation(gr_vips_orientation(image), &auto_rotation, &auto_flop);
  VipsAngle rotation = gr_vips_angle(gr_normalise_angle(req->rotate_angle));
  int flip = req->flip ? 1 : 0;
  int flop = req->flop ? 1 : 0;

  const int should_rotate_before =
      req->rotate_before && (rotation != VIPS_ANGLE_D0 || flip || flop);
  const int should_orient_before = (should_rotate_before || req->orient_before) &&
                                   (auto_rotation != VIPS_ANGLE_D0 || auto_flop);

  if (should_orient_before) {
    GR_CHECK(gr_vips_stay_sequential(&image, auto_rotation != VIPS_ANGLE_D0), GR_ERR_DECODE);
    if (auto_rotation != VIPS_ANGLE_D0) {
      GR_STEP(vips_rot(image, &t_, auto_rotation, NULL), GR_ERR_BACKEND);
      auto_rotation = VIPS_ANGLE_D0;
    }
    if (auto_flop) {
      GR_STEP(vips_flip(image, &t_, VIPS_DIRECTION_HORIZONTAL, NULL), GR_ERR_BACKEND);
      auto_flop = 0;
    }
  }
  if (should_rotate_before) {
    GR_CHECK(gr_vips_stay_sequential(&image, rotation != VIPS_ANGLE_D0 || flip), GR_ERR_DECODE);
    if (flip) {
      GR_STEP(vips_flip(image, &t_, VIPS_DIRECTION_VERTICAL, NULL), GR_ERR_BACKEND);
      flip = 0;
    }
    if (flop) {
      GR_STEP(vips_flip(image, &t_, VIPS_DIRECTION_HORIZONTAL, NULL), GR_ERR_BACKEND);
      flop = 0;
    }
    if (rotation != VIPS_ANGLE_D0) {
      GR_STEP(vips_rot(image, &t_, rotation, NULL), GR_ERR_BACKEND);
      rotation = VIPS_ANGLE_D0;
    }
  }

  /* Pre-resize extract. */
  const gr_rect *pre = &req->extract_before;
  const int has_pre = pre->width > 0;
  if (has_pre) {
    GR_STEP(vips_extract_area(image, &t_, pre->left, pre->top, pre->width, pre->height, NULL),
            GR_ERR_INVALID_ARGUMENT);
  }

  int input_width = image->Xsize;
  int input_height = image->Ysize;
  int target_width = req->resize_width;
  int target_height = req->resize_height;
  if (auto_rotation == VIPS_ANGLE_D90 || auto_rotation == VIPS_ANGLE_D270) {
    int tmp = target_width;
    target_width = target_height;
    target_height = tmp;
  }
  double hshrink, vshrink;
  gr_resolve_shrink(input_width, input_height, target_width, target_height, req->fit,
                         req->without_enlargement, req->without_reduction, &hshrink, &vshrink);

  /* Shrink-on-load: JPEG by 2/4/8, WebP and SVG by a scale. */
  int jpeg_shrink_on_load = 1;
  double scale = 1.0;
  const int should_pre_shrink = (target_width > 0 || target_height > 0) && !has_pre &&
                                !(should_orient_before || should_rotate_before);
  if (should_pre_shrink) {
    double shrink = fmin(hshrink, vshrink);
    if (type == IT_JPEG) {
      int factor = req->fast_shrink_on_load ? 1 : 2;
      if (shrink >= 8 * factor) jpeg_shrink_on_load = 8;
      else if (shrink >= 4 * factor) jpeg_shrink_on_load = 4;
      else if (shrink >= 2 * factor) jpeg_shrink_on_load = 2;
      if (jpeg_shrink_on_load > 1 && (int)shrink == jpeg_shrink_on_load) jpeg_shrink_on_load /= 2;
    } else if (type == IT_WEBP && req->fast_shrink_on_load && shrink > 1.0) {
      scale = 1.0 / shrink;
    } else if (type == IT_SVG) {
      scale = 1.0 / shrink;
    }
  }
  void *input_buf = (void *)(uintptr_t)req->input;
  if (jpeg_shrink_on_load > 1) {
    GR_STEP(vips_jpegload_buffer(input_buf, req->input_length, &t_, "shrink", jpeg_shrink_on_load,
                                 "access", VIPS_ACCESS_SEQUENTIAL, "fail_on", fail_on, NULL),
            GR_ERR_DECODE);
  } else if (scale != 1.0) {
    if (type == IT_WEBP) {
      GR_STEP(vips_webpload_buffer(input_buf, req->input_length, &t_, "scale", scale, "access",
                                   VIPS_ACCESS_SEQUENTIAL, "fail_on", fail_on, NULL),
              GR_ERR_DECODE);
    } else {
      GR_STEP(vips_svgload_buffer(input_buf, req->input_length, &t_, "scale", scale, "access",
                                  VIPS_ACCESS_SEQUENTIAL, "fail_on", fail_on, NULL),
              GR_ERR_DECODE);
      if (image->Xsize > 32767 || image->Ysize > 32767) {
        st = gr_fail(err, GR_ERR_LIMIT,
                     "Input SVG image will exceed 32767x32767 pixel limit when scaled");
        goto done;
      }
    }
  } else if (type == IT_SVG && (image->Xsize > 32767 || image->Ysize > 32767)) {
    st = gr_fail(err, GR_ERR_LIMIT, "Input SVG image exceeds 32767x32767 pixel limit");
    goto done;
  }
  if (req->auto_orient) {
    static const char *const fields[] = {VIPS_META_ORIENTATION, "exif-ifd0-Orientation", NULL};
    GR_CHECK(gr_vips_remove_fields(&image, fields), GR_ERR_BACKEND);
  }
  if (vips_image_get_typeof(image, "gainmap") == VIPS_TYPE_BLOB ||
      vips_image_get_typeof(image, "gainmap-data") == VIPS_TYPE_BLOB) {
    static const char *const fields[] = {"gainmap", "gainmap-data", NULL};
    GR_CHECK(gr_vips_remove_fields(&image, fields), GR_ERR_BACKEND);
  }

  input_width = image->Xsize;
  input_height = image->Ysize;
  gr_resolve_shrink(input_width, input_height, target_width, target_height, req->fit,
                         req->without_enlargement, req->without_reduction, &hshrink, &vshrink);

  /* Device-independent colour: the embedded profile to sRGB (P3 for 16-bit), CMYK via the
   * built-in profile. */
  {
    const char *processing_profile =
        image->Type == VIPS_INTERPRETATION_RGB16 ? "p3" : "srgb";
    if (vips_image_get_typeof(image, VIPS_META_ICC_NAME) == VIPS_TYPE_BLOB &&
        image->Type != VIPS_INTERPRETATION_LABS && image->Type != VIPS_INTERPRETATION_GREY16) {
      VipsImage *t = NULL;
      if (vips_icc_transform(image, &t, processing_profile, "embedded", TRUE, "depth",
                             gr_vips_is16bit(image->Type) ? 16 : 8, "intent",
                             VIPS_INTENT_PERCEPTUAL, NULL)) {
        vips_error_clear(); /* sharp: warning "Invalid embedded profile", carries on */
      } else {
        gr_vips_swap(&image, t);
      }
    } else if (image->Type == VIPS_INTERPRETATION_CMYK) {
      GR_STEP(vips_icc_transform(image, &t_, processing_profile, "input_profile", "cmyk",
                                 "intent", VIPS_INTENT_PERCEPTUAL, NULL),
              GR_ERR_DECODE);
    }
  }

  const int should_resize = hshrink != 1.0 || vshrink != 1.0;
  const VipsBandFormat premultiply_format = image->BandFmt;
  const int should_premultiply = vips_image_hasalpha(image) && should_resize;
  if (should_premultiply) {
    GR_STEP(vips_premultiply(image, &t_, NULL), GR_ERR_BACKEND);
    GR_STEP(vips_cast(image, &t_, premultiply_format, NULL), GR_ERR_BACKEND);
  }
  if (should_resize) {
    GR_STEP(vips_resize(image, &t_, 1.0 / hshrink, "vscale", 1.0 / vshrink, "kernel",
                        (VipsKernel)req->kernel, NULL),
            GR_ERR_BACKEND);
  }

  GR_CHECK(gr_vips_stay_sequential(&image, auto_rotation != VIPS_ANGLE_D0 || flip ||
                                               rotation != VIPS_ANGLE_D0),
           GR_ERR_DECODE);
  if (auto_rotation != VIPS_ANGLE_D0) {
    GR_STEP(vips_rot(image, &t_, auto_rotation, NULL), GR_ERR_BACKEND);
  }
  if (flip) {
    GR_STEP(vips_flip(image, &t_, VIPS_DIRECTION_VERTICAL, NULL), GR_ERR_BACKEND);
  }
  if (flop != auto_flop) {
    GR_STEP(vips_flip(image, &t_, VIPS_DIRECTION_HORIZONTAL, NULL), GR_ERR_BACKEND);
  }
  if (rotation != VIPS_ANGLE_D0) {
    GR_STEP(vips_rot(image, &t_, rotation, NULL), GR_ERR_BACKEND);
  }

  /* Crop / embed to the requested box. */
  input_width = image->Xsize;
  input_height = image->Ysize;
  int width = req->resize_width > 0 ? req->resize_width : input_width;
  int height = req->resize_height > 0 ? req->resize_height : input_height;
  if (input_width != width || input_height != height) {
    if (req->fit == GR_FIT_CONTAIN) {
      double background[8];
      int nbackground = 0;
      GR_CHECK(gr_vips_apply_alpha(&image, req->background, should_premultiply, background,
                                   &nbackground),
               GR_ERR_BACKEND);
      int left, top;
      gr_calculate_embed(input_width, input_height, width, height, req->position, &left,
                             &top);
      VipsArrayDouble *array = vips_array_double_new(background, nbackground);
      VipsImage *t = NULL;
      int rc = vips_embed(image, &t, left, top, input_width > width ? input_width : width,
                          input_height > height ? input_height : height, "extend",
                          VIPS_EXTEND_BACKGROUND, "background", array, NULL);
      vips_area_unref(VIPS_AREA(array));
      GR_CHECK(rc, GR_ERR_BACKEND);
      gr_vips_swap(&image, t);
    } else if (req->fit == GR_FIT_COVER) {
      if (width > input_width) width = input_width;
      if (height > input_height) height = input_height;
      if (req->position < 9) {
        int left, top;
        gr_calculate_crop(input_width, input_height, width, height, req->position, &left,
                              &top);
        GR_STEP(vips_extract_area(image, &t_, left, top, width, height, NULL), GR_ERR_BACKEND);
      } else {
        int attention_x = 0, attention_y = 0;
        GR_CHECK(gr_vips_stay_sequential(&image, 1), GR_ERR_DECODE);
        GR_STEP(vips_smartcrop(image, &t_, width, height, "interesting",
                               req->position == GR_POSITION_ENTROPY ? VIPS_INTERESTING_ENTROPY
                                                                    : VIPS_INTERESTING_ATTENTION,
                               "premultiplied", should_premultiply ? TRUE : FALSE,
                               "attention_x", &attention_x, "attention_y", &attention_y, NULL),
                GR_ERR_BACKEND);
        res->has_crop_offset = 1;
        res->crop_offset_left = image->Xoffset;
        res->crop_offset_top = image->Yoffset;
        res->has_attention = 1;
        res->attention_x = (int)(attention_x * jpeg_shrink_on_load / scale);
        res->attention_y = (int)(attention_y * jpeg_shrink_on_load / scale);
      }
    }
  }

  /* Post-resize extract. */
  const gr_rect *post = &req->extract_after;
  if (post->width > 0) {
    GR_STEP(vips_extract_area(image, &t_, post->left, post->top, post->width, post->height, NULL),
            GR_ERR_INVALID_ARGUMENT);
  }

  if (should_premultiply) {
    GR_STEP(vips_unpremultiply(image, &t_, NULL), GR_ERR_BACKEND);
    GR_STEP(vips_cast(image, &t_, premultiply_format, NULL), GR_ERR_BACKEND);
  }
  /* sharp reports premultiplied: true whenever it premultiplied for processing; the output pixels
   * are unpremultiplied again either way. */
  res->premultiplied = should_premultiply;

  /* Output colourspace: sRGB (greyscale too, as sharp's default toColourspace('srgb')). */
  if (gr_vips_is16bit(image->Type)) {
    GR_STEP(vips_cast(image, &t_, VIPS_FORMAT_USHORT, NULL), GR_ERR_BACKEND);
  }
  if (image->Type != VIPS_INTERPRETATION_sRGB) {
    VipsInterpretation source = image->Type;
    GR_STEP(vips_colourspace(image, &t_, VIPS_INTERPRETATION_sRGB, "source_space", source, NULL),
            GR_ERR_BACKEND);
  }

  res->channels = image->Bands;
  res->width = image->Xsize;
  res->height = image->Ysize;

  /* sharp's SetAnimationProperties for one page: loop = 1. */
  {
    VipsImage *t = NULL;
    GR_CHECK(vips_copy(image, &t, NULL), GR_ERR_BACKEND);
    gr_vips_swap(&image, t);
    vips_image_set_int(image, "loop", 1);
  }

  st = gr_vips_save(&image, format, req, res, err);

done:
  if (image) g_object_unref(image);
  if (st != GR_OK) {
    free(res->data);
    res->data = NULL;
    res->length = 0;
  }
  return st;
}

#undef GR_STEP
#undef GR_CHECK

/* ---- metadata ---- */

gr_status gr_vips_read_metadata(const uint8_t *data, size_t length, gr_metadata *meta,
                                gr_error *err) {
  return gr_vips_read_metadata_ex(data, length, meta, NULL, err);
}

gr_status gr_vips_read_metadata_ex(const uint8_t *data, size_t length, gr_metadata *meta,
                                   gr_metadata_ex *ex, gr_error *err) {
  if (!meta) return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "NULL metadata");
  memset(meta, 0, sizeof *meta);
  if (!gr_vips_ensure_init()) {
    return gr_fail(err, GR_ERR_UNSUPPORTED, "libvips is not available: %s", g_init_reason);
  }
  if (!data || length == 0) {
    return gr_fail(err, GR_ERR_DECODE, "Input buffer contains unsupported image format");
  }
  const char *loader = vips_foreign_find_load_buffer(data, length);
  if (!loader) {
    vips_error_clear();
    return gr_fail(err, GR_ERR_DECODE, "Input buffer contains unsupported image format");
  }
  gr_vips_type type = gr_vips_type_from_loader(loader);
  VipsImage *image =
      vips_image_new_from_buffer(data, length, "", "access", VIPS_ACCESS_SEQUENTIAL, NULL);
  if (!image) {
    return gr_vips_error(err, GR_ERR_DECODE, "Input buffer has corrupt header: ", "");
  }
  switch (type) {
    case IT_JPEG: meta->format = GR_FORMAT_JPEG; break;
    case IT_PNG: meta->format = GR_FORMAT_PNG; break;
    case IT_WEBP: meta->format = GR_FORMAT_WEBP; break;
    case IT_GIF: meta->format = GR_FORMAT_GIF; break;
    case IT_TIFF: meta->format = GR_FORMAT_TIFF; break;
    case IT_HEIF:
      meta->format = gr_vips_heif_is_av1(image) ? GR_FORMAT_AVIF : GR_FORMAT_HEIF;
      break;
    case IT_SVG: meta->format = GR_FORMAT_SVG; break;
    default: meta->format = GR_FORMAT_UNKNOWN; break;
  }
  meta->width = image->Xsize;
  meta->height = image->Ysize;
  meta->channels = image->Bands;
  meta->has_alpha = vips_image_hasalpha(image) ? 1 : 0;
  meta->orientation = gr_vips_orientation(image);
  meta->is_cmyk = image->Type == VIPS_INTERPRETATION_CMYK;

  int value = 0;
  if (vips_image_get_typeof(image, "interlaced") == G_TYPE_INT &&
      !vips_image_get_int(image, "interlaced", &value)) {
    meta->is_progressive = value == 1;
  }
  if (vips_image_get_typeof(image, VIPS_META_N_PAGES) == G_TYPE_INT &&
      !vips_image_get_int(image, VIPS_META_N_PAGES, &value)) {
    meta->pages = value;
  }
  if (vips_image_get_typeof(image, VIPS_META_BITS_PER_SAMPLE) == G_TYPE_INT &&
      !vips_image_get_int(image, VIPS_META_BITS_PER_SAMPLE, &value)) {
    meta->bits_per_sample = value;
  } else {
    meta->bits_per_sample = (int)(vips_format_sizeof(image->BandFmt) * 8);
  }
  const char *chroma = NULL;
  if (vips_image_get_typeof(image, "jpeg-chroma-subsample") == VIPS_TYPE_REF_STRING &&
      !vips_image_get_string(image, "jpeg-chroma-subsample", &chroma) && chroma) {
    /* "4:2:0", or "4:4:4:4" for CMYK: the first three digits. */
    int a = 0, b = 0, c = 0;
    if (sscanf(chroma, "%d:%d:%d", &a, &b, &c) == 3) meta->chroma_subsampling = a * 100 + b * 10 + c;
  }
  if (image->Xres > 1.0) meta->density = (double)lround(image->Xres * 25.4);
  meta->has_profile = vips_image_get_typeof(image, VIPS_META_ICC_NAME) == VIPS_TYPE_BLOB;
  if (ex) gr_vips_fill_metadata_ex(image, ex);
  vips_error_clear();
  g_object_unref(image);
  return GR_OK;
}
