/* The tensor-core kernels' tables of one geometry, kept on the device between the requests of one
 * stream (a context of runtime.c, a batcher of jpeg_batch.c): a request of the geometry the last
 * one had skips the prep kernel that builds them (6 us for 4K RGB -> 1080p on an H100). */
#ifndef GR_GPU_TABLE_CACHE_H
#define GR_GPU_TABLE_CACHE_H

#include <stddef.h>

#include "core/filter.h"
#include "gpu/kernels.h"

typedef struct gr_table_cache {
  void *dev;          /* device buffer of cap bytes (cudaMalloc: lives as long as its owner) */
  size_t cap;
  int valid;          /* dev holds the tables of key */
  unsigned char *key; /* host copy of what the tables depend on: sizes, kind, the filters */
  size_t key_len, key_cap;
} gr_table_cache;

/* gr_cuda_resize_launch of d with plan p on stream, through the cache: where the launch builds
 * tables (gr_cuda_tables_kind), d->tmp points at the cached ones, with d->tables_ready 1 when they
 * are this geometry's (no prep kernel), else the prep kernel builds them there and the cache
 * holds them from then on (stream order makes them visible to later launches on the same
 * stream). Counts the tables built or reused (gr_gpu_count_tables). Call with the device
 * current; returns a cudaError_t, and on failure *what (unless NULL) names the step. */
int gr_table_cache_launch(gr_table_cache *c, gr_resize_desc *d, const gr_resize_plan *p, const gr_filter *h,
                          const gr_filter *v, void *stream, const char **what);
/* Frees the device buffer and the key (with the owner's device current). */
void gr_table_cache_free(gr_table_cache *c);

#endif
