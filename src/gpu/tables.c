#include "gpu/tables.h"

#include <string.h>

void gr_gpu_tables_plan(const gr_filter *h, const gr_filter *v, int channels, int max_smem,
                        gr_gpu_tables *t) {
  memset(t, 0, sizeof *t);
  const int out_w = h->out_size, out_h = v->out_size;
  gr_cuda_plan(h->start, out_w, h->taps, out_h, v->taps, h->in_size, channels, max_smem,
               &t->plan);
  /* The tensor-core kernels where they apply (the launch still checks the device). */
  gr_cuda_plan_tc(h->start, out_w, h->taps, v->start, out_h, v->taps, h->in_size, v->in_size,
                  channels, max_smem, GR_GPU_TC_BW, &t->plan);
  gr_cuda_plan_i8(h->start, h->weights, out_w, h->taps, v->start, v->weights, out_h, v->taps,
                  h->in_size, v->in_size, channels, max_smem, &t->plan);
  t->off_hs = 0;
  t->off_hw = gr_align_up(t->off_hs + sizeof(int) * (size_t)out_w, GR_GPU_ALIGN);
  t->off_vs = gr_align_up(t->off_hw + sizeof(float) * (size_t)out_w * (size_t)h->taps, GR_GPU_ALIGN);
  t->off_vw = gr_align_up(t->off_vs + sizeof(int) * (size_t)out_h, GR_GPU_ALIGN);
  t->off_bx = gr_align_up(t->off_vw + sizeof(float) * (size_t)out_h * (size_t)v->taps, GR_GPU_ALIGN);
  t->bytes = gr_align_up(t->off_bx + sizeof(int) * (size_t)(t->plan.fused ? t->plan.grid_x : 1),
                         GR_GPU_ALIGN);
}

void gr_gpu_tables_write(const gr_filter *h, const gr_filter *v, const gr_gpu_tables *t,
                         uint8_t *host) {
  const int out_w = h->out_size, out_h = v->out_size;
  memcpy(host + t->off_hs, h->start, sizeof(int) * (size_t)out_w);
  memcpy(host + t->off_hw, h->weights, sizeof(float) * (size_t)out_w * (size_t)h->taps);
  memcpy(host + t->off_vs, v->start, sizeof(int) * (size_t)out_h);
  memcpy(host + t->off_vw, v->weights, sizeof(float) * (size_t)out_h * (size_t)v->taps);
  if (t->plan.fused) {
    gr_cuda_fill_block_x0(h->start, out_w, &t->plan, (int *)(host + t->off_bx));
  } else {
    *(int *)(host + t->off_bx) = 0;
  }
}

void gr_gpu_desc_init(gr_resize_desc *d, const gr_filter *h, const gr_filter *v,
                      const gr_gpu_tables *t, const uint8_t *dev_tables, const uint8_t *src,
                      size_t src_pitch, int channels, uint8_t *dst, float *tmp) {
  memset(d, 0, sizeof *d);
  d->src = src;
  d->src_pitch = src_pitch;
  d->in_w = h->in_size;
  d->in_h = v->in_size;
  d->channels = channels;
  d->dst = dst;
  d->dst_pitch = (size_t)h->out_size * (size_t)channels;
  d->out_w = h->out_size;
  d->out_h = v->out_size;
  d->h_start = (const int *)(dev_tables + t->off_hs);
  d->h_weights = (const float *)(dev_tables + t->off_hw);
  d->h_taps = h->taps;
  d->v_start = (const int *)(dev_tables + t->off_vs);
  d->v_weights = (const float *)(dev_tables + t->off_vw);
  d->v_taps = v->taps;
  d->block_x0 = (const int *)(dev_tables + t->off_bx);
  d->tmp = t->plan.fused && !t->plan.tc && !t->plan.i8 ? NULL : tmp; /* two-pass intermediate or tensor-core tables */
  d->tmp_pitch = (size_t)h->in_size * (size_t)channels;
}
