/* Tests for the native codecs (src/codecs): sniffing, headers, JPEG/PNG/WebP decode and encode,
 * EXIF orientation, and bad input (which must give an error code and a message, never a crash). */
#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/codecs.h"
#include "core/common.h"
#include "harness.h"

#define DEFAULT_LIMIT 268402689ull

/* ------------------------------------------------------------------------------------------ */
/* helpers */

static uint32_t rng_state = 12345;
static uint32_t rng(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 17;
  rng_state ^= rng_state << 5;
  return rng_state;
}

static gr_decode_options dopts(int shrink, gr_fail_on fail_on, uint64_t limit) {
  gr_decode_options o;
  memset(&o, 0, sizeof o);
  o.jpeg_shrink = shrink;
  o.fail_on = fail_on;
  o.limit_input_pixels = limit;
  return o;
}

static gr_request make_request(void) {
  gr_request r;
  memset(&r, 0, sizeof r);
  r.jpeg.quality = 80;
  r.jpeg.optimize_coding = 1;
  r.png.compression_level = 6;
  r.webp.quality = 80;
  r.webp.alpha_quality = 100;
  r.webp.effort = 4;
  return r;
}

static gr_status decode_file(const char *name, const gr_decode_options *o, gr_image *img,
                             gr_error *err) {
  size_t len;
  uint8_t *data = gr_test_read_image(name, &len);
  gr_status s = gr_decode(data, len, o, img, err);
  free(data);
  return s;
}

/* Copies an image into a tightly packed buffer with `channels` channels (drops or keeps). */
static uint8_t *pack_channels(const gr_image *img, int channels) {
  uint8_t *out = malloc((size_t)img->width * img->height * channels);
  for (int y = 0; y < img->height; y++) {
    const uint8_t *s = img->data + (size_t)y * img->stride;
    uint8_t *d = out + (size_t)y * img->width * channels;
    for (int x = 0; x < img->width; x++)
      for (int c = 0; c < channels; c++) d[x * channels + c] = s[x * img->channels + c];
  }
  return out;
}

/* A synthetic test image: gradients plus a little noise, alpha never 0. */
static gr_image synth_image(int w, int h, int channels) {
  gr_image img;
  gr_image_alloc(&img, w, h, channels, NULL);
  for (int y = 0; y < h; y++) {
    for (int x = 0; x < w; x++) {
      uint8_t *p = img.data + (size_t)y * img.stride + (size_t)x * channels;
      int n = (int)(rng() % 5);
      uint8_t v[4] = {(uint8_t)(x * 255 / (w > 1 ? w - 1 : 1)),
                      (uint8_t)(y * 255 / (h > 1 ? h - 1 : 1)), (uint8_t)((x + y + n) & 255),
                      (uint8_t)(40 + (x * 7 + y * 3) % 200)};
      if (channels == 1) p[0] = v[0] / 2 + v[1] / 2;
      else if (channels == 2) {
        p[0] = v[0] / 2 + v[1] / 2;
        p[1] = v[3];
      } else
        for (int c = 0; c < channels; c++) p[c] = v[c];
    }
  }
  return img;
}

static int images_equal(const gr_image *a, const gr_image *b) {
  if (a->width != b->width || a->height != b->height || a->channels != b->channels) return 0;
  size_t row = (size_t)a->width * a->channels;
  for (int y = 0; y < a->height; y++)
    if (memcmp(a->data + y * a->stride, b->data + y * b->stride, row) != 0) return 0;
  return 1;
}

/* ------------------------------------------------------------------------------------------ */
/* sniffing */

static void test_sniff(void) {
  struct {
    const char *name;
    gr_format f;
  } files[] = {
      {"2569067123_aca715a2ee_o.jpg", GR_FORMAT_JPEG},
      {"320x240.jpg", GR_FORMAT_JPEG},
      {"Landscape_1.jpg", GR_FORMAT_JPEG},
      {"flowers.jpeg", GR_FORMAT_JPEG},
      {"Channel_digital_image_CMYK_color.jpg", GR_FORMAT_JPEG},
      {"corrupt-header.jpg", GR_FORMAT_JPEG},
      {"truncated.jpg", GR_FORMAT_JPEG},
      {"alpha-premultiply-2048x1536-paper.png", GR_FORMAT_PNG},
      {"blackbug.png", GR_FORMAT_PNG},
      {"gradients-rgb8.png", GR_FORMAT_PNG},
      {"truncated.png", GR_FORMAT_PNG},
      {"4.webp", GR_FORMAT_WEBP},
      {"5_webp_a.webp", GR_FORMAT_WEBP},
      {"Crash_test.gif", GR_FORMAT_GIF},
  };
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    size_t len;
    uint8_t *d = gr_test_read_image(files[i].name, &len);
    gr_format f = gr_sniff_format(d, len);
    CHECK_MSG(f == files[i].f, "%s sniffed as %d", files[i].name, (int)f);
    free(d);
  }
  static const uint8_t tiff_le[] = {'I', 'I', 42, 0, 8, 0, 0, 0};
  static const uint8_t tiff_be[] = {'M', 'M', 0, 42, 0, 0, 0, 8};
  CHECK(gr_sniff_format(tiff_le, sizeof tiff_le) == GR_FORMAT_TIFF);
  CHECK(gr_sniff_format(tiff_be, sizeof tiff_be) == GR_FORMAT_TIFF);
  static const uint8_t avif[] = {0, 0, 0, 28, 'f', 't', 'y', 'p', 'a', 'v', 'i', 'f', 0, 0, 0, 0,
                                 'a', 'v', 'i', 'f', 'm', 'i', 'f', '1', 'm', 'i', 'a', 'f'};
  static const uint8_t avif_compat[] = {0, 0, 0, 24, 'f', 't', 'y', 'p', 'm', 'i', 'f', '1',
                                        0, 0, 0, 0, 'm', 'i', 'f', '1', 'a', 'v', 'i', 'f'};
  static const uint8_t heic[] = {0, 0, 0, 24, 'f', 't', 'y', 'p', 'h', 'e', 'i', 'c',
                                 0, 0, 0, 0, 'm', 'i', 'f', '1', 'h', 'e', 'i', 'c'};
  static const uint8_t mp4[] = {0, 0, 0, 20, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm',
                                0, 0, 0, 0, 'm', 'p', '4', '1'};
  CHECK(gr_sniff_format(avif, sizeof avif) == GR_FORMAT_AVIF);
  CHECK(gr_sniff_format(avif_compat, sizeof avif_compat) == GR_FORMAT_AVIF);
  CHECK(gr_sniff_format(heic, sizeof heic) == GR_FORMAT_HEIF);
  CHECK(gr_sniff_format(mp4, sizeof mp4) == GR_FORMAT_UNKNOWN);
  const char *svg1 = "<?xml version=\"1.0\"?>\n<!-- c -->\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>";
  const char *svg2 = " \n\t<svg width=\"10\" height=\"10\"></svg>";
  const char *notsvg1 = "<?xml version=\"1.0\"?><html></html>";
  const char *notsvg2 = "hello <svg>";
  CHECK(gr_sniff_format((const uint8_t *)svg1, strlen(svg1)) == GR_FORMAT_SVG);
  CHECK(gr_sniff_format((const uint8_t *)svg2, strlen(svg2)) == GR_FORMAT_SVG);
  CHECK(gr_sniff_format((const uint8_t *)notsvg1, strlen(notsvg1)) == GR_FORMAT_UNKNOWN);
  CHECK(gr_sniff_format((const uint8_t *)notsvg2, strlen(notsvg2)) == GR_FORMAT_UNKNOWN);
  static const uint8_t one[] = {0xFF};
  CHECK(gr_sniff_format(one, 1) == GR_FORMAT_UNKNOWN);
  CHECK(gr_sniff_format(one, 0) == GR_FORMAT_UNKNOWN);
  CHECK(gr_sniff_format(NULL, 0) == GR_FORMAT_UNKNOWN);
  static const uint8_t riff_wave[] = {'R', 'I', 'F', 'F', 4, 0, 0, 0, 'W', 'A', 'V', 'E'};
  CHECK(gr_sniff_format(riff_wave, sizeof riff_wave) == GR_FORMAT_UNKNOWN);
}

