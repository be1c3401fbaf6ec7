/* CUDA resize kernels: separable resampling with the CPU path's arithmetic (see
 * src/gpu/kernels.h for the contract and the two strategies).
 *
 * Fused kernel, one block = bw x bh output pixels (one row tile; a block walks several only when
 * out_h / bh > 65535), 256 threads = 8 warps, __launch_bounds__(256, 2) (GR_FUSED_MIN_BLOCKS):
 *   stage 0 (raw): the source rows the tile needs, [rlo, rhi) x the bytes of its input columns
 *     (from the 16-byte boundary below sx0 * C, edge columns clamped), are copied into shared
 *     memory as bytes: cp.async 16-byte copies for interior chunks of 16-byte-aligned rows,
 *     else 16-byte loads (five words + funnel shifts for unaligned rows, byte by byte only for
 *     chunks that touch an edge), the vertical weights and starts with them.
 *   phase 1 (vertical): a warp item is (chunk of 32 x T words of a staged row, group of 4
 *     output rows); T = 4 (16 bytes per lane), or 1 for narrow tiles (enlargements), so that
 *     lanes are not idle. Lane l owns words l + 32 t. Each staged row of the group's window is
 *     read once (T conflict-free 32-bit LDS), converted once (byte_perm into the mantissa of
 *     2^23, minus 2^23: exact, no I2F; alpha images premultiply in integers first) and added
 *     into the accumulator of every output row whose window covers it: for a given output,
 *     rows arrive in increasing k, so the sum order is the CPU's. A group's rows are
 *     warp-uniform, so the tap tests are uniform branches and the weight a broadcast LDS.
 *     The float tile is row-major with the channels interleaved as in the source ([bh][P],
 *     P odd). Lane l writes byte (b + l / 8) % 4 of its word at step b (picked by the byte_perm
 *     selector, so the rotation is free), which makes the scalar stores conflict-free.
 *   phase 2 (horizontal): a thread owns 2 adjacent output columns (a pair) x 4 rows. The two
 *     windows are merged into one of M = d + taps columns, with zero weights outside each
 *     output's own taps (w * v = +-0 and acc + +-0 == acc: bit-exact up to the sign of a zero
 *     sum, which rounds to 0 either way), so each tile value loaded feeds 2 outputs and the
 *     pair's weights (one float2 LDS) feed 4 rows x C channels. Lanes are 8 pairs x 4 rows;
 *     with P odd the 32 loads hit 32 banks at a 2x reduction.
 *   A tile whose window exceeds the staged capacity (not expected with filter.c's filters)
 *   runs phase 1 straight from global memory instead (same arithmetic).
 *   DRAM traffic: the source once plus the output once; halo rows/columns come from L2.
 */
#include <cuda_runtime.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>

#include "gpu/kernels.h"
#include "pixel_math.cuh"

