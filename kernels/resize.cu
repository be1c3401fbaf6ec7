/* CUDA resize kernels: separable resampling with the CPU path's arithmetic (see
 * src/gpu/kernels.h for the contract and the two strategies).
 *
 * Fused kernel, one block = bw x bh output pixels, 256 threads (blockDim bw x 256/bw):
 *   shared memory: the float tile of the vertical pass, planar per channel
 *   [channel][bh rows][span input columns] (span ~= bw * scale + taps), the horizontal weights
 *   of the block's columns tap-major [taps][bw], the vertical weights of its rows [bh][taps],
 *   and the start indices of both.
 *   phase 1 (vertical): work items are (input column, group of 4 output rows); consecutive
 *   threads take consecutive columns so the byte loads of a source row coalesce. Each item walks
 *   the source rows its 4 outputs need once, premultiplies on load and feeds each output's
 *   accumulator in tap order.
 *   phase 2 (horizontal): thread (tx, ty) computes output column x0 + tx for rows ty, ty + 256/bw,
 *   ... from the tile, unpremultiplies, rounds and stores.
 *   DRAM traffic: the source once plus the output once (3840x2160 RGB -> 1920x1080: 24.9 MB +
 *   6.2 MB); halo re-reads (vertical (2*bh + taps)/(2*bh) at a 2x reduction) come from L2.
 */
#include <cuda_runtime.h>
#include <stdint.h>

#include "gpu/kernels.h"

