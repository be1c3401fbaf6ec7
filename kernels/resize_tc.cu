/* Tensor-core resize for images without alpha (1 or 3 channels), sm_80 and later: both passes
 * of the separable resize as fp16 matrix products with fp32 accumulation (mma.sync m16n8k16).
 *
 * Why it is close to the CPU: pixels are exact in fp16 (0-255); every weight is split into
 * hi = fp16(w) and lo = fp16(w - hi), and the float intermediate into its integer part and the
 * rest (both fp16), so the products hi*hi + hi*lo + lo*hi carry about 22 bits, and the sums are
 * fp32. Results differ from the CPU path's (float, separately rounded) by at most 1 per channel,
 * and only where a value falls within about 1e-4 of a rounding boundary. Alpha images keep the
 * bit-exact fused kernel: the integer unpremultiply there would turn such a 1 into more.
 *
 * Two launches per request:
 *   tc_prep_kernel, one block per row block and per column block: the row block's vertical
 *     weights as a dense matrix B1 (window rows r0 + k, k < 16 * ks1, x 16 output rows) and each
 *     16-pixel column tile's horizontal weights as a dense A2 (16 outputs x window pixels
 *     pm0 + k, edge taps merged onto the edge pixel), split into hi/lo fp16 fragments in
 *     desc.tmp (layout at TcTables).
 *   tc_kernel, one block = 16 output rows x bw output pixels (bw a multiple of 16), 256 threads:
 *   phase 1 (vertical, per 64-byte chunk of the block's source bytes, one warp each): the
 *     product D1 = A1 x B1, A1 = source bytes (16 byte columns x 16 window rows; a lane's 32-bit
 *     load holds 4 byte columns, one in each of 4 M-tiles, so M-tile j holds the columns 4i + j;
 *     source rows clamped when loaded), converted with byte_perm into fp16 1024 + p, minus 1024
 *     (exact). D1 goes to shared memory as (integer, rest) fp16 pairs, [row][byte column] as in
 *     the source.
 *   phase 2 (horizontal, per 16 outputs x channel x 8 rows): D2 = A2 x B2, B2 = the
 *     intermediate (window pixels x rows) of that channel; then clamp and round (the CPU's u8())
 *     and store each byte to the output.
 */
#include <cuda_fp16.h>
#include <cuda_runtime.h>
#include <limits.h>
#include <stdint.h>

#include "gpu/kernels.h"
#include "pixel_math.cuh"
#include "tensor_device.cuh"

namespace {

constexpr int kTcThreads = 256;
constexpr int kTcWarps = kTcThreads / 32;
constexpr int kTcRows = 16;   /* output rows per block: two 8-row N-tiles */
constexpr int kTcMaxKs = 4;  /* k-steps of 16 rows or pixels a window may take */
#ifndef GR_TC_MIN_BLOCKS
#define GR_TC_MIN_BLOCKS 3 /* blocks per SM the registers are bounded for */
#endif
constexpr int kTcChunk = 64;  /* source bytes per phase-1 work item: 4 M-tiles x 16 */
constexpr int kTcMaxBw = 128; /* output pixels per block at most */
constexpr int kTcMaxSmem = 96 * 1024; /* dynamic shared memory a block may take (the opt-in
                                         limit less the static arrays would also do) */

struct TcGeom {
  int bw;    /* output pixels per block */
  int nch;   /* phase 1 chunks per block (max over blocks) */
  int ip;    /* words per intermediate row (plan: tc_ip) */
  int ks1;   /* vertical k-steps (max over row blocks) */
  int ks2;   /* horizontal k-steps (max over column tiles) */
  size_t smem; /* bytes of dynamic shared memory: the intermediate */
};

/* d = a x b + d, fp16 inputs, fp32 accumulators. */
__device__ __forceinline__ void mma16816(float d[4], uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3,
                                         uint32_t b0, uint32_t b1) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
      "{%0,%1,%2,%3};\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
#endif
}

