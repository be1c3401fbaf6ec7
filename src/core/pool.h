/* The request pool: the threads requests run on (instead of libuv's pool, whose threads a
 * request waiting for a GPU batch would hold, capping batches at UV_THREADPOOL_SIZE and starving
 * Node's own fs/dns/crypto work).
 *
 * At most GPU_RESIZE_WORKERS requests (default: the core count, at least 4) run on the CPU at
 * once. A request that waits for the GPU says so (gr_pool_wait_begin/end) and stops counting:
 * another queued request starts on a new or idle thread, so as many requests as the GPU takes
 * can wait for it while the CPU stays busy with the others. Threads are kept for reuse, up to
 * that limit plus GR_POOL_MAX_WAITING. Process-wide, thread-safe. */
#ifndef GR_POOL_H
#define GR_POOL_H

#define GR_POOL_MAX_WAITING 512

typedef void (*gr_pool_fn)(void *arg);

/* Runs fn(arg) on a pool thread. 0 when queued; -1 when out of memory (nothing queued). */
int gr_pool_submit(gr_pool_fn fn, void *arg);

/* Around a wait that does not use the CPU (a GPU batch), on a pool thread; elsewhere they do
 * nothing. Pairs must not nest. */
void gr_pool_wait_begin(void);
void gr_pool_wait_end(void);

typedef struct gr_pool_stats {
  int max_active; /* GPU_RESIZE_WORKERS */
  int threads;    /* started, alive */
  int active;     /* running a request, not waiting */
  int waiting;    /* running a request, waiting for the GPU */
  int queued;     /* not started yet */
} gr_pool_stats;

void gr_pool_get_stats(gr_pool_stats *s);

#endif
