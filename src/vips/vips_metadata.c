/* See vips_metadata.h. The names and types are those sharp's metadata.cc asks libvips for. */
#include "vips/vips_metadata.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int get_int(VipsImage *image, const char *name, int *value) {
  return vips_image_get_typeof(image, name) == G_TYPE_INT && !vips_image_get_int(image, name, value);
}

static void get_string(VipsImage *image, const char *name, char *out, size_t size) {
  const char *value = NULL;
  if (vips_image_get_typeof(image, name) == VIPS_TYPE_REF_STRING &&
      !vips_image_get_string(image, name, &value) && value) {
    snprintf(out, size, "%s", value);
  }
}

static void get_blob(VipsImage *image, const char *name, gr_blob *out) {
  const void *data = NULL;
  size_t length = 0;
  if (vips_image_get_typeof(image, name) != VIPS_TYPE_BLOB ||
      vips_image_get_blob(image, name, &data, &length) || !data || length == 0) {
    return;
  }
  out->data = malloc(length);
  if (out->data) {
    memcpy(out->data, data, length);
    out->length = length;
  }
}

static void get_delay(VipsImage *image, gr_metadata_ex *ex) {
  int *delay = NULL, n = 0;
  if (vips_image_get_typeof(image, "delay") != VIPS_TYPE_ARRAY_INT ||
      vips_image_get_array_int(image, "delay", &delay, &n) || !delay || n <= 0) {
    return;
  }
  ex->delay = malloc((size_t)n * sizeof *delay);
  if (ex->delay) {
    memcpy(ex->delay, delay, (size_t)n * sizeof *delay);
    ex->delay_count = n;
  }
}

static void get_background(VipsImage *image, gr_metadata_ex *ex) {
  double *background = NULL;
  int n = 0;
  if (vips_image_get_typeof(image, "background") != VIPS_TYPE_ARRAY_DOUBLE ||
      vips_image_get_array_double(image, "background", &background, &n) || !background) {
    return;
  }
  /* sharp reads three values as RGB and otherwise the first as grey */
  if (n > 4) n = 4;
  for (int i = 0; i < n; i++) ex->background[i] = background[i];
  ex->background_count = n;
}

void gr_vips_fill_metadata_ex(VipsImage *image, gr_metadata_ex *ex) {
  ex->from_vips = 1;
  snprintf(ex->space, sizeof ex->space, "%s",
           vips_enum_nick(VIPS_TYPE_INTERPRETATION, vips_image_get_interpretation(image)));
  snprintf(ex->depth, sizeof ex->depth, "%s",
           vips_enum_nick(VIPS_TYPE_BAND_FORMAT, vips_image_get_format(image)));
  get_string(image, VIPS_META_RESOLUTION_UNIT, ex->resolution_unit, sizeof ex->resolution_unit);
  get_string(image, "heif-compression", ex->compression, sizeof ex->compression);
  get_int(image, VIPS_META_PALETTE, &ex->is_palette);
  get_int(image, VIPS_META_BITS_PER_SAMPLE, &ex->bits_per_sample);
  get_int(image, VIPS_META_N_PAGES, &ex->pages);
  get_int(image, VIPS_META_PAGE_HEIGHT, &ex->page_height);
  get_int(image, "loop", &ex->loop);
  get_int(image, "heif-primary", &ex->page_primary);
  get_int(image, VIPS_META_N_SUBIFDS, &ex->subifds);
  get_delay(image, ex);
  get_background(image, ex);
  get_blob(image, VIPS_META_EXIF_NAME, &ex->exif);
  get_blob(image, VIPS_META_ICC_NAME, &ex->icc);
  get_blob(image, VIPS_META_IPTC_NAME, &ex->iptc);
  get_blob(image, VIPS_META_XMP_NAME, &ex->xmp);
  get_blob(image, VIPS_META_PHOTOSHOP_NAME, &ex->photoshop);
  vips_error_clear();
}
