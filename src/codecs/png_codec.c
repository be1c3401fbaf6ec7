/* PNG header, decode and encode with libpng 1.6's classic API, reading from and writing to
 * memory. Errors longjmp back with libpng's message; warnings are silent. */
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/codecs_internal.h"

typedef struct png_io {
  const uint8_t *data;
  size_t length;
  size_t pos;
  /* writer */
  uint8_t *out;
  size_t out_len, out_cap;
  int out_failed;
  int idat_seen; /* reader: an IDAT header went by */
  char message[GR_MESSAGE_MAX];
} png_io;

static void gr_png_error(png_structp png, png_const_charp msg) {
  png_io *io = (png_io *)png_get_error_ptr(png);
  if (io) snprintf(io->message, sizeof io->message, "%s", msg ? msg : "libpng error");
  png_longjmp(png, 1);
}

static void gr_png_warning(png_structp png, png_const_charp msg) {
  (void)png;
  (void)msg; /* never print */
}

static uint32_t be32(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* libpng 1.6.39 allocates (and zeroes) a buffer of a chunk's declared length before reading its
 * data: its chunk size limit is only a warning on read, so a 100-byte file whose tEXt claims 2 GB
 * commits 2 GB. Before the image data every chunk is read whole, so one longer than the input
 * left can only end in a truncation error: give it now, before the allocation. IDAT is read in
 * small pieces (a truncated image still decodes with failOn 'none'), and the chunks after it
 * are not read at all. */
static void check_chunk_header(png_structp png, png_io *io, const uint8_t *header) {
  if (memcmp(header + 4, "IDAT", 4) == 0) io->idat_seen = 1;
  if (io->idat_seen) return;
  uint64_t need = (uint64_t)be32(header) + 4; /* data and CRC */
  if (need > io->length - io->pos) {
    char msg[96];
    snprintf(msg, sizeof msg, "Truncated PNG: a %u-byte chunk runs past the end of the input",
             (unsigned)be32(header));
    png_error(png, msg);
  }
}

static void gr_png_read(png_structp png, png_bytep dst, size_t n) {
  png_io *io = (png_io *)png_get_io_ptr(png);
  if (io->pos > io->length || io->length - io->pos < n) {
    png_error(png, "Truncated PNG: read past the end of the input");
  }
  memcpy(dst, io->data + io->pos, n);
  io->pos += n;
  if (n == 8 && (png_get_io_state(png) & PNG_IO_MASK_LOC) == PNG_IO_CHUNK_HDR) {
    check_chunk_header(png, io, dst);
  }
}

static void gr_png_write(png_structp png, png_bytep src, size_t n) {
  png_io *io = (png_io *)png_get_io_ptr(png);
  if (io->out_cap - io->out_len < n) {
    size_t cap = io->out_cap ? io->out_cap : 65536;
    while (cap - io->out_len < n) {
      if (cap > SIZE_MAX / 2) png_error(png, "PNG output too large");
      cap *= 2;
    }
    uint8_t *p = realloc(io->out, cap);
    if (!p) {
      io->out_failed = 1;
      png_error(png, "Out of memory writing PNG");
    }
    io->out = p;
    io->out_cap = cap;
  }
  memcpy(io->out + io->out_len, src, n);
  io->out_len += n;
}

static void gr_png_flush(png_structp png) { (void)png; }

/* Walks the chunks (no decompression) for eXIf, which may also follow IDAT. */
static int png_exif_orientation(const uint8_t *data, size_t length) {
  size_t pos = 8;
  while (pos <= length && length - pos >= 12) {
    uint32_t n = be32(data + pos);
    const uint8_t *type = data + pos + 4;
    if ((size_t)n > length - pos - 12) return 0;
    if (memcmp(type, "eXIf", 4) == 0) return gr_exif_orientation_tiff(data + pos + 8, n);
    if (memcmp(type, "IEND", 4) == 0) return 0;
    pos += 12 + (size_t)n;
  }
  return 0;
}

typedef struct png_dec_state {
  png_io io;
  png_structp png;
  png_infop info;
  gr_image img;
  png_bytep *rows;
  int pixels_started; /* image allocated and row reading begun */
  int interlaced;
  png_uint_32 rows_done; /* rows read so far (non-interlaced images) */
} png_dec_state;

static void png_dec_cleanup(png_dec_state *st) {
  if (st->png) png_destroy_read_struct(&st->png, st->info ? &st->info : NULL, NULL);
  st->png = NULL;
  st->info = NULL;
  free(st->rows);
  st->rows = NULL;
}

/* crc_tolerant: CRC errors are ignored (libvips with failOn 'none' or 'truncated', and its
 * header read, which never fails on a CRC). */
static gr_status png_create(png_dec_state *st, const uint8_t *data, size_t length,
                            int crc_tolerant, gr_error *err) {
  st->io.data = data;
  st->io.length = length;
  st->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &st->io, gr_png_error, gr_png_warning);
  if (!st->png) return gr_fail(err, GR_ERR_NO_MEMORY, "Out of memory creating PNG reader");
  st->info = png_create_info_struct(st->png);
  if (!st->info) return gr_fail(err, GR_ERR_NO_MEMORY, "Out of memory creating PNG reader");
  png_set_read_fn(st->png, &st->io, gr_png_read);
  png_set_user_limits(st->png, 0x7fffffff, 0x7fffffff);
  if (crc_tolerant) png_set_crc_action(st->png, PNG_CRC_QUIET_USE, PNG_CRC_QUIET_USE);
#ifdef PNG_SKIP_sRGB_CHECK_PROFILE
  png_set_option(st->png, PNG_SKIP_sRGB_CHECK_PROFILE, PNG_OPTION_ON);
#endif
  return GR_OK;
}