namespace {

constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;
constexpr int kRowGroup = 4;  /* output rows one vertical work item accumulates (both paths) */
constexpr int kMaxWords = 4;  /* phase 1: 32-bit words per lane per row (kWords: kWideWords,
                                 or 1 for narrow spans) */
#ifndef GR_FUSED_WORDS
#define GR_FUSED_WORDS 4 /* 2 is for measuring (fewer registers) */
#endif
constexpr int kWideWords = GR_FUSED_WORDS;
constexpr int kSlackWords = 32 * kMaxWords;
constexpr int kPairRows = 4;  /* phase 2: rows per thread */
/* Blocks of the fused kernel per SM that registers (launch bounds) and the soft shared-memory
 * budget aim for: two on sm_80/sm_90 (113 KB each). GR_FUSED_MIN_BLOCKS=3 is for measuring. */
#ifndef GR_FUSED_MIN_BLOCKS
#define GR_FUSED_MIN_BLOCKS 2
#endif
constexpr size_t kSoftSmem = GR_FUSED_MIN_BLOCKS == 2 ? 113 * 1024 : (227 / GR_FUSED_MIN_BLOCKS - 1) * 1024;
constexpr int kFusedMaxTaps = 16; /* longer filters go two-pass (measured, see gr_cuda_plan) */

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


/* ---------------------------------------------------------------- fused kernel ---------- */

/* Byte g of a source row, columns clamped to the image (g may lie outside the row). */
template <int C>
__device__ __forceinline__ uint32_t edge_byte(const uint8_t *__restrict__ rowp, int g, int in_w) {
  int px = g >= 0 ? g / C : -((C - 1 - g) / C);
  int c = g - px * C;
  return __ldg(rowp + (size_t)clampi(px, 0, in_w - 1) * C + c);
}

/* 16 bytes of a source row from byte g (g a multiple of 16 relative to the row start). */
template <int C, bool A16>
__device__ __forceinline__ uint4 load16(const uint8_t *__restrict__ rowp, int g, int rowbytes, int in_w) {
  if (A16) {
    if (g >= 0 && g + 16 <= rowbytes) return __ldg(reinterpret_cast<const uint4 *>(rowp + g));
  } else if (g >= 0 && g + 20 <= rowbytes) {
    const uintptr_t a = reinterpret_cast<uintptr_t>(rowp + g);
    const uint32_t *wp = reinterpret_cast<const uint32_t *>(a & ~(uintptr_t)3);
    const unsigned sh = (unsigned)(a & 3) * 8u;
    const uint32_t w0 = __ldg(wp), w1 = __ldg(wp + 1), w2 = __ldg(wp + 2), w3 = __ldg(wp + 3),
                   w4 = __ldg(wp + 4);
    return make_uint4(__funnelshift_r(w0, w1, sh), __funnelshift_r(w1, w2, sh),
                      __funnelshift_r(w2, w3, sh), __funnelshift_r(w3, w4, sh));
  }
  uint32_t w[4];
#pragma unroll
  for (int i = 0; i < 4; i++) {
    w[i] = 0;
#pragma unroll
    for (int b = 0; b < 4; b++) w[i] |= edge_byte<C>(rowp, g + 4 * i + b, in_w) << (8 * b);
  }
  return make_uint4(w[0], w[1], w[2], w[3]);
}

/* One byte of w as the float the CPU's conversion gives: (float)v, or (float)((v * a) / 255)
 * for the colour of alpha images. vsel picks the byte, msel the multiplier (alpha or 255). The
 * byte goes into the mantissa of 2^23 and 2^23 is subtracted: exact, and no I2F. */
template <int C>
__device__ __forceinline__ float to_float(uint32_t w, uint32_t vsel, uint32_t msel) {
  if (C == 2 || C == 4) {
    const uint32_t x = __byte_perm(w, 0u, vsel);
    const uint32_t m = __byte_perm(w, 0xFFu, msel);
    return __fsub_rn(__uint_as_float(((x * m) / 255u) | 0x4B000000u), 8388608.0f);
  }
  return __fsub_rn(__uint_as_float(__byte_perm(w, 0x4B000000u, vsel)), 8388608.0f);
}

/* Shared-memory geometry of a launch (see tile_sizes). */
struct Geom {
  int bw, bh;
  int span;  /* input columns a block needs (max over blocks) */
  int P;     /* float tile row pitch, odd */
  int RBW;   /* staged row, 32-bit words (multiple of 4) */
  int cap;   /* staged rows */
  int MXs;   /* merged window of a pair, float2 stride (odd) */
};

/* Phase 1, see the file comment: rows from the staging buffer. */
template <int C, int kWords>
__device__ __forceinline__ void vertical_phase(const gr_resize_desc &d, const Geom &g,
                                               const uint32_t *__restrict__ raw,
                                               float *__restrict__ tile, const float *__restrict__ wv,
                                               const int *__restrict__ sv, int nw, int rlo) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int tv = d.v_taps;
  constexpr int kChunkWords = 32 * kWords;
  const int nchunks = (nw + kChunkWords - 1) / kChunkWords;
  const int items = nchunks * (g.bh / kRowGroup);
  const int rot = (lane >> 3) & 3;
  uint32_t vsel[4], msel[4];
  int boff[4];
#pragma unroll
  for (int b = 0; b < 4; b++) {
    const unsigned bb = (unsigned)((b + rot) & 3);
    boff[b] = (int)bb;
    if (C == 4) {
      vsel[b] = 0x4440u | bb;
      msel[b] = 0x5550u | (bb == 3 ? 4u : 3u);
    } else if (C == 2) {
      vsel[b] = 0x4440u | bb;
      msel[b] = 0x5550u | ((bb & 1) ? 4u : bb + 1);
    } else {
      vsel[b] = 0x7440u | bb;
      msel[b] = 0;
    }
  }
  for (int item = warp; item < items; item += kWarps) {
    const int grp = item / nchunks, ci = item - grp * nchunks;
    /* Lanes past nw (the last chunk's tail) read word 0 of their own staged row instead:
     * reading past the row would touch the tile other warps are writing (a race that
     * racecheck reports, though the values are never stored). */
    int wl[kWords], off[kWords];
#pragma unroll
    for (int t = 0; t < kWords; t++) {
      wl[t] = ci * kChunkWords + lane + 32 * t;
      off[t] = wl[t] < nw ? 32 * t : -(ci * kChunkWords + lane);
    }
    int s[kRowGroup];
    const float *wq[kRowGroup];
    int lo = INT_MAX, hi = INT_MIN;
#pragma unroll
    for (int q = 0; q < kRowGroup; q++) {
      s[q] = sv[grp * kRowGroup + q];
      wq[q] = wv + (size_t)(grp * kRowGroup + q) * tv;
      lo = min(lo, s[q]);
      hi = max(hi, s[q]);
    }
    hi += tv;
    float acc[kRowGroup][kWords][4];
#pragma unroll
    for (int q = 0; q < kRowGroup; q++)
#pragma unroll
      for (int t = 0; t < kWords; t++)
#pragma unroll
        for (int b = 0; b < 4; b++) acc[q][t][b] = 0.0f;
    const uint32_t *rp = raw + (size_t)(lo - rlo) * g.RBW + ci * kChunkWords + lane;
    for (int r = lo; r < hi; r++) {
      uint32_t wd[kWords];
#pragma unroll
      for (int t = 0; t < kWords; t++) wd[t] = rp[off[t]];
      rp += g.RBW;
      float f[kWords][4];
#pragma unroll
      for (int t = 0; t < kWords; t++)
#pragma unroll
        for (int b = 0; b < 4; b++) f[t][b] = to_float<C>(wd[t], vsel[b], msel[b]);
#pragma unroll
      for (int q = 0; q < kRowGroup; q++) {
        const unsigned k = (unsigned)(r - s[q]);
        if (k < (unsigned)tv) {
          const float w = wq[q][k];
#pragma unroll
          for (int t = 0; t < kWords; t++)
#pragma unroll
            for (int b = 0; b < 4; b++) acc[q][t][b] = mac(acc[q][t][b], w, f[t][b]);
        }
      }
    }
#pragma unroll
    for (int q = 0; q < kRowGroup; q++) {
      float *row = tile + (size_t)(grp * kRowGroup + q) * g.P;
#pragma unroll
      for (int t = 0; t < kWords; t++) {
        if (wl[t] < nw) {
#pragma unroll
          for (int b = 0; b < 4; b++) row[4 * wl[t] + boff[b]] = acc[q][t][b];
        }
      }
    }
  }
}