__device__ __forceinline__ uint32_t hbits(__half h) { return (uint32_t)__half_as_ushort(h); }

/* hi | lo << 16: the float as fp16 hi plus fp16 lo = the rest. */
__device__ __forceinline__ uint32_t split_pair(float x) {
  __half h = __float2half_rn(x);
  __half l = __float2half_rn(x - __half2float(h));
  return hbits(h) | (hbits(l) << 16);
}

/* The intermediate as fp16 (integer part, rest): within 2^-13 of x for |x| < 2048. */
__device__ __forceinline__ uint32_t split_round(float x) {
  const float h = rintf(x);
  const __half2 p = __floats2half2_rn(h, x - h);
  return *reinterpret_cast<const uint32_t *>(&p);
}

/* Two consecutive k entries of a fragment: (lo half = k, hi half = k + 1), for hi and lo. */
__device__ __forceinline__ void frag_pair(float w0, float w1, uint32_t *hi, uint32_t *lo) {
  uint32_t p0 = split_pair(w0), p1 = split_pair(w1);
  *hi = __byte_perm(p0, p1, 0x5410);
  *lo = __byte_perm(p0, p1, 0x7632);
}

/* fp16x2 (1024 + x_j, 1024 + y_j) for byte j of words x (k) and y (k + 1), minus 1024: exact. */
__device__ __forceinline__ void bytes_to_f16(uint32_t x, uint32_t y, uint32_t r[4]) {
  const uint32_t t0 = __byte_perm(x, y, 0x5140), t1 = __byte_perm(x, y, 0x7362);
  const uint32_t k = 0x64646464u;
  uint32_t v[4] = {__byte_perm(t0, k, 0x4140), __byte_perm(t0, k, 0x4342), __byte_perm(t1, k, 0x4140),
                   __byte_perm(t1, k, 0x4342)};
#pragma unroll
  for (int j = 0; j < 4; j++) asm("sub.f16x2 %0, %1, %2;" : "=r"(r[j]) : "r"(v[j]), "r"(0x64006400u));
}

/* The windows of a block, shared by the planner (sizes, on the host) and tc_prep_kernel (the
 * tables): the smallest and largest start of the 16 rows y0.. in each 8-row N-tile; ... */
__host__ __device__ inline void tc_row_starts(const int *v_start, int out_h, int y0, int lo[2], int hi[2]) {
  lo[0] = lo[1] = INT_MAX;
  hi[0] = hi[1] = INT_MIN;
  for (int n = 0; n < kTcRows; n++) {
    const int s = v_start[min(y0 + n, out_h - 1)];
    lo[n / 8] = min(lo[n / 8], s);
    hi[n / 8] = max(hi[n / 8], s);
  }
}

/* ... the first and last source pixel an output starting at s reads (taps clamped to the image;
 * clamping keeps them in order) ... */
__host__ __device__ inline void tc_tap_span(int s, int taps, int in_w, int *first, int *last) {
  *first = clampi(s, 0, in_w - 1);
  *last = clampi(s + taps - 1, 0, in_w - 1);
}

/* ... and the first source byte phase 1 computes, from the block's first pixel (4-byte aligned). */
__host__ __device__ inline int tc_bx0(int p0, int channels) { return (p0 * channels) & ~3; }

/* Per-request tables in desc.tmp, built by tc_prep_kernel (one block per row block and per
 * column block, so the resize's blocks start straight with their loads):
 *   row block rb: int4 {r0, band lo/hi of N-tile 0, band lo of N-tile 1}, int4 {band hi of
 *     N-tile 1}, then the B1 fragments [ks1][2 N-tiles][32 lanes] (hi b0, hi b1, lo b0, lo b1);
 *   column block cb: 20 ints {bx0, p1, pm0[8], pm1[8]}, then the A2 fragments
 *     [bw/16][ks2][32 lanes][hi, lo]. */