/* ------------------------------------------------------------------------------------------ */
/* headers */

static void check_header(const char *name, gr_format f, int w, int h, int ch, int orient) {
  size_t len;
  uint8_t *d = gr_test_read_image(name, &len);
  gr_metadata m;
  gr_error err = {0};
  gr_status s = gr_codec_read_header(d, len, &m, &err);
  CHECK_MSG(s == GR_OK, "%s: %s", name, err.message);
  if (s == GR_OK) {
    CHECK_MSG(m.format == f && m.width == w && m.height == h && m.channels == ch &&
                  m.orientation == orient,
              "%s: format %d %dx%d ch %d orientation %d", name, (int)m.format, m.width, m.height,
              m.channels, m.orientation);
    CHECK_MSG(m.has_alpha == (ch == 2 || (ch == 4 && !m.is_cmyk)), "%s: has_alpha %d", name,
              m.has_alpha);
    CHECK(m.pages == 1);
  }
  free(d);
}

static void test_headers(void) {
  check_header("2569067123_aca715a2ee_o.jpg", GR_FORMAT_JPEG, 2725, 2225, 3, 0);
  check_header("320x240.jpg", GR_FORMAT_JPEG, 320, 240, 3, 1);
  check_header("Landscape_1.jpg", GR_FORMAT_JPEG, 600, 450, 3, 1);
  check_header("Landscape_6.jpg", GR_FORMAT_JPEG, 450, 600, 3, 6);
  check_header("Portrait_8.jpg", GR_FORMAT_JPEG, 600, 450, 3, 8);
  check_header("concert.jpg", GR_FORMAT_JPEG, 400, 267, 1, 0);
  check_header("alpha-premultiply-2048x1536-paper.png", GR_FORMAT_PNG, 2048, 1536, 4, 0);
  check_header("gradients-rgb8.png", GR_FORMAT_PNG, 1000, 1000, 3, 0);
  check_header("4.webp", GR_FORMAT_WEBP, 1024, 772, 3, 0);

  size_t len;
  gr_metadata m;
  gr_error err = {0};
  uint8_t *d = gr_test_read_image("5_webp_a.webp", &len);
  CHECK(gr_codec_read_header(d, len, &m, &err) == GR_OK);
  CHECK(m.format == GR_FORMAT_WEBP && m.channels == 4 && m.has_alpha == 1);
  free(d);

  d = gr_test_read_image("Channel_digital_image_CMYK_color.jpg", &len);
  CHECK(gr_codec_read_header(d, len, &m, &err) == GR_OK);
  CHECK(m.is_cmyk == 1 && m.channels == 4 && m.has_alpha == 0);
  free(d);

  d = gr_test_read_image("flowers.jpeg", &len);
  CHECK(gr_codec_read_header(d, len, &m, &err) == GR_OK);
  CHECK_MSG(fabs(m.density - 96.0) < 1e-9, "density %g", m.density);
  CHECK(m.chroma_subsampling != 0);
  CHECK(m.bits_per_sample == 8);
  free(d);

  d = gr_test_read_image("giant-image.jpg", &len);
  CHECK(gr_codec_read_header(d, len, &m, &err) == GR_OK);
  CHECK(m.width == 20000 && m.height == 14000 && m.channels == 1);
  CHECK_MSG(fabs(m.density - 151 * 2.54) < 1e-9, "density %g", m.density);
  free(d);

  d = gr_test_read_image("Crash_test.gif", &len);
  memset(&err, 0, sizeof err);
  CHECK(gr_codec_read_header(d, len, &m, &err) == GR_ERR_UNSUPPORTED);
  CHECK(err.message[0] != 0);
  free(d);

  static const uint8_t junk[] = "this is not an image at all";
  memset(&err, 0, sizeof err);
  CHECK(gr_codec_read_header(junk, sizeof junk, &m, &err) == GR_ERR_DECODE);
  CHECK(strcmp(err.message, "Input buffer contains unsupported image format") == 0);
}

/* ------------------------------------------------------------------------------------------ */
/* JPEG decode with shrink-on-load */

static void test_jpeg_decode(void) {
  const int shrinks[4] = {1, 2, 4, 8};
  gr_image full = {0};
  for (int i = 0; i < 4; i++) {
    int s = shrinks[i];
    gr_decode_options o = dopts(s, GR_FAIL_ON_ERROR, DEFAULT_LIMIT);
    gr_image img;
    gr_error err = {0};
    gr_status st = decode_file("2569067123_aca715a2ee_o.jpg", &o, &img, &err);
    CHECK_MSG(st == GR_OK, "shrink %d: %s", s, err.message);
    if (st != GR_OK) continue;
    /* floor(size / shrink), as libvips' jpegload (libjpeg itself gives the ceiling) */
    CHECK_MSG(img.width == 2725 / s && img.height == 2225 / s,
              "shrink %d: %dx%d", s, img.width, img.height);
    CHECK(img.channels == 3 && img.stride >= (size_t)img.width * 3);
    if (s == 1) {
      full = img;
    } else {
      /* The DCT-scaled image should look like a box-filtered full-size one. */
      uint8_t *ref = malloc((size_t)img.width * img.height * 3);
      for (int y = 0; y < img.height; y++)
        for (int x = 0; x < img.width; x++)
          for (int c = 0; c < 3; c++) {
            int sum = 0, n = 0;
            for (int dy = 0; dy < s; dy++)
              for (int dx = 0; dx < s; dx++) {
                int yy = y * s + dy, xx = x * s + dx;
                if (yy >= full.height || xx >= full.width) continue;
                sum += full.data[(size_t)yy * full.stride + (size_t)xx * 3 + c];
                n++;
              }
            ref[((size_t)y * img.width + x) * 3 + c] = (uint8_t)((sum + n / 2) / n);
          }
      uint8_t *packed = malloc((size_t)img.width * img.height * 3);
      for (int y = 0; y < img.height; y++)
        memcpy(packed + (size_t)y * img.width * 3, img.data + (size_t)y * img.stride,
               (size_t)img.width * 3);
      double p = gr_test_psnr(ref, packed, (size_t)img.width * img.height * 3);
      free(packed);
      CHECK_MSG(p > 28.0, "shrink %d PSNR vs box filter %.2f", s, p);
      free(ref);
      gr_image_free(&img);
    }
  }
  gr_image_free(&full);

  /* Grey JPEG -> 1 channel, with shrink. */
  gr_decode_options o = dopts(2, GR_FAIL_ON_WARNING, DEFAULT_LIMIT);
  gr_image img;
  gr_error err = {0};
  CHECK(decode_file("concert.jpg", &o, &img, &err) == GR_OK);
  CHECK(img.width == 200 && img.height == 133 && img.channels == 1); /* floor(400x267 / 2) */
  gr_image_free(&img);

  /* Clean files decode with failOn 'warning'. */
  o = dopts(1, GR_FAIL_ON_WARNING, DEFAULT_LIMIT);
  const char *clean[] = {"320x240.jpg", "Landscape_6.jpg", "flowers.jpeg"};
  for (int i = 0; i < 3; i++) {
    gr_status st = decode_file(clean[i], &o, &img, &err);
    CHECK_MSG(st == GR_OK, "%s: %s", clean[i], err.message);
    if (st == GR_OK) gr_image_free(&img);
  }
  /* NULL options: defaults. */
  CHECK(decode_file("320x240.jpg", NULL, &img, &err) == GR_OK);
  CHECK(img.width == 320 && img.height == 240);
  gr_image_free(&img);
  /* Invalid shrink. */
  o = dopts(3, GR_FAIL_ON_ERROR, 0);
  CHECK(decode_file("320x240.jpg", &o, &img, &err) == GR_ERR_INVALID_ARGUMENT);
  CHECK(img.data == NULL);
}