/* Phase 1 for a tile whose window exceeds the staging buffer (not expected with the filters of
 * filter.c): one thread per tile element, straight from global memory, the CPU's loop. */
template <int C>
__device__ __forceinline__ void vertical_phase_global(const gr_resize_desc &d, const Geom &g, float *tile,
                                                      const float *wv, const int *sv, int nw, int G0) {
  const int tv = d.v_taps, n = 4 * nw;
  for (int i = threadIdx.x; i < g.bh * n; i += kThreads) {
    const int yl = i / n, jj = i - yl * n, gb = G0 + jj;
    const int px = gb >= 0 ? gb / C : -((C - 1 - gb) / C), c = gb - px * C;
    const size_t off = (size_t)clampi(px, 0, d.in_w - 1) * C;
    const float *w = wv + (size_t)yl * tv;
    float acc = 0.0f;
    for (int k = 0; k < tv; k++) {
      const uint8_t *rowp = d.src + (size_t)clampi(sv[yl] + k, 0, d.in_h - 1) * d.src_pitch + off;
      unsigned v = __ldg(rowp + c);
      if ((C == 2 || C == 4) && c != C - 1) v = (v * __ldg(rowp + C - 1)) / 255u;
      acc = mac(acc, w[k], (float)v);
    }
    tile[(size_t)yl * g.P + jj] = acc;
  }
}

