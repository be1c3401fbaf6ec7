/* EXIF orientation from a TIFF block. Runs on untrusted bytes: every read is bounds-checked. */
#include <string.h>

#include "codecs/codecs_internal.h"

static unsigned rd16(const uint8_t *p, int le) {
  return le ? (unsigned)p[0] | ((unsigned)p[1] << 8) : ((unsigned)p[0] << 8) | (unsigned)p[1];
}

static uint32_t rd32(const uint8_t *p, int le) {
  return le ? (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
                  ((uint32_t)p[3] << 24)
            : ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) |
                  (uint32_t)p[3];
}

static int parse_tiff(const uint8_t *tiff, size_t length) {
  if (!tiff || length < 8) return 0;
  int le;
  if (tiff[0] == 'I' && tiff[1] == 'I') le = 1;
  else if (tiff[0] == 'M' && tiff[1] == 'M') le = 0;
  else return 0;
  if (rd16(tiff + 2, le) != 42) return 0;
  uint32_t ifd = rd32(tiff + 4, le);
  if (ifd < 8 || (size_t)ifd > length || length - (size_t)ifd < 2) return 0;
  unsigned count = rd16(tiff + ifd, le);
  size_t pos = (size_t)ifd + 2;
  for (unsigned i = 0; i < count; i++, pos += 12) {
    if (pos > length || length - pos < 12) return 0;
    const uint8_t *e = tiff + pos;
    if (rd16(e, le) != 0x0112) continue;
    unsigned type = rd16(e + 2, le);
    uint32_t n = rd32(e + 4, le);
    if (n < 1) return 0;
    uint32_t v;
    switch (type) {
      case 3: v = rd16(e + 8, le); break;  /* SHORT, the standard type */
      case 4: v = rd32(e + 8, le); break;  /* LONG, seen in some writers */
      case 1: v = e[8]; break;             /* BYTE */
      default: return 0;
    }
    return (v >= 1 && v <= 8) ? (int)v : 0;
  }
  return 0;
}

/* Accepts the TIFF header directly or after the "Exif\0\0" prefix of JPEG APP1 (and of some
 * WebP EXIF chunks). */
int gr_exif_orientation_tiff(const uint8_t *data, size_t length) {
  if (!data) return 0;
  if (length >= 6 && memcmp(data, "Exif\0\0", 6) == 0) {
    data += 6;
    length -= 6;
  }
  return parse_tiff(data, length);
}
