/* Colour management for the native path: decoded pixels with a non-sRGB embedded profile to
 * sRGB with libvips' icc_transform (lcms), the step sharp takes right after loading (and
 * shrink-on-load), so the native resize then works on what sharp's would. */
#include <string.h>

#include <vips/vips.h>

#include "core/common.h"
#include "vips/vips_backend.h"

/* The embedded ICC profile of the input, read from its header by libvips (no pixels). */
static VipsImage *header_of(const uint8_t *input, size_t length) {
  VipsImage *header = vips_image_new_from_buffer(input, length, "", NULL);
  if (!header) vips_error_clear();
  return header;
}

gr_status gr_vips_to_srgb(const uint8_t *input, size_t length, const gr_image *img,
                          gr_image *out, gr_error *err) {
  memset(out, 0, sizeof *out);
  char why[GR_MESSAGE_MAX];
  if (!gr_vips_available(NULL, 0, why, sizeof why)) {
    return gr_fail(err, GR_ERR_UNSUPPORTED, "no colour management without libvips: %s", why);
  }
  if (img->channels < 1 || img->channels > 4) {
    return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "to sRGB: %d channels", img->channels);
  }
  VipsImage *header = header_of(input, length);
  const void *icc = NULL;
  size_t icc_length = 0;
  if (!header || vips_image_get_typeof(header, VIPS_META_ICC_NAME) != VIPS_TYPE_BLOB ||
      vips_image_get_blob(header, VIPS_META_ICC_NAME, &icc, &icc_length) || icc_length == 0) {
    vips_error_clear();
    if (header) g_object_unref(header);
    return gr_fail(err, GR_ERR_UNSUPPORTED, "the embedded ICC profile cannot be read");
  }
  /* The pixels as a libvips image (rows packed), tagged with the profile and the colour space
   * the profile describes. */
  size_t row = (size_t)img->width * (size_t)img->channels;
  VipsImage *mem = vips_image_new_memory();
  vips_image_init_fields(mem, img->width, img->height, img->channels, VIPS_FORMAT_UCHAR,
                         VIPS_CODING_NONE,
                         img->channels <= 2 ? VIPS_INTERPRETATION_B_W : VIPS_INTERPRETATION_sRGB,
                         1.0, 1.0);
  gr_status st = GR_OK;
  if (vips_image_write_prepare(mem)) {
    st = gr_fail(err, GR_ERR_NO_MEMORY, "Out of memory for the colour conversion");
  } else {
    for (int y = 0; y < img->height; y++) {
      memcpy(VIPS_IMAGE_ADDR(mem, 0, y), img->data + img->stride * (size_t)y, row);
    }
    vips_image_set_blob_copy(mem, VIPS_META_ICC_NAME, icc, icc_length);
  }
  g_object_unref(header);
  VipsImage *srgb = NULL;
  if (st == GR_OK && vips_icc_transform(mem, &srgb, "srgb", "embedded", TRUE, "depth", 8,
                                        "intent", VIPS_INTENT_PERCEPTUAL, NULL)) {
    /* sharp warns "Invalid embedded profile" and carries on with the pixels as they are. */
    vips_error_clear();
    g_object_unref(mem);
    return gr_fail(err, GR_ERR_UNSUPPORTED, "invalid embedded profile: pixels kept as they are");
  }
  if (st == GR_OK) {
    VipsImage *uchar = NULL;
    size_t bytes = 0;
    void *pixels = NULL;
    if (vips_cast(srgb, &uchar, VIPS_FORMAT_UCHAR, NULL) ||
        !(pixels = vips_image_write_to_memory(uchar, &bytes))) {
      vips_error_clear();
      st = gr_fail(err, GR_ERR_BACKEND, "colour conversion to sRGB failed");
    } else if ((st = gr_image_alloc(out, uchar->Xsize, uchar->Ysize, uchar->Bands, err)) ==
               GR_OK) {
      memcpy(out->data, pixels, out->stride * (size_t)out->height); /* both rows packed */
    }
    g_free(pixels);
    if (uchar) g_object_unref(uchar);
    g_object_unref(srgb);
  }
  g_object_unref(mem);
  return st;
}