/* ------------------------------------------------------------------------------------------ */
/* PNG: every colour type and bit depth, written here with libpng */

typedef struct membuf {
  uint8_t *data;
  size_t len, cap;
} membuf;

static void mem_write(png_structp png, png_bytep src, size_t n) {
  membuf *b = png_get_io_ptr(png);
  if (b->len + n > b->cap) {
    b->cap = (b->len + n) * 2;
    b->data = realloc(b->data, b->cap);
  }
  memcpy(b->data + b->len, src, n);
  b->len += n;
}
static void mem_flush(png_structp png) { (void)png; }

typedef struct png_case {
  const char *name;
  int color_type, depth, trns, interlace;
} png_case;

/* Sample value of channel c at (x, y) for a depth (raw, not scaled). */
static unsigned sample_at(int x, int y, int c, int depth) {
  unsigned max = depth == 16 ? 65535u : (1u << depth) - 1u;
  unsigned v = (unsigned)(x * 37 + y * 11 + c * 101 + ((x * y) % 7) * 1000);
  if (depth == 16) v = (v * 2654435761u) >> 16;
  return v % (max + 1u);
}

static uint8_t to8(unsigned v, int depth) {
  if (depth == 16) return (uint8_t)(v >> 8);
  if (depth == 8) return (uint8_t)v;
  return (uint8_t)(v * 255u / ((1u << depth) - 1u));
}

/* The libpng part of make_png, on its own so that nothing is modified after setjmp. */
static void write_png(const png_case *pc, int w, int h, png_bytep *rows, png_color *palette,
                      int npal, png_byte *trans_alpha, int ntrans, png_color_16 *trans_color,
                      const uint8_t *exif, size_t exif_len, membuf *buf) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png))) {
    fprintf(stderr, "test PNG writer failed for %s\n", pc->name);
    exit(2);
  }
  png_set_write_fn(png, buf, mem_write, mem_flush);
  png_set_IHDR(png, info, w, h, pc->depth, pc->color_type,
               pc->interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_BASE, PNG_FILTER_TYPE_BASE);
  if (npal) png_set_PLTE(png, info, palette, npal);
  if (pc->trns) {
    if (npal) png_set_tRNS(png, info, trans_alpha, ntrans, NULL);
    else png_set_tRNS(png, info, NULL, 0, trans_color);
  }
#ifdef PNG_eXIf_SUPPORTED
  if (exif) png_set_eXIf_1(png, info, (png_uint_32)exif_len, (png_bytep)exif);
#else
  (void)exif;
  (void)exif_len;
#endif
  png_write_info(png, info);
  png_write_image(png, rows);
  png_write_end(png, info);
  png_destroy_write_struct(&png, &info);
}

/* Writes a PNG of the case and fills `expected` (8-bit, expected channel count). */
static uint8_t *make_png(const png_case *pc, int w, int h, size_t *len, uint8_t **expected,
                         int *exp_channels, const uint8_t *exif, size_t exif_len) {
  int ct = pc->color_type, depth = pc->depth;
  int samples = ct == PNG_COLOR_TYPE_GRAY ? 1 : ct == PNG_COLOR_TYPE_GRAY_ALPHA ? 2
              : ct == PNG_COLOR_TYPE_PALETTE ? 1 : ct == PNG_COLOR_TYPE_RGB ? 3 : 4;
  int ech = ct == PNG_COLOR_TYPE_GRAY ? (pc->trns ? 2 : 1)
          : ct == PNG_COLOR_TYPE_GRAY_ALPHA ? 2
          : ct == PNG_COLOR_TYPE_RGB_ALPHA ? 4 : (pc->trns ? 4 : 3);
  *exp_channels = ech;
  size_t rowbytes = ((size_t)w * samples * depth + 7) / 8;
  uint8_t *raw = calloc(rowbytes * h, 1);
  uint8_t *exp = malloc((size_t)w * h * ech);
  png_color palette[256];
  png_byte trans_alpha[256];
  int npal = ct == PNG_COLOR_TYPE_PALETTE ? (1 << depth) : 0;
  for (int i = 0; i < npal; i++) {
    palette[i].red = (png_byte)(i * 37);
    palette[i].green = (png_byte)(i * 91 + 5);
    palette[i].blue = (png_byte)(255 - i * 13);
  }
  int ntrans = npal < 5 ? npal - 1 : 5;
  for (int i = 0; i < 256; i++) trans_alpha[i] = (png_byte)(i * 50);
  png_color_16 trans_color;
  memset(&trans_color, 0, sizeof trans_color);
  /* The colour key is the value of pixel (1, 0), so some pixels are transparent. */
  if (ct == PNG_COLOR_TYPE_GRAY) trans_color.gray = (png_uint_16)sample_at(1, 0, 0, depth);
  if (ct == PNG_COLOR_TYPE_RGB) {
    trans_color.red = (png_uint_16)sample_at(1, 0, 0, depth);
    trans_color.green = (png_uint_16)sample_at(1, 0, 1, depth);
    trans_color.blue = (png_uint_16)sample_at(1, 0, 2, depth);
  }
  for (int y = 0; y < h; y++) {
    for (int x = 0; x < w; x++) {
      unsigned v[4];
      for (int c = 0; c < samples; c++) v[c] = sample_at(x, y, c, depth);
      if (ct == PNG_COLOR_TYPE_PALETTE) v[0] = (unsigned)((x + y * 5) % npal);
      /* pack */
      for (int c = 0; c < samples; c++) {
        size_t bit = ((size_t)x * samples + c) * depth;
        uint8_t *row = raw + (size_t)y * rowbytes;
        if (depth == 16) {
          row[bit / 8] = (uint8_t)(v[c] >> 8);
          row[bit / 8 + 1] = (uint8_t)v[c];
        } else {
          row[bit / 8] |= (uint8_t)(v[c] << (8 - depth - (bit % 8)));
        }
      }
      uint8_t *e = exp + ((size_t)y * w + x) * ech;
      switch (ct) {
        case PNG_COLOR_TYPE_GRAY:
          e[0] = to8(v[0], depth);
          if (pc->trns) e[1] = v[0] == trans_color.gray ? 0 : 255;
          break;
        case PNG_COLOR_TYPE_GRAY_ALPHA:
          e[0] = to8(v[0], depth);
          e[1] = to8(v[1], depth);
          break;
        case PNG_COLOR_TYPE_PALETTE:
          e[0] = palette[v[0]].red;
          e[1] = palette[v[0]].green;
          e[2] = palette[v[0]].blue;
          if (pc->trns) e[3] = (int)v[0] < ntrans ? trans_alpha[v[0]] : 255;
          break;
        case PNG_COLOR_TYPE_RGB:
          for (int c = 0; c < 3; c++) e[c] = to8(v[c], depth);
          if (pc->trns)
            e[3] = (v[0] == trans_color.red && v[1] == trans_color.green &&
                    v[2] == trans_color.blue) ? 0 : 255;
          break;
        default:
          for (int c = 0; c < 4; c++) e[c] = to8(v[c], depth);
      }
    }
  }
  membuf buf = {0};
  png_bytep *rows = malloc(sizeof(png_bytep) * h);
  for (int y = 0; y < h; y++) rows[y] = raw + (size_t)y * rowbytes;
  write_png(pc, w, h, rows, palette, npal, trans_alpha, ntrans, &trans_color, exif, exif_len, &buf);
  free(rows);
  free(raw);
  *expected = exp;
  *len = buf.len;
  return buf.data;
}

