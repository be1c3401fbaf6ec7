/* native.processMany(batons, callback): the batons of one input (same input Buffer, the same
 * steps before the resize) that differ in their output; runs gr_process_many on the request pool
 * and calls back (err, outputs) with outputs[i] = { data, info } or { error }. */
#include <stdlib.h>
#include <string.h>

#include "napi/napi_util.h"

/* A bound on one call, far above any responsive image set. */
#define GR_MANY_MAX 256

typedef struct many_work {
  gr_napi_call call;
  gr_request base;
  int count;
  gr_output_spec specs[GR_MANY_MAX];
  gr_result results[GR_MANY_MAX];
  gr_error errs[GR_MANY_MAX];
  gr_output_trace traces[GR_MANY_MAX];
} many_work;

static void execute(napi_env env, void *data) {
  many_work *w = data;
  gr_process_many(&w->base, w->specs, w->count, w->results, w->errs, w->traces);
}

static napi_value output_object(napi_env env, many_work *w, int i) {
  napi_value o;
  napi_create_object(env, &o);
  if (!w->results[i].data) {
    const gr_error *e = &w->errs[i];
    napi_value error = gr_napi_error(env, e->message[0] ? e->message : gr_status_name(e->code));
    napi_set_named_property(env, o, "error", error);
    return o;
  }
  napi_value info = gr_napi_result_info(env, &w->results[i]);
  const gr_output_trace *t = &w->traces[i];
  if (t->source_width > 0) {
    napi_value from;
    napi_create_object(env, &from);
    gr_napi_set_int(env, from, "width", t->source_width);
    gr_napi_set_int(env, from, "height", t->source_height);
    gr_napi_set_bool(env, from, "chained", t->chained);
    napi_set_named_property(env, info, "resizedFrom", from);
  }
  if (t->decoded_width > 0) {
    napi_value decoded;
    napi_create_object(env, &decoded);
    gr_napi_set_int(env, decoded, "width", t->decoded_width);
    gr_napi_set_int(env, decoded, "height", t->decoded_height);
    napi_set_named_property(env, info, "decoded", decoded);
  }
  napi_set_named_property(env, o, "data", gr_napi_result_buffer(env, &w->results[i]));
  napi_set_named_property(env, o, "info", info);
  return o;
}

static void complete(napi_env env, napi_status status, void *data) {
  many_work *w = data;
  napi_value argv[2];
  int argc = 1;
  if (status != napi_ok) {
    argv[0] = gr_napi_error(env, "gpu-resize: the request was cancelled");
  } else {
    napi_get_null(env, &argv[0]);
    napi_create_array_with_length(env, (size_t)w->count, &argv[1]);
    for (int i = 0; i < w->count; i++) {
      napi_set_element(env, argv[1], (uint32_t)i, output_object(env, w, i));
    }
    argc = 2;
  }
  for (int i = 0; i < w->count; i++) gr_result_free(&w->results[i]);
  napi_value callback = gr_napi_release(env, &w->call);
  free(w);
  gr_napi_callback(env, callback, (size_t)argc, argv);
}

/* baton.input when it is a Buffer, else NULL. */
static napi_value baton_input(napi_env env, napi_value baton) {
  napi_value input;
  bool is_buffer = false;
  if (napi_get_named_property(env, baton, "input", &input) != napi_ok ||
      napi_is_buffer(env, input, &is_buffer) != napi_ok || !is_buffer) {
    return NULL;
  }
  return input;
}

napi_value gr_napi_process_many(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  bool is_array = false;
  napi_valuetype t1;
  uint32_t count = 0;
  if (argc < 2 || napi_is_array(env, argv[0], &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, argv[0], &count) != napi_ok || count < 1 ||
      count > GR_MANY_MAX || napi_typeof(env, argv[1], &t1) != napi_ok || t1 != napi_function) {
    napi_throw_type_error(env, NULL,
                          "processMany(batons, callback) expects 1 to 256 batons and a function");
    return NULL;
  }
  many_work *w = calloc(1, sizeof *w);
  if (!w) {
    napi_throw_error(env, NULL, "gpu-resize: out of memory");
    return NULL;
  }
  w->count = (int)count;
  napi_value input = NULL;
  for (uint32_t i = 0; i < count; i++) {
    napi_value baton, this_input;
    bool same = false;
    if (napi_get_element(env, argv[0], i, &baton) != napi_ok ||
        !(this_input = baton_input(env, baton)) ||
        (input && (napi_strict_equals(env, input, this_input, &same) != napi_ok || !same))) {
      free(w);
      napi_throw_type_error(env, NULL, "every baton.input must be the same Buffer");
      return NULL;
    }
    gr_request req;
    gr_napi_parse_baton(env, baton, &req);
    if (!input) {
      input = this_input;
      w->base = req;
    }
    gr_output_spec_from_request(&req, &w->specs[i]);
  }
  void *data = NULL;
  size_t length = 0;
  napi_get_buffer_info(env, input, &data, &length);
  w->base.input = data;
  w->base.input_length = length;
  if (gr_napi_queue(env, &w->call, input, argv[1], "gpu-resize:processMany", execute, complete,
                    w) != napi_ok) {
    free(w);
    gr_napi_throw_last(env, "queueing the request");
    return NULL;
  }
  return NULL;
}
