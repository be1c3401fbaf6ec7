#include "gpu/table_cache.h"

#include <cuda_runtime.h>
#include <stdlib.h>
#include <string.h>

#include "gpu/runtime_internal.h"

typedef struct key_part {
  const void *p;
  size_t n;
} key_part;

enum { KEY_PARTS = 5 };

/* The tables depend on the kind, the sizes and the channels, and on the filters' starts and
 * weights (the plan follows from those and the device). */
static void key_parts(const gr_resize_desc *d, int kind, const gr_filter *h, const gr_filter *v, int *head,
                      key_part parts[KEY_PARTS]) {
  head[0] = kind;
  head[1] = d->in_w;
  head[2] = d->in_h;
  head[3] = d->out_w;
  head[4] = d->out_h;
  head[5] = d->channels;
  head[6] = h->taps;
  head[7] = v->taps;
  parts[0] = (key_part){head, sizeof(int) * 8};
  parts[1] = (key_part){h->start, sizeof(int) * (size_t)h->out_size};
  parts[2] = (key_part){h->weights, sizeof(float) * (size_t)h->out_size * (size_t)h->taps};
  parts[3] = (key_part){v->start, sizeof(int) * (size_t)v->out_size};
  parts[4] = (key_part){v->weights, sizeof(float) * (size_t)v->out_size * (size_t)v->taps};
}

static int key_equal(const gr_table_cache *c, const key_part *parts) {
  size_t off = 0;
  for (int i = 0; i < KEY_PARTS; i++) {
    if (off + parts[i].n > c->key_len || memcmp(c->key + off, parts[i].p, parts[i].n)) return 0;
    off += parts[i].n;
  }
  return off == c->key_len;
}

static int key_store(gr_table_cache *c, const key_part *parts) {
  size_t n = 0;
  for (int i = 0; i < KEY_PARTS; i++) n += parts[i].n;
  if (n > c->key_cap) {
    unsigned char *k = realloc(c->key, n);
    if (!k) return 0;
    c->key = k;
    c->key_cap = n;
  }
  size_t off = 0;
  for (int i = 0; i < KEY_PARTS; i++) {
    memcpy(c->key + off, parts[i].p, parts[i].n);
    off += parts[i].n;
  }
  c->key_len = n;
  return 1;
}

/* Points d->tmp at the cached tables where the launch builds some (gr_cuda_tables_kind): *use is
 * 2 when they are this geometry's (d->tables_ready 1), 1 when the launch's prep kernel is to
 * build them there (kept from then on: stream order makes them visible to later launches on the
 * same stream), 0 when the launch builds none (d left alone). Returns a cudaError_t. */
static int cache_use(gr_table_cache *c, gr_resize_desc *d, const gr_resize_plan *p, const gr_filter *h,
                     const gr_filter *v, int *use) {
  size_t bytes = 0;
  const int kind = gr_cuda_tables_kind(d, p, &bytes);
  *use = 0;
  if (kind == 0) return (int)cudaSuccess;
  int head[8];
  key_part parts[KEY_PARTS];
  key_parts(d, kind, h, v, head, parts);
  if (c->valid && key_equal(c, parts)) {
    d->tmp = (float *)c->dev;
    d->tables_ready = 1;
    *use = 2;
    return (int)cudaSuccess;
  }
  c->valid = 0;
  if (bytes > c->cap) {
    /* cudaFree waits for the work that may still read the old buffer. */
    if (c->dev) cudaFree(c->dev);
    c->dev = NULL;
    c->cap = 0;
    cudaError_t e = cudaMalloc(&c->dev, bytes);
    if (e != cudaSuccess) {
      c->dev = NULL;
      return (int)e;
    }
    c->cap = bytes;
  }
  d->tmp = (float *)c->dev;
  d->tables_ready = 0;
  *use = 1;
  /* Without room for the key the tables are built but not kept. */
  c->valid = key_store(c, parts);
  return (int)cudaSuccess;
}

int gr_table_cache_launch(gr_table_cache *c, gr_resize_desc *d, const gr_resize_plan *p, const gr_filter *h,
                          const gr_filter *v, void *stream, const char **what) {
  int use = 0;
  int e = cache_use(c, d, p, h, v, &use);
  if (e) {
    if (what) *what = "cudaMalloc (kernel tables)";
    return e;
  }
  if ((e = gr_cuda_resize_launch(d, p, stream))) {
    c->valid = 0; /* the prep kernel that was to build them was not queued */
    if (what) *what = "kernel launch";
    return e;
  }
  gr_gpu_count_tables(use);
  return (int)cudaSuccess;
}

void gr_table_cache_free(gr_table_cache *c) {
  if (c->dev) cudaFree(c->dev);
  free(c->key);
  memset(c, 0, sizeof *c);
}
