/* native.metadata(buffer, callback): header read off the JS thread. */
#include <stdlib.h>

#include "napi/napi_util.h"

typedef struct metadata_work {
  gr_napi_call call;
  const uint8_t *data;
  size_t length;
  gr_metadata meta;
  gr_metadata_ex ex;
  gr_error err;
  gr_status status;
} metadata_work;

static void execute(napi_env env, void *data) {
  metadata_work *w = data;
  w->status = gr_read_metadata_ex(w->data, w->length, &w->meta, &w->ex, &w->err);
}

static void set_blob(napi_env env, napi_value obj, const char *key, const gr_blob *blob) {
  napi_value value;
  if (blob->length && napi_create_buffer_copy(env, blob->length, blob->data, NULL, &value) == napi_ok) {
    napi_set_named_property(env, obj, key, value);
  }
}

/* What libvips read beyond gr_metadata, under "vips": js/input.js maps it to sharp's fields. */
static void set_vips_fields(napi_env env, napi_value obj, const gr_metadata_ex *ex) {
  napi_value v, array, item;
  if (napi_create_object(env, &v) != napi_ok) return;
  gr_napi_set_string(env, v, "space", ex->space);
  gr_napi_set_string(env, v, "depth", ex->depth);
  gr_napi_set_string(env, v, "resolutionUnit", ex->resolution_unit);
  gr_napi_set_string(env, v, "compression", ex->compression);
  gr_napi_set_int(env, v, "isPalette", ex->is_palette);
  gr_napi_set_int(env, v, "bitsPerSample", ex->bits_per_sample);
  gr_napi_set_int(env, v, "pages", ex->pages);
  gr_napi_set_int(env, v, "pageHeight", ex->page_height);
  gr_napi_set_int(env, v, "loop", ex->loop);
  gr_napi_set_int(env, v, "pagePrimary", ex->page_primary);
  gr_napi_set_int(env, v, "subifds", ex->subifds);
  if (napi_create_array_with_length(env, (size_t)ex->delay_count, &array) == napi_ok) {
    for (int i = 0; i < ex->delay_count; i++) {
      if (napi_create_int32(env, ex->delay[i], &item) == napi_ok) napi_set_element(env, array, (uint32_t)i, item);
    }
    napi_set_named_property(env, v, "delay", array);
  }
  if (napi_create_array_with_length(env, (size_t)ex->background_count, &array) == napi_ok) {
    for (int i = 0; i < ex->background_count; i++) {
      if (napi_create_double(env, ex->background[i], &item) == napi_ok) napi_set_element(env, array, (uint32_t)i, item);
    }
    napi_set_named_property(env, v, "background", array);
  }
  set_blob(env, v, "exif", &ex->exif);
  set_blob(env, v, "icc", &ex->icc);
  set_blob(env, v, "iptc", &ex->iptc);
  set_blob(env, v, "xmp", &ex->xmp);
  set_blob(env, v, "tifftagPhotoshop", &ex->photoshop);
  napi_set_named_property(env, obj, "vips", v);
}

static void complete(napi_env env, napi_status status, void *data) {
  metadata_work *w = data;
  napi_value argv[2];
  size_t argc = 1;
  if (status != napi_ok || w->status != GR_OK) {
    argv[0] = gr_napi_error(env, status != napi_ok ? "gpu-resize: cancelled" : w->err.message);
  } else {
    const gr_metadata *m = &w->meta;
    napi_get_null(env, &argv[0]);
    napi_create_object(env, &argv[1]);
    gr_napi_set_string(env, argv[1], "format", gr_format_name(m->format));
    gr_napi_set_int(env, argv[1], "width", m->width);
    gr_napi_set_int(env, argv[1], "height", m->height);
    gr_napi_set_int(env, argv[1], "channels", m->channels);
    gr_napi_set_bool(env, argv[1], "hasAlpha", m->has_alpha);
    gr_napi_set_int(env, argv[1], "orientation", m->orientation);
    gr_napi_set_bool(env, argv[1], "isProgressive", m->is_progressive);
    gr_napi_set_int(env, argv[1], "bitsPerSample", m->bits_per_sample);
    gr_napi_set_int(env, argv[1], "pages", m->pages);
    gr_napi_set_bool(env, argv[1], "isCMYK", m->is_cmyk);
    gr_napi_set_int(env, argv[1], "chromaSubsampling", m->chroma_subsampling);
    gr_napi_set_double(env, argv[1], "density", m->density);
    gr_napi_set_bool(env, argv[1], "hasProfile", m->has_profile);
    if (w->ex.from_vips) set_vips_fields(env, argv[1], &w->ex);
    argc = 2;
  }
  napi_value callback = gr_napi_release(env, &w->call);
  gr_metadata_ex_free(&w->ex);
  free(w);
  gr_napi_callback(env, callback, argc, argv);
}

napi_value gr_napi_metadata(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  bool is_buffer = false;
  napi_valuetype t1;
  if (argc < 2 || napi_is_buffer(env, argv[0], &is_buffer) != napi_ok || !is_buffer ||
      napi_typeof(env, argv[1], &t1) != napi_ok || t1 != napi_function) {
    napi_throw_type_error(env, NULL, "metadata(buffer, callback) expects a Buffer and a function");
    return NULL;
  }
  metadata_work *w = calloc(1, sizeof *w);
  if (!w) {
    napi_throw_error(env, NULL, "gpu-resize: out of memory");
    return NULL;
  }
  void *data = NULL;
  napi_get_buffer_info(env, argv[0], &data, &w->length);
  w->data = data;
  if (gr_napi_queue(env, &w->call, argv[0], argv[1], "gpu-resize:metadata", execute, complete,
                    w) != napi_ok) {
    free(w);
    gr_napi_throw_last(env, "queueing metadata");
    return NULL;
  }
  return NULL;
}
