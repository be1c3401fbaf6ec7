/* JPEG header reading and decoding with the jpeglib API of libjpeg-turbo. Only the API common to
 * JPEG_LIB_VERSION 62 and 80 is used. */
#include <stdlib.h>
#include <string.h>

#include "codecs/jpeg_err.h"

/* State that outlives a longjmp: it lives in the caller's frame, the setjmp is in a callee. */
typedef struct jpeg_dec_state {
  struct jpeg_decompress_struct cinfo;
  gr_jpeg_err jerr;
  int created;
  gr_image img;
  JSAMPROW *rows;
} jpeg_dec_state;

static void dec_state_cleanup(jpeg_dec_state *st, int keep_image) {
  if (st->created) jpeg_destroy_decompress(&st->cinfo);
  st->created = 0;
  free(st->rows);
  st->rows = NULL;
  if (!keep_image) gr_image_free(&st->img);
}

/* sharp's messages: "Input buffer has corrupt header: VipsJpeg: ..." when the header cannot be
 * read, "VipsJpeg: ..." when the pixels cannot. */
static gr_status jpeg_error_status(jpeg_dec_state *st, gr_error *err, const char *prefix) {
  char reason[JMSG_LENGTH_MAX + 64];
  return gr_fail(err, GR_ERR_DECODE, "%s%s", prefix,
                 gr_jpeg_err_reason(&st->jerr, reason, sizeof reason));
}

static int chroma_subsampling(const struct jpeg_decompress_struct *c) {
  if (c->num_components == 1) return 444; /* what sharp reports for greyscale */
  if (c->num_components < 3 || !c->comp_info) return 0;
  int h0 = c->comp_info[0].h_samp_factor, v0 = c->comp_info[0].v_samp_factor;
  int h1 = c->comp_info[1].h_samp_factor, v1 = c->comp_info[1].v_samp_factor;
  if (h1 <= 0 || v1 <= 0) return 0;
  int hr = h0 / h1, vr = v0 / v1;
  if (hr == 1 && vr == 1) return 444;
  if (hr == 2 && vr == 1) return 422;
  if (hr == 2 && vr == 2) return 420;
  if (hr == 1 && vr == 2) return 440;
  if (hr == 4 && vr == 1) return 411;
  return 0;
}

static gr_status header_inner(jpeg_dec_state *st, const uint8_t *data, size_t length,
                              gr_metadata *meta, gr_error *err) {
  struct jpeg_decompress_struct *c = &st->cinfo;
  c->err = gr_jpeg_err_init(&st->jerr, GR_FAIL_ON_ERROR);
  if (setjmp(st->jerr.jump)) return jpeg_error_status(st, err, "Input buffer has corrupt header: ");
  jpeg_create_decompress(c);
  st->created = 1;
  jpeg_mem_src(c, (unsigned char *)data, (unsigned long)length);
  jpeg_save_markers(c, JPEG_APP0 + 1, 0xFFFF);
  jpeg_save_markers(c, JPEG_APP0 + 2, 0xFFFF);
  jpeg_read_header(c, TRUE);

  meta->format = GR_FORMAT_JPEG;
  meta->width = (int)c->image_width;
  meta->height = (int)c->image_height;
  meta->bits_per_sample = 8;
  meta->pages = 1;
  meta->is_progressive = c->progressive_mode ? 1 : 0;
  switch (c->jpeg_color_space) {
    case JCS_GRAYSCALE: meta->channels = 1; break;
    case JCS_CMYK:
    case JCS_YCCK:
      meta->channels = 4;
      meta->is_cmyk = 1;
      break;
    default: meta->channels = c->num_components >= 3 ? 3 : c->num_components; break;
  }
  meta->chroma_subsampling = chroma_subsampling(c);
  if (meta->is_cmyk && meta->chroma_subsampling == 0 && c->num_components == 4) {
    meta->chroma_subsampling = 444;
  }
  if (c->saw_JFIF_marker) {
    if (c->density_unit == 1) meta->density = (double)c->X_density;
    else if (c->density_unit == 2) meta->density = (double)c->X_density * 2.54;
  }
  for (jpeg_saved_marker_ptr m = c->marker_list; m; m = m->next) {
    if (m->marker == JPEG_APP0 + 1 && m->data_length >= 6 && !meta->orientation &&
        memcmp(m->data, "Exif\0\0", 6) == 0) {
      meta->orientation = gr_exif_orientation_tiff(m->data + 6, m->data_length - 6);
    } else if (m->marker == JPEG_APP0 + 2 && m->data_length > 14 && !meta->has_profile &&
               memcmp(m->data, "ICC_PROFILE\0", 12) == 0) {
      /* The profile header and description sit in the first segment. */
      meta->has_profile = 1;
      meta->profile_is_srgb = gr_icc_is_srgb(m->data + 14, m->data_length - 14);
    }
  }
  return GR_OK;
}