static void test_png_types(void) {
  const png_case cases[] = {
      {"palette1", PNG_COLOR_TYPE_PALETTE, 1, 0, 0},   {"palette1+trns", PNG_COLOR_TYPE_PALETTE, 1, 1, 0},
      {"palette2", PNG_COLOR_TYPE_PALETTE, 2, 0, 0},   {"palette2+trns", PNG_COLOR_TYPE_PALETTE, 2, 1, 0},
      {"palette4", PNG_COLOR_TYPE_PALETTE, 4, 0, 0},   {"palette4+trns", PNG_COLOR_TYPE_PALETTE, 4, 1, 0},
      {"palette8", PNG_COLOR_TYPE_PALETTE, 8, 0, 0},   {"palette8+trns", PNG_COLOR_TYPE_PALETTE, 8, 1, 0},
      {"grey1", PNG_COLOR_TYPE_GRAY, 1, 0, 0},         {"grey2", PNG_COLOR_TYPE_GRAY, 2, 0, 0},
      {"grey4", PNG_COLOR_TYPE_GRAY, 4, 0, 0},         {"grey8", PNG_COLOR_TYPE_GRAY, 8, 0, 0},
      {"grey16", PNG_COLOR_TYPE_GRAY, 16, 0, 0},       {"grey2+trns", PNG_COLOR_TYPE_GRAY, 2, 1, 0},
      {"grey8+trns", PNG_COLOR_TYPE_GRAY, 8, 1, 0},    {"grey16+trns", PNG_COLOR_TYPE_GRAY, 16, 1, 0},
      {"greyalpha8", PNG_COLOR_TYPE_GRAY_ALPHA, 8, 0, 0},
      {"greyalpha16", PNG_COLOR_TYPE_GRAY_ALPHA, 16, 0, 0},
      {"rgb8", PNG_COLOR_TYPE_RGB, 8, 0, 0},           {"rgb8+trns", PNG_COLOR_TYPE_RGB, 8, 1, 0},
      {"rgb16", PNG_COLOR_TYPE_RGB, 16, 0, 0},         {"rgb16+trns", PNG_COLOR_TYPE_RGB, 16, 1, 0},
      {"rgba8", PNG_COLOR_TYPE_RGB_ALPHA, 8, 0, 0},    {"rgba16", PNG_COLOR_TYPE_RGB_ALPHA, 16, 0, 0},
      {"rgb8 interlaced", PNG_COLOR_TYPE_RGB, 8, 0, 1},
      {"palette2+trns interlaced", PNG_COLOR_TYPE_PALETTE, 2, 1, 1},
      {"grey1 interlaced", PNG_COLOR_TYPE_GRAY, 1, 0, 1},
      {"rgba16 interlaced", PNG_COLOR_TYPE_RGB_ALPHA, 16, 0, 1},
  };
  const int w = 29, h = 11;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const png_case *pc = &cases[i];
    size_t len;
    uint8_t *expected;
    int ech;
    uint8_t *png = make_png(pc, w, h, &len, &expected, &ech, NULL, 0);
    gr_decode_options o = dopts(1, GR_FAIL_ON_ERROR, DEFAULT_LIMIT);
    gr_image img;
    gr_error err = {0};
    gr_status s = gr_decode(png, len, &o, &img, &err);
    CHECK_MSG(s == GR_OK, "%s: %s", pc->name, err.message);
    if (s == GR_OK) {
      CHECK_MSG(img.width == w && img.height == h && img.channels == ech, "%s: %dx%dx%d",
                pc->name, img.width, img.height, img.channels);
      if (img.channels == ech) {
        int md = gr_test_max_diff(img.data, expected, (size_t)w * h * ech);
        CHECK_MSG(md == 0, "%s: max diff %d", pc->name, md);
      }
      gr_image_free(&img);
    }
    gr_metadata m;
    s = gr_codec_read_header(png, len, &m, &err);
    CHECK_MSG(s == GR_OK && m.channels == ech && m.bits_per_sample == pc->depth &&
                  m.is_progressive == pc->interlace && m.has_alpha == (ech == 2 || ech == 4),
              "%s header: ch %d bits %d prog %d", pc->name, m.channels, m.bits_per_sample,
              m.is_progressive);
    free(png);
    free(expected);
  }
}

/* ------------------------------------------------------------------------------------------ */
/* round trips */

static void test_jpeg_roundtrip(void) {
  gr_decode_options o = dopts(1, GR_FAIL_ON_ERROR, DEFAULT_LIMIT);
  gr_image src;
  gr_error err = {0};
  if (decode_file("gradients-rgb8.png", &o, &src, &err) != GR_OK) {
    CHECK_MSG(0, "gradients-rgb8.png: %s", err.message);
    return;
  }
  gr_image grey;
  gr_image_alloc(&grey, src.width, src.height, 1, NULL);
  for (size_t i = 0; i < (size_t)src.width * src.height; i++)
    grey.data[i] = (uint8_t)((src.data[i * 3] + 2 * src.data[i * 3 + 1] + src.data[i * 3 + 2]) / 4);
  gr_image rgba;
  gr_image_alloc(&rgba, src.width, src.height, 4, NULL);
  gr_image ga;
  gr_image_alloc(&ga, src.width, src.height, 2, NULL);
  for (size_t i = 0; i < (size_t)src.width * src.height; i++) {
    memcpy(rgba.data + i * 4, src.data + i * 3, 3);
    rgba.data[i * 4 + 3] = (uint8_t)(i * 13);
    ga.data[i * 2] = grey.data[i];
    ga.data[i * 2 + 1] = (uint8_t)(i * 7);
  }
  struct {
    const char *name;
    const gr_image *img;
    int c444, progressive, exp_ch;
    const gr_image *ref;
  } cases[] = {
      {"rgb 4:2:0", &src, 0, 0, 3, &src},      {"rgb 4:4:4", &src, 1, 0, 3, &src},
      {"rgb progressive", &src, 0, 1, 3, &src}, {"grey", &grey, 0, 0, 1, &grey},
      {"grey progressive", &grey, 0, 1, 1, &grey}, {"rgba drops alpha", &rgba, 1, 0, 3, &src},
      {"grey+alpha drops alpha", &ga, 0, 0, 1, &grey},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    gr_request req = make_request();
    req.jpeg.quality = 90;
    req.jpeg.chroma_444 = cases[i].c444;
    req.jpeg.progressive = cases[i].progressive;
    uint8_t *out = NULL;
    size_t len = 0;
    gr_status s = gr_encode(cases[i].img, GR_FORMAT_JPEG, &req, &out, &len, &err);
    CHECK_MSG(s == GR_OK && len > 0, "%s: %s", cases[i].name, err.message);
    if (s != GR_OK) continue;
    CHECK(gr_sniff_format(out, len) == GR_FORMAT_JPEG);
    gr_metadata m;
    CHECK(gr_codec_read_header(out, len, &m, &err) == GR_OK);
    CHECK_MSG(m.is_progressive == cases[i].progressive && m.channels == cases[i].exp_ch,
              "%s: progressive %d channels %d", cases[i].name, m.is_progressive, m.channels);
    if (cases[i].exp_ch == 3)
      CHECK_MSG(m.chroma_subsampling == (cases[i].c444 ? 444 : 420), "%s: subsampling %d",
                cases[i].name, m.chroma_subsampling);
    gr_image dec;
    s = gr_decode(out, len, &o, &dec, &err);
    CHECK_MSG(s == GR_OK, "%s decode: %s", cases[i].name, err.message);
    if (s == GR_OK) {
      CHECK(dec.width == src.width && dec.height == src.height && dec.channels == cases[i].exp_ch);
      if (dec.channels == cases[i].ref->channels) {
        double p = gr_test_psnr(dec.data, cases[i].ref->data,
                                (size_t)dec.width * dec.height * dec.channels);
        CHECK_MSG(p > 35.0, "%s: PSNR %.2f", cases[i].name, p);
      }
      gr_image_free(&dec);
    }
    free(out);
  }
  /* A strided view (a crop) encodes the same as a packed copy. */
  gr_image view = gr_image_view(&src, 100, 50, 333, 222);
  gr_image packed = {pack_channels(&view, 3), 333, 222, 3, 333 * 3};
  gr_request req = make_request();
  uint8_t *a = NULL, *b = NULL;
  size_t la = 0, lb = 0;
  CHECK(gr_encode(&view, GR_FORMAT_JPEG, &req, &a, &la, &err) == GR_OK);
  CHECK(gr_encode(&packed, GR_FORMAT_JPEG, &req, &b, &lb, &err) == GR_OK);
  CHECK(la == lb && a && b && memcmp(a, b, la) == 0);
  free(a);
  free(b);
  free(packed.data);
  /* Non-optimized coding gives a valid (larger or equal) file too. */
  req.jpeg.optimize_coding = 0;
  CHECK(gr_encode(&src, GR_FORMAT_JPEG, &req, &a, &la, &err) == GR_OK);
  gr_image dec;
  CHECK(gr_decode(a, la, &o, &dec, &err) == GR_OK);
  gr_image_free(&dec);
  free(a);

  gr_image_free(&src);
  gr_image_free(&grey);
  gr_image_free(&rgba);
  gr_image_free(&ga);
}