struct TcTables {
  int vstride, hstride; /* uint4s per row block / column block */
  size_t hoff;          /* uint4s before the first column block */
};

__host__ __device__ inline TcTables tc_tables(const TcGeom &g, int out_h) {
  TcTables t;
  t.vstride = 2 + g.ks1 * 64;
  t.hstride = 5 + (g.bw / 16) * g.ks2 * 64;
  t.hoff = (size_t)((out_h + kTcRows - 1) / kTcRows) * t.vstride;
  return t;
}

template <int C>
__global__ void __launch_bounds__(kTcThreads) tc_prep_kernel(gr_resize_desc d, TcGeom g) {
  __shared__ float dense[(kTcMaxBw / 16) * 16 * kTcMaxKs * 16]; /* also holds [64][16] */
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const TcTables tt = tc_tables(g, d.out_h);
  uint4 *tab = reinterpret_cast<uint4 *>(d.tmp);
  const int nrb = (d.out_h + kTcRows - 1) / kTcRows;
  if ((int)blockIdx.x < nrb) {
    /* Vertical: the block's 16 rows as a dense [k1][16] matrix, then fragments. */
    const int y0 = blockIdx.x * kTcRows, k1 = g.ks1 * 16;
    int lo[2], hi[2];
    tc_row_starts(d.v_start, d.out_h, y0, lo, hi);
    const int r0 = min(lo[0], lo[1]);
    for (int i = tid; i < k1 * kTcRows; i += kTcThreads) dense[i] = 0.0f;
    __syncthreads();
    if (tid < kTcRows) {
      const int yc = min(y0 + tid, d.out_h - 1);
      const int s = __ldg(d.v_start + yc) - r0;
      const float *w = d.v_weights + (size_t)yc * d.v_taps;
      for (int t = 0; t < d.v_taps; t++) dense[(s + t) * kTcRows + tid] = __ldg(w + t);
    }
    __syncthreads();
    uint4 *out = tab + (size_t)blockIdx.x * tt.vstride;
    if (tid == 0) {
      out[0] = make_uint4(r0, (lo[0] - r0) >> 4, (hi[0] + d.v_taps - 1 - r0) >> 4, (lo[1] - r0) >> 4);
      out[1] = make_uint4((hi[1] + d.v_taps - 1 - r0) >> 4, 0, 0, 0);
    }
    /* B1 (k x n, "col"): b0 = (k 2tq, 2tq+1; n gq), b1 = k + 8. */
    for (int i = tid; i < g.ks1 * 64; i += kTcThreads) {
      const int ks = i >> 6, nt = (i >> 5) & 1, l = i & 31;
      const int n = nt * 8 + (l >> 2), k = ks * 16 + 2 * (l & 3);
      uint32_t h0, l0, h1, l1;
      frag_pair(dense[k * kTcRows + n], dense[(k + 1) * kTcRows + n], &h0, &l0);
      frag_pair(dense[(k + 8) * kTcRows + n], dense[(k + 9) * kTcRows + n], &h1, &l1);
      out[2 + i] = make_uint4(h0, h1, l0, l1);
    }
    return;
  }
  /* Horizontal: each 16-output tile's window (clamped taps) and its dense [16][k2] matrix. */
  __shared__ int s_p0, s_p1;
  __shared__ int s_pm0[kTcMaxBw / 16], s_pm1[kTcMaxBw / 16];
  const int cb = blockIdx.x - nrb, x0 = cb * g.bw, nm = g.bw / 16, k2 = g.ks2 * 16;
  if (tid == 0) {
    s_p0 = INT_MAX;
    s_p1 = INT_MIN;
  }
  for (int i = tid; i < nm * 16 * k2; i += kTcThreads) dense[i] = 0.0f;
  __syncthreads();
  if (warp * 32 < g.bw) { /* whole warps: the shuffles need every lane */
    int lo = INT_MAX, hi = INT_MIN;
    if (tid < g.bw) tc_tap_span(__ldg(d.h_start + min(x0 + tid, d.out_w - 1)), d.h_taps, d.in_w, &lo, &hi);
#pragma unroll
    for (int o = 8; o > 0; o >>= 1) {
      lo = min(lo, __shfl_xor_sync(0xffffffffu, lo, o));
      hi = max(hi, __shfl_xor_sync(0xffffffffu, hi, o));
    }
    if ((lane & 15) == 0 && tid < g.bw) {
      s_pm0[tid >> 4] = lo;
      s_pm1[tid >> 4] = hi;
      atomicMin(&s_p0, lo);
      atomicMax(&s_p1, hi + 1);
    }
  }
  __syncthreads();
  if (tid < g.bw) {
    const int xc = min(x0 + tid, d.out_w - 1);
    const int s = __ldg(d.h_start + xc), pm0 = s_pm0[tid >> 4];
    const float *w = d.h_weights + (size_t)xc * d.h_taps;
    float *row = dense + (size_t)tid * k2; /* = [tid >> 4][tid & 15][.] */
    for (int t = 0; t < d.h_taps; t++) row[clampi(s + t, 0, d.in_w - 1) - pm0] += __ldg(w + t);
  }
  __syncthreads();
  uint4 *out = tab + tt.hoff + (size_t)cb * tt.hstride;
  if (tid < 5) {
    int m[4];
    for (int e = 0; e < 4; e++) {
      const int i = tid * 4 + e; /* 0 bx0, 1 p1, 2..9 pm0, 10..17 pm1 */
      m[e] = i == 0 ? tc_bx0(s_p0, C) : i == 1 ? s_p1 : i < 2 + nm ? s_pm0[i - 2] : (i >= 10 && i < 10 + nm) ? s_pm1[i - 10] : 0;
    }
    out[tid] = make_uint4(m[0], m[1], m[2], m[3]);
  }
  /* A2 (m x k, "row"): a0 = (m gq; k 2tq, 2tq+1), a1 = m + 8, a2 = k + 8, a3 = both. */
  for (int i = tid; i < nm * g.ks2 * 32; i += kTcThreads) {
    const int l = i & 31, ks = (i >> 5) % g.ks2, mt = (i >> 5) / g.ks2;
    const float *a = dense + (size_t)(mt * 16 + (l >> 2)) * k2 + ks * 16 + 2 * (l & 3);
    const float *b = a + 8 * k2;
    uint32_t h[4], lo[4];
    frag_pair(a[0], a[1], &h[0], &lo[0]);
    frag_pair(b[0], b[1], &h[1], &lo[1]);
    frag_pair(a[8], a[9], &h[2], &lo[2]);
    frag_pair(b[8], b[9], &h[3], &lo[3]);
    out[5 + 2 * i] = make_uint4(h[0], h[1], h[2], h[3]);
    out[5 + 2 * i + 1] = make_uint4(lo[0], lo[1], lo[2], lo[3]);
  }
}

