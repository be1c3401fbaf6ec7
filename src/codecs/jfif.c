/* See jfif.h. */
#include "codecs/jfif.h"

#include <string.h>

const uint8_t gr_jfif_app0[GR_JFIF_APP0_LENGTH] = {
    0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, /* marker, length 16, identifier */
    0x01, 0x01,                                       /* version 1.01 */
    0x00, 0x00, 0x01, 0x00, 0x01,                     /* no units, density 1:1 */
    0x00, 0x00};                                      /* no thumbnail */

gr_status gr_jpeg_set_jfif_header(uint8_t *buf, size_t *length, size_t cap, gr_error *err) {
  size_t len = *length;
  if (!buf || len < 4 || buf[0] != 0xFF || buf[1] != 0xD8) {
    return gr_fail(err, GR_ERR_ENCODE, "JPEG bitstream does not start with SOI");
  }
  size_t pos = 2;
  for (;;) {
    if (pos + 4 > len || buf[pos] != 0xFF) {
      return gr_fail(err, GR_ERR_ENCODE, "JPEG bitstream has no marker at byte %zu", pos);
    }
    uint8_t marker = buf[pos + 1];
    if (!((marker >= 0xE0 && marker <= 0xEF) || marker == 0xFE)) break;
    size_t segment = ((size_t)buf[pos + 2] << 8) | buf[pos + 3];
    if (segment < 2 || pos + 2 + segment > len) {
      return gr_fail(err, GR_ERR_ENCODE, "JPEG bitstream has a bad segment length at byte %zu",
                     pos);
    }
    pos += 2 + segment;
  }
  size_t rest = len - pos, out = 2 + GR_JFIF_APP0_LENGTH + rest;
  if (out > cap) {
    return gr_fail(err, GR_ERR_ENCODE, "JPEG bitstream buffer too small for the JFIF header");
  }
  memmove(buf + 2 + GR_JFIF_APP0_LENGTH, buf + pos, rest);
  memcpy(buf + 2, gr_jfif_app0, GR_JFIF_APP0_LENGTH);
  *length = out;
  return GR_OK;
}

gr_status gr_jpeg_read_dqt(const uint8_t *j, size_t n, uint16_t tables[4][64], int *present,
                           gr_error *err) {
  *present = 0;
  if (!j || n < 4 || j[0] != 0xFF || j[1] != 0xD8) {
    return gr_fail(err, GR_ERR_DECODE, "not a JPEG");
  }
  size_t pos = 2;
  while (pos + 4 <= n && j[pos] == 0xFF && j[pos + 1] != 0xDA) {
    size_t segment = ((size_t)j[pos + 2] << 8) | j[pos + 3];
    if (segment < 2 || pos + 2 + segment > n) {
      return gr_fail(err, GR_ERR_DECODE, "bad segment length at byte %zu", pos);
    }
    if (j[pos + 1] == 0xDB) {
      size_t p = pos + 4, end = pos + 2 + segment;
      while (p < end) {
        int precision = j[p] >> 4, id = j[p] & 15;
        size_t bytes = precision ? 128 : 64;
        if (id > 3 || precision > 1 || p + 1 + bytes > end) {
          return gr_fail(err, GR_ERR_DECODE, "bad DQT at byte %zu", p);
        }
        for (int k = 0; k < 64; k++) {
          tables[id][k] = precision ? (uint16_t)(j[p + 1 + 2 * k] << 8 | j[p + 2 + 2 * k])
                                    : j[p + 1 + k];
        }
        *present |= 1 << id;
        p += 1 + bytes;
      }
    }
    pos += 2 + segment;
  }
  return GR_OK;
}