static void test_png_roundtrip(void) {
  for (int ch = 1; ch <= 4; ch++) {
    gr_image img = synth_image(67, 45, ch);
    const int levels[3] = {0, 6, 9};
    for (int li = 0; li < 3; li++) {
      for (int inter = 0; inter <= 1; inter++) {
        for (int adaptive = 0; adaptive <= 1; adaptive++) {
          gr_request req = make_request();
          req.png.compression_level = levels[li];
          req.png.progressive = inter;
          req.png.adaptive_filtering = adaptive;
          uint8_t *out = NULL;
          size_t len = 0;
          gr_error err = {0};
          gr_status s = gr_encode(&img, GR_FORMAT_PNG, &req, &out, &len, &err);
          CHECK_MSG(s == GR_OK, "png ch %d level %d: %s", ch, levels[li], err.message);
          if (s != GR_OK) continue;
          gr_metadata m;
          CHECK(gr_codec_read_header(out, len, &m, &err) == GR_OK);
          CHECK(m.channels == ch && m.is_progressive == inter && m.bits_per_sample == 8);
          gr_decode_options o = dopts(1, GR_FAIL_ON_WARNING, 0);
          gr_image dec;
          s = gr_decode(out, len, &o, &dec, &err);
          CHECK_MSG(s == GR_OK && images_equal(&img, &dec), "png ch %d level %d inter %d", ch,
                    levels[li], inter);
          if (s == GR_OK) gr_image_free(&dec);
          free(out);
        }
      }
    }
    /* Strided view. */
    gr_image view = gr_image_view(&img, 3, 2, 50, 40);
    gr_request req = make_request();
    uint8_t *out = NULL;
    size_t len = 0;
    gr_error err = {0};
    CHECK(gr_encode(&view, GR_FORMAT_PNG, &req, &out, &len, &err) == GR_OK);
    gr_image dec;
    CHECK(gr_decode(out, len, NULL, &dec, &err) == GR_OK);
    CHECK(images_equal(&view, &dec));
    gr_image_free(&dec);
    free(out);
    gr_image_free(&img);
  }
  /* Compression level 0 is stored: larger than level 9. */
  gr_image img = synth_image(128, 128, 3);
  gr_request req = make_request();
  uint8_t *a, *b;
  size_t la, lb;
  gr_error err;
  req.png.compression_level = 0;
  CHECK(gr_encode(&img, GR_FORMAT_PNG, &req, &a, &la, &err) == GR_OK);
  req.png.compression_level = 9;
  CHECK(gr_encode(&img, GR_FORMAT_PNG, &req, &b, &lb, &err) == GR_OK);
  CHECK(la > 128 * 128 * 3 && lb < la);
  free(a);
  free(b);
  gr_image_free(&img);
}

static void test_webp_roundtrip(void) {
  gr_decode_options o = dopts(1, GR_FAIL_ON_ERROR, DEFAULT_LIMIT);
  gr_image src;
  gr_error err = {0};
  if (decode_file("gradients-rgb8.png", &o, &src, &err) != GR_OK) {
    CHECK_MSG(0, "gradients-rgb8.png: %s", err.message);
    return;
  }
  gr_image view = gr_image_view(&src, 200, 300, 256, 192);
  gr_image rgb = {pack_channels(&view, 3), 256, 192, 3, 256 * 3};
  gr_image rgba;
  gr_image_alloc(&rgba, 256, 192, 4, NULL);
  for (size_t i = 0; i < 256 * 192; i++) {
    memcpy(rgba.data + i * 4, rgb.data + i * 3, 3);
    rgba.data[i * 4 + 3] = (uint8_t)(1 + (i % 256) * 254 / 255);
  }
  gr_image grey = synth_image(64, 48, 1);
  gr_image ga = synth_image(64, 48, 2);

  /* lossless: exact */
  const gr_image *ll[4] = {&rgb, &rgba, &grey, &ga};
  for (int i = 0; i < 4; i++) {
    gr_request req = make_request();
    req.webp.lossless = 1;
    uint8_t *out = NULL;
    size_t len = 0;
    gr_status s = gr_encode(ll[i], GR_FORMAT_WEBP, &req, &out, &len, &err);
    CHECK_MSG(s == GR_OK, "webp lossless %d: %s", i, err.message);
    if (s != GR_OK) continue;
    CHECK(gr_sniff_format(out, len) == GR_FORMAT_WEBP);
    gr_image dec;
    s = gr_decode(out, len, &o, &dec, &err);
    CHECK_MSG(s == GR_OK, "webp lossless decode %d: %s", i, err.message);
    if (s == GR_OK) {
      int has_alpha = ll[i]->channels == 2 || ll[i]->channels == 4;
      CHECK(dec.channels == (has_alpha ? 4 : 3));
      int ok = dec.width == ll[i]->width && dec.height == ll[i]->height;
      for (int y = 0; ok && y < dec.height; y++)
        for (int x = 0; ok && x < dec.width; x++) {
          const uint8_t *a = ll[i]->data + y * ll[i]->stride + x * ll[i]->channels;
          const uint8_t *b = dec.data + y * dec.stride + x * dec.channels;
          if (ll[i]->channels <= 2) {
            ok = b[0] == a[0] && b[1] == a[0] && b[2] == a[0] &&
                 (ll[i]->channels == 1 || b[3] == a[1]);
          } else {
            ok = memcmp(a, b, (size_t)ll[i]->channels) == 0;
          }
        }
      CHECK_MSG(ok, "webp lossless %d not exact", i);
      gr_image_free(&dec);
    }
    free(out);
  }

  /* lossy: PSNR */
  struct {
    const char *name;
    const gr_image *img;
    int smart, near, effort;
    double min_psnr;
  } lossy[] = {
      {"lossy rgb", &rgb, 0, 0, 4, 30.0},
      {"lossy rgb smart subsample effort 6", &rgb, 1, 0, 6, 30.0},
      {"lossy rgb effort 0", &rgb, 0, 0, 0, 30.0},
      {"near lossless", &rgb, 0, 1, 4, 38.0},
      {"lossy rgba", &rgba, 0, 0, 4, 30.0},
  };
  for (size_t i = 0; i < sizeof lossy / sizeof lossy[0]; i++) {
    gr_request req = make_request();
    req.webp.quality = 80;
    req.webp.smart_subsample = lossy[i].smart;
    req.webp.near_lossless = lossy[i].near;
    req.webp.effort = lossy[i].effort;
    uint8_t *out = NULL;
    size_t len = 0;
    gr_status s = gr_encode(lossy[i].img, GR_FORMAT_WEBP, &req, &out, &len, &err);
    CHECK_MSG(s == GR_OK, "%s: %s", lossy[i].name, err.message);
    if (s != GR_OK) continue;
    gr_metadata m;
    CHECK(gr_codec_read_header(out, len, &m, &err) == GR_OK);
    CHECK(m.width == 256 && m.height == 192 && m.channels == lossy[i].img->channels);
    gr_image dec;
    s = gr_decode(out, len, &o, &dec, &err);
    CHECK_MSG(s == GR_OK, "%s decode: %s", lossy[i].name, err.message);
    if (s == GR_OK && dec.channels == lossy[i].img->channels) {
      uint8_t *c_dec = pack_channels(&dec, 3);
      uint8_t *c_src = pack_channels(lossy[i].img, 3);
      double p = gr_test_psnr(c_dec, c_src, 256 * 192 * 3);
      CHECK_MSG(p > lossy[i].min_psnr, "%s: PSNR %.2f", lossy[i].name, p);
      if (dec.channels == 4) {
        int md = 0;
        for (size_t k = 0; k < 256 * 192; k++) {
          int d = abs((int)dec.data[k * 4 + 3] - (int)lossy[i].img->data[k * 4 + 3]);
          if (d > md) md = d;
        }
        CHECK_MSG(md <= 2, "%s: alpha max diff %d", lossy[i].name, md);
      }
      free(c_dec);
      free(c_src);
    }
    if (s == GR_OK) gr_image_free(&dec);
    free(out);
  }

  /* Decoding the sample files. */
  gr_image img;
  CHECK(decode_file("4.webp", &o, &img, &err) == GR_OK);
  CHECK(img.width == 1024 && img.height == 772 && img.channels == 3);
  gr_image_free(&img);
  CHECK(decode_file("5_webp_a.webp", &o, &img, &err) == GR_OK);
  CHECK(img.channels == 4);
  gr_image_free(&img);

  gr_image_free(&src);
  free(rgb.data);
  gr_image_free(&rgba);
  gr_image_free(&grey);
  gr_image_free(&ga);
}

