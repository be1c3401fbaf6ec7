/* JPEG encoding with the jpeglib API. A private growing memory destination is used instead of
 * jpeg_mem_dest so that every buffer is ours to free after a longjmp. */
#include <stdlib.h>
#include <string.h>

#include "codecs/jpeg_err.h"

typedef struct jpeg_mem_out {
  struct jpeg_destination_mgr pub; /* must be first */
  uint8_t *buf;
  size_t cap;
  size_t len; /* bytes final after term_destination */
} jpeg_mem_out;

static void dest_init(j_compress_ptr c) {
  jpeg_mem_out *d = (jpeg_mem_out *)c->dest;
  if (!d->buf) {
    d->cap = 65536;
    d->buf = malloc(d->cap);
    if (!d->buf) ERREXIT1(c, JERR_OUT_OF_MEMORY, 0);
  }
  d->pub.next_output_byte = d->buf;
  d->pub.free_in_buffer = d->cap;
}

static boolean dest_empty(j_compress_ptr c) {
  jpeg_mem_out *d = (jpeg_mem_out *)c->dest;
  /* libjpeg calls this when the whole buffer is full. */
  size_t used = d->cap;
  size_t cap = d->cap * 2;
  uint8_t *p = realloc(d->buf, cap);
  if (!p) ERREXIT1(c, JERR_OUT_OF_MEMORY, 1);
  d->buf = p;
  d->cap = cap;
  d->pub.next_output_byte = d->buf + used;
  d->pub.free_in_buffer = cap - used;
  return TRUE;
}

static void dest_term(j_compress_ptr c) {
  jpeg_mem_out *d = (jpeg_mem_out *)c->dest;
  d->len = d->cap - d->pub.free_in_buffer;
}

typedef struct jpeg_enc_state {
  struct jpeg_compress_struct cinfo;
  gr_jpeg_err jerr;
  jpeg_mem_out dest;
  int created;
  uint8_t *row; /* colour channels of one row when dropping alpha */
} jpeg_enc_state;

static gr_status encode_inner(jpeg_enc_state *st, const gr_image *img, const gr_jpeg_options *o,
                              gr_error *err) {
  struct jpeg_compress_struct *c = &st->cinfo;
  c->err = gr_jpeg_err_init(&st->jerr, GR_FAIL_ON_NONE);
  if (setjmp(st->jerr.jump)) {
    int msg = st->jerr.pub.msg_code;
    if (msg == JERR_IMAGE_TOO_BIG) {
      /* libjpeg stops at 65500 pixels, a little below sharp's 65535 check; sharp then passes
       * libjpeg's message on ("Maximum supported image dimension is 65500 pixels"). */
      return gr_fail(err, GR_ERR_LIMIT, "VipsJpeg: %s", st->jerr.message);
    }
    return gr_fail(err, msg == JERR_OUT_OF_MEMORY ? GR_ERR_NO_MEMORY : GR_ERR_ENCODE,
                   "JPEG encode failed: %s", st->jerr.message);
  }
  jpeg_create_compress(c);
  st->created = 1;
  st->dest.pub.init_destination = dest_init;
  st->dest.pub.empty_output_buffer = dest_empty;
  st->dest.pub.term_destination = dest_term;
  c->dest = &st->dest.pub;

  int colour = img->channels >= 3 ? 3 : 1;
  c->image_width = (JDIMENSION)img->width;
  c->image_height = (JDIMENSION)img->height;
  c->input_components = colour;
  c->in_color_space = colour == 3 ? JCS_RGB : JCS_GRAYSCALE;
  jpeg_set_defaults(c);
  int q = o->quality < 1 ? 1 : o->quality > 100 ? 100 : o->quality;
  jpeg_set_quality(c, q, TRUE);
  c->optimize_coding = o->optimize_coding ? TRUE : FALSE;
  c->dct_method = JDCT_ISLOW;
  if (colour == 3) {
    int f = o->chroma_444 ? 1 : 2;
    c->comp_info[0].h_samp_factor = f;
    c->comp_info[0].v_samp_factor = f;
    for (int i = 1; i < 3; i++) {
      c->comp_info[i].h_samp_factor = 1;
      c->comp_info[i].v_samp_factor = 1;
    }
  }
  if (o->progressive) jpeg_simple_progression(c);

  if (img->channels == 2 || img->channels == 4) {
    st->row = malloc((size_t)img->width * (size_t)colour);
    if (!st->row) return gr_fail(err, GR_ERR_NO_MEMORY, "Out of memory");
  }
  jpeg_start_compress(c, TRUE);
  while (c->next_scanline < c->image_height) {
    const uint8_t *src = img->data + (size_t)c->next_scanline * img->stride;
    JSAMPROW row;
    if (st->row) {
      const int ch = img->channels;
      uint8_t *d = st->row;
      for (int x = 0; x < img->width; x++, src += ch, d += colour) {
        memcpy(d, src, (size_t)colour);
      }
      row = st->row;
    } else {
      row = (JSAMPROW)(uintptr_t)src;
    }
    jpeg_write_scanlines(c, &row, 1);
  }
  jpeg_finish_compress(c);
  return GR_OK;
}

gr_status gr_jpeg_encode(const gr_image *img, const gr_jpeg_options *o, uint8_t **out,
                         size_t *out_length, gr_error *err) {
  if (img->width > GR_JPEG_MAX_DIMENSION || img->height > GR_JPEG_MAX_DIMENSION) {
    return gr_fail(err, GR_ERR_LIMIT, "Processed image is too large for the JPEG format");
  }
  jpeg_enc_state *st = calloc(1, sizeof *st);
  if (!st) return gr_fail(err, GR_ERR_NO_MEMORY, "Out of memory");
  gr_status s = encode_inner(st, img, o, err);
  if (st->created) jpeg_destroy_compress(&st->cinfo);
  free(st->row);
  if (s == GR_OK) {
    *out = st->dest.buf;
    *out_length = st->dest.len;
  } else {
    free(st->dest.buf);
  }
  free(st);
  return s;
}
