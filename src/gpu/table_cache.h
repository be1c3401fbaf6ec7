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
  int last;           /* the last use: 0 no tables (fused or two-pass), 1 built, 2 reused */
} gr_table_cache;

/* Where the launch of d with plan p builds tables (gr_cuda_tables_kind), points d->tmp at the
 * cached ones: d->tables_ready is 1 when they are this geometry's, else the launch's prep kernel
 * builds them there and the cache holds them from then on (stream order makes them visible to
 * later launches on the same stream). Leaves d alone where the launch builds none. Call with
 * the device current and before the launch is queued; returns a cudaError_t. */
int gr_table_cache_use(gr_table_cache *c, gr_resize_desc *d, const gr_resize_plan *p, const gr_filter *h,
                       const gr_filter *v);
/* The launch that was to build the tables was not queued: forget them. */
void gr_table_cache_drop(gr_table_cache *c);
/* Frees the device buffer and the key (with the owner's device current). */
void gr_table_cache_free(gr_table_cache *c);

#endif