static void test_encode_limits(void) {
  gr_error err = {0};
  gr_request req = make_request();
  uint8_t *out = (uint8_t *)&err;
  size_t len = 1;
  gr_image wide;
  gr_image_alloc(&wide, 16384, 1, 3, NULL);
  memset(wide.data, 128, wide.stride);
  CHECK(gr_encode(&wide, GR_FORMAT_WEBP, &req, &out, &len, &err) == GR_ERR_LIMIT);
  CHECK(strcmp(err.message, "Processed image is too large for the WebP format") == 0);
  CHECK(out == NULL && len == 0);
  gr_image_free(&wide);
  gr_image tall;
  gr_image_alloc(&tall, 1, 16384, 1, NULL);
  memset(tall.data, 0, 16384);
  CHECK(gr_encode(&tall, GR_FORMAT_WEBP, &req, &out, &len, &err) == GR_ERR_LIMIT);
  /* 16383 is fine */
  tall.height = 16383;
  CHECK(gr_encode(&tall, GR_FORMAT_WEBP, &req, &out, &len, &err) == GR_OK);
  free(out);
  gr_image_free(&tall);
  gr_image jw;
  gr_image_alloc(&jw, 65536, 1, 1, NULL);
  memset(jw.data, 0, 65536);
  CHECK(gr_encode(&jw, GR_FORMAT_JPEG, &req, &out, &len, &err) == GR_ERR_LIMIT);
  CHECK(strcmp(err.message, "Processed image is too large for the JPEG format") == 0);
  /* libjpeg-turbo's own maximum is 65500: beyond it, the same limit error. */
  jw.width = 65535;
  jw.stride = 65535;
  CHECK(gr_encode(&jw, GR_FORMAT_JPEG, &req, &out, &len, &err) == GR_ERR_LIMIT);
  CHECK(out == NULL);
  jw.width = 65500;
  jw.stride = 65500;
  CHECK(gr_encode(&jw, GR_FORMAT_JPEG, &req, &out, &len, &err) == GR_OK);
  free(out);
  gr_image_free(&jw);

  gr_image small = synth_image(8, 8, 3);
  CHECK(gr_encode(&small, GR_FORMAT_GIF, &req, &out, &len, &err) == GR_ERR_UNSUPPORTED);
  CHECK(gr_encode(&small, GR_FORMAT_RAW, &req, &out, &len, &err) == GR_ERR_UNSUPPORTED);
  CHECK(err.message[0] != 0);
  /* NULL request: sharp's defaults. */
  CHECK(gr_encode(&small, GR_FORMAT_PNG, NULL, &out, &len, &err) == GR_OK);
  free(out);
  gr_image bad = small;
  bad.channels = 5;
  CHECK(gr_encode(&bad, GR_FORMAT_PNG, &req, &out, &len, &err) == GR_ERR_INVALID_ARGUMENT);
  gr_image_free(&small);
}

/* ------------------------------------------------------------------------------------------ */
/* EXIF */

/* A TIFF block: IFD0 with Make (ASCII, offset), Orientation, XResolution. Returns its length. */
static size_t make_tiff(uint8_t *b, int le, int orientation) {
#define P16(o, v) (le ? (b[o] = (uint8_t)(v), b[(o) + 1] = (uint8_t)((v) >> 8)) \
                      : (b[o] = (uint8_t)((v) >> 8), b[(o) + 1] = (uint8_t)(v)))
#define P32(o, v) (le ? (P16(o, (v) & 0xffff), P16((o) + 2, (v) >> 16)) \
                      : (P16(o, (v) >> 16), P16((o) + 2, (v) & 0xffff)))
  memset(b, 0, 64);
  b[0] = b[1] = le ? 'I' : 'M';
  P16(2, 42);
  P32(4, 8);
  P16(8, 3);
  /* entry 0: Make, ASCII, count 6, offset 50 */
  P16(10, 0x010F); P16(12, 2); P32(14, 6); P32(18, 50);
  /* entry 1: Orientation, SHORT, count 1 */
  P16(22, 0x0112); P16(24, 3); P32(26, 1); P16(30, orientation);
  /* entry 2: ResolutionUnit, SHORT */
  P16(34, 0x0128); P16(36, 3); P32(38, 1); P16(42, 2);
  P32(46, 0); /* next IFD */
  memcpy(b + 50, "Canon", 6);
  return 56;
#undef P16
#undef P32
}

