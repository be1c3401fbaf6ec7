#include "core/common.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

int gr_thread_count(void) {
  static int cached = 0;
  if (cached > 0) return cached;
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  if (n < 1) n = 1;
  const char *env = getenv("GPU_RESIZE_THREADS");
  if (env && atoi(env) > 0) n = atoi(env);
  if (n > 64) n = 64;
  cached = (int)n;
  return cached;
}

typedef struct range_task {
  gr_range_fn fn;
  void *ctx;
  int begin, end;
} range_task;

static void *run_range(void *arg) {
  range_task *t = arg;
  t->fn(t->ctx, t->begin, t->end);
  return NULL;
}

/* Callers inside gr_parallel_for right now (requests resizing concurrently). */
static atomic_int g_active_calls;

/* Short-lived threads per call: requests already run concurrently on libuv's pool, so this only
 * splits one large image across the cores the other requests leave: with n concurrent callers
 * each gets 1/n of them, and small counts run inline. */
void gr_parallel_for(int count, int min_chunk, gr_range_fn fn, void *ctx) {
  if (count <= 0) return;
  if (min_chunk < 1) min_chunk = 1;
  int active = atomic_fetch_add(&g_active_calls, 1) + 1;
  int threads = gr_thread_count() / active;
  if (threads < 1) threads = 1;
  int max_by_work = count / min_chunk;
  if (threads > max_by_work) threads = max_by_work;
  if (threads <= 1) {
    fn(ctx, 0, count);
    atomic_fetch_sub(&g_active_calls, 1);
    return;
  }
  range_task tasks[64];
  pthread_t ids[64];
  int started[64] = {0};
  int per = (count + threads - 1) / threads;
  for (int i = 0; i < threads; i++) {
    tasks[i].fn = fn;
    tasks[i].ctx = ctx;
    tasks[i].begin = i * per;
    tasks[i].end = (i + 1) * per < count ? (i + 1) * per : count;
  }
  for (int i = 1; i < threads; i++) {
    if (tasks[i].begin < tasks[i].end) started[i] = pthread_create(&ids[i], NULL, run_range, &tasks[i]) == 0;
    if (!started[i] && tasks[i].begin < tasks[i].end) run_range(&tasks[i]);
  }
  run_range(&tasks[0]);
  for (int i = 1; i < threads; i++) {
    if (started[i]) pthread_join(ids[i], NULL);
  }
  atomic_fetch_sub(&g_active_calls, 1);
}