/* Phase 2, see the file comment: pairs of output columns x kPairRows rows per thread. */
template <int C>
__device__ __forceinline__ void horizontal_phase(const gr_resize_desc &d, const Geom &g,
                                                 const float *__restrict__ tile,
                                                 const float2 *__restrict__ wexp,
                                                 const int *__restrict__ pbase, const int *__restrict__ pm,
                                                 int o, int x0, int y0) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int npg = g.bw / 16, nrb = (g.bh + 15) / 16;
  for (int u = warp; u < npg * nrb; u += kWarps) {
    const int pg = u % npg, rb = u / npg;
    const int p = pg * 8 + (lane & 7);
    const int M = pm[p];
    const float2 *wp = wexp + (size_t)p * g.MXs;
    const int base = o + pbase[p] * C;
    int yl[kPairRows];
    const float *tp[kPairRows];
#pragma unroll
    for (int i = 0; i < kPairRows; i++) {
      yl[i] = rb * 16 + (lane >> 3) + 4 * i;
      tp[i] = tile + (size_t)min(yl[i], g.bh - 1) * g.P + base;
    }
    float acc[kPairRows][2][C];
#pragma unroll
    for (int i = 0; i < kPairRows; i++)
#pragma unroll
      for (int c = 0; c < C; c++) acc[i][0][c] = acc[i][1][c] = 0.0f;
#pragma unroll 2
    for (int m = 0; m < M; m++) {
      const float2 w = wp[m];
#pragma unroll
      for (int i = 0; i < kPairRows; i++) {
#pragma unroll
        for (int c = 0; c < C; c++) {
          const float v = tp[i][m * C + c];
          acc[i][0][c] = mac(acc[i][0][c], w.x, v);
          acc[i][1][c] = mac(acc[i][1][c], w.y, v);
        }
      }
    }
    const int xa = x0 + 2 * p;
#pragma unroll
    for (int i = 0; i < kPairRows; i++) {
      const int y = y0 + yl[i];
      if (yl[i] < g.bh && y < d.out_h) {
        uint8_t *q = d.dst + (size_t)y * d.dst_pitch + (size_t)xa * C;
        if (xa < d.out_w) store_px<C>(q, acc[i][0]);
        if (xa + 1 < d.out_w) store_px<C>(q + C, acc[i][1]);
      }
    }
  }
}

/* Asynchronous copies global -> shared (sm_80+; plain loads and stores before). */
__device__ __forceinline__ void copy16_async(void *dst, const void *src) {
#if __CUDA_ARCH__ >= 800
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16;\n" ::"r"((unsigned)__cvta_generic_to_shared(dst)),
               "l"(src));
#else
  *reinterpret_cast<uint4 *>(dst) = __ldg(reinterpret_cast<const uint4 *>(src));
#endif
}
__device__ __forceinline__ void copy4_async(void *dst, const void *src) {
#if __CUDA_ARCH__ >= 800
  asm volatile("cp.async.ca.shared.global [%0], [%1], 4;\n" ::"r"((unsigned)__cvta_generic_to_shared(dst)),
               "l"(src));
#else
  *reinterpret_cast<uint32_t *>(dst) = __ldg(reinterpret_cast<const uint32_t *>(src));
#endif
}
__device__ __forceinline__ void copy_wait_all() {
#if __CUDA_ARCH__ >= 800
  asm volatile("cp.async.wait_all;\n" ::: "memory");
#endif
}

/* Source rows [rlo, rhi) a row tile needs. Starts are monotonic (filter.c; decreasing in a
 * reversed table, a flipped output), so the first and last rows give them; phase 1 checks that
 * against the tile's starts anyway. */
__device__ __forceinline__ void tile_window(const gr_resize_desc &d, int y0, int bh, int *rlo, int *rhi) {
  const int a = __ldg(d.v_start + y0), b = __ldg(d.v_start + min(y0 + bh - 1, d.out_h - 1));
  *rlo = min(a, b);
  *rhi = max(a, b) + d.v_taps;
}

