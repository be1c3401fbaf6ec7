/* The filter tables of one GPU resize: their layout in one upload, the tile plan, and the
 * kernel descriptor that points into them. Shared by the per-request path (runtime.c) and the
 * batched JPEG path (jpeg_batch.c). */
#ifndef GR_GPU_TABLES_H
#define GR_GPU_TABLES_H

#include "core/filter.h"
#include "gpu/kernels.h"

#define GR_GPU_ALIGN 256
/* Output pixels per block of the tensor-core kernel (bench/kernels --sweep on an H100: 128 the
 * fastest of 32-128 for 4K RGB and grey reductions). */
#define GR_GPU_TC_BW 128

typedef struct gr_gpu_tables {
  gr_resize_plan plan;
  size_t off_hs, off_hw, off_vs, off_vw, off_bx; /* from the start of the tables */
  size_t bytes;                                  /* all tables, a multiple of GR_GPU_ALIGN */
} gr_gpu_tables;

static inline size_t gr_align_up(size_t v, size_t a) { return (v + a - 1) / a * a; }

/* Plans the resize of an in_w-wide image with channels channels and lays out its tables. */
void gr_gpu_tables_plan(const gr_filter *h, const gr_filter *v, int channels, int max_smem,
                        gr_gpu_tables *t);
/* Writes the tables (t->bytes) at host. */
void gr_gpu_tables_write(const gr_filter *h, const gr_filter *v, const gr_gpu_tables *t,
                         uint8_t *host);
/* The descriptor of the resize of src (device, pitch bytes) into dst (device, tightly packed),
 * with the tables at dev_tables and, for a two-pass plan, tmp (plan.tmp_bytes). */
void gr_gpu_desc_init(gr_resize_desc *d, const gr_filter *h, const gr_filter *v,
                      const gr_gpu_tables *t, const uint8_t *dev_tables, const uint8_t *src,
                      size_t src_pitch, int channels, uint8_t *dst, float *tmp);

#endif