static void test_exif(void) {
  uint8_t b[80];
  for (int le = 0; le <= 1; le++) {
    for (int v = 1; v <= 8; v++) {
      size_t n = make_tiff(b, le, v);
      CHECK_MSG(gr_exif_orientation_tiff(b, n) == v, "le %d v %d", le, v);
      /* With the JPEG APP1 "Exif\0\0" prefix. */
      uint8_t pre[96];
      memcpy(pre, "Exif\0\0", 6);
      memcpy(pre + 6, b, n);
      CHECK(gr_exif_orientation_tiff(pre, n + 6) == v);
      /* Truncated: every shorter length that cuts the orientation entry gives 0. */
      for (size_t k = 0; k < 34; k++) CHECK(gr_exif_orientation_tiff(b, k) == 0);
    }
    size_t n = make_tiff(b, le, 0);
    CHECK(gr_exif_orientation_tiff(b, n) == 0);
    n = make_tiff(b, le, 9);
    CHECK(gr_exif_orientation_tiff(b, n) == 0);
    /* IFD offset past the end */
    n = make_tiff(b, le, 6);
    b[le ? 4 : 7] = 200;
    CHECK(gr_exif_orientation_tiff(b, n) == 0);
    /* IFD offset huge */
    n = make_tiff(b, le, 6);
    memset(b + 4, 0xFF, 4);
    CHECK(gr_exif_orientation_tiff(b, n) == 0);
    /* entry count larger than the data, orientation entry absent */
    n = make_tiff(b, le, 6);
    b[le ? 22 : 23] = 0x13; /* tag becomes 0x0113 */
    b[8] = b[9] = 0xFF;
    CHECK(gr_exif_orientation_tiff(b, n) == 0);
    /* wrong type (ASCII) */
    n = make_tiff(b, le, 6);
    b[le ? 24 : 25] = 2;
    CHECK(gr_exif_orientation_tiff(b, n) == 0);
    /* bad magic */
    n = make_tiff(b, le, 6);
    b[2] = b[3] = 0;
    CHECK(gr_exif_orientation_tiff(b, n) == 0);
  }
  CHECK(gr_exif_orientation_tiff(NULL, 100) == 0);
  static const uint8_t junk[] = "Exif\0\0XX*\0";
  CHECK(gr_exif_orientation_tiff(junk, sizeof junk) == 0);

  /* Random blocks with a valid header never crash (ASan checks the bounds). */
  for (int i = 0; i < 2000; i++) {
    uint8_t r[64];
    for (int k = 0; k < 64; k++) r[k] = (uint8_t)rng();
    size_t n = make_tiff(b, i & 1, 3);
    size_t len = 8 + rng() % 56;
    memcpy(r, b, 8);
    if (i % 3 == 0) r[4 + ((i & 1) ? 0 : 3)] = (uint8_t)(rng() % 64);
    int v = gr_exif_orientation_tiff(r, len);
    CHECK(v >= 0 && v <= 8);
    (void)n;
  }

  /* PNG eXIf chunk */
#ifdef PNG_eXIf_SUPPORTED
  {
    size_t n = make_tiff(b, 0, 6);
    png_case pc = {"rgb8+exif", PNG_COLOR_TYPE_RGB, 8, 0, 0};
    size_t len;
    uint8_t *exp;
    int ech;
    uint8_t *png = make_png(&pc, 5, 4, &len, &exp, &ech, b, n);
    gr_metadata m;
    gr_error err;
    CHECK(gr_codec_read_header(png, len, &m, &err) == GR_OK);
    CHECK_MSG(m.orientation == 6, "PNG eXIf orientation %d", m.orientation);
    free(png);
    free(exp);
  }
#endif

  /* WebP EXIF chunk: wrap a simple VP8 WebP into VP8X + VP8 + EXIF, with and without the
   * "Exif\0\0" prefix. */
  gr_image img = synth_image(20, 10, 3);
  gr_request req = make_request();
  uint8_t *webp;
  size_t wlen;
  gr_error err;
  CHECK(gr_encode(&img, GR_FORMAT_WEBP, &req, &webp, &wlen, &err) == GR_OK);
  for (int prefix = 0; prefix <= 1; prefix++) {
    uint8_t tiff[64];
    size_t tn = make_tiff(tiff, 1, 8);
    size_t exif_len = tn + (prefix ? 6 : 0);
    size_t body = wlen - 12; /* the VP8 chunk, padded */
    size_t total = 12 + 18 + body + 8 + exif_len + (exif_len & 1);
    uint8_t *x = calloc(total, 1);
    memcpy(x, "RIFF", 4);
    uint32_t riff = (uint32_t)(total - 8);
    for (int k = 0; k < 4; k++) x[4 + k] = (uint8_t)(riff >> (8 * k));
    memcpy(x + 8, "WEBP", 4);
    memcpy(x + 12, "VP8X", 4);
    x[16] = 10;
    x[20] = 0x08; /* EXIF flag */
    x[24] = 19;   /* width - 1 */
    x[27] = 9;    /* height - 1 */
    memcpy(x + 30, webp + 12, body);
    size_t p = 30 + body;
    memcpy(x + p, "EXIF", 4);
    for (int k = 0; k < 4; k++) x[p + 4 + k] = (uint8_t)(exif_len >> (8 * k));
    if (prefix) memcpy(x + p + 8, "Exif\0\0", 6);
    memcpy(x + p + 8 + (prefix ? 6 : 0), tiff, tn);
    gr_metadata m;
    gr_status s = gr_codec_read_header(x, total, &m, &err);
    CHECK_MSG(s == GR_OK, "VP8X webp: %s", err.message);
    CHECK_MSG(m.orientation == 8 && m.width == 20 && m.height == 10,
              "webp EXIF orientation %d (prefix %d)", m.orientation, prefix);
    gr_image dec;
    s = gr_decode(x, total, NULL, &dec, &err);
    CHECK_MSG(s == GR_OK, "VP8X webp decode: %s", err.message);
    if (s == GR_OK) gr_image_free(&dec);
    free(x);
  }
  free(webp);
  gr_image_free(&img);
}

/* ------------------------------------------------------------------------------------------ */
/* bad input */

static void expect_error(const uint8_t *d, size_t len, gr_fail_on fail_on, const char *what) {
  gr_decode_options o = dopts(1, fail_on, DEFAULT_LIMIT);
  gr_image img;
  gr_error err;
  memset(&err, 0, sizeof err);
  gr_status s = gr_decode(d, len, &o, &img, &err);
  CHECK_MSG(s != GR_OK && err.message[0] != 0 && err.code == s && img.data == NULL,
            "%s: status %d message '%s'", what, (int)s, err.message);
  if (s == GR_OK) gr_image_free(&img);
  gr_metadata m;
  memset(&err, 0, sizeof err);
  s = gr_codec_read_header(d, len, &m, &err);
  if (s != GR_OK) CHECK_MSG(err.message[0] != 0, "%s header: empty message", what);
}

/* Decode that may fail or succeed, but must not crash or leak. */
static void try_decode(const uint8_t *d, size_t len, gr_fail_on fail_on, int shrink) {
  gr_decode_options o = dopts(shrink, fail_on, DEFAULT_LIMIT);
  gr_image img;
  gr_error err;
  memset(&err, 0, sizeof err);
  gr_status s = gr_decode(d, len, &o, &img, &err);
  if (s == GR_OK) {
    CHECK(img.data != NULL && img.width > 0 && img.height > 0);
    gr_image_free(&img);
  } else {
    CHECK_MSG(err.message[0] != 0, "status %d without message", (int)s);
  }
  gr_metadata m;
  s = gr_codec_read_header(d, len, &m, &err);
  if (s != GR_OK) CHECK(err.message[0] != 0);
}