/* Stage 0 of a row tile: its vertical weights and starts, and (when they fit) its source rows,
 * into shared memory; interior 16-byte chunks of aligned rows asynchronously. */
template <int C, bool A16>
__device__ __forceinline__ void stage_tile(const gr_resize_desc &d, const Geom &g, uint32_t *raw, float *wv,
                                           int *sv, int y0, int rlo, int rhi, int G0) {
  const int tid = threadIdx.x, tv = d.v_taps, bh = g.bh;
  for (int i = tid; i < bh * tv; i += kThreads) {
    const int yl = i / tv, k = i - yl * tv;
    copy4_async(wv + i, d.v_weights + (size_t)min(y0 + yl, d.out_h - 1) * tv + k);
  }
  for (int i = tid; i < bh; i += kThreads) copy4_async(sv + i, d.v_start + min(y0 + i, d.out_h - 1));
  const int nrows = rhi - rlo;
  if (nrows > g.cap) return;
  const int rowbytes = d.in_w * C, q16 = g.RBW / 4, units = nrows * q16;
  uint4 *raw4 = reinterpret_cast<uint4 *>(raw);
  for (int u0 = tid; u0 < units; u0 += 4 * kThreads) {
    uint4 v[4];
    bool sync[4];
#pragma unroll
    for (int k = 0; k < 4; k++) {
      const int u = u0 + k * kThreads;
      sync[k] = false;
      if (u < units) {
        const int rr = u / q16, qq = u - rr * q16, gb = G0 + 16 * qq;
        const uint8_t *rowp = d.src + (size_t)clampi(rlo + rr, 0, d.in_h - 1) * d.src_pitch;
        if (A16 && gb >= 0 && gb + 16 <= rowbytes) {
          copy16_async(raw4 + u, rowp + gb);
        } else {
          v[k] = load16<C, A16>(rowp, gb, rowbytes, d.in_w);
          sync[k] = true;
        }
      }
    }
#pragma unroll
    for (int k = 0; k < 4; k++) {
      if (sync[k]) raw4[u0 + k * kThreads] = v[k];
    }
  }
}

