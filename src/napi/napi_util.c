#include "napi/napi_util.h"

#include <stdio.h>
#include <string.h>

void gr_napi_throw_last(napi_env env, const char *what) {
  const napi_extended_error_info *info = NULL;
  napi_get_last_error_info(env, &info);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) {
    char msg[256];
    snprintf(msg, sizeof msg, "gpu-resize: %s failed: %s", what,
             info && info->error_message ? info->error_message : "N-API error");
    napi_throw_error(env, NULL, msg);
  }
}

napi_status gr_napi_queue(napi_env env, gr_napi_call *call, napi_value input, napi_value callback,
                          const char *name, napi_async_execute_callback execute,
                          napi_async_complete_callback complete, void *data) {
  napi_value resource_name;
  napi_status st = napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource_name);
  if (st == napi_ok) st = napi_create_reference(env, input, 1, &call->input_ref);
  if (st == napi_ok) st = napi_create_reference(env, callback, 1, &call->callback_ref);
  if (st == napi_ok) {
    st = napi_create_async_work(env, NULL, resource_name, execute, complete, data, &call->work);
  }
  if (st == napi_ok) st = napi_queue_async_work(env, call->work);
  if (st != napi_ok) {
    if (call->work) napi_delete_async_work(env, call->work);
    if (call->input_ref) napi_delete_reference(env, call->input_ref);
    if (call->callback_ref) napi_delete_reference(env, call->callback_ref);
    call->work = NULL;
    call->input_ref = call->callback_ref = NULL;
  }
  return st;
}

napi_value gr_napi_release(napi_env env, gr_napi_call *call) {
  napi_value callback = NULL;
  napi_get_reference_value(env, call->callback_ref, &callback);
  napi_delete_reference(env, call->input_ref);
  napi_delete_reference(env, call->callback_ref);
  napi_delete_async_work(env, call->work);
  return callback;
}

void gr_napi_callback(napi_env env, napi_value callback, size_t argc, napi_value *argv) {
  napi_value global, ignored;
  napi_get_global(env, &global);
  napi_call_function(env, global, callback, argc, argv, &ignored);
}

napi_value gr_napi_error(napi_env env, const char *message) {
  napi_value msg, error;
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, NULL, msg, &error);
  return error;
}

static napi_value get(napi_env env, napi_value obj, const char *key, napi_valuetype want) {
  napi_value value;
  napi_valuetype type;
  if (!obj || napi_get_named_property(env, obj, key, &value) != napi_ok) return NULL;
  if (napi_typeof(env, value, &type) != napi_ok || type != want) return NULL;
  return value;
}

int gr_napi_get_int(napi_env env, napi_value obj, const char *key, int fallback) {
  napi_value v = get(env, obj, key, napi_number);
  int32_t out;
  return v && napi_get_value_int32(env, v, &out) == napi_ok ? out : fallback;
}

double gr_napi_get_double(napi_env env, napi_value obj, const char *key, double fallback) {
  napi_value v = get(env, obj, key, napi_number);
  double out;
  return v && napi_get_value_double(env, v, &out) == napi_ok ? out : fallback;
}

int gr_napi_get_bool(napi_env env, napi_value obj, const char *key, int fallback) {
  napi_value v = get(env, obj, key, napi_boolean);
  bool out;
  return v && napi_get_value_bool(env, v, &out) == napi_ok ? out : fallback;
}

int gr_napi_get_string(napi_env env, napi_value obj, const char *key, char *buf, size_t size) {
  napi_value v = get(env, obj, key, napi_string);
  size_t len;
  if (!v || napi_get_value_string_utf8(env, v, buf, size, &len) != napi_ok) {
    if (size) buf[0] = '\0';
    return 0;
  }
  return 1;
}

napi_value gr_napi_get_object(napi_env env, napi_value obj, const char *key) {
  return get(env, obj, key, napi_object);
}

void gr_napi_set_int(napi_env env, napi_value obj, const char *key, int64_t value) {
  napi_value v;
  napi_create_int64(env, value, &v);
  napi_set_named_property(env, obj, key, v);
}

void gr_napi_set_double(napi_env env, napi_value obj, const char *key, double value) {
  napi_value v;
  napi_create_double(env, value, &v);
  napi_set_named_property(env, obj, key, v);
}

void gr_napi_set_bool(napi_env env, napi_value obj, const char *key, int value) {
  napi_value v;
  napi_get_boolean(env, value != 0, &v);
  napi_set_named_property(env, obj, key, v);
}

void gr_napi_set_string(napi_env env, napi_value obj, const char *key, const char *value) {
  napi_value v;
  napi_create_string_utf8(env, value, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, key, v);
}