template <int C, int KS>
__global__ void __launch_bounds__(kTcThreads, GR_TC_MIN_BLOCKS) tc_kernel(gr_resize_desc d, TcGeom g) {
  extern __shared__ __align__(16) uint8_t smem[];
  uint32_t *inter = reinterpret_cast<uint32_t *>(smem);  /* [16][ip] (integer, rest) fp16 pairs */

  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int gq = lane >> 2, tq = lane & 3;
  const int x0 = blockIdx.x * g.bw, y0 = blockIdx.y * kTcRows;
  const int nm = g.bw / 16;
  const int rowbytes = d.in_w * C;
  const TcTables tt = tc_tables(g, d.out_h);
  const uint4 *vt = reinterpret_cast<const uint4 *>(d.tmp) + (size_t)blockIdx.y * tt.vstride;
  const uint4 *ht = reinterpret_cast<const uint4 *>(d.tmp) + tt.hoff + (size_t)blockIdx.x * tt.hstride;
  const uint4 vm0 = __ldg(vt), vm1 = __ldg(vt + 1), hm0 = __ldg(ht);
  const int r0 = (int)vm0.x, bx0 = (int)hm0.x;
  const int kb_lo[2] = {(int)vm0.y, (int)vm0.w}, kb_hi[2] = {(int)vm0.z, (int)vm1.x};
  const int *hmeta = reinterpret_cast<const int *>(ht);

  /* Columns phase 2 may read past the computed chunks (zero weights) must hold finite values. */
  for (int i = tid; i < kTcRows * (g.ip - g.nch * kTcChunk); i += kTcThreads) {
    const int w = g.ip - g.nch * kTcChunk, r = i / w;
    inter[(size_t)r * g.ip + g.nch * kTcChunk + (i - r * w)] = 0u;
  }

  /* Phase 1. */
  for (int c = warp; c < g.nch; c += kTcWarps) {
    const int base = bx0 + c * kTcChunk + 4 * gq;
    const bool in0 = base < rowbytes, in1 = base + 32 < rowbytes;
    /* The 8 words of k-step ks: e bit 0 row + 1, bit 1 the second 32 bytes, bit 2 row + 8. */
    auto load_step = [&](int ks, uint32_t w[8]) {
#pragma unroll
      for (int e = 0; e < 8; e += 2) {
        const int rr = r0 + ks * 16 + 2 * tq + ((e & 4) ? 8 : 0);
        const uint8_t *rowp = d.src + (size_t)clampi(rr, 0, d.in_h - 1) * d.src_pitch + base;
        const uint8_t *rowq = d.src + (size_t)clampi(rr + 1, 0, d.in_h - 1) * d.src_pitch + base;
        const bool in = (e & 2) ? in1 : in0;
        const int off = (e & 2) ? 32 : 0;
        w[e] = in ? __ldg(reinterpret_cast<const uint32_t *>(rowp + off)) : 0u;
        w[e + 1] = in ? __ldg(reinterpret_cast<const uint32_t *>(rowq + off)) : 0u;
      }
    };
    /* Two k-steps in flight (all of them when there are two or fewer). */
    uint32_t raw[KS < 2 ? KS : 2][8];
    load_step(0, raw[0]);
    if (KS > 1) load_step(1, raw[KS > 1 ? 1 : 0]);
    float acc[4][2][4];
#pragma unroll
    for (int j = 0; j < 4; j++)
#pragma unroll
      for (int nt = 0; nt < 2; nt++)
#pragma unroll
        for (int e = 0; e < 4; e++) acc[j][nt][e] = 0.0f;
#pragma unroll
    for (int ks = 0; ks < KS; ks++) {
      uint32_t *w = raw[ks & 1];
      uint32_t a[4][4]; /* [M-tile j][a0..a3] */
      uint32_t f[4];
      bytes_to_f16(w[0], w[1], f); /* m gq, k 2tq */
#pragma unroll
      for (int j = 0; j < 4; j++) a[j][0] = f[j];
      bytes_to_f16(w[2], w[3], f); /* m gq + 8 */
#pragma unroll
      for (int j = 0; j < 4; j++) a[j][1] = f[j];
      bytes_to_f16(w[4], w[5], f); /* k + 8 */
#pragma unroll
      for (int j = 0; j < 4; j++) a[j][2] = f[j];
      bytes_to_f16(w[6], w[7], f);
#pragma unroll
      for (int j = 0; j < 4; j++) a[j][3] = f[j];
      if (ks + 2 < KS) load_step(ks + 2, w); /* converted: the slot takes k-step ks + 2 */
#pragma unroll
      for (int nt = 0; nt < 2; nt++) {
        if (ks < kb_lo[nt] || ks > kb_hi[nt]) continue;
        const uint4 b = __ldg(vt + 2 + (ks * 2 + nt) * 32 + lane);
#pragma unroll
        for (int j = 0; j < 4; j++) {
          mma16816(acc[j][nt], a[j][0], a[j][1], a[j][2], a[j][3], b.x, b.y);
          mma16816(acc[j][nt], a[j][0], a[j][1], a[j][2], a[j][3], b.z, b.w);
        }
      }
    }
    /* D1 (m x n): d0 = (m gq, n 2tq), d1 = n + 1, d2 = m + 8, d3 = both; m gq of M-tile j is
     * byte 4gq + j, m gq + 8 is byte 32 + 4gq + j. */
#pragma unroll
    for (int nt = 0; nt < 2; nt++)
#pragma unroll
      for (int e = 0; e < 2; e++)
#pragma unroll
        for (int h = 0; h < 2; h++) {
          uint4 v = make_uint4(split_round(acc[0][nt][2 * h + e]), split_round(acc[1][nt][2 * h + e]),
                               split_round(acc[2][nt][2 * h + e]), split_round(acc[3][nt][2 * h + e]));
          *reinterpret_cast<uint4 *>(inter + (size_t)(nt * 8 + 2 * tq + e) * g.ip + c * kTcChunk + h * 32 + 4 * gq) = v;
        }
  }
  __syncthreads();

  /* Phase 2: units (16-output tile, channel, 8-row N-tile); the bytes go straight out. */
  for (int u = warp; u < nm * C * 2; u += kTcWarps) {
    const int nt = u & 1, ch = (u >> 1) % C, mt = (u >> 1) / C;
    const int pm0 = __ldg(hmeta + 2 + mt), nks = (__ldg(hmeta + 10 + mt) - pm0) / 16 + 1;
    /* The window's columns (pm0 + k) * C + ch - bx0 all lie within the row (plan: tc_ip). */
    const uint32_t *rowp = inter + (size_t)(nt * 8 + gq) * g.ip + (pm0 + 2 * tq) * C + ch - bx0;
    const uint4 *af = ht + 5 + 2 * ((size_t)mt * g.ks2 * 32 + lane);
    float acc[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    for (int ks = 0; ks < nks; ks++) {
      const uint4 ah = __ldg(af + 64 * ks), al = __ldg(af + 64 * ks + 1);
      const uint32_t *q = rowp + ks * 16 * C;
      const uint32_t e0 = q[0], e1 = q[C], e2 = q[8 * C], e3 = q[9 * C];
      const uint32_t bh0 = __byte_perm(e0, e1, 0x5410), bh1 = __byte_perm(e2, e3, 0x5410);
      const uint32_t bl0 = __byte_perm(e0, e1, 0x7632), bl1 = __byte_perm(e2, e3, 0x7632);
      mma16816(acc, ah.x, ah.y, ah.z, ah.w, bh0, bh1);
      mma16816(acc, ah.x, ah.y, ah.z, ah.w, bl0, bl1);
      mma16816(acc, al.x, al.y, al.z, al.w, bh0, bh1);
    }
    /* D2 (m = output pixel, n = row): d0 (gq, 2tq), d1 (gq, 2tq + 1), d2 (gq + 8, 2tq), d3. */
#pragma unroll
    for (int i = 0; i < 4; i++) {
      const int x = x0 + mt * 16 + gq + ((i & 2) ? 8 : 0), y = y0 + nt * 8 + 2 * tq + (i & 1);
      if (x < d.out_w && y < d.out_h) d.dst[(size_t)y * d.dst_pitch + (size_t)x * C + ch] = to_u8(acc[i]);
    }
  }
}

int tc_ok_dev[kTensorDevices]; /* 1: the device can run the kernel (sm_80+), set by gr_cuda_tc_init */
int tc_enabled = 1;

TcGeom tc_geom(const gr_resize_plan *p) {
  TcGeom g;
  g.bw = p->tc_bw;
  g.nch = p->tc_nch;
  g.ip = p->tc_ip;
  g.ks1 = p->tc_ks1;
  g.ks2 = p->tc_ks2;
  g.smem = sizeof(uint32_t) * (size_t)kTcRows * g.ip;
  return g;
}

/* Bytes of the tables tc_prep_kernel writes into desc.tmp. */
size_t tc_table_bytes(const TcGeom &g, int out_w, int out_h) {
  const TcTables t = tc_tables(g, out_h);
  return sizeof(uint4) * (t.hoff + (size_t)((out_w + g.bw - 1) / g.bw) * t.hstride);
}

template <int C>
void launch_tc(const TcGeom &g, dim3 grid, const gr_resize_desc &d, cudaStream_t st) {
  switch (g.ks1) {
    case 1: tc_kernel<C, 1><<<grid, kTcThreads, g.smem, st>>>(d, g); break;
    case 2: tc_kernel<C, 2><<<grid, kTcThreads, g.smem, st>>>(d, g); break;
    case 3: tc_kernel<C, 3><<<grid, kTcThreads, g.smem, st>>>(d, g); break;
    default: tc_kernel<C, 4><<<grid, kTcThreads, g.smem, st>>>(d, g); break;
  }
}

template <int C>
cudaError_t tc_smem_attr(int limit) {
  const cudaFuncAttribute a = cudaFuncAttributeMaxDynamicSharedMemorySize;
  cudaError_t e;
  if ((e = cudaFuncSetAttribute(tc_kernel<C, 1>, a, limit)) || (e = cudaFuncSetAttribute(tc_kernel<C, 2>, a, limit)) ||
      (e = cudaFuncSetAttribute(tc_kernel<C, 3>, a, limit)) || (e = cudaFuncSetAttribute(tc_kernel<C, 4>, a, limit))) {
    return e;
  }
  return cudaSuccess;
}

}  // namespace