static gr_status png_header_inner(png_dec_state *st, gr_metadata *meta, gr_error *err) {
  if (setjmp(png_jmpbuf(st->png))) {
    /* sharp: "Input buffer has corrupt header:" (libvips drops libpng's reason; we keep it). */
    return gr_fail(err, GR_ERR_DECODE, "Input buffer has corrupt header: %s", st->io.message);
  }
  png_read_info(st->png, st->info);
  png_uint_32 w, h;
  int depth, color, interlace;
  png_get_IHDR(st->png, st->info, &w, &h, &depth, &color, &interlace, NULL, NULL);
  int trns = png_get_valid(st->png, st->info, PNG_INFO_tRNS) != 0;
  int channels;
  switch (color) {
    case PNG_COLOR_TYPE_GRAY: channels = trns ? 2 : 1; break;
    case PNG_COLOR_TYPE_GRAY_ALPHA: channels = 2; break;
    case PNG_COLOR_TYPE_PALETTE: channels = trns ? 4 : 3; break;
    case PNG_COLOR_TYPE_RGB: channels = trns ? 4 : 3; break;
    case PNG_COLOR_TYPE_RGB_ALPHA: channels = 4; break;
    default:
      return gr_fail(err, GR_ERR_DECODE, "Input buffer has corrupt header: colour type %d", color);
  }
  meta->format = GR_FORMAT_PNG;
  meta->width = (int)w;
  meta->height = (int)h;
  meta->channels = channels;
  meta->has_alpha = channels == 2 || channels == 4;
  meta->bits_per_sample = depth;
  meta->is_progressive = interlace != PNG_INTERLACE_NONE;
  meta->pages = 1;
  png_charp icc_name;
  int icc_compression;
  png_bytep icc = NULL;
  png_uint_32 icc_length = 0;
  if (png_get_iCCP(st->png, st->info, &icc_name, &icc_compression, &icc, &icc_length) && icc) {
    meta->has_profile = 1;
    meta->profile_is_srgb = gr_icc_is_srgb(icc, icc_length);
  } else if (png_get_valid(st->png, st->info, PNG_INFO_sRGB)) {
    meta->has_profile = 0; /* an sRGB chunk is sRGB: nothing to convert */
  }
  png_uint_32 xres, yres;
  int unit;
  if (png_get_pHYs(st->png, st->info, &xres, &yres, &unit) && unit == PNG_RESOLUTION_METER) {
    meta->density = (double)xres * 0.0254;
  }
  return GR_OK;
}