template <int C, bool A16, int kWords>
__global__ void __launch_bounds__(kThreads, GR_FUSED_MIN_BLOCKS) fused_kernel(gr_resize_desc d, Geom g) {
  extern __shared__ __align__(16) uint32_t smem[];
  const int tid = threadIdx.x;
  const int bw = g.bw, bh = g.bh, npairs = g.bw / 2;
  const int th = d.h_taps, tv = d.v_taps;
  uint32_t *raw = smem;                                                   /* cap x RBW words */
  float *tile = reinterpret_cast<float *>(raw + (size_t)g.cap * g.RBW);  /* bh x P */
  float2 *wexp = reinterpret_cast<float2 *>(tile + (size_t)bh * g.P);     /* npairs x MXs */
  float *wv = reinterpret_cast<float *>(wexp + (size_t)npairs * g.MXs);   /* bh x tv */
  int *sv = reinterpret_cast<int *>(wv + (size_t)bh * tv);                /* bh */
  int *pbase = sv + bh;                                                   /* npairs */
  int *pm = pbase + npairs;                                               /* npairs */

  const int x0 = blockIdx.x * bw;
  const int sx0 = d.block_x0[blockIdx.x];
  const int G0 = (sx0 * C) & ~15; /* staged rows start at this byte of the source row */
  const int o = sx0 * C - G0;
  const int nw = (o + g.span * C + 3) >> 2;
  const int tiles_y = (d.out_h + bh - 1) / bh;

  /* The first row tile goes in flight before the column setup. */
  int by = blockIdx.y;
  int rlo = 0, rhi = 0;
  if (by < tiles_y) {
    tile_window(d, by * bh, bh, &rlo, &rhi);
    stage_tile<C, A16>(d, g, raw, wv, sv, by * bh, rlo, rhi, G0);
  }

  /* Pairs of output columns; columns past the image edge compute the last real one. */
  for (int p = tid; p < npairs; p += kThreads) {
    const int xa = min(x0 + 2 * p, d.out_w - 1), xb = min(x0 + 2 * p + 1, d.out_w - 1);
    const int sa = __ldg(d.h_start + xa), sb = __ldg(d.h_start + xb), lo = min(sa, sb);
    pbase[p] = lo - sx0;
    pm[p] = max(sa, sb) - lo + th;
  }
#pragma unroll 4
  for (int i = tid; i < npairs * g.MXs; i += kThreads) {
    const int p = i / g.MXs, m = i - p * g.MXs;
    const int xa = min(x0 + 2 * p, d.out_w - 1), xb = min(x0 + 2 * p + 1, d.out_w - 1);
    const int sa = __ldg(d.h_start + xa), sb = __ldg(d.h_start + xb), lo = min(sa, sb);
    const unsigned ka = (unsigned)(m - (sa - lo)), kb = (unsigned)(m - (sb - lo));
    wexp[i] = make_float2(ka < (unsigned)th ? __ldg(d.h_weights + (size_t)xa * th + ka) : 0.0f,
                          kb < (unsigned)th ? __ldg(d.h_weights + (size_t)xb * th + kb) : 0.0f);
  }

  /* Row tiles blockIdx.y, + gridDim.y, ... (one per block unless out_h / bh > 65535): tile n+1
   * is staged while phase 2 of tile n runs. */
  for (; by < tiles_y; by += gridDim.y) {
    const int y0 = by * bh;
    copy_wait_all();
    __syncthreads(); /* staged rows, wv, sv (and the column setup) visible */
    int lo = INT_MAX, hi = INT_MIN;
    for (int i = 0; i < bh; i++) {
      lo = min(lo, sv[i]);
      hi = max(hi, sv[i]);
    }
    hi += tv;
    if (rhi - rlo <= g.cap && lo >= rlo && hi <= rhi) {
      vertical_phase<C, kWords>(d, g, raw, tile, wv, sv, nw, rlo);
    } else {
      vertical_phase_global<C>(d, g, tile, wv, sv, nw, G0);
    }
    __syncthreads(); /* tile written; raw, wv, sv free */
    const int next = by + gridDim.y;
    if (next < tiles_y) {
      tile_window(d, next * bh, bh, &rlo, &rhi);
      stage_tile<C, A16>(d, g, raw, wv, sv, next * bh, rlo, rhi, G0);
    }
    horizontal_phase<C>(d, g, tile, wexp, pbase, pm, o, x0, y0);
    __syncthreads(); /* phase 2 done with the tile */
  }
}

/* Shared memory of a fused launch, apart from the staged rows. */
struct TileSizes {
  int P, RBW, MXs;
  size_t fixed;   /* bytes: float tile, pair weights, vertical weights, starts */
  size_t raw_row; /* bytes per staged row */
};

TileSizes tile_sizes(int C, int bw, int bh, int span, int hwin, int tv) {
  TileSizes t;
  const int nwmax = (15 + span * C + 3) / 4;
  t.RBW = (nwmax + 3) & ~3;
  t.P = (4 * nwmax) | 1;
  t.MXs = hwin | 1;
  t.fixed = sizeof(float) * ((size_t)bh * t.P + (size_t)(bw / 2) * t.MXs * 2 + (size_t)bh * tv) +
            sizeof(int) * ((size_t)bh + bw) + sizeof(uint32_t) * kSlackWords; /* + phase 1 slack */
  t.raw_row = sizeof(uint32_t) * (size_t)t.RBW;
  return t;
}

/* Staged rows a tile of bh output rows needs at a vertical scale in/out (an upper bound for
 * the filters of filter.c; a tile that needs more reads global memory instead). */
int window_rows(int bh, double scale, int tv) { return (int)((bh - 1) * scale) + tv + 3; }

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

/* Largest merged window of a pair of output columns (2p, 2p + 1). */
int max_pair_window(const int *start, int out_w, int taps) {
  int best = 0;
  for (int x = 0; x < out_w; x += 2) {
    int a = start[x], b = start[x + 1 < out_w ? x + 1 : x];
    int w = (a > b ? a - b : b - a) + taps;
    if (w > best) best = w;
  }
  return best;
}

