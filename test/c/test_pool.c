/* The request pool (core/pool.h): at most GPU_RESIZE_WORKERS jobs use the CPU at once, and a
 * job waiting for the GPU (gr_pool_wait_begin/end) lets another start, so more jobs than that
 * can wait at the same time (the GPU batch fills up) without a deadlock. */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/pool.h"
#include "harness.h"

#define WORKERS 2
#define WAITERS 12

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cond = PTHREAD_COND_INITIALIZER;
static int g_arrived, g_finished, g_timed_out;
static atomic_int g_running, g_peak;

/* Waits, as for a GPU batch, until all WAITERS jobs are waiting together (at most 10 s). */
static void waiting_job(void *arg) {
  (void)arg;
  gr_pool_wait_begin();
  pthread_mutex_lock(&g_lock);
  g_arrived++;
  pthread_cond_broadcast(&g_cond);
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += 10;
  while (g_arrived < WAITERS && !g_timed_out) {
    if (pthread_cond_timedwait(&g_cond, &g_lock, &until) != 0) g_timed_out = 1;
  }
  pthread_mutex_unlock(&g_lock);
  gr_pool_wait_end();
  pthread_mutex_lock(&g_lock);
  g_finished++;
  pthread_cond_broadcast(&g_cond);
  pthread_mutex_unlock(&g_lock);
}

/* Busy on the CPU for a moment, counting how many such jobs run at once. */
static void cpu_job(void *arg) {
  (void)arg;
  int now = atomic_fetch_add(&g_running, 1) + 1;
  int peak = atomic_load(&g_peak);
  while (now > peak && !atomic_compare_exchange_weak(&g_peak, &peak, now)) {
  }
  struct timespec pause = {0, 3 * 1000 * 1000};
  nanosleep(&pause, NULL);
  atomic_fetch_sub(&g_running, 1);
  pthread_mutex_lock(&g_lock);
  g_finished++;
  pthread_cond_broadcast(&g_cond);
  pthread_mutex_unlock(&g_lock);
}

static void wait_finished(int n) {
  pthread_mutex_lock(&g_lock);
  while (g_finished < n) pthread_cond_wait(&g_cond, &g_lock);
  pthread_mutex_unlock(&g_lock);
}

int main(void) {
  setenv("GPU_RESIZE_WORKERS", "2", 1);
  gr_pool_stats s;
  gr_pool_get_stats(&s);
  CHECK(s.max_active == WORKERS);

  /* CPU jobs: never more than WORKERS at once, all done. */
  for (int i = 0; i < 40; i++) CHECK(gr_pool_submit(cpu_job, NULL) == 0);
  wait_finished(40);
  CHECK_MSG(atomic_load(&g_peak) <= WORKERS && atomic_load(&g_peak) >= 1, "peak %d",
            atomic_load(&g_peak));
  gr_pool_get_stats(&s);
  CHECK_MSG(s.threads <= WORKERS, "%d threads for %d workers", s.threads, WORKERS); /* no waiting */

  /* WAITERS jobs that only finish when all of them wait at the same time: six times more than
   * the workers, so this deadlocks (times out) unless waiting jobs give their slot away. */
  g_finished = 0;
  for (int i = 0; i < WAITERS; i++) CHECK(gr_pool_submit(waiting_job, NULL) == 0);
  wait_finished(WAITERS);
  CHECK_MSG(!g_timed_out, "only %d of %d jobs could wait at once", g_arrived, WAITERS);

  /* Mixed: CPU jobs still stay within the limit while others wait. */
  g_finished = 0;
  g_arrived = 0;
  atomic_store(&g_peak, 0);
  for (int i = 0; i < WAITERS; i++) {
    CHECK(gr_pool_submit(waiting_job, NULL) == 0);
    CHECK(gr_pool_submit(cpu_job, NULL) == 0);
  }
  wait_finished(2 * WAITERS);
  CHECK(!g_timed_out);
  CHECK_MSG(atomic_load(&g_peak) <= WORKERS + 1, "peak %d", atomic_load(&g_peak));

  /* Outside the pool the wait calls do nothing. */
  gr_pool_wait_begin();
  gr_pool_wait_end();
  gr_pool_get_stats(&s);
  CHECK(s.waiting == 0 && s.queued == 0);
  CHECK_MSG(s.threads >= WAITERS && s.threads <= WORKERS + GR_POOL_MAX_WAITING, "%d threads",
            s.threads);
  for (int i = 0; i < 100 && s.active != 0; i++) { /* the last jobs are leaving their threads */
    struct timespec pause = {0, 10 * 1000 * 1000};
    nanosleep(&pause, NULL);
    gr_pool_get_stats(&s);
  }
  CHECK(s.active == 0);
  return gr_test_finish("test_pool");
}