extern "C" int gr_cuda_tc_init(int max_smem_bytes) {
  int dev = 0, major = 0, ok = 0;
  cudaError_t e;
  if ((e = tensor_device(&dev, &major, &ok))) return (int)e;
  if (dev >= 0 && dev < kTensorDevices) tc_ok_dev[dev] = 0;
  if (!ok) return 0;
  const int limit = max_smem_bytes < kTcMaxSmem ? max_smem_bytes : kTcMaxSmem;
  if ((e = tc_smem_attr<1>(limit)) || (e = tc_smem_attr<3>(limit))) {
    return (int)e;
  }
  tc_ok_dev[dev] = 1;
  return 0;
}

extern "C" void gr_cuda_tc_enable(int on) { tc_enabled = on != 0; }

extern "C" int gr_cuda_tc_usable(const gr_resize_desc *d, const gr_resize_plan *p) {
  if (!tc_enabled || !p->tc || (d->channels != 1 && d->channels != 3)) return 0;
  if (((uintptr_t)d->src & 3) || (d->src_pitch & 3)) return 0;
  int dev = 0;
  if (cudaGetDevice(&dev) != cudaSuccess || dev < 0 || dev >= kTensorDevices) return 0;
  return tc_ok_dev[dev];
}

extern "C" int gr_cuda_tc_launch(const gr_resize_desc *d, const gr_resize_plan *p, void *stream) {
  cudaStream_t st = (cudaStream_t)stream;
  const TcGeom g = tc_geom(p);
  dim3 grid((d->out_w + g.bw - 1) / g.bw, (d->out_h + kTcRows - 1) / kTcRows);
  if (grid.y > 65535) return (int)cudaErrorInvalidConfiguration;
  if (!d->tmp) return (int)cudaErrorInvalidValue;
  const int prep = d->tables_ready ? 0 : (int)(grid.x + grid.y);
  if (d->channels == 3) {
    if (prep) tc_prep_kernel<3><<<prep, kTcThreads, 0, st>>>(*d, g);
    launch_tc<3>(g, grid, *d, st);
  } else {
    if (prep) tc_prep_kernel<1><<<prep, kTcThreads, 0, st>>>(*d, g);
    launch_tc<1>(g, grid, *d, st);
  }
  return (int)cudaGetLastError();
}