gr_status gr_png_read_header(const uint8_t *data, size_t length, gr_metadata *meta,
                             gr_error *err) {
  png_dec_state *st = calloc(1, sizeof *st);
  if (!st) return gr_fail(err, GR_ERR_NO_MEMORY, "Out of memory");
  memset(meta, 0, sizeof *meta);
  gr_status s = png_create(st, data, length, 1, err);
  if (s == GR_OK) s = png_header_inner(st, meta, err);
  if (s == GR_OK) meta->orientation = png_exif_orientation(data, length);
  png_dec_cleanup(st);
  free(st);
  return s;
}

static gr_status png_decode_inner(png_dec_state *st, const gr_decode_options *opts,
                                  gr_error *err) {
  if (setjmp(png_jmpbuf(st->png))) {
    if (st->pixels_started && opts->fail_on == GR_FAIL_ON_NONE) {
      /* A partial image: the rows not read are black, as the whole image is when interlaced. */
      for (png_uint_32 y = st->rows_done; !st->interlaced && y < (png_uint_32)st->img.height; y++) {
        memset(st->rows[y], 0, st->img.stride);
      }
      return GR_OK;
    }
    /* libvips' wording, which sharp passes on, then libpng's reason. The header read passed
     * (CRC-tolerant), so a failure before the pixels is a CRC error that failOn refuses. */
    return gr_fail(err, GR_ERR_DECODE, "%s\n%s",
                   st->pixels_started ? "vipspng: libpng read error"
                                      : "Warning treated as error due to failOn setting",
                   st->io.message);
  }
  png_read_info(st->png, st->info);
  png_uint_32 w, h;
  int depth, color, interlace;
  png_get_IHDR(st->png, st->info, &w, &h, &depth, &color, &interlace, NULL, NULL);
  gr_status s = gr_check_pixel_limit(w, h, opts->limit_input_pixels, err);
  if (s != GR_OK) return s;
  if (w > 0x7fffffffu || h > 0x7fffffffu) {
    return gr_fail(err, GR_ERR_DECODE, "Invalid PNG dimensions");
  }
  /* Everything to 8 bits: palette -> RGB, grey < 8 bits -> 8, tRNS -> alpha; 16 -> 8 by >> 8. */
  png_set_expand(st->png);
  if (depth == 16) png_set_strip_16(st->png);
  st->interlaced = png_set_interlace_handling(st->png) > 1;
  png_read_update_info(st->png, st->info);
  int channels = png_get_channels(st->png, st->info);
  if (channels < 1 || channels > 4) {
    return gr_fail(err, GR_ERR_DECODE, "Unexpected PNG channel count %d", channels);
  }
  s = gr_image_alloc(&st->img, (int)w, (int)h, channels, err);
  if (s != GR_OK) return s;
  if (png_get_rowbytes(st->png, st->info) != st->img.stride) {
    return gr_fail(err, GR_ERR_DECODE, "Unexpected PNG row size");
  }
  st->rows = malloc(sizeof(png_bytep) * (size_t)h);
  if (!st->rows) return gr_fail(err, GR_ERR_NO_MEMORY, "Out of memory");
  for (png_uint_32 y = 0; y < h; y++) st->rows[y] = st->img.data + (size_t)y * st->img.stride;
  st->pixels_started = 1;
  if (st->interlaced) {
    /* Adam7 fills the image in passes: zeroed first, so a partial decode (failOn none) leaves
     * defined pixels. */
    memset(st->img.data, 0, st->img.stride * (size_t)st->img.height);
    png_read_image(st->png, st->rows);
  } else {
    /* Row by row, so that memory is only written as data arrives: a small file that claims a
     * huge size fails at its first missing row, not after the whole image was touched. */
    for (png_uint_32 y = 0; y < h; y++) {
      png_read_row(st->png, st->rows[y], NULL);
      st->rows_done = y + 1;
    }
  }
  /* No png_read_end: chunks after the image data are not needed. */
  return GR_OK;
}

