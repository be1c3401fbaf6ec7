#define _POSIX_C_SOURCE 200809L

#include "core/pool.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct pool_job {
  gr_pool_fn fn;
  void *arg;
  struct pool_job *next;
} pool_job;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_work = PTHREAD_COND_INITIALIZER;
static pool_job *g_head, *g_tail;
static int g_max_active, g_threads, g_idle, g_active, g_waiting, g_queued;
static int g_starting; /* created, not yet looking for work */
static _Thread_local int t_pool_thread; /* 1 on a pool thread: wait_begin/end count */

static int max_active(void) {
  if (g_max_active > 0) return g_max_active;
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  const char *env = getenv("GPU_RESIZE_WORKERS");
  if (env && atol(env) > 0) n = atol(env);
  if (n < 4 && !(env && atol(env) > 0)) n = 4; /* libuv's default pool size */
  if (n > 1024) n = 1024;
  g_max_active = (int)n;
  return g_max_active;
}

static void *worker(void *unused) {
  (void)unused;
  t_pool_thread = 1;
  pthread_mutex_lock(&g_lock);
  g_starting--;
  for (;;) {
    while (!g_head || g_active >= g_max_active) {
      g_idle++;
      pthread_cond_wait(&g_work, &g_lock);
      g_idle--;
    }
    pool_job *job = g_head;
    g_head = job->next;
    if (!g_head) g_tail = NULL;
    g_queued--;
    g_active++;
    pthread_mutex_unlock(&g_lock);
    job->fn(job->arg);
    free(job);
    pthread_mutex_lock(&g_lock);
    g_active--;
    if (g_head) pthread_cond_signal(&g_work); /* a slot is free for the next one */
  }
  return NULL;
}

/* With g_lock held: makes sure a thread will take each queued job that has a free slot: an idle
 * one is woken, else one is started (unless enough are starting already). */
static void wake_or_start(void) {
  int runnable = g_max_active - g_active;
  if (runnable > g_queued) runnable = g_queued;
  if (runnable <= 0) return;
  if (g_idle > 0) {
    pthread_cond_signal(&g_work);
    return;
  }
  if (g_starting >= runnable) return;
  if (g_threads >= g_max_active + GR_POOL_MAX_WAITING) return; /* a running one will take it */
  pthread_t t;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  if (pthread_create(&t, &attr, worker, NULL) == 0) {
    g_threads++;
    g_starting++;
  }
  pthread_attr_destroy(&attr);
}

int gr_pool_submit(gr_pool_fn fn, void *arg) {
  pool_job *job = malloc(sizeof *job);
  if (!job) return -1;
  job->fn = fn;
  job->arg = arg;
  job->next = NULL;
  pthread_mutex_lock(&g_lock);
  max_active();
  if (g_tail) g_tail->next = job;
  else g_head = job;
  g_tail = job;
  g_queued++;
  wake_or_start();
  if (g_threads == 0) {
    /* Not even one thread could start: run it here rather than never. Every job before it met
     * the same fate, so it is alone in the queue. */
    g_head = g_tail = NULL;
    g_queued--;
    pthread_mutex_unlock(&g_lock);
    fn(arg);
    free(job);
    return 0;
  }
  pthread_mutex_unlock(&g_lock);
  return 0;
}

void gr_pool_wait_begin(void) {
  if (!t_pool_thread) return;
  pthread_mutex_lock(&g_lock);
  g_active--;
  g_waiting++;
  wake_or_start();
  pthread_mutex_unlock(&g_lock);
}

void gr_pool_wait_end(void) {
  if (!t_pool_thread) return;
  pthread_mutex_lock(&g_lock);
  g_waiting--;
  g_active++; /* may go over the limit for a moment: no new job starts until it is back under */
  pthread_mutex_unlock(&g_lock);
}

void gr_pool_get_stats(gr_pool_stats *s) {
  pthread_mutex_lock(&g_lock);
  s->max_active = max_active();
  s->threads = g_threads;
  s->active = g_active;
  s->waiting = g_waiting;
  s->queued = g_queued;
  pthread_mutex_unlock(&g_lock);
}