namespace {

constexpr int kThreads = 256;
constexpr int kRowGroup = 4; /* output rows one vertical work item accumulates */
constexpr int kPhase2Rows = 2; /* output rows one thread sums at once in the horizontal phase */

/* acc += w * v. The default rounds the product and the sum separately, as the CPU does (x86-64
 * without -mfma), so results match it bit for bit: the integer unpremultiply by a small alpha
 * turns a 1-ulp difference into a large one. GR_GPU_FMA=1 lets the compiler contract to FMA. */
#ifndef GR_GPU_FMA
#define GR_GPU_FMA 0
#endif
__device__ __forceinline__ float mac(float acc, float w, float v) {
#if GR_GPU_FMA
  return acc + w * v;
#else
  return __fadd_rn(acc, __fmul_rn(w, v));
#endif
}

__device__ __forceinline__ int clampi(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

/* (v * a) / 255 in integers (truncated, as sharp's premultiply().cast(uchar)), as a float. */
__device__ __forceinline__ float premul(unsigned v, unsigned a) { return (float)((v * a) / 255u); }

/* Loads one pixel and premultiplies colour by alpha (channels 2 and 4). */
template <int C>
__device__ __forceinline__ void load_px(const uint8_t *__restrict__ p, float v[C]) {
  if (C == 4) {
    uchar4 u = __ldg(reinterpret_cast<const uchar4 *>(p));
    v[0] = premul(u.x, u.w);
    v[1] = premul(u.y, u.w);
    v[2] = premul(u.z, u.w);
    v[3] = (float)u.w;
  } else if (C == 2) {
    uchar2 u = __ldg(reinterpret_cast<const uchar2 *>(p));
    v[0] = premul(u.x, u.y);
    v[1] = (float)u.y;
  } else {
#pragma unroll
    for (int c = 0; c < C; c++) v[c] = (float)__ldg(p + c);
  }
}

__device__ __forceinline__ uint8_t to_u8(float v) {
  v = v < 0.0f ? 0.0f : (v > 255.0f ? 255.0f : v);
  return (uint8_t)__float2uint_rz(v + 0.5f);
}

/* Rounds to 8 bits and stores one pixel. Alpha images: colour and alpha are rounded first
 * (libvips' reduce output), then unpremultiplied with integer truncation (sharp's
 * unpremultiply().cast(uchar)): A = u8(o_a); c = A > 0 ? min(255, u8(o_c) * 255 / A) : 0. */
template <int C>
__device__ __forceinline__ void store_px(uint8_t *__restrict__ p, const float o[C]) {
  uint8_t r[C];
  if (C == 2 || C == 4) {
    unsigned a = to_u8(o[C - 1]);
#pragma unroll
    for (int c = 0; c < C - 1; c++) {
      unsigned v = a > 0 ? (unsigned)to_u8(o[c]) * 255u / a : 0u;
      r[c] = (uint8_t)(v > 255u ? 255u : v);
    }
    r[C - 1] = (uint8_t)a;
  } else {
#pragma unroll
    for (int c = 0; c < C; c++) r[c] = to_u8(o[c]);
  }
  if (C == 4) {
    *reinterpret_cast<uchar4 *>(p) = make_uchar4(r[0], r[1], r[2], r[3]);
  } else if (C == 2) {
    *reinterpret_cast<uchar2 *>(p) = make_uchar2(r[0], r[1]);
  } else {
#pragma unroll
    for (int c = 0; c < C; c++) p[c] = r[c];
  }
}

/* Vertical pass for one input column and kRowGroup output rows: acc[q][c] = sum over k in
 * increasing order of w[q][k] * P[clamp(s[q] + k)][col][c]. Walks the union of the rows once;
 * for each output the rows arrive in increasing k, so the sum order is the CPU's. */
template <int C>
__device__ __forceinline__ void vertical_group(const uint8_t *__restrict__ colp, size_t pitch, int in_h,
                                               const int s[kRowGroup], const float *const w[kRowGroup],
                                               int taps, float acc[kRowGroup][C]) {
  int lo = s[0], hi = s[0];
#pragma unroll
  for (int q = 0; q < kRowGroup; q++) {
    lo = min(lo, s[q]);
    hi = max(hi, s[q]);
#pragma unroll
    for (int c = 0; c < C; c++) acc[q][c] = 0.0f;
  }
  hi += taps;
  for (int r = lo; r < hi; r++) {
    float v[C];
    load_px<C>(colp + (size_t)clampi(r, 0, in_h - 1) * pitch, v);
#pragma unroll
    for (int q = 0; q < kRowGroup; q++) {
      int k = r - s[q];
      if ((unsigned)k < (unsigned)taps) {
        float wk = w[q][k];
#pragma unroll
        for (int c = 0; c < C; c++) acc[q][c] = mac(acc[q][c], wk, v[c]);
      }
    }
  }
}

template <int C>
__global__ void __launch_bounds__(kThreads) fused_kernel(gr_resize_desc d, int bh, int span) {
  extern __shared__ float smem[];
  const int bw = blockDim.x;
  const int nthreads = bw * blockDim.y;
  const int tid = threadIdx.y * bw + threadIdx.x;
  const int x0 = blockIdx.x * bw;
  const int th = d.h_taps, tv = d.v_taps;

  float *tile = smem;                   /* C * bh * span */
  float *wh = tile + (size_t)C * bh * span; /* th * bw, tap-major */
  float *wv = wh + (size_t)th * bw;     /* bh * tv */
  int *sh = reinterpret_cast<int *>(wv + (size_t)bh * tv); /* bw, relative to sx0 */
  int *sv = sh + bw;                    /* bh */

  const int sx0 = d.block_x0[blockIdx.x];
  /* Columns and rows past the image edge compute the last real one (never stored). */
  for (int i = tid; i < bw * th; i += nthreads) {
    int xl = i / th, k = i - xl * th;
    int x = min(x0 + xl, d.out_w - 1);
    wh[k * bw + xl] = __ldg(d.h_weights + (size_t)x * th + k);
  }
  for (int i = tid; i < bw; i += nthreads) sh[i] = __ldg(d.h_start + min(x0 + i, d.out_w - 1)) - sx0;

  /* Row tiles: blockIdx.y, then every gridDim.y (the grid's y is capped at 65535). */
  const int tiles_y = (d.out_h + bh - 1) / bh;
  for (int by = blockIdx.y; by < tiles_y; by += gridDim.y) {
  const int y0 = by * bh;
  if (by != (int)blockIdx.y) __syncthreads(); /* the last tile's phase 2 is done with wv, tile */
  for (int i = tid; i < bh * tv; i += nthreads) {
    int yl = i / tv, k = i - yl * tv;
    int y = min(y0 + yl, d.out_h - 1);
    wv[i] = __ldg(d.v_weights + (size_t)y * tv + k);
  }
  for (int i = tid; i < bh; i += nthreads) sv[i] = __ldg(d.v_start + min(y0 + i, d.out_h - 1));
  __syncthreads();

  /* Phase 1: vertical pass into the tile. */
  const int groups = bh / kRowGroup;
  for (int item = tid; item < span * groups; item += nthreads) {
    int g = item / span;
    int j = item - g * span;
    int col = clampi(sx0 + j, 0, d.in_w - 1);
    int s[kRowGroup];
    const float *w[kRowGroup];
#pragma unroll
    for (int q = 0; q < kRowGroup; q++) {
      s[q] = sv[g * kRowGroup + q];
      w[q] = wv + (size_t)(g * kRowGroup + q) * tv;
    }
    float acc[kRowGroup][C];
    vertical_group<C>(d.src + (size_t)col * C, d.src_pitch, d.in_h, s, w, tv, acc);
#pragma unroll
    for (int q = 0; q < kRowGroup; q++) {
#pragma unroll
      for (int c = 0; c < C; c++) tile[((size_t)c * bh + g * kRowGroup + q) * span + j] = acc[q][c];
    }
  }
  __syncthreads();

  /* Phase 2: horizontal pass from the tile, unpremultiply, round, store. */
  const int tx = threadIdx.x;
  const int x = x0 + tx;
  if (x < d.out_w) {
    const int s = sh[tx];
    /* kPhase2Rows rows at once so each weight is read once per kPhase2Rows * C sums. */
    for (int i0 = threadIdx.y * kPhase2Rows; i0 < bh; i0 += blockDim.y * kPhase2Rows) {
      float o[kPhase2Rows][C];
#pragma unroll
      for (int q = 0; q < kPhase2Rows; q++) {
#pragma unroll
        for (int c = 0; c < C; c++) o[q][c] = 0.0f;
      }
      const float *t = tile + (size_t)i0 * span + s;
      for (int k = 0; k < th; k++) {
        const float wk = wh[k * bw + tx];
#pragma unroll
        for (int q = 0; q < kPhase2Rows; q++) {
#pragma unroll
          for (int c = 0; c < C; c++) o[q][c] = mac(o[q][c], wk, t[((size_t)c * bh + q) * span + k]);
        }
      }
#pragma unroll
      for (int q = 0; q < kPhase2Rows; q++) {
        int y = y0 + i0 + q;
        if (y < d.out_h) store_px<C>(d.dst + (size_t)y * d.dst_pitch + (size_t)x * C, o[q]);
      }
    }
  }
  }  /* row tiles */
}

/* Two-pass fallback, vertical: thread = one input column x kRowGroup output rows. */
template <int C>
__global__ void __launch_bounds__(128) vertical_kernel(gr_resize_desc d) {
  int col = blockIdx.x * blockDim.x + threadIdx.x;
  if (col >= d.in_w) return;
  for (int y0 = blockIdx.y * kRowGroup; y0 < d.out_h; y0 += gridDim.y * kRowGroup) {
  int s[kRowGroup];
  const float *w[kRowGroup];
#pragma unroll
  for (int q = 0; q < kRowGroup; q++) {
    int y = min(y0 + q, d.out_h - 1);
    s[q] = __ldg(d.v_start + y);
    w[q] = d.v_weights + (size_t)y * d.v_taps;
  }
  float acc[kRowGroup][C];
  vertical_group<C>(d.src + (size_t)col * C, d.src_pitch, d.in_h, s, w, d.v_taps, acc);
#pragma unroll
  for (int q = 0; q < kRowGroup; q++) {
    int y = y0 + q;
    if (y >= d.out_h) break;
    float *t = d.tmp + (size_t)y * d.tmp_pitch + (size_t)col * C;
#pragma unroll
    for (int c = 0; c < C; c++) t[c] = acc[q][c];
  }
  }  /* row groups */
}

/* Two-pass fallback, horizontal: thread = one output pixel. */
template <int C>
__global__ void __launch_bounds__(128) horizontal_kernel(gr_resize_desc d) {
  int x = blockIdx.x * blockDim.x + threadIdx.x;
  if (x >= d.out_w) return;
  for (int y = blockIdx.y; y < d.out_h; y += gridDim.y) {
  const float *row = d.tmp + (size_t)y * d.tmp_pitch;
  const float *w = d.h_weights + (size_t)x * d.h_taps;
  int s = __ldg(d.h_start + x);
  float o[C];
#pragma unroll
  for (int c = 0; c < C; c++) o[c] = 0.0f;
  for (int k = 0; k < d.h_taps; k++) {
    float wk = __ldg(w + k);
    const float *p = row + (size_t)clampi(s + k, 0, d.in_w - 1) * C;
#pragma unroll
    for (int c = 0; c < C; c++) o[c] = mac(o[c], wk, __ldg(p + c));
  }
  store_px<C>(d.dst + (size_t)y * d.dst_pitch + (size_t)x * C, o);
  }  /* rows */
}

__global__ void fill_kernel(int *p, int n, int value) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) p[i] = value;
}

