/* The JFIF header of our JPEG output, for encoders other than libjpeg (nvJPEG on the GPU) whose
 * output must carry the same markers as the CPU encoder's. */
#ifndef GR_CODECS_JFIF_H
#define GR_CODECS_JFIF_H

#include <stddef.h>
#include <stdint.h>

#include "core/common.h"

/* The JFIF APP0 segment libjpeg's defaults write (JFIF 1.01, aspect ratio 1:1, no thumbnail):
 * what the CPU encoder's output carries right after SOI. */
#define GR_JFIF_APP0_LENGTH 18
extern const uint8_t gr_jfif_app0[GR_JFIF_APP0_LENGTH];

/* Rewrites the start of the JPEG in buf[0..*length) (capacity cap) so that SOI is followed by
 * gr_jfif_app0 alone: the APPn and COM segments before the first other marker are dropped.
 * GR_ERR_ENCODE when buf does not start like a JPEG or cap is too small. */
gr_status gr_jpeg_set_jfif_header(uint8_t *buf, size_t *length, size_t cap, gr_error *err);

/* Reads the quantisation tables (DQT segments before SOS) of a JPEG into tables[id][0..63], in
 * the stored (zigzag) order; bit id of *present is set for each table found. GR_ERR_DECODE when
 * the segments are malformed. Lets a check compare two encoders' tables. */
gr_status gr_jpeg_read_dqt(const uint8_t *jpeg, size_t length, uint16_t tables[4][64],
                           int *present, gr_error *err);

#endif