gr_status gr_jpeg_read_header(const uint8_t *data, size_t length, gr_metadata *meta,
                              gr_error *err) {
  jpeg_dec_state *st = calloc(1, sizeof *st);
  if (!st) return gr_fail(err, GR_ERR_NO_MEMORY, "Out of memory");
  memset(meta, 0, sizeof *meta);
  gr_status s = header_inner(st, data, length, meta, err);
  dec_state_cleanup(st, 0);
  free(st);
  return s;
}

static gr_status decode_inner(jpeg_dec_state *st, const uint8_t *data, size_t length,
                              const gr_decode_options *opts, gr_error *err) {
  struct jpeg_decompress_struct *c = &st->cinfo;
  c->err = gr_jpeg_err_init(&st->jerr, opts->fail_on);
  if (setjmp(st->jerr.jump)) return jpeg_error_status(st, err, "");
  jpeg_create_decompress(c);
  st->created = 1;
  jpeg_mem_src(c, (unsigned char *)data, (unsigned long)length);
  jpeg_read_header(c, TRUE);

  gr_status s = gr_check_pixel_limit(c->image_width, c->image_height, opts->limit_input_pixels,
                                     err);
  if (s != GR_OK) return s;

  int channels;
  switch (c->jpeg_color_space) {
    case JCS_GRAYSCALE:
      c->out_color_space = JCS_GRAYSCALE;
      channels = 1;
      break;
    case JCS_YCbCr:
    case JCS_RGB:
      c->out_color_space = JCS_RGB;
      channels = 3;
      break;
    case JCS_CMYK:
    case JCS_YCCK:
      return gr_fail(err, GR_ERR_UNSUPPORTED, "CMYK JPEG is decoded by libvips");
    default:
      if (c->num_components == 3) {
        c->out_color_space = JCS_RGB;
        channels = 3;
        break;
      }
      return gr_fail(err, GR_ERR_UNSUPPORTED, "JPEG with %d components is decoded by libvips",
                     c->num_components);
  }
  c->scale_num = 1;
  c->scale_denom = (unsigned)opts->jpeg_shrink;
  c->dct_method = JDCT_ISLOW;
  c->do_fancy_upsampling = TRUE;
  jpeg_calc_output_dimensions(c);
  if (c->output_components != channels) {
    return gr_fail(err, GR_ERR_DECODE, "Unexpected JPEG output components %d",
                   c->output_components);
  }
  s = gr_image_alloc(&st->img, (int)c->output_width, (int)c->output_height, channels, err);
  if (s != GR_OK) return s;
  st->rows = malloc(sizeof(JSAMPROW) * (size_t)st->img.height);
  if (!st->rows) return gr_fail(err, GR_ERR_NO_MEMORY, "Out of memory");
  for (int y = 0; y < st->img.height; y++) st->rows[y] = st->img.data + (size_t)y * st->img.stride;

  jpeg_start_decompress(c);
  while (c->output_scanline < c->output_height) {
    JDIMENSION got = jpeg_read_scanlines(c, st->rows + c->output_scanline,
                                         c->output_height - c->output_scanline);
    if (got == 0) break; /* cannot happen with a memory source; never loop forever */
  }
  if (c->output_scanline < c->output_height) {
    return gr_fail(err, GR_ERR_DECODE, "JPEG decode stopped at row %u of %u",
                   (unsigned)c->output_scanline, (unsigned)c->output_height);
  }
  /* libvips' jpegload with shrink gives floor(size / shrink), dropping the partial last
   * column and row that libjpeg's ceil adds; sharp's geometry (and pixels) assume that. */
  if (opts->jpeg_shrink > 1) {
    int w = (int)(c->image_width / (unsigned)opts->jpeg_shrink);
    int h = (int)(c->image_height / (unsigned)opts->jpeg_shrink);
    if (w >= 1 && w < st->img.width) st->img.width = w;
    if (h >= 1 && h < st->img.height) st->img.height = h;
  }
  /* No jpeg_finish_decompress: the pixels are complete and trailing bytes do not matter. */
  return GR_OK;
}

gr_status gr_jpeg_decode(const uint8_t *data, size_t length, const gr_decode_options *opts,
                         gr_image *out, gr_error *err) {
  jpeg_dec_state *st = calloc(1, sizeof *st);
  if (!st) return gr_fail(err, GR_ERR_NO_MEMORY, "Out of memory");
  gr_status s = decode_inner(st, data, length, opts, err);
  if (s == GR_OK) {
    *out = st->img;
    memset(&st->img, 0, sizeof st->img);
  }
  dec_state_cleanup(st, 0);
  free(st);
  return s;
}
