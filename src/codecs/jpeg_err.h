/* libjpeg error manager shared by the JPEG decoder and encoder: errors longjmp back with the
 * library's message, warnings are counted (sharp's failOn policy), nothing is ever printed. */
#ifndef GR_JPEG_ERR_H
#define GR_JPEG_ERR_H

#include <setjmp.h>
#include <stdio.h> /* jpeglib.h needs FILE and size_t */

#include <jpeglib.h>
#include <jerror.h> /* message codes (JWRN_JPEG_EOF, JERR_OUT_OF_MEMORY), ERREXIT */

#include "codecs/codecs_internal.h"

typedef struct gr_jpeg_err {
  struct jpeg_error_mgr pub; /* must be first */
  jmp_buf jump;
  gr_fail_on fail_on;        /* decoder only; the encoder uses GR_FAIL_ON_NONE */
  int warnings;
  int truncated;             /* saw JWRN_JPEG_EOF */
  int failed_on_warning;     /* the longjmp came from the failOn policy, not a libjpeg error */
  char message[JMSG_LENGTH_MAX];
} gr_jpeg_err;

/* Sets up e->pub with the handlers below and returns &e->pub for cinfo.err. */
struct jpeg_error_mgr *gr_jpeg_err_init(gr_jpeg_err *e, gr_fail_on fail_on);

/* The reason for a failed read in libvips' words, which sharp passes on: "VipsJpeg: " and
 * libjpeg's message, or "VipsJpeg: premature end of JPEG image" once the data ran out (what
 * fails after that is a consequence of the truncation). */
const char *gr_jpeg_err_reason(const gr_jpeg_err *e, char *buf, size_t size);

#endif