size_t fused_smem(int channels, int bw, int bh, int span, int th, int tv) {
  return sizeof(float) * ((size_t)channels * bh * span + (size_t)th * bw + (size_t)bh * tv) +
         sizeof(int) * ((size_t)bw + bh);
}

/* Largest (max start + taps) - (min start) over the column blocks of width bw. */
int max_span(const int *start, int out_w, int taps, int bw) {
  int best = 0;
  for (int b = 0; b < out_w; b += bw) {
    int e = b + bw < out_w ? b + bw : out_w;
    int lo = start[b], hi = start[b];
    for (int x = b + 1; x < e; x++) {
      if (start[x] < lo) lo = start[x];
      if (start[x] > hi) hi = start[x];
    }
    if (hi + taps - lo > best) best = hi + taps - lo;
  }
  return best;
}

template <int C>
cudaError_t launch_fused(const gr_resize_desc *d, const gr_resize_plan *p, cudaStream_t st) {
  dim3 block(p->bw, kThreads / p->bw);
  dim3 grid(p->grid_x, p->grid_y);
  fused_kernel<C><<<grid, block, p->smem_bytes, st>>>(*d, p->bh, p->span);
  return cudaGetLastError();
}

template <int C>
cudaError_t launch_vertical(const gr_resize_desc *d, cudaStream_t st) {
  dim3 block(128);
  int gy = (d->out_h + kRowGroup - 1) / kRowGroup;
  dim3 grid((d->in_w + 127) / 128, gy < 65535 ? gy : 65535);
  vertical_kernel<C><<<grid, block, 0, st>>>(*d);
  return cudaGetLastError();
}