extern "C" size_t gr_cuda_tc_table_bytes(const gr_resize_desc *d, const gr_resize_plan *p) {
  return tc_table_bytes(tc_geom(p), d->out_w, d->out_h);
}

extern "C" int gr_cuda_plan_tc(const int *h_start, int out_w, int h_taps, const int *v_start,
                               int out_h, int v_taps, int in_w, int in_h, int channels,
                               int max_smem_bytes, int bw, gr_resize_plan *plan) {
  plan->tc = 0;
  if ((channels != 1 && channels != 3) || bw < 16 || bw % 16 || bw > kTcMaxBw) return 0;
  /* Reductions only: on an H100 the two-pass kernels enlarge faster (720x588 -> 2880x2352 RGB:
   * 0.060 ms against 0.067, bench/results/h100-tensor). */
  if (out_w > in_w || out_h > in_h) return 0;
  if ((out_h + kTcRows - 1) / kTcRows > 65535 || in_h < 1 || in_w < 1) return 0;
  int ks1 = 1, ks2 = 1, nch = 1, iw = 0;
  for (int y0 = 0; y0 < out_h; y0 += kTcRows) {
    int lo[2], hi[2];
    tc_row_starts(v_start, out_h, y0, lo, hi);
    const int ks = (max(hi[0], hi[1]) + v_taps - min(lo[0], lo[1]) + 15) / 16;
    if (ks > ks1) ks1 = ks;
  }
  for (int x0 = 0; x0 < out_w; x0 += bw) {
    int p0 = INT_MAX, p1 = INT_MIN, wend = INT_MIN;
    for (int m0 = x0; m0 < x0 + bw; m0 += 16) {
      int lo = INT_MAX, hi = INT_MIN;
      for (int i = m0; i < m0 + 16; i++) {
        int a, b;
        tc_tap_span(h_start[min(i, out_w - 1)], h_taps, in_w, &a, &b);
        lo = min(lo, a);
        hi = max(hi, b);
      }
      const int ks = (hi - lo) / 16 + 1;
      if (ks > ks2) ks2 = ks;
      if (lo + 16 * ks > wend) wend = lo + 16 * ks; /* phase 2 reads pixels lo .. lo + 16 ks - 1 */
      p0 = lo < p0 ? lo : p0;
      p1 = hi + 1 > p1 ? hi + 1 : p1;
    }
    const int bx0 = tc_bx0(p0, channels);
    const int n = (p1 * channels - bx0 + kTcChunk - 1) / kTcChunk;
    if (n > nch) nch = n;
    if (wend * channels - bx0 > iw) iw = wend * channels - bx0;
  }
  if (ks1 > kTcMaxKs || ks2 > kTcMaxKs) return 0;
  plan->tc_bw = bw;
  plan->tc_nch = nch;
  {
    int ip = nch * kTcChunk > iw ? nch * kTcChunk : iw;
    plan->tc_ip = ((ip + 3) & ~3) + 4; /* 16-byte rows, 4 words of skew against bank conflicts */
  }
  plan->tc_ks1 = ks1;
  plan->tc_ks2 = ks2;
  const TcGeom g = tc_geom(plan);
  if (g.smem > (size_t)max_smem_bytes || g.smem > (size_t)kTcMaxSmem) return 0;
  plan->tc_smem = g.smem;
  plan->tc = 1;
  /* The tables go where a two-pass plan keeps its intermediate (desc.tmp): room for both. */
  const size_t tb = tc_table_bytes(g, out_w, out_h);
  if (plan->tmp_bytes < tb) plan->tmp_bytes = tb;
  return 1;
}
