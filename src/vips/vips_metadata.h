/* sharp's metadata() fields that only libvips knows, read off a loaded header. */
#ifndef GR_VIPS_METADATA_H
#define GR_VIPS_METADATA_H

#include <vips/vips.h>

#include "gpu_resize.h"

/* Fills ex from image's header fields as sharp's metadata.cc reads them (ex initialised by the
 * caller). A field that cannot be copied (out of memory) is left absent. */
void gr_vips_fill_metadata_ex(VipsImage *image, gr_metadata_ex *ex);

#endif
