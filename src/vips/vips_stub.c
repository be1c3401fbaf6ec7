/* The libvips backend when the library is built without libvips: never available. */
#include "vips/vips_backend.h"

#include <stdio.h>
#include <string.h>

#include "core/common.h"

int gr_vips_available(char *version, size_t version_size, char *reason, size_t reason_size) {
  if (version && version_size) version[0] = 0;
  if (reason && reason_size) snprintf(reason, reason_size, "%s", "built without libvips");
  return 0;
}

gr_status gr_vips_process(const gr_request *req, gr_result *res, gr_error *err) {
  (void)req;
  if (res) res->backend = GR_BACKEND_VIPS;
  return gr_fail(err, GR_ERR_UNSUPPORTED, "built without libvips");
}

gr_status gr_vips_read_metadata(const uint8_t *data, size_t length, gr_metadata *meta,
                                gr_error *err) {
  return gr_vips_read_metadata_ex(data, length, meta, NULL, err);
}

gr_status gr_vips_read_metadata_ex(const uint8_t *data, size_t length, gr_metadata *meta,
                                   gr_metadata_ex *ex, gr_error *err) {
  (void)data;
  (void)length;
  (void)ex;
  if (meta) memset(meta, 0, sizeof *meta);
  return gr_fail(err, GR_ERR_UNSUPPORTED, "built without libvips");
}

gr_status gr_vips_to_srgb(const uint8_t *input, size_t length, const gr_image *img,
                          gr_image *out, gr_error *err) {
  (void)input;
  (void)length;
  (void)img;
  memset(out, 0, sizeof *out);
  return gr_fail(err, GR_ERR_UNSUPPORTED, "no colour management without libvips");
}
