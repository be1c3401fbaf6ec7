#include "napi/napi_util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pool.h"

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

/* Per environment: the thread-safe function completions come back through, referenced (keeping
 * the loop alive) only while calls are in flight. Main-thread fields only. */
typedef struct env_state {
  napi_threadsafe_function tsfn;
  int inflight;
  struct env_guard *guard;
} env_state;

/* What pool threads see of an environment. Node destroys a thread-safe function when its
 * environment ends (a worker thread), whoever still holds it; closed (set by a cleanup hook that
 * runs before Node's own) tells pool threads not to touch it any more. Freed by the last of the
 * environment and its calls in flight. */
typedef struct env_guard {
  pthread_mutex_t lock;
  napi_threadsafe_function tsfn;
  int closed;
  int refs;
} env_guard;

static void guard_unref(env_guard *g) {
  pthread_mutex_lock(&g->lock);
  int left = --g->refs;
  pthread_mutex_unlock(&g->lock);
  if (left == 0) {
    pthread_mutex_destroy(&g->lock);
    free(g);
  }
}

static void guard_close(void *arg) {
  env_guard *g = arg;
  pthread_mutex_lock(&g->lock);
  g->closed = 1;
  pthread_mutex_unlock(&g->lock);
  guard_unref(g);
}

/* The async context of the completion running now (JS thread only). */
static napi_async_context g_completing;

/* On the JS thread (env NULL: the environment is going away, only free). */
static void call_js(napi_env env, napi_value unused, void *context, void *data) {
  (void)unused;
  gr_napi_call *call = data;
  env_guard *guard = call->guard;
  if (!env) {
    call->complete(NULL, napi_cancelled, call->data);
    guard_unref(guard);
    return;
  }
  env_state *state = context;
  if (--state->inflight == 0) napi_unref_threadsafe_function(env, state->tsfn);
  napi_async_context ctx = call->async_context;
  g_completing = ctx;
  call->complete(env, napi_ok, call->data); /* frees call */
  g_completing = NULL;
  napi_async_destroy(env, ctx);
  guard_unref(guard);
}

static void free_state(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data); /* the tsfn is destroyed by Node with the environment */
}

static env_state *state_of(napi_env env) {
  env_state *state = NULL;
  if (napi_get_instance_data(env, (void **)&state) == napi_ok && state) return state;
  state = calloc(1, sizeof *state);
  env_guard *guard = calloc(1, sizeof *guard);
  napi_value name;
  if (!state || !guard ||
      napi_create_string_utf8(env, "gpu-resize:complete", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, NULL, NULL, state, call_js,
                                      &state->tsfn) != napi_ok) {
    free(state);
    free(guard);
    return NULL;
  }
  pthread_mutex_init(&guard->lock, NULL);
  guard->tsfn = state->tsfn;
  guard->refs = 1;
  state->guard = guard;
  napi_unref_threadsafe_function(env, state->tsfn);
  /* Added after the tsfn, so it runs before Node's cleanup of it (hooks run last in, first out). */
  if (napi_add_env_cleanup_hook(env, guard_close, guard) != napi_ok ||
      napi_set_instance_data(env, state, free_state, NULL) != napi_ok) {
    napi_release_threadsafe_function(state->tsfn, napi_tsfn_abort);
    free(state);
    return NULL; /* the guard stays: a cleanup hook may still use it */
  }
  return state;
}

/* On a pool thread. */
static void run_call(void *arg) {
  gr_napi_call *call = arg;
  env_guard *guard = call->guard;
  call->execute(call->env, call->data);
  pthread_mutex_lock(&guard->lock);
  int sent = !guard->closed &&
             napi_call_threadsafe_function(guard->tsfn, call, napi_tsfn_nonblocking) == napi_ok;
  pthread_mutex_unlock(&guard->lock);
  if (!sent) {
    /* Its environment has ended: nothing to call back, only memory to free. */
    call->complete(NULL, napi_cancelled, call->data);
    guard_unref(guard);
  }
}

napi_status gr_napi_queue(napi_env env, gr_napi_call *call, napi_value input, napi_value callback,
                          const char *name, napi_async_execute_callback execute,
                          napi_async_complete_callback complete, void *data) {
  env_state *state = state_of(env);
  if (!state) return napi_generic_failure;
  napi_value resource_name;
  call->env = env;
  call->execute = execute;
  call->complete = complete;
  call->data = data;
  call->guard = state->guard;
  napi_status st = napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource_name);
  if (st == napi_ok) st = napi_create_reference(env, input, 1, &call->input_ref);
  if (st == napi_ok) st = napi_create_reference(env, callback, 1, &call->callback_ref);
  if (st == napi_ok) st = napi_async_init(env, NULL, resource_name, &call->async_context);
  if (st == napi_ok) {
    pthread_mutex_lock(&state->guard->lock);
    state->guard->refs++;
    pthread_mutex_unlock(&state->guard->lock);
    if (gr_pool_submit(run_call, call) != 0) {
      guard_unref(state->guard);
      st = napi_generic_failure;
    }
  }
  if (st != napi_ok) {
    if (call->async_context) napi_async_destroy(env, call->async_context);
    if (call->input_ref) napi_delete_reference(env, call->input_ref);
    if (call->callback_ref) napi_delete_reference(env, call->callback_ref);
    call->async_context = NULL;
    call->input_ref = call->callback_ref = NULL;
    return st;
  }
  if (state->inflight++ == 0) napi_ref_threadsafe_function(env, state->tsfn);
  return napi_ok;
}

napi_value gr_napi_release(napi_env env, gr_napi_call *call) {
  if (!env) return NULL;
  napi_value callback = NULL;
  napi_get_reference_value(env, call->callback_ref, &callback);
  napi_delete_reference(env, call->input_ref);
  napi_delete_reference(env, call->callback_ref);
  return callback;
}

void gr_napi_callback(napi_env env, napi_value callback, size_t argc, napi_value *argv) {
  if (!env || !callback) return;
  napi_value global, ignored;
  napi_get_global(env, &global);
  napi_status st = g_completing
                       ? napi_make_callback(env, g_completing, global, callback, argc, argv,
                                            &ignored)
                       : napi_call_function(env, global, callback, argc, argv, &ignored);
  bool pending = false;
  if (st != napi_ok && napi_is_exception_pending(env, &pending) == napi_ok && pending) {
    napi_value error;
    napi_get_and_clear_last_exception(env, &error);
    napi_fatal_exception(env, error);
  }
}

napi_value gr_napi_error(napi_env env, const char *message) {
  napi_value msg = NULL, error = NULL;
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