template <int C, bool A16>
cudaError_t launch_fused_t(const gr_resize_desc *d, const Geom &g, size_t smem, dim3 grid, cudaStream_t st) {
  /* Narrow tiles (enlargements) take one word per lane in phase 1, so that lanes are not idle. */
  if ((15 + g.span * C + 3) / 4 <= 64) {
    fused_kernel<C, A16, 1><<<grid, kThreads, smem, st>>>(*d, g);
  } else {
    fused_kernel<C, A16, kWideWords><<<grid, kThreads, smem, st>>>(*d, g);
  }
  return cudaGetLastError();
}

template <int C>
cudaError_t launch_fused(const gr_resize_desc *d, const gr_resize_plan *p, cudaStream_t st) {
  Geom g;
  g.bw = p->bw;
  g.span = p->span;
  /* The vertical scale is known only now: lower bh while the tile exceeds the soft budget. */
  const double scale = (double)d->in_h / (double)d->out_h;
  int bh = p->bh;
  TileSizes t = tile_sizes(C, p->bw, bh, p->span, p->hwin, d->v_taps);
  while (bh > kRowGroup && t.fixed + t.raw_row * (size_t)window_rows(bh, scale, d->v_taps) > kSoftSmem) {
    bh /= 2;
    t = tile_sizes(C, p->bw, bh, p->span, p->hwin, d->v_taps);
  }
  g.bh = bh;
  g.P = t.P;
  g.RBW = t.RBW;
  g.MXs = t.MXs;
  size_t limit = p->smem_limit > t.fixed ? p->smem_limit - t.fixed : 0;
  long cap = window_rows(bh, scale, d->v_taps);
  if ((size_t)cap * t.raw_row > limit) cap = (long)(limit / t.raw_row);
  g.cap = (int)cap;
  const size_t smem = t.fixed + t.raw_row * (size_t)cap;
  /* One row tile per block (blocks walking several tiles, with the next one staged during
   * phase 2, measured slower: fewer independent blocks to interleave). */
  const int tiles_y = (d->out_h + bh - 1) / bh;
  const int gy = tiles_y < 65535 ? tiles_y : 65535;
  dim3 grid(p->grid_x, gy);
  const bool a16 = ((uintptr_t)d->src & 15) == 0 && (d->src_pitch & 15) == 0;
  return a16 ? launch_fused_t<C, true>(d, g, smem, grid, st) : launch_fused_t<C, false>(d, g, smem, grid, st);
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

template <int C>
cudaError_t set_smem_attr(int max_smem_bytes) {
  const cudaFuncAttribute a = cudaFuncAttributeMaxDynamicSharedMemorySize;
  cudaError_t e;
  if ((e = cudaFuncSetAttribute(fused_kernel<C, true, 1>, a, max_smem_bytes)) ||
      (e = cudaFuncSetAttribute(fused_kernel<C, true, kWideWords>, a, max_smem_bytes)) ||
      (e = cudaFuncSetAttribute(fused_kernel<C, false, 1>, a, max_smem_bytes)) ||
      (e = cudaFuncSetAttribute(fused_kernel<C, false, kWideWords>, a, max_smem_bytes))) {
    return e;
  }
  return cudaSuccess;
}

}  // namespace

extern "C" int gr_cuda_kernels_init(int max_smem_bytes) {
  cudaError_t e;
  if ((e = set_smem_attr<1>(max_smem_bytes)) || (e = set_smem_attr<2>(max_smem_bytes)) ||
      (e = set_smem_attr<3>(max_smem_bytes)) || (e = set_smem_attr<4>(max_smem_bytes))) {
    return (int)e;
  }
  if ((e = (cudaError_t)gr_cuda_tc_init(max_smem_bytes))) return (int)e;
  return gr_cuda_i8_init(max_smem_bytes);
}