template <int C>
cudaError_t launch_horizontal(const gr_resize_desc *d, cudaStream_t st) {
  dim3 block(128);
  dim3 grid((d->out_w + 127) / 128, d->out_h < 65535 ? d->out_h : 65535);
  horizontal_kernel<C><<<grid, block, 0, st>>>(*d);
  return cudaGetLastError();
}

}  // namespace

extern "C" int gr_cuda_kernels_init(int max_smem_bytes) {
  cudaError_t e;
  if ((e = cudaFuncSetAttribute(fused_kernel<1>, cudaFuncAttributeMaxDynamicSharedMemorySize, max_smem_bytes)) ||
      (e = cudaFuncSetAttribute(fused_kernel<2>, cudaFuncAttributeMaxDynamicSharedMemorySize, max_smem_bytes)) ||
      (e = cudaFuncSetAttribute(fused_kernel<3>, cudaFuncAttributeMaxDynamicSharedMemorySize, max_smem_bytes)) ||
      (e = cudaFuncSetAttribute(fused_kernel<4>, cudaFuncAttributeMaxDynamicSharedMemorySize, max_smem_bytes))) {
    return (int)e;
  }
  return 0;
}

extern "C" void gr_cuda_plan(const int *h_start, int out_w, int h_taps, int out_h, int v_taps,
                             int in_w, int channels, int max_smem_bytes, gr_resize_plan *plan) {
  /* Tiles, largest first; bh is a multiple of kRowGroup, bw divides kThreads. The first that
   * fits in 48 KiB (good occupancy) wins, else the first that fits the opt-in limit. */
  static const int shapes[][2] = {{64, 16}, {64, 8}, {32, 8}, {32, 4}, {16, 4}};
  const int nshapes = (int)(sizeof shapes / sizeof shapes[0]);
  const size_t soft = 48 * 1024;
  int chosen = -1, chosen_span = 0;
  size_t chosen_smem = 0;
  for (int pass = 0; pass < 2 && chosen < 0; pass++) {
    size_t limit = pass == 0 ? soft : (size_t)max_smem_bytes;
    for (int i = 0; i < nshapes; i++) {
      int bw = shapes[i][0], bh = shapes[i][1];
      int span = max_span(h_start, out_w, h_taps, bw);
      size_t smem = fused_smem(channels, bw, bh, span, h_taps, v_taps);
      if (smem <= limit) {
        chosen = i;
        chosen_span = span;
        chosen_smem = smem;
        break;
      }
    }
  }
  if (chosen >= 0) {
    plan->fused = 1;
    plan->bw = shapes[chosen][0];
    plan->bh = shapes[chosen][1];
    plan->span = chosen_span;
    plan->smem_bytes = chosen_smem;
    plan->grid_x = (out_w + plan->bw - 1) / plan->bw;
    plan->grid_y = (out_h + plan->bh - 1) / plan->bh;
    if (plan->grid_y > 65535) plan->grid_y = 65535;
    plan->tmp_bytes = 0;
  } else {
    plan->fused = 0;
    plan->bw = plan->bh = plan->span = 0;
    plan->smem_bytes = 0;
    plan->grid_x = plan->grid_y = 0;
    plan->tmp_bytes = sizeof(float) * (size_t)out_h * (size_t)in_w * (size_t)channels;
  }
}