static void test_bad_input(void) {
  size_t len;
  gr_image img;
  gr_error err;
  gr_decode_options o;

  /* truncated.jpg */
  uint8_t *d = gr_test_read_image("truncated.jpg", &len);
  expect_error(d, len, GR_FAIL_ON_ERROR, "truncated.jpg error");
  expect_error(d, len, GR_FAIL_ON_TRUNCATED, "truncated.jpg truncated");
  expect_error(d, len, GR_FAIL_ON_WARNING, "truncated.jpg warning");
  o = dopts(1, GR_FAIL_ON_ERROR, DEFAULT_LIMIT);
  CHECK(gr_decode(d, len, &o, &img, &err) == GR_ERR_DECODE);
  o = dopts(1, GR_FAIL_ON_NONE, DEFAULT_LIMIT);
  gr_status s = gr_decode(d, len, &o, &img, &err);
  CHECK_MSG(s == GR_OK, "truncated.jpg with failOn none: %s", err.message);
  if (s == GR_OK) {
    CHECK(img.width == 2725 && img.height == 2225 && img.channels == 3);
    gr_image_free(&img);
  }
  o = dopts(8, GR_FAIL_ON_NONE, DEFAULT_LIMIT);
  CHECK(gr_decode(d, len, &o, &img, &err) == GR_OK);
  gr_image_free(&img);
  free(d);

  /* truncated.png */
  d = gr_test_read_image("truncated.png", &len);
  expect_error(d, len, GR_FAIL_ON_ERROR, "truncated.png");
  o = dopts(1, GR_FAIL_ON_NONE, DEFAULT_LIMIT);
  s = gr_decode(d, len, &o, &img, &err);
  CHECK_MSG(s == GR_OK, "truncated.png with failOn none: %s", err.message);
  if (s == GR_OK) {
    CHECK(img.width == 294 && img.height == 240 && img.channels == 3);
    gr_image_free(&img);
  }
  free(d);

  /* corrupt-header.jpg */
  d = gr_test_read_image("corrupt-header.jpg", &len);
  expect_error(d, len, GR_FAIL_ON_ERROR, "corrupt-header.jpg");
  expect_error(d, len, GR_FAIL_ON_NONE, "corrupt-header.jpg none");
  free(d);

  /* zero-length, 1 byte, random bytes */
  static const uint8_t one[1] = {0xFF};
  expect_error(one, 0, GR_FAIL_ON_ERROR, "zero-length");
  expect_error(NULL, 0, GR_FAIL_ON_ERROR, "NULL");
  expect_error(one, 1, GR_FAIL_ON_ERROR, "1 byte");
  memset(&err, 0, sizeof err);
  CHECK(gr_decode(one, 1, NULL, &img, &err) == GR_ERR_DECODE);
  CHECK(strcmp(err.message, "Input buffer contains unsupported image format") == 0);
  uint8_t rnd[4096];
  rng_state = 42;
  for (size_t i = 0; i < sizeof rnd; i++) rnd[i] = (uint8_t)rng();
  rnd[0] = 0x00;
  expect_error(rnd, sizeof rnd, GR_FAIL_ON_ERROR, "random bytes");
  /* random bytes behind each magic number */
  static const uint8_t jpg_magic[] = {0xFF, 0xD8, 0xFF, 0xE0};
  static const uint8_t png_magic[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  static const uint8_t webp_magic[] = {'R', 'I', 'F', 'F', 0xF8, 0x0F, 0, 0, 'W', 'E', 'B', 'P'};
  memcpy(rnd, jpg_magic, sizeof jpg_magic);
  expect_error(rnd, sizeof rnd, GR_FAIL_ON_NONE, "random JPEG");
  memcpy(rnd, png_magic, sizeof png_magic);
  expect_error(rnd, sizeof rnd, GR_FAIL_ON_NONE, "random PNG");
  memcpy(rnd, webp_magic, sizeof webp_magic);
  expect_error(rnd, sizeof rnd, GR_FAIL_ON_NONE, "random WebP");
  for (size_t k = 0; k < 16; k++) {
    expect_error(jpg_magic, k < 4 ? k : 4, GR_FAIL_ON_NONE, "JPEG magic only");
    expect_error(png_magic, k < 8 ? k : 8, GR_FAIL_ON_NONE, "PNG magic only");
    expect_error(webp_magic, k < 12 ? k : 12, GR_FAIL_ON_NONE, "WebP magic only");
  }

  /* A JPEG whose SOF claims huge dimensions. */
  gr_image small = synth_image(16, 16, 3);
  gr_request req = make_request();
  uint8_t *jpg;
  size_t jlen;
  CHECK(gr_encode(&small, GR_FORMAT_JPEG, &req, &jpg, &jlen, &err) == GR_OK);
  size_t sof = 0;
  for (size_t i = 2; i + 9 < jlen; i++)
    if (jpg[i] == 0xFF && (jpg[i + 1] == 0xC0 || jpg[i + 1] == 0xC1 || jpg[i + 1] == 0xC2)) {
      sof = i;
      break;
    }
  CHECK(sof > 0);
  if (sof) {
    jpg[sof + 5] = 0xEA; /* height 60000 */
    jpg[sof + 6] = 0x60;
    jpg[sof + 7] = 0xEA; /* width 60000 */
    jpg[sof + 8] = 0x60;
    o = dopts(1, GR_FAIL_ON_ERROR, DEFAULT_LIMIT);
    memset(&err, 0, sizeof err);
    CHECK(gr_decode(jpg, jlen, &o, &img, &err) == GR_ERR_LIMIT);
    CHECK(strcmp(err.message, "Input image exceeds pixel limit") == 0);
    o = dopts(1, GR_FAIL_ON_ERROR, 1000);
    CHECK(gr_decode(jpg, jlen, &o, &img, &err) == GR_ERR_LIMIT);
    gr_metadata m;
    CHECK(gr_codec_read_header(jpg, jlen, &m, &err) == GR_OK);
    CHECK(m.width == 60000 && m.height == 60000);
  }
  free(jpg);
  /* Small limits on every format. */
  uint8_t *enc;
  size_t elen;
  const gr_format fmts[3] = {GR_FORMAT_JPEG, GR_FORMAT_PNG, GR_FORMAT_WEBP};
  for (int i = 0; i < 3; i++) {
    CHECK(gr_encode(&small, fmts[i], &req, &enc, &elen, &err) == GR_OK);
    o = dopts(1, GR_FAIL_ON_ERROR, 255);
    memset(&err, 0, sizeof err);
    CHECK_MSG(gr_decode(enc, elen, &o, &img, &err) == GR_ERR_LIMIT, "format %d limit", (int)fmts[i]);
    CHECK(strcmp(err.message, "Input image exceeds pixel limit") == 0);
    o = dopts(1, GR_FAIL_ON_ERROR, 256);
    CHECK(gr_decode(enc, elen, &o, &img, &err) == GR_OK);
    gr_image_free(&img);

    /* Truncations at many lengths and corrupted bytes: no crash, no leak, each fail_on. */
    for (size_t cut = 0; cut < elen; cut += 1 + elen / 97) {
      try_decode(enc, cut, (gr_fail_on)(cut % 4), 1);
    }
    uint8_t *copy = malloc(elen);
    for (int t = 0; t < 200; t++) {
      memcpy(copy, enc, elen);
      int flips = 1 + (int)(rng() % 4);
      for (int f = 0; f < flips; f++) copy[rng() % elen] = (uint8_t)rng();
      try_decode(copy, elen, (gr_fail_on)(t % 4), (t % 3 == 0) ? 2 : 1);
    }
    free(copy);
    free(enc);
  }
  gr_image_free(&small);

  /* giant-image.jpg with the default limit */
  d = gr_test_read_image("giant-image.jpg", &len);
  o = dopts(1, GR_FAIL_ON_ERROR, DEFAULT_LIMIT);
  memset(&err, 0, sizeof err);
  CHECK(gr_decode(d, len, &o, &img, &err) == GR_ERR_LIMIT);
  CHECK(strcmp(err.message, "Input image exceeds pixel limit") == 0);
  CHECK(img.data == NULL);
  /* The limit applies to the stored size even with shrink-on-load. */
  o = dopts(8, GR_FAIL_ON_ERROR, DEFAULT_LIMIT);
  CHECK(gr_decode(d, len, &o, &img, &err) == GR_ERR_LIMIT);
  free(d);

  /* CMYK */
  d = gr_test_read_image("Channel_digital_image_CMYK_color.jpg", &len);
  o = dopts(1, GR_FAIL_ON_ERROR, DEFAULT_LIMIT);
  memset(&err, 0, sizeof err);
  CHECK(gr_decode(d, len, &o, &img, &err) == GR_ERR_UNSUPPORTED);
  CHECK(strcmp(err.message, "CMYK JPEG is decoded by libvips") == 0);
  free(d);

  /* GIF and other non-native formats */
  d = gr_test_read_image("Crash_test.gif", &len);
  memset(&err, 0, sizeof err);
  CHECK(gr_decode(d, len, &o, &img, &err) == GR_ERR_UNSUPPORTED);
  CHECK(err.message[0] != 0);
  free(d);
  const char *svg = "<svg xmlns=\"http://www.w3.org/2000/svg\"/>";
  CHECK(gr_decode((const uint8_t *)svg, strlen(svg), &o, &img, &err) == GR_ERR_UNSUPPORTED);
}

int main(void) {
  test_sniff();
  test_headers();
  test_jpeg_decode();
  test_png_types();
  test_jpeg_roundtrip();
  test_png_roundtrip();
  test_webp_roundtrip();
  test_encode_limits();
  test_exif();
  test_bad_input();
  return gr_test_finish("test_codecs");
}