extern "C" int gr_cuda_plan_tile(const int *h_start, int out_w, int h_taps, int out_h, int v_taps,
                                 int in_w, int channels, int max_smem_bytes, int bw, int bh,
                                 gr_resize_plan *plan) {
  if (bw < 16 || bw % 16 || bh < kRowGroup || bh % kRowGroup) return 0;
  const int span = max_span(h_start, out_w, h_taps, bw);
  const int hwin = max_pair_window(h_start, out_w, h_taps);
  TileSizes t = tile_sizes(channels, bw, bh, span, hwin, v_taps);
  /* The vertical scale is not known here; the horizontal one stands in for it. */
  const double scale = (double)in_w / (double)out_w;
  const size_t smem = t.fixed + t.raw_row * (size_t)window_rows(bh, scale, v_taps);
  plan->fused = 1;
  plan->bw = bw;
  plan->bh = bh;
  plan->span = span;
  plan->hwin = hwin;
  plan->smem_bytes = smem;
  plan->smem_limit = (size_t)max_smem_bytes;
  plan->grid_x = (out_w + bw - 1) / bw;
  plan->grid_y = (out_h + bh - 1) / bh;
  if (plan->grid_y > 65535) plan->grid_y = 65535;
  plan->tmp_bytes = 0;
  plan->tc = plan->i8 = 0; /* gr_cuda_plan_tc / gr_cuda_plan_i8 may set them */
  return smem <= (size_t)max_smem_bytes;
}

extern "C" void gr_cuda_plan(const int *h_start, int out_w, int h_taps, int out_h, int v_taps,
                             int in_w, int channels, int max_smem_bytes, gr_resize_plan *plan) {
  /* Tiles, preferred first: the first within the soft budget (two blocks per SM) wins, else the
   * first within the opt-in limit, else the two-pass path. Enlargements get taller tiles. */
  static const int down[][2] = {{128, 16}, {64, 16}, {32, 16}, {64, 8}, {32, 8}, {32, 4}, {16, 4}};
  static const int up[][2] = {{128, 32}, {128, 16}, {64, 16}, {64, 8}, {32, 8}, {32, 4}, {16, 4}};
  const int(*shapes)[2] = out_w > in_w ? up : down;
  const int nshapes = 7;
  /* Measured on an H100 (bench/kernels, median of 50): the fused kernel wins for reductions of
   * up to 16 taps (4K -> 1080p RGB, 12 taps: 0.077 ms fused, 0.107 two-pass), the two-pass path
   * for enlargements (720x588 -> 2880x2352: 0.061 vs 0.073) and longer filters (23 taps:
   * 0.074 vs 0.087; RGBA 18 taps: 0.062 vs 0.071). */
  const int prefer_two_pass = out_w > in_w || h_taps > kFusedMaxTaps || v_taps > kFusedMaxTaps;
  for (int pass = 0; pass < 2 && !prefer_two_pass; pass++) {
    const size_t limit = pass == 0 ? kSoftSmem : (size_t)max_smem_bytes;
    for (int i = 0; i < nshapes; i++) {
      gr_resize_plan p;
      if (gr_cuda_plan_tile(h_start, out_w, h_taps, out_h, v_taps, in_w, channels, max_smem_bytes,
                            shapes[i][0], shapes[i][1], &p) &&
          p.smem_bytes <= limit) {
        *plan = p;
        return;
      }
    }
  }
  plan->fused = 0;
  plan->tc = plan->i8 = 0; /* gr_cuda_plan_tc / gr_cuda_plan_i8 may set them */
  plan->bw = plan->bh = plan->span = plan->hwin = 0;
  plan->smem_bytes = plan->smem_limit = 0;
  plan->grid_x = plan->grid_y = 0;
  plan->tmp_bytes = sizeof(float) * (size_t)out_h * (size_t)in_w * (size_t)channels;
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
  if (gr_cuda_i8_usable(d, p)) return gr_cuda_i8_launch(d, p, stream);
  if (gr_cuda_tc_usable(d, p)) return gr_cuda_tc_launch(d, p, stream);
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

extern "C" int gr_cuda_tables_kind(const gr_resize_desc *d, const gr_resize_plan *p, size_t *bytes) {
  *bytes = 0;
  if (gr_cuda_i8_usable(d, p)) {
    *bytes = gr_cuda_i8_table_bytes(d);
    return 1;
  }
  if (gr_cuda_tc_usable(d, p)) {
    *bytes = gr_cuda_tc_table_bytes(d, p);
    return 2;
  }
  return 0;
}

extern "C" int gr_cuda_fill_launch(int *p, int n, int value, void *stream) {
  fill_kernel<<<(n + 255) / 256, 256, 0, (cudaStream_t)stream>>>(p, n, value);
  return (int)cudaGetLastError();
}
