/* Format identification from the first bytes of a buffer. */
#include <string.h>

#include "codecs/codecs_internal.h"

static int brand_is(const uint8_t *b, const char *s) { return memcmp(b, s, 4) == 0; }

/* ISO-BMFF (HEIF/AVIF): "ftyp" box first; the major brand and then the compatible brands. */
static gr_format sniff_ftyp(const uint8_t *data, size_t length) {
  if (length < 16 || memcmp(data + 4, "ftyp", 4) != 0) return GR_FORMAT_UNKNOWN;
  size_t box = ((size_t)data[0] << 24) | ((size_t)data[1] << 16) | ((size_t)data[2] << 8) |
               (size_t)data[3];
  if (box < 16) return GR_FORMAT_UNKNOWN;
  if (box > length) box = length;
  int avif = 0, heif = 0;
  /* offset 8: major brand; 12: minor version; 16..box: compatible brands */
  for (size_t off = 8; off + 4 <= box; off += 4) {
    if (off == 12) continue;
    const uint8_t *b = data + off;
    if (brand_is(b, "avif") || brand_is(b, "avis")) avif = 1;
    else if (brand_is(b, "heic") || brand_is(b, "heix") || brand_is(b, "hevc") ||
             brand_is(b, "hevx") || brand_is(b, "heim") || brand_is(b, "heis") ||
             brand_is(b, "hevm") || brand_is(b, "hevs") || brand_is(b, "mif1") ||
             brand_is(b, "msf1"))
      heif = 1;
  }
  if (avif) return GR_FORMAT_AVIF;
  if (heif) return GR_FORMAT_HEIF;
  return GR_FORMAT_UNKNOWN;
}

static gr_format sniff_svg(const uint8_t *data, size_t length) {
  size_t i = 0;
  if (length >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF) i = 3; /* BOM */
  while (i < length && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
    i++;
  size_t rest = length - i;
  const uint8_t *p = data + i;
  int starts = (rest >= 5 && memcmp(p, "<?xml", 5) == 0) || (rest >= 4 && memcmp(p, "<svg", 4) == 0);
  if (!starts) return GR_FORMAT_UNKNOWN;
  /* Look for "<svg" in the first 8 KiB (after an XML declaration, comments, doctype). */
  size_t limit = rest < 8192 ? rest : 8192;
  for (size_t k = 0; k + 4 <= limit; k++) {
    if (memcmp(p + k, "<svg", 4) == 0) return GR_FORMAT_SVG;
  }
  return GR_FORMAT_UNKNOWN;
}

gr_format gr_sniff_format(const uint8_t *data, size_t length) {
  if (!data || length < 2) return GR_FORMAT_UNKNOWN;
  if (length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return GR_FORMAT_JPEG;
  if (length >= 8 && memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0) return GR_FORMAT_PNG;
  if (length >= 12 && memcmp(data, "RIFF", 4) == 0 && memcmp(data + 8, "WEBP", 4) == 0)
    return GR_FORMAT_WEBP;
  if (length >= 6 && (memcmp(data, "GIF87a", 6) == 0 || memcmp(data, "GIF89a", 6) == 0))
    return GR_FORMAT_GIF;
  if (length >= 4 && (memcmp(data, "II*\0", 4) == 0 || memcmp(data, "MM\0*", 4) == 0 ||
                      memcmp(data, "II+\0", 4) == 0 || memcmp(data, "MM\0+", 4) == 0))
    return GR_FORMAT_TIFF;
  gr_format f = sniff_ftyp(data, length);
  if (f != GR_FORMAT_UNKNOWN) return f;
  return sniff_svg(data, length);
}
