#include "codecs/jpeg_err.h"

#include <stdio.h>
#include <string.h>

/* Warnings beyond this many abort the decode, like libvips (corrupt files can emit thousands). */
#define GR_JPEG_MAX_WARNINGS 100

static void gr_jpeg_error_exit(j_common_ptr cinfo) {
  gr_jpeg_err *e = (gr_jpeg_err *)cinfo->err;
  (*cinfo->err->format_message)(cinfo, e->message);
  longjmp(e->jump, 1);
}

static void gr_jpeg_output_message(j_common_ptr cinfo) { (void)cinfo; /* never print */ }

static void gr_jpeg_emit_message(j_common_ptr cinfo, int msg_level) {
  gr_jpeg_err *e = (gr_jpeg_err *)cinfo->err;
  if (msg_level >= 0) return; /* trace messages: ignore */
  cinfo->err->num_warnings++;
  e->warnings++;
  int is_eof = cinfo->err->msg_code == JWRN_JPEG_EOF;
  if (is_eof) e->truncated = 1;
  int fail = 0;
  switch (e->fail_on) {
    case GR_FAIL_ON_WARNING: fail = 1; break;
    case GR_FAIL_ON_ERROR:
    case GR_FAIL_ON_TRUNCATED: fail = is_eof; break;
    case GR_FAIL_ON_NONE: break;
  }
  if (e->warnings >= GR_JPEG_MAX_WARNINGS) fail = 1;
  if (fail) {
    (*cinfo->err->format_message)(cinfo, e->message);
    e->failed_on_warning = 1;
    longjmp(e->jump, 1);
  }
}

struct jpeg_error_mgr *gr_jpeg_err_init(gr_jpeg_err *e, gr_fail_on fail_on) {
  memset(e, 0, sizeof *e);
  jpeg_std_error(&e->pub);
  e->pub.error_exit = gr_jpeg_error_exit;
  e->pub.output_message = gr_jpeg_output_message;
  e->pub.emit_message = gr_jpeg_emit_message;
  e->fail_on = fail_on;
  return &e->pub;
}

const char *gr_jpeg_err_reason(const gr_jpeg_err *e, char *buf, size_t size) {
  snprintf(buf, size, "VipsJpeg: %s",
           e->truncated ? "premature end of JPEG image"
                        : (e->message[0] ? e->message : "corrupt JPEG data"));
  return buf;
}