extern "C" void gr_cuda_fill_block_x0(const int *h_start, int out_w, const gr_resize_plan *plan,
                                      int *block_x0) {
  for (int b = 0; b < plan->grid_x; b++) {
    int e = (b + 1) * plan->bw < out_w ? (b + 1) * plan->bw : out_w;
    int lo = h_start[b * plan->bw];
    for (int x = b * plan->bw + 1; x < e; x++) lo = h_start[x] < lo ? h_start[x] : lo;
    block_x0[b] = lo;
  }
}

extern "C" int gr_cuda_vertical_launch(const gr_resize_desc *d, void *stream) {
  cudaStream_t st = (cudaStream_t)stream;
  switch (d->channels) {
    case 1: return (int)launch_vertical<1>(d, st);
    case 2: return (int)launch_vertical<2>(d, st);
    case 3: return (int)launch_vertical<3>(d, st);
    case 4: return (int)launch_vertical<4>(d, st);
    default: return (int)cudaErrorInvalidValue;
  }
}

extern "C" int gr_cuda_horizontal_launch(const gr_resize_desc *d, void *stream) {
  cudaStream_t st = (cudaStream_t)stream;
  switch (d->channels) {
    case 1: return (int)launch_horizontal<1>(d, st);
    case 2: return (int)launch_horizontal<2>(d, st);
    case 3: return (int)launch_horizontal<3>(d, st);
    case 4: return (int)launch_horizontal<4>(d, st);
    default: return (int)cudaErrorInvalidValue;
  }
}

extern "C" int gr_cuda_resize_launch(const gr_resize_desc *d, const gr_resize_plan *p, void *stream) {
  cudaStream_t st = (cudaStream_t)stream;
  if (d->out_w <= 0 || d->out_h <= 0 || d->in_w <= 0 || d->in_h <= 0) return (int)cudaErrorInvalidValue;
  if (!p->fused) {
    int e = gr_cuda_vertical_launch(d, stream);
    if (e) return e;
    return gr_cuda_horizontal_launch(d, stream);
  }
  switch (d->channels) {
    case 1: return (int)launch_fused<1>(d, p, st);
    case 2: return (int)launch_fused<2>(d, p, st);
    case 3: return (int)launch_fused<3>(d, p, st);
    case 4: return (int)launch_fused<4>(d, p, st);
    default: return (int)cudaErrorInvalidValue;
  }
}

extern "C" int gr_cuda_fill_launch(int *p, int n, int value, void *stream) {
  fill_kernel<<<(n + 255) / 256, 256, 0, (cudaStream_t)stream>>>(p, n, value);
  return (int)cudaGetLastError();
}
