/* ICC profile inspection: is an embedded profile sRGB? sharp converts every image with an
 * embedded profile to sRGB; for sRGB profiles that is (to rounding) the identity, so the native
 * path can take the image, and other profiles go to libvips. */
#include <string.h>

#include "codecs/codecs.h"

static int contains(const uint8_t *data, size_t length, const char *needle, size_t n) {
  if (length < n) return 0;
  for (size_t i = 0; i + n <= length; i++) {
    if (data[i] == (uint8_t)needle[0] && memcmp(data + i, needle, n) == 0) return 1;
  }
  return 0;
}

int gr_icc_is_srgb(const uint8_t *profile, size_t length) {
  if (!profile || length < 132) return 0;
  /* Colour space signature at offset 16 must be 'RGB '. */
  if (memcmp(profile + 16, "RGB ", 4) != 0) return 0;
  static const char utf16[] = {0, 's', 0, 'R', 0, 'G', 0, 'B'};
  return contains(profile, length, "sRGB", 4) || contains(profile, length, utf16, sizeof utf16);
}
