/* Small N-API helpers: property readers with defaults, error creation. */
#ifndef GR_NAPI_UTIL_H
#define GR_NAPI_UTIL_H

#include <node_api.h>
#include <stdint.h>

#include "gpu_resize.h"

/* Throws a JS Error and returns NULL when an N-API call fails. */
#define NAPI_CALL(env, call)                                                          \
  do {                                                                                \
    if ((call) != napi_ok) {                                                          \
      gr_napi_throw_last(env, #call);                                                 \
      return NULL;                                                                    \
    }                                                                                 \
  } while (0)

void gr_napi_throw_last(napi_env env, const char *what);
napi_value gr_napi_error(napi_env env, const char *message);

/* The bookkeeping of one asynchronous call: the input Buffer and the JS callback stay referenced
 * while the work is in flight. Embed it first in the call's own struct.
 *
 * Calls run on the request pool (core/pool.h), not libuv's: a request waiting for a GPU batch
 * holds no libuv thread. The completion comes back to the JS thread through one thread-safe
 * function per environment, in the call's async context. When the environment is torn down
 * (a worker thread ending) with calls in flight, their complete runs with env NULL and status
 * napi_cancelled: the N-API calls in it fail harmlessly and the native memory is freed. */
typedef struct gr_napi_call {
  napi_ref input_ref;
  napi_ref callback_ref;
  napi_async_context async_context;
  struct env_guard *guard;       /* how the pool thread reaches the environment */
  napi_env env;
  napi_async_execute_callback execute;
  napi_async_complete_callback complete;
  void *data;
} gr_napi_call;

/* Queues execute (on a pool thread) then complete (on the JS thread) with data (which starts with
 * a gr_napi_call). On failure nothing stays referenced or queued, and the caller frees data. */
napi_status gr_napi_queue(napi_env env, gr_napi_call *call, napi_value input, napi_value callback,
                          const char *name, napi_async_execute_callback execute,
                          napi_async_complete_callback complete, void *data);
/* In complete: releases the references and returns the callback to call (after the caller has
 * freed its data) with gr_napi_callback. NULL when env is NULL (torn down). */
napi_value gr_napi_release(napi_env env, gr_napi_call *call);
/* Calls the callback in the completing call's async context; an exception it throws becomes an
 * 'uncaughtException', as from libuv async work. */
void gr_napi_callback(napi_env env, napi_value callback, size_t argc, napi_value *argv);

/* The baton of native.process() (js/output.js _buildBaton) as a request, input not set. */
void gr_napi_parse_baton(napi_env env, napi_value baton, gr_request *req);
/* A result's bytes as a Buffer (taking r->data over when it can) and its info object. */
napi_value gr_napi_result_buffer(napi_env env, gr_result *r);
napi_value gr_napi_result_info(napi_env env, const gr_result *r);

int gr_napi_get_int(napi_env env, napi_value obj, const char *key, int fallback);
double gr_napi_get_double(napi_env env, napi_value obj, const char *key, double fallback);
int gr_napi_get_bool(napi_env env, napi_value obj, const char *key, int fallback);
/* Copies a string property into buf; returns 0 when absent or not a string. */
int gr_napi_get_string(napi_env env, napi_value obj, const char *key, char *buf, size_t size);
/* The named property if it is an object, else NULL. */
napi_value gr_napi_get_object(napi_env env, napi_value obj, const char *key);

void gr_napi_set_int(napi_env env, napi_value obj, const char *key, int64_t value);
void gr_napi_set_double(napi_env env, napi_value obj, const char *key, double value);
void gr_napi_set_bool(napi_env env, napi_value obj, const char *key, int value);
void gr_napi_set_string(napi_env env, napi_value obj, const char *key, const char *value);

#endif