gr_status gr_png_decode(const uint8_t *data, size_t length, const gr_decode_options *opts,
                        gr_image *out, gr_error *err) {
  png_dec_state *st = calloc(1, sizeof *st);
  if (!st) return gr_fail(err, GR_ERR_NO_MEMORY, "Out of memory");
  gr_status s = png_create(st, data, length, opts->fail_on <= GR_FAIL_ON_TRUNCATED, err);
  if (s == GR_OK) s = png_decode_inner(st, opts, err);
  png_dec_cleanup(st);
  if (s == GR_OK) *out = st->img;
  else gr_image_free(&st->img);
  free(st);
  return s;
}

/* ---- encoder ---- */

typedef struct png_enc_state {
  png_io io;
  png_structp png;
  png_infop info;
  png_bytep *rows;
} png_enc_state;

static gr_status png_encode_inner(png_enc_state *st, const gr_image *img, const gr_png_options *o,
                                  gr_error *err) {
  if (setjmp(png_jmpbuf(st->png))) {
    return gr_fail(err, st->io.out_failed ? GR_ERR_NO_MEMORY : GR_ERR_ENCODE,
                   "PNG encode failed: %s", st->io.message);
  }
  static const int color_types[5] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                     PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA};
  png_set_write_fn(st->png, &st->io, gr_png_write, gr_png_flush);
  int level = o->compression_level;
  if (level < 0) level = 0;
  if (level > 9) level = 9;
  png_set_compression_level(st->png, level);
  png_set_filter(st->png, PNG_FILTER_TYPE_BASE,
                 o->adaptive_filtering ? PNG_ALL_FILTERS : PNG_FILTER_NONE);
  png_set_IHDR(st->png, st->info, (png_uint_32)img->width, (png_uint_32)img->height, 8,
               color_types[img->channels],
               o->progressive ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_BASE, PNG_FILTER_TYPE_BASE);
  png_write_info(st->png, st->info);
  st->rows = malloc(sizeof(png_bytep) * (size_t)img->height);
  if (!st->rows) return gr_fail(err, GR_ERR_NO_MEMORY, "Out of memory");
  for (int y = 0; y < img->height; y++) st->rows[y] = img->data + (size_t)y * img->stride;
  png_write_image(st->png, st->rows); /* handles Adam7 passes itself */
  png_write_end(st->png, NULL);
  return GR_OK;
}

gr_status gr_png_encode(const gr_image *img, const gr_png_options *o, uint8_t **out,
                        size_t *out_length, gr_error *err) {
  png_enc_state *st = calloc(1, sizeof *st);
  if (!st) return gr_fail(err, GR_ERR_NO_MEMORY, "Out of memory");
  gr_status s = GR_OK;
  st->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &st->io, gr_png_error, gr_png_warning);
  if (st->png) st->info = png_create_info_struct(st->png);
  if (!st->png || !st->info) s = gr_fail(err, GR_ERR_NO_MEMORY, "Out of memory creating PNG writer");
  if (s == GR_OK) s = png_encode_inner(st, img, o, err);
  if (st->png) png_destroy_write_struct(&st->png, st->info ? &st->info : NULL);
  free(st->rows);
  if (s == GR_OK) {
    *out = st->io.out;
    *out_length = st->io.out_len;
  } else {
    free(st->io.out);
  }
  free(st);
  return s;
}
