/* Integer tensor-core resize for images without alpha, sm_80 and later: both passes of the
 * separable resize as 8-bit matrix products with 32-bit integer sums (mma.sync m16n8k32).
 *
 * Why it is fast: the source bytes are the first pass's A operand as they are (ldmatrix from a
 * staged tile, no conversion), and the arithmetic is exact integers, so each pass ends in a few
 * integer instructions per value instead of float conversions and splits.
 *
 * Why it is close to the CPU (src/cpu: float weights, float sums, vertical pass first):
 *  - weights are integers W = w * 2^14 (rounded, then the largest adjusted so that every output's
 *    weights sum to exactly 2^14), split into a signed high byte and an unsigned low byte;
 *  - pass 1 (horizontal, on the source rows): H * 2^14 exactly; the intermediate keeps
 *    I = floor(H * 64) as a signed 16-bit value (a signed high and an unsigned low byte): the
 *    bytes 1-2 of the sum, with no bias to add;
 *  - pass 2 (vertical): sum W * I exactly (four limb products, three accumulators), add back
 *    half a unit of I (sum W / 2: floor's error is then within +-0.5 unit, as rounding's), then
 *    floor(V + 0.5) clamped to [0, 255], as the CPU's u8() does.
 *  The planner (gr_cuda_plan_i8) admits a filter only where H stays within [-255, 510] and the
 *  sums within int32. Weight rounding (2^-15) and the intermediate's (1/128) keep the real
 *  difference from the CPU's value well under 1, so the bytes differ by at most 1.
 *  The passes run in the other order than the CPU's; that is exact in real arithmetic.
 *
 * One block = 32 output rows x 192 output bytes (64 RGB or 192 grey pixels), 256 threads:
 *   staging: the source rows the block needs x its source byte span, as bytes in shared
 *     memory: on sm_90 one tensor copy (TMA) of the tile (rows outside the image and bytes past
 *     the rows come as zeros: the prep kernel merges the taps that clamp onto an edge row or
 *     pixel into its weight, so those have zero weights); cp.async 16-byte copies on sm_80-89
 *     (rows clamped); word loads where the rows are not 16-byte aligned or the span passes
 *     their end;
 *   phase 1 (horizontal): D1 [source row][output byte] = S [row][source byte] x W1; a warp owns
 *     output-byte tiles of 8 (weights held in registers) and walks the staged rows 16 at a time;
 *     a window is counted in 16-byte units: its 32-byte k-steps, then, for an odd count, a half
 *     step (m16n8k16 on the first half of the same fragments: a0, a1 and b0 hold k 0-15 in both
 *     shapes), so that a 48-byte window costs 1.5 k-steps, not 2; phase 2 counts rows the same way;
 *     D1 goes to shared memory as I (u16) [row][output byte];
 *   phase 2 (vertical): D2 [output row][output byte] = W2 [output row][row] x I; a warp owns one
 *     16-row tile (weights in registers) and walks the output-byte tiles; the intermediate is
 *     loaded transposed (ldmatrix.trans) and split into its high and low bytes; the bytes go to
 *     the block's output tile in shared memory, which is then written out in 16-byte stores.
 * A prep kernel builds the tables (quantised weights as fragments, windows) in desc.tmp: one
 * block per row block and kI8Passes per column block. They depend on the geometry alone, so a
 * caller that keeps them (desc.tables_ready, src/gpu/table_cache.c) skips it. On sm_90 the resize kernel is
 * its programmatic dependent: its blocks start while the prep kernel runs, compute their first
 * staged row and byte themselves, stage the rows and only then wait for the tables.
 *
 * On sm_90, where the source can be had by tensor copies and each block would get two tiles or
 * more, i8_pipe_kernel runs the same phases in persistent blocks with two staging buffers, so
 * that the next tile's rows arrive while this one is computed; its W2 tables come to shared
 * memory by async copies while a tile is staged and phase 1 runs.
 *
 * The planner refuses enlargements (the two-pass kernels are faster there), windows past
 * kI8Ks1 / kI8Ks2 k-steps and tiles whose shared memory passes kI8MaxSmem (reductions of about
 * 3x and more); those go to the fp16 tensor-core kernel (resize_tc.cu) or the bit-exact ones.
 */
#include <cuda.h>
#include <cudaTypedefs.h>
#include <cuda_runtime.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <type_traits>

#include "gpu/kernels.h"
#include "pixel_math.cuh"
#include "tensor_device.cuh"

namespace {

constexpr int kI8Threads = 256;
constexpr int kI8Warps = kI8Threads / 32;
/* Output bytes per block, a multiple of 64 (GR_I8_BX=128 with GR_I8_MIN_BLOCKS=4 is for
 * measuring: no faster on the H100, bench/results/h100-i8 run H). */
#ifndef GR_I8_BX
#define GR_I8_BX 192
#endif
constexpr int kI8Bx = GR_I8_BX;
constexpr int kI8Nt = kI8Bx / 8;      /* 8-byte output tiles per block */
constexpr int kI8By = 32;             /* output rows per block: two 16-row tiles */
constexpr int kI8Ks1 = 4;             /* 32-byte k-steps a horizontal window may take */
constexpr int kI8Ks2 = 3;             /* 32-row k-steps a vertical window may take */
constexpr int kI8Is = 2 * kI8Bx + 16; /* bytes per intermediate row (an odd number of 16-byte units:
                                         ldmatrix conflict-free) */
constexpr int kI8Os = kI8Bx + 16;     /* bytes per row of a block's output tile in shared memory (13
                                         16-byte units: phase 2's 2-byte stores conflict-free) */
constexpr int kI8Passes = kI8Nt / 8;  /* prep blocks per column block (8 byte tiles each) */
constexpr int kI8One = 1 << 14;       /* weight scale */
constexpr int kI8Bias2 = (1 << 19) + (1 << 13); /* pass 2: + 0.5 (rounding) + half a unit of I (floor's) */
constexpr size_t kI8MaxSmem = 113 * 1024; /* two blocks per SM at least (4K RGB / 2: 65 KB, three) */
/* A k-step reads up to 31 bytes past its tile's last tap: zero weights on whatever lies there
 * (the next staged row, or this slack after the last). */
constexpr int kI8Slack = 32;
constexpr int kI8StaticSmem = 64; /* room for the resize kernel's static shared memory (mbarrier, origins) */
constexpr int kI8Align = 128;     /* the staged tile's alignment (tensor copies), taken from the dynamic smem */
/* GR_I8_PROBE (measuring only, results wrong): 1 skips phase 1's tiles, 2 phase 2's. */
#ifndef GR_I8_PROBE
#define GR_I8_PROBE 0
#endif
#ifndef GR_I8_MIN_BLOCKS
#define GR_I8_MIN_BLOCKS 3
#endif
/* Measuring switches for the tensor copy (sm_90): GR_I8_TMA_ROWS, rows per copy (0: the whole
 * tile in one); GR_I8_TMA_ES, the least element size of the map (bytes); GR_I8_TMA_PROMO, its L2
 * promotion (0 none, 1 64 B, 2 128 B, 3 256 B). */
#ifndef GR_I8_TMA_ROWS
#define GR_I8_TMA_ROWS 0
#endif
#ifndef GR_I8_TMA_ES
#define GR_I8_TMA_ES 1
#endif
#ifndef GR_I8_NO_TMA
#define GR_I8_NO_TMA 0 /* 1: per-row bulk copies where a tensor copy would do */
#endif
#ifndef GR_I8_TMA_PROMO
#define GR_I8_TMA_PROMO 2
#endif
/* GR_I8_TRACE=1 (measuring only): each block stamps %globaltimer and clock64 at its start and at
 * each tile's steps (gr_cuda_i8_trace_read). The single-tile kernel's thread 0 stamps 3 events
 * per tile: staged, phase 1 done, phase 2 done. The pipelined kernel's stamps 8: the loop's top,
 * staged (thread 0), staged (thread 32, warp 1), the next tile's stage kind known, its staging
 * issued, the origin of the tile after it loading (all three warp 0's), phase 1 done, phase 2
 * done. */
#ifndef GR_I8_TRACE
#define GR_I8_TRACE 0
#endif
#if GR_I8_TRACE
constexpr int kI8TraceSlots = 4096, kI8TraceWords = 80;
__device__ unsigned long long g_i8_trace[kI8TraceSlots * kI8TraceWords];
#endif
/* Word 0: 1 + smid; word 1: events per tile (per); then event e (0 start, 1 + per i + k: tile i's
 * k-th) at words 2 + 2 e (globaltimer, ns) and 3 + 2 e (clock64), stamped by thread who. */
__device__ __forceinline__ void i8_trace(int event, int per = 3, int who = 0) {
#if GR_I8_TRACE
  const int slot = blockIdx.x + blockIdx.y * gridDim.x, w = 2 + 2 * event;
  if ((int)threadIdx.x != who || event < 0 || slot >= kI8TraceSlots || w + 1 >= kI8TraceWords) return;
  unsigned long long gt, ck = clock64();
  unsigned sm;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(gt));
  asm volatile("mov.u32 %0, %%smid;" : "=r"(sm));
  unsigned long long *r = g_i8_trace + (size_t)slot * kI8TraceWords;
  r[0] = 1 + sm;
  r[1] = (unsigned)per;
  r[w] = gt;
  r[w + 1] = ck;
#else
  (void)event;
  (void)per;
  (void)who;
#endif
}

struct I8Geom {
  int mt1;  /* 16-row tiles of staged source rows (phase 1) */
  int rl;   /* rows the tensor copy stages (<= 16 mt1): those with weights; phase 1 also runs on
               the rest, whatever they hold, under zero weights in phase 2 */
  int ir;   /* intermediate rows */
  int sw;   /* staged bytes per source row (multiple of 16): the span the taps read */
  int ss;   /* shared-memory stride of a staged row (16 x odd) */
  int tma;  /* sm_90: bytes of each row the tensor map covers (whole elements), 0: no tensor map */
  int tma_es; /* the tensor map's element size in bytes */
  size_t smem;
};

/* The single-tile kernel's staged rows (plus the slack a k-step reads past them), which later hold
 * its output tile (kI8By rows kI8Os apart). */
__host__ __device__ inline uint32_t i8_stage_region(const I8Geom &g) {
  const uint32_t staged = (uint32_t)(g.mt1 * 16 * g.ss + kI8Slack), out = (uint32_t)(kI8By * kI8Os);
  return staged > out ? staged : out;
}

/* Table layout in desc.tmp, in uint4:
 *   row block rb (vstride): {b0, u0, b1, u1} (each 16-row tile's window in 16-row units, rows relative to
 *     the block's first staged row), then the W2 fragments [2 tiles][kI8Ks2][32 lanes][hi, lo]
 *     (a0..a3 each);
 *   column block cb (hstride, after all row blocks): {off, units of 16 bytes} per 8-byte tile (int2, off
 *     relative to the block's first staged byte), then the W1 fragments
 *     [kI8Nt][kI8Ks1][32 lanes] = {b0 hi, b1 hi, b0 lo, b1 lo}.
 * and each ends with {first staged row (r0) or byte (xs), 0, 0, 0}. The resize kernels compute
 * their first tile's r0 and xs themselves from the start tables (i8_r0, i8_first_byte: the same
 * helpers as the prep kernel's), before the prep kernel is done; the pipelined kernel reads its
 * later tiles' from the tables. */
constexpr int kI8VStride = 1 + 2 * kI8Ks2 * 32 * 2 + 1;
constexpr int kI8HHead = kI8Nt / 2;
constexpr int kI8HStride = kI8HHead + kI8Nt * kI8Ks1 * 32 + 1;

__host__ __device__ inline size_t i8_hoff(int out_h) {
  return (size_t)((out_h + kI8By - 1) / kI8By) * kI8VStride;
}

/* The tables of row block rb and of column block cb in desc.tmp. */
__device__ inline const uint4 *i8_row_tables(const gr_resize_desc &d, int rb) {
  return reinterpret_cast<const uint4 *>(d.tmp) + (size_t)rb * kI8VStride;
}
__device__ inline const uint4 *i8_col_tables(const gr_resize_desc &d, int cb) {
  return reinterpret_cast<const uint4 *>(d.tmp) + i8_hoff(d.out_h) + (size_t)cb * kI8HStride;
}

/* The output pixel of output byte b. C is 1 or 3 (the planner admits no other). */
__host__ __device__ inline int i8_pixel(int C, int b) { return C == 3 ? b / 3 : b; }

/* The source byte tap s (a source pixel, clamped to the image) of output byte b gives. */
__host__ __device__ inline int i8_tap_byte(int s, int in_w, int C, int b) {
  return clampi(s, 0, in_w - 1) * C + b - i8_pixel(C, b) * C;
}

/* The first source byte output byte b reads (its first tap, clamped to the image); with
 * last_tap, its last. */
__host__ __device__ inline int i8_first_byte(const int *h_start, int in_w, int C, int b, int last_tap = 0) {
  return i8_tap_byte(h_start[i8_pixel(C, b)] + last_tap, in_w, C, b);
}

/* Rows per tensor copy of a tile of rows rows (the tensor map's box): all of them, or
 * GR_I8_TMA_ROWS (measuring: the tile as several copies). */
__host__ __device__ inline int i8_tma_box(int rows) {
  return GR_I8_TMA_ROWS > 0 && GR_I8_TMA_ROWS < rows ? GR_I8_TMA_ROWS : rows;
}

/* How a block tile's bytes from xs are staged: 0, one tensor copy (sm_90, g.tma: the span's
 * bytes whole elements of the map; rows outside the image and bytes past the rows come as zeros,
 * under zero weights: the prep kernel merges clamped taps onto the edge rows and bytes);
 * 1, async copies per row (16-byte aligned rows, the span inside them; rows clamped); 2, loads. */
__host__ __device__ inline int i8_stage_kind(const gr_resize_desc &d, int tma, int sw, int xs) {
  const int rowbytes = d.in_w * d.channels;
  if (!GR_I8_NO_TMA && tma > 0 && min(xs + sw, rowbytes) <= tma) return 0;
  return (((uintptr_t)d.src | d.src_pitch) & 15) == 0 && xs + sw <= rowbytes ? 1 : 2;
}

/* The source bytes output bytes ob .. ob + 7 read: [lo, hi], taps clamped to the image. */
__host__ __device__ inline void i8_byte_window(const int *h_start, int out_w, int taps, int in_w, int C, int ob,
                                               int *lo, int *hi) {
  *lo = INT_MAX;
  *hi = INT_MIN;
  const int last = out_w * C - 1;
  for (int n = 0; n < 8; n++) {
    const int b = min(ob + n, last);
    *lo = min(*lo, i8_first_byte(h_start, in_w, C, b));
    *hi = max(*hi, i8_first_byte(h_start, in_w, C, b, taps - 1));
  }
}

/* The first staged row of the row block at y0 (rows are clamped when staged, not merged). */
__host__ __device__ inline int i8_r0(const int *v_start, int out_h, int y0) {
  int r0 = INT_MAX;
  for (int m = 0; m < kI8By; m++) r0 = min(r0, v_start[min(y0 + m, out_h - 1)]);
  return r0;
}

/* The window of the 16 output rows from y, rows relative to r0: [b, e). */
__host__ __device__ inline void i8_row_window(const int *v_start, int out_h, int taps, int y, int r0, int *b,
                                              int *e) {
  *b = INT_MAX;
  *e = INT_MIN;
  for (int m = 0; m < 16; m++) {
    const int s = v_start[min(y + m, out_h - 1)] - r0;
    *b = min(*b, s);
    *e = max(*e, s + taps);
  }
}

/* d += a x b, 8-bit inputs, s32 sums: k = 32 (A 16 x 32 row-major: a0-a3; B 32 x 8 col-major: b0,
 * b1), or with half, k = 16 (a window's last half step: a0, a1 and b0, which hold k 0-15 in both
 * shapes). With first, d = a x b + c (the first step: c is the bias, and d needs no zeroing). */
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
#define I8_MMA(NAME, TA, TB)                                                                                   \
  __device__ __forceinline__ void NAME(int d[4], const uint32_t a[4], uint32_t b0, uint32_t b1, bool first,   \
                                       bool half, int c = 0) {                                                 \
    if (half && first) {                                                                                       \
      asm volatile("mma.sync.aligned.m16n8k16.row.col.s32." TA "." TB ".s32 {%0,%1,%2,%3}, {%4,%5}, {%6}, "     \
                   "{%7,%7,%7,%7};\n"                                                                          \
                   : "=r"(d[0]), "=r"(d[1]), "=r"(d[2]), "=r"(d[3])                                            \
                   : "r"(a[0]), "r"(a[1]), "r"(b0), "r"(c));                                                   \
    } else if (half) {                                                                                         \
      asm volatile("mma.sync.aligned.m16n8k16.row.col.s32." TA "." TB ".s32 {%0,%1,%2,%3}, {%4,%5}, {%6}, "     \
                   "{%0,%1,%2,%3};\n"                                                                          \
                   : "+r"(d[0]), "+r"(d[1]), "+r"(d[2]), "+r"(d[3])                                            \
                   : "r"(a[0]), "r"(a[1]), "r"(b0));                                                           \
    } else if (first) {                                                                                        \
      asm volatile("mma.sync.aligned.m16n8k32.row.col.s32." TA "." TB ".s32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, "    \
                   "{%8,%9}, {%10,%10,%10,%10};\n"                                                             \
                   : "=r"(d[0]), "=r"(d[1]), "=r"(d[2]), "=r"(d[3])                                            \
                   : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1), "r"(c));                    \
    } else {                                                                                                   \
      asm volatile("mma.sync.aligned.m16n8k32.row.col.s32." TA "." TB ".s32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, "    \
                   "{%8,%9}, {%0,%1,%2,%3};\n"                                                                 \
                   : "+r"(d[0]), "+r"(d[1]), "+r"(d[2]), "+r"(d[3])                                            \
                   : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));                            \
    }                                                                                                          \
  }
#else
#define I8_MMA(NAME, TA, TB)                                                                                   \
  __device__ __forceinline__ void NAME(int *, const uint32_t *, uint32_t, uint32_t, bool, bool, int = 0) {}
#endif
I8_MMA(mma_u8s8, "u8", "s8")
I8_MMA(mma_u8u8, "u8", "u8")
I8_MMA(mma_s8u8, "s8", "u8")
I8_MMA(mma_s8s8, "s8", "s8")

__device__ __forceinline__ void ldsm_x4(uint32_t r[4], uint32_t addr) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr));
}

__device__ __forceinline__ void ldsm_x2(uint32_t r[2], uint32_t addr) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x2.shared.b16 {%0,%1}, [%2];\n" : "=r"(r[0]), "=r"(r[1]) : "r"(addr));
}

__device__ __forceinline__ void ldsm_x2_trans(uint32_t r[2], uint32_t addr) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x2.trans.shared.b16 {%0,%1}, [%2];\n" : "=r"(r[0]), "=r"(r[1]) : "r"(addr));
}

__device__ __forceinline__ void ldsm_x4_trans(uint32_t r[4], uint32_t addr) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr));
}

__device__ __forceinline__ void sts32(uint32_t addr, uint32_t v) {
  asm volatile("st.shared.u32 [%0], %1;\n" ::"r"(addr), "r"(v));
}

/* 16-byte async copies: the staging before sm_90 (sm_90 uses bulk copies), and the pipelined
 * kernel's W2 tables. (The kernels run on sm_80 and later only; older targets just compile.) */
__device__ __forceinline__ void cp_async16(uint32_t dst, const void *src) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16;\n" ::"r"(dst), "l"(src));
#else
  (void)dst;
  (void)src;
#endif
}

__device__ __forceinline__ void cp_async_wait_all() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  asm volatile("cp.async.commit_group;\ncp.async.wait_group 0;\n" ::: "memory");
#endif
}

/* (sat_u8(hi) << 8) | sat_u8(lo). */
__device__ __forceinline__ uint32_t pack_sat_u8(int hi, int lo) {
  uint32_t d;
  asm("cvt.pack.sat.u8.s32.b32 %0, %1, %2, %3;\n" : "=r"(d) : "r"(hi), "r"(lo), "r"(0));
  return d;
}

/* The integer weights w * 2^14 of one output's taps, summing to exactly 2^14 (the largest one
 * absorbs the rounding), into q[0 .. taps). */
__device__ void i8_quantise(const float *__restrict__ w, int taps, int *q) {
  /* The loads first, unrolled, so that their latencies overlap. */
#pragma unroll 8
  for (int t = 0; t < taps; t++) q[t] = __float_as_int(__ldg(w + t));
  int sum = 0, big = 0;
  float bigw = -1.0f;
  for (int t = 0; t < taps; t++) {
    const float v = __int_as_float(q[t]);
    q[t] = __float2int_rn(v * (float)kI8One);
    sum += q[t];
    if (fabsf(v) > bigw) {
      bigw = fabsf(v);
      big = t;
    }
  }
  q[big] += kI8One - sum;
}

/* Byte e of a fragment word: the high (signed) or low byte of an integer weight. */
__device__ __forceinline__ uint32_t limbs(int4 q, bool hi) {
  const int v[4] = {q.x, q.y, q.z, q.w};
  uint32_t r = 0;
#pragma unroll
  for (int e = 0; e < 4; e++) r |= (uint32_t)(hi ? (v[e] >> 8) & 0xff : v[e] & 0xff) << (8 * e);
  return r;
}

constexpr int kI8MaxTaps = 64;      /* taps the prep kernel quantises per output (planner: more go elsewhere) */
constexpr int kI8HRow = kI8Ks1 * 32 + 4; /* ints per dense row: 16-byte rows, rows 4 banks apart */
constexpr int kI8VRow = kI8Ks2 * 32 + 4;

/* One block per row block (W2 of its 32 rows) and kI8Passes per column block (W1 of 8 of its
 * 8-byte tiles each; the first also writes the windows). */
__global__ void __launch_bounds__(kI8Threads) i8_prep_kernel(gr_resize_desc d, I8Geom g) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  /* The resize kernel may start now: it stages its rows, then waits for these tables. */
  asm volatile("griddepcontrol.launch_dependents;\n" ::: "memory");
#endif
  __shared__ __align__(16) int dense[64 * kI8HRow]; /* 64 outputs x window bytes, or 32 rows x window rows */
  __shared__ int s_a[kI8Nt], s_units[kI8Nt], s_xs;
  const int tid = threadIdx.x;
  const int C = d.channels;
  uint4 *tab = reinterpret_cast<uint4 *>(d.tmp);
  const int nrb = (d.out_h + kI8By - 1) / kI8By;
  int qt[kI8MaxTaps];
  if ((int)blockIdx.x < nrb) {
    const int y0 = blockIdx.x * kI8By;
    const int r0 = i8_r0(d.v_start, d.out_h, y0);
    const int rows1 = g.mt1 * 16;
    __shared__ int s_b[2], s_n[2];
    if (tid < 2) {
      int b, e;
      i8_row_window(d.v_start, d.out_h, d.v_taps, y0 + 16 * tid, r0, &b, &e);
      const int units = (e - b + 15) / 16; /* 16-row units: k-steps and a last half step */
      if (b + 16 * units > rows1) b = max(0, rows1 - 16 * units); /* stay within the computed rows */
      s_b[tid] = b;
      s_n[tid] = units;
    }
    for (int i = tid; i < kI8By * kI8VRow; i += kI8Threads) dense[i] = 0;
    __syncthreads();
    if (tid < kI8By) {
      /* Row y's taps, edge taps merged onto the edge row (the CPU clamps them): staged rows
       * outside the image then have zero weights, so the staging need not clamp rows. */
      const int y = min(y0 + tid, d.out_h - 1);
      const int s = __ldg(d.v_start + y), base = r0 + s_b[tid >> 4];
      i8_quantise(d.v_weights + (size_t)y * d.v_taps, d.v_taps, qt);
      for (int t = 0; t < d.v_taps; t++) dense[tid * kI8VRow + clampi(s + t, 0, d.in_h - 1) - base] += qt[t];
    }
    __syncthreads();
    uint4 *out = tab + (size_t)blockIdx.x * kI8VStride;
    if (tid == 0) {
      out[0] = make_uint4(s_b[0], s_n[0], s_b[1], s_n[1]);
      out[kI8VStride - 1] = make_uint4(r0, 0, 0, 0);
    }
    /* A (16 x 32, row): a_r = (m gq + 8 (r & 1); k 16 (r >> 1) + 4 tq + e). Logical k 4 tq + e
     * is window row 2 tq + e (e < 2) or 8 + 2 tq + e - 2, as the transposed loads deliver them. */
    for (int i = tid; i < 2 * kI8Ks2 * 32; i += kI8Threads) {
      const int l = i & 31, ks = (i >> 5) % kI8Ks2, mi = (i >> 5) / kI8Ks2;
      const int lq = l >> 2, lt = l & 3;
      uint32_t hi[4], lo[4];
#pragma unroll
      for (int r = 0; r < 4; r++) {
        const int *row = dense + (mi * 16 + lq + 8 * (r & 1)) * kI8VRow + 32 * ks + 16 * (r >> 1) + 2 * lt;
        const int4 q = make_int4(row[0], row[1], row[8], row[9]);
        hi[r] = limbs(q, true);
        lo[r] = limbs(q, false);
      }
      out[1 + 2 * i] = make_uint4(hi[0], hi[1], hi[2], hi[3]);
      out[1 + 2 * i + 1] = make_uint4(lo[0], lo[1], lo[2], lo[3]);
    }
    return;
  }
  const int cbp = blockIdx.x - nrb, cb = cbp / kI8Passes, pass = cbp % kI8Passes;
  const int ob0 = cb * kI8Bx, outbytes = d.out_w * C;
  if (tid == 0) s_xs = INT_MAX;
  __syncthreads();
  if (tid < kI8Nt) {
    int lo, hi;
    i8_byte_window(d.h_start, d.out_w, d.h_taps, d.in_w, C, min(ob0 + 8 * tid, outbytes - 1), &lo, &hi);
    const int a = lo & ~15;
    s_a[tid] = a;
    s_units[tid] = (hi - a) / 16 + 1; /* 16-byte units: k-steps and a last half step */
    atomicMin(&s_xs, a);
  }
  for (int i = tid; i < 64 * kI8HRow; i += kI8Threads) dense[i] = 0;
  __syncthreads();
  uint4 *out = tab + i8_hoff(d.out_h) + (size_t)cb * kI8HStride;
  if (pass == 0 && tid < kI8Nt / 2) {
    out[tid] = make_uint4(s_a[2 * tid] - s_xs, s_units[2 * tid], s_a[2 * tid + 1] - s_xs, s_units[2 * tid + 1]);
  }
  if (pass == 0 && tid == 0) out[kI8HStride - 1] = make_uint4(s_xs, 0, 0, 0);
  if (tid < 64) {
    /* Output byte c's taps, edge taps merged onto the edge pixel (the CPU clamps them). */
    const int c = pass * 64 + tid, j = c >> 3;
    const int b = min(ob0 + c, outbytes - 1), x = b / C, ch = b - x * C;
    const int s = __ldg(d.h_start + x);
    i8_quantise(d.h_weights + (size_t)x * d.h_taps, d.h_taps, qt);
    int *row = dense + tid * kI8HRow;
    for (int t = 0; t < d.h_taps; t++) row[clampi(s + t, 0, d.in_w - 1) * C + ch - s_a[j]] += qt[t];
  }
  __syncthreads();
  /* B (32 x 8, col): b0 = (k 4 tq + e; n gq), b1 = k + 16. */
  for (int i = tid; i < 8 * kI8Ks1 * 32; i += kI8Threads) {
    const int l = i & 31, ks = (i >> 5) % kI8Ks1, jj = (i >> 5) / kI8Ks1;
    const int *row = dense + (jj * 8 + (l >> 2)) * kI8HRow + 32 * ks + 4 * (l & 3);
    const int4 q0 = *reinterpret_cast<const int4 *>(row), q1 = *reinterpret_cast<const int4 *>(row + 16);
    out[kI8HHead + ((size_t)(pass * 8 + jj) * kI8Ks1 + ks) * 32 + l] =
        make_uint4(limbs(q0, true), limbs(q1, true), limbs(q0, false), limbs(q1, false));
  }
}

/* Stages the block's source rows into stage: word or byte loads (unaligned rows, or a
 * span that passes the end of the rows), else cp.async 16-byte copies; waits for them. */
__device__ void i8_stage_sync(const gr_resize_desc &d, const I8Geom &g, uint32_t stage, int r0, int xs, bool fast) {
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int rowbytes = d.in_w * d.channels, rows1 = g.mt1 * 16, chunks = g.sw / 16;
  const bool al4 = (((uintptr_t)d.src | d.src_pitch) & 3) == 0;
  for (int i = warp; i < rows1; i += kI8Warps) {
    const uint8_t *srow = d.src + (size_t)clampi(r0 + i, 0, d.in_h - 1) * d.src_pitch;
    for (int cq = lane; cq < chunks; cq += 32) {
      const int gx = xs + 16 * cq;
      const uint32_t dst = stage + (uint32_t)(i * g.ss + 16 * cq);
#if !defined(__CUDA_ARCH__) || __CUDA_ARCH__ < 900
      if (fast) {
        cp_async16(dst, srow + gx);
        continue;
      }
#endif
      uint32_t w[4];
#pragma unroll
      for (int e = 0; e < 4; e++) {
        const int x = gx + 4 * e;
        if (al4 && x + 4 <= rowbytes) {
          w[e] = __ldg(reinterpret_cast<const uint32_t *>(srow + x));
        } else {
          w[e] = 0;
          for (int k = 0; k < 4; k++) {
            if (x + k < rowbytes) w[e] |= (uint32_t)__ldg(srow + x + k) << (8 * k);
          }
        }
      }
      asm volatile("st.shared.v4.u32 [%0], {%1,%2,%3,%4};\n" ::"r"(dst), "r"(w[0]), "r"(w[1]), "r"(w[2]), "r"(w[3]));
    }
  }
#if !defined(__CUDA_ARCH__) || __CUDA_ARCH__ < 900
  cp_async_wait_all();
#endif
  (void)fast;
}

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
/* The mbarrier bar's arrival for its phase, expecting bytes from the async copies. */
__device__ __forceinline__ void i8_expect(uint32_t bar, uint32_t bytes) {
  asm volatile("mbarrier.arrive.expect_tx.shared.b64 _, [%0], %1;\n" ::"r"(bar), "r"(bytes));
}

/* sm_90: staged row i (rows clamped) as one bulk copy, counted by the mbarrier bar. */
__device__ __forceinline__ void i8_bulk_row(const gr_resize_desc &d, const I8Geom &g, uint32_t stage, int r0, int xs,
                                            int i, uint32_t bar) {
  const uint8_t *srow = d.src + xs + (size_t)clampi(r0 + i, 0, d.in_h - 1) * d.src_pitch;
  asm volatile("cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1], %2, [%3];\n" ::"r"(
                   stage + (uint32_t)(i * g.ss)),
               "l"(srow), "r"(g.sw), "r"(bar)
               : "memory");
}

/* sm_90: one bulk copy per staged row, counted by the mbarrier bar (its next phase). */
__device__ void i8_stage_bulk(const gr_resize_desc &d, const I8Geom &g, uint32_t stage, int r0, int xs,
                              uint32_t bar) {
  const int tid = threadIdx.x, rows1 = g.mt1 * 16;
  /* The buffer was last read by ldmatrix (generic proxy): order that before the async writes. */
  asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");
  if (tid == 0) i8_expect(bar, (uint32_t)(rows1 * g.sw));
  /* One lane per warp issues (the copy's operands are uniform: one row per issue). */
  const int lane = tid & 31;
  for (int i = tid >> 5; i < rows1; i += kI8Warps) {
    if (lane == 0) i8_bulk_row(d, g, stage, r0, xs, i, bar);
  }
}

__device__ __forceinline__ void i8_wait(uint32_t bar, uint32_t parity) {
  asm volatile("{\n.reg .pred p;\nWAIT_%=:\nmbarrier.try_wait.parity.shared.b64 p, [%0], %1;\n@!p bra WAIT_%=;\n}\n" ::"r"(bar),
               "r"(parity)
               : "memory");
}

/* sm_90: the staged tile as one tensor copy, rows (g.rl) x ss bytes from source byte x * es and
 * row r0 (one thread issues it), counted by the mbarrier bar (its next phase). */
__device__ __forceinline__ void i8_stage_tma(const CUtensorMap *tm, uint32_t stage, int x, int r0, uint32_t bar,
                                             int rows, int ss) {
  const int box = i8_tma_box(rows);
  i8_expect(bar, (uint32_t)((rows + box - 1) / box * box * ss));
  for (int r = 0; r < rows; r += box) {
    asm volatile(
        "cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes [%0], [%1, {%2, %3}], "
        "[%4];\n" ::"r"(stage + (uint32_t)(r * ss)),
        "l"(reinterpret_cast<uint64_t>(tm)), "r"(x), "r"(r0 + r), "r"(bar)
        : "memory");
  }
}
#endif

/* Phase 1 on T (1 or 2) 16-row tiles of one 8-byte output tile, N 32-byte k-steps, then H (0 or
 * 1) 16-byte half step: D1 = S x W1, stored as I [row][byte]. a0/a1: the tiles' ldmatrix
 * addresses; d0/d1: their rows in the intermediate. */
template <int N, int H, int T>
__device__ __forceinline__ void p1_tiles(uint32_t a0, uint32_t a1, const uint4 *bf, uint32_t d0, uint32_t d1) {
  int ah[T][4], al[T][4];
#pragma unroll
  for (int ks = 0; ks < N + H; ks++) {
    const bool half = ks == N; /* the source's bytes 0-15 (ldmatrix's first two matrices) */
    uint32_t x[T][4];
#pragma unroll
    for (int u = 0; u < T; u++) {
      if (half) {
        ldsm_x2(x[u], (u ? a1 : a0) + 32 * ks);
      } else {
        ldsm_x4(x[u], (u ? a1 : a0) + 32 * ks);
      }
    }
#pragma unroll
    for (int u = 0; u < T; u++) {
      mma_u8s8(ah[u], x[u], bf[ks].x, bf[ks].y, ks == 0, half);
      mma_u8u8(al[u], x[u], bf[ks].z, bf[ks].w, ks == 0, half);
    }
  }
  /* D = hi * 256 + lo; I is its bytes 1-2. c0/c1: row gq, bytes 2tq, 2tq+1; c2/c3: row gq + 8. */
#pragma unroll
  for (int u = 0; u < T; u++) {
    uint32_t dv[4];
#pragma unroll
    for (int e = 0; e < 4; e++) dv[e] = ((uint32_t)ah[u][e] << 8) + (uint32_t)al[u][e];
    const uint32_t row = u ? d1 : d0;
    sts32(row, __byte_perm(dv[0], dv[1], 0x6521));
    sts32(row + 8 * kI8Is, __byte_perm(dv[2], dv[3], 0x6521));
  }
}

/* Phase 1 on all mt1 row tiles of one output tile, two at a time (no predicated tensor-core
 * instructions: each needs its own warp synchronisation). step: bytes between row tiles. */
template <int N, int H>
__device__ __forceinline__ void p1_rows(uint32_t a, uint32_t dst, const uint4 *bf, int mt1, uint32_t step) {
  int mt = 0;
  for (; mt + 2 <= mt1; mt += 2) {
    p1_tiles<N, H, 2>(a, a + step, bf, dst, dst + 16 * kI8Is);
    a += 2 * step;
    dst += 32 * kI8Is;
  }
  if (mt < mt1) p1_tiles<N, H, 1>(a, a, bf, dst, dst);
}

/* Calls f(N, H) with a window of units 16-byte (16-row) units (1 .. U) as constants: N whole
 * 32-wide k-steps (std::integral_constant) and H, a last half step (0 or 1). */
template <int U, typename F>
__device__ __forceinline__ void i8_units(int units, F f) {
  if constexpr (U > 1) {
    if (units < U) {
      i8_units<U - 1>(units, f);
      return;
    }
  }
  f(std::integral_constant<int, U / 2>{}, std::integral_constant<int, U % 2>{});
}

__device__ __forceinline__ void sts16(uint32_t addr, uint32_t v) {
  asm volatile("st.shared.u16 [%0], %1;\n" ::"r"(addr), "h"((unsigned short)v));
}

/* Phase 2 with N 32-row k-steps, then H (0 or 1) 16-row half step: D2 [16 output rows][8 output
 * bytes] per tile, two byte tiles at a time (j0 and j0 + 4); afh/afl: the warp's W2 fragments;
 * b_addr: its window's first intermediate row; sa: the thread's first output row in the block's
 * output tile in shared memory (its second is 8 rows on). */
template <int N, int H>
__device__ __forceinline__ void p2_tiles(uint32_t b_addr, const uint32_t (*afh)[4], const uint32_t (*afl)[4],
                                         int warp, int ob0, int outbytes, uint32_t sa) {
  for (int j0 = warp >> 1; j0 < kI8Nt; j0 += kI8Warps) {
    int hh[2][4], md[2][4], ll[2][4];
#pragma unroll
    for (int ks = 0; ks < N + H; ks++) {
      const bool half = ks == N; /* rows 0-15 (ldmatrix's first two matrices) */
#pragma unroll
      for (int u = 0; u < 2; u++) {
        const int j = j0 + u * (kI8Warps / 2);
        const uint32_t addr = b_addr + (uint32_t)(32 * ks * kI8Is + 16 * j);
        uint32_t r[4] = {0, 0, 0, 0};
        if (half) {
          ldsm_x2_trans(r, addr);
        } else {
          ldsm_x4_trans(r, addr);
        }
        /* I's high (signed) and low (unsigned) bytes. */
        const uint32_t bh0 = __byte_perm(r[0], r[1], 0x7531), bl0 = __byte_perm(r[0], r[1], 0x6420);
        const uint32_t bh1 = __byte_perm(r[2], r[3], 0x7531), bl1 = __byte_perm(r[2], r[3], 0x6420);
        mma_s8s8(hh[u], afh[ks], bh0, bh1, ks == 0, half);
        mma_s8u8(md[u], afh[ks], bl0, bl1, ks == 0, half);
        mma_u8u8(ll[u], afl[ks], bl0, bl1, ks == 0, half, kI8Bias2);
        mma_u8s8(md[u], afl[ks], bh0, bh1, false, half);
      }
    }
#pragma unroll
    for (int u = 0; u < 2; u++) {
      const int j = j0 + u * (kI8Warps / 2), c0 = ob0 + 8 * j;
      if (c0 >= outbytes) break;
      int v[4];
#pragma unroll
      for (int e = 0; e < 4; e++) v[e] = (int)((((uint32_t)hh[u][e] << 8) + (uint32_t)md[u][e]) * 256u + (uint32_t)ll[u][e]) >> 20;
      const uint32_t pa = pack_sat_u8(v[1], v[0]), pb = pack_sat_u8(v[3], v[2]);
      sts16(sa + 8 * j, pa);
      sts16(sa + 8 * kI8Os + 8 * j, pb);
    }
  }
}

/* Phase 2's W2 fragments of the warp's 16-row tile (the tables hold zeros past each window's
 * k-steps, so all KS2 are loaded). */
template <int KS2>
__device__ __forceinline__ void i8_load_w2(const uint4 *vt, uint32_t (*afh)[4], uint32_t (*afl)[4]) {
  const int lane = threadIdx.x & 31, mi = (threadIdx.x >> 5) & 1;
  const uint4 *p = vt + 1 + 2 * ((size_t)mi * kI8Ks2 * 32 + lane);
#pragma unroll
  for (int ks = 0; ks < KS2; ks++) {
    const uint4 h = __ldg(p + 64 * ks), l = __ldg(p + 64 * ks + 1);
    afh[ks][0] = h.x, afh[ks][1] = h.y, afh[ks][2] = h.z, afh[ks][3] = h.w;
    afl[ks][0] = l.x, afl[ks][1] = l.y, afl[ks][2] = l.z, afl[ks][3] = l.w;
  }
}

/* The pipelined kernel keeps a tile's row tables in shared memory (they come by async copies
 * while the tile is staged and phase 1 runs, so that neither registers nor a wait for L2 are
 * held over phase 1): {vh}, then per 16-row tile mi, its KS2 k-steps' fragments as in desc.tmp. */
__host__ __device__ constexpr uint32_t i8_w2_bytes(int ks2) { return 16u * (1 + 2 * 64 * ks2); }

template <int KS2>
__device__ __forceinline__ void i8_copy_w2(const uint4 *vt, uint32_t slot) {
  constexpr int n = 1 + 2 * 64 * KS2;
  for (int i = threadIdx.x; i < n; i += kI8Threads) {
    const int mi = (i - 1) / (64 * KS2), k = (i - 1) % (64 * KS2);
    cp_async16(slot + 16u * i, vt + (i == 0 ? 0 : 1 + mi * kI8Ks2 * 64 + k));
  }
}

template <int KS2>
__device__ __forceinline__ void i8_load_w2_smem(uint32_t slot, uint4 &vh, uint32_t (*afh)[4], uint32_t (*afl)[4]) {
  const int lane = threadIdx.x & 31, mi = (threadIdx.x >> 5) & 1;
  const uint32_t p = slot + 16u * (1 + mi * 64 * KS2 + 2 * lane);
  asm volatile("ld.shared.v4.u32 {%0,%1,%2,%3}, [%4];\n" : "=r"(vh.x), "=r"(vh.y), "=r"(vh.z), "=r"(vh.w) : "r"(slot));
#pragma unroll
  for (int ks = 0; ks < KS2; ks++) {
    asm volatile("ld.shared.v4.u32 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(afh[ks][0]), "=r"(afh[ks][1]), "=r"(afh[ks][2]), "=r"(afh[ks][3])
                 : "r"(p + 16u * 64 * ks));
    asm volatile("ld.shared.v4.u32 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(afl[ks][0]), "=r"(afl[ks][1]), "=r"(afl[ks][2]), "=r"(afl[ks][3])
                 : "r"(p + 16u * (64 * ks + 1)));
  }
}

/* A warp's output tile in phase 1: its window (int2 pair) and W1 fragments. */
template <int KS1>
struct I8W1 {
  int4 wv;
  uint4 bn[KS1];
};

/* Loads the window and weights of output tile j of the column block whose tables are ht. */
template <int KS1>
__device__ __forceinline__ void i8_load_w1(const uint4 *ht, int j, I8W1<KS1> &w) {
  const int lane = threadIdx.x & 31;
  w.wv = __ldg(reinterpret_cast<const int4 *>(ht) + (j >> 1));
#pragma unroll
  for (int ks = 0; ks < KS1; ks++) w.bn[ks] = __ldg(ht + kI8HHead + ((size_t)j * kI8Ks1 + ks) * 32 + lane);
}

/* Phase 1 of a block tile: D1 [16 staged rows][8 output bytes] per tile, into I [row][byte]
 * (s16); the warp's output tiles are j = warp, warp + 8, ... ht: the column block's tables.
 * first: the warp's first output tile's window and weights (i8_load_w1 with j = warp), loaded
 * early by the caller: their latency is L2's. */
template <int KS1>
__device__ __forceinline__ void i8_phase1(const uint4 *ht, const I8Geom &g, uint32_t stage, uint32_t inter, int ob0,
                                          int outbytes, const I8W1<KS1> &first) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, gq = lane >> 2, tq = lane & 3;
  /* Each output tile's window and weights are loaded one tile ahead. */
  I8W1<KS1> next = first;
  for (int j = warp; j < kI8Nt; j += kI8Warps) {
    if (ob0 + 8 * j >= outbytes) break;
    const I8W1<KS1> cur = next;
    const int off = (j & 1) ? cur.wv.z : cur.wv.x, units = (j & 1) ? cur.wv.w : cur.wv.y;
    if (j + kI8Warps < kI8Nt) i8_load_w1<KS1>(ht, j + kI8Warps, next);
    const uint32_t a_addr = stage + (uint32_t)((lane & 15) * g.ss + off + (lane >> 4) * 16);
    const uint32_t d_addr = inter + (uint32_t)(gq * kI8Is + 16 * j + 4 * tq);
#if GR_I8_PROBE & 1
    if (units < 0)
#endif
    i8_units<2 * KS1>(units, [&](auto n, auto h) {
      p1_rows<decltype(n)::value, decltype(h)::value>(a_addr, d_addr, cur.bn, g.mt1, (uint32_t)(16 * g.ss));
    });
  }
}

/* Phase 2 of a block tile: D2 [16 output rows][8 output bytes] per tile, into the block's output
 * tile in shared memory (obuf: kI8By rows kI8Os apart; i8_store_tile writes it out); the warp's
 * 16-row tile is mi = warp & 1 (vh: both tiles' windows), its byte tiles warp / 2 + 4 u + 8 k.
 * (Phase 2's 2-byte stores straight to the output, 8 rows per warp store, held the warps:
 * bench/results/h100-s15 runs E and F.) */
template <int KS2>
__device__ __forceinline__ void i8_phase2(const gr_resize_desc &d, uint4 vh, const uint32_t (*afh)[4],
                                          const uint32_t (*afl)[4], uint32_t inter, int ob0, int y0, int outbytes,
                                          uint32_t obuf) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, gq = lane >> 2, tq = lane & 3, mi = warp & 1;
  const int b2 = mi ? (int)vh.z : (int)vh.x, units = mi ? (int)vh.w : (int)vh.y;
  if (y0 + 16 * mi >= d.out_h) return;
  const uint32_t b_addr = inter + (uint32_t)((b2 + lane) * kI8Is);
  const uint32_t sa = obuf + (uint32_t)((16 * mi + gq) * kI8Os + 2 * tq);
#if GR_I8_PROBE & 2
  if (units < 0)
#endif
  i8_units<2 * KS2>(units, [&](auto n, auto h) {
    p2_tiles<decltype(n)::value, decltype(h)::value>(b_addr, afh, afl, warp, ob0, outbytes, sa);
  });
}

/* The block's output tile (rows y0 .., bytes ob0 ..) from shared memory (obuf, rows kI8Os apart)
 * to the output: 16-byte stores where the output's rows are 16-byte aligned and the chunk is
 * inside them, else bytes. */
__device__ void i8_store_tile(const gr_resize_desc &d, uint32_t obuf, int ob0, int y0, int outbytes) {
  constexpr int chunks = kI8Bx / 16;
  const bool al16 = (((uintptr_t)d.dst | d.dst_pitch) & 15) == 0;
  for (int i = threadIdx.x; i < kI8By * chunks; i += kI8Threads) {
    const int r = i / chunks, c = i - r * chunks, y = y0 + r, x = ob0 + 16 * c;
    if (y >= d.out_h || x >= outbytes) continue;
    uint4 v;
    asm volatile("ld.shared.v4.u32 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
                 : "r"(obuf + (uint32_t)(r * kI8Os + 16 * c)));
    uint8_t *dst = d.dst + (size_t)y * d.dst_pitch + x;
    if (al16 && x + 16 <= outbytes) {
      *reinterpret_cast<uint4 *>(dst) = v;
      continue;
    }
    const uint32_t w[4] = {v.x, v.y, v.z, v.w};
    for (int e = 0; e < 16 && x + e < outbytes; e++) dst[e] = (uint8_t)(w[e >> 2] >> (8 * (e & 3)));
  }
}

/* One block per tile of 32 output rows x kI8Bx output bytes.
 * KS1, KS2: the plan's most k-steps of a horizontal / vertical window (each tile runs its own,
 * as a constant). Each warp runs two independent tiles at a time (two accumulator chains), so
 * that the tensor cores' latency overlaps within the warp as well as across warps.
 * tm: sm_90's tensor map of the source (used where g.tma is not 0). */
template <int KS1, int KS2>
__global__ void __launch_bounds__(kI8Threads, GR_I8_MIN_BLOCKS)
    i8_kernel(gr_resize_desc d, I8Geom g, const __grid_constant__ CUtensorMap tm) {
  extern __shared__ __align__(16) uint8_t smem[];
  i8_trace(0);
  const int tid = threadIdx.x;
  const int C = d.channels, outbytes = d.out_w * C;
  const int cb = blockIdx.x, rb = blockIdx.y;
  const int ob0 = cb * kI8Bx, y0 = rb * kI8By;
  const uint4 *vt = i8_row_tables(d, rb);
  const uint4 *ht = i8_col_tables(d, cb);
  /* The block's first staged row and byte, as the prep kernel computes them (the same helpers),
   * so that the rows can be staged while it still runs. */
  __shared__ int s_r0, s_xs;
  if (tid == 0) s_r0 = s_xs = INT_MAX;
  __syncthreads();
  if (tid < kI8By) atomicMin(&s_r0, __ldg(d.v_start + min(y0 + tid, d.out_h - 1)));
  if (tid < kI8Bx) {
    atomicMin(&s_xs, i8_first_byte(d.h_start, d.in_w, C, min(ob0 + tid, outbytes - 1)) & ~15);
  }
  __syncthreads();
  const int r0 = s_r0, xs = s_xs;
  const uint32_t stage = ((uint32_t)__cvta_generic_to_shared(smem) + (kI8Align - 1)) & ~(uint32_t)(kI8Align - 1);
  const uint32_t inter = stage + i8_stage_region(g);
  const int kind = i8_stage_kind(d, g.tma, g.sw, xs);
  const bool fast = kind < 2; /* async copies (g.tma is 0 before sm_90: no kind 0) */

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  __shared__ __align__(8) uint64_t bar;
  const uint32_t bar_s = (uint32_t)__cvta_generic_to_shared(&bar);
  if (fast) {
    if (tid == 0) asm volatile("mbarrier.init.shared.b64 [%0], 1;\nfence.proxy.async.shared::cta;\n" ::"r"(bar_s));
    __syncthreads();
    if (kind == 1) {
      i8_stage_bulk(d, g, stage, r0, xs, bar_s);
    } else if (tid == 0) {
      i8_stage_tma(&tm, stage, xs / g.tma_es, r0, bar_s, g.rl, g.ss);
    }
  } else {
    i8_stage_sync(d, g, stage, r0, xs, false);
  }
#else
  (void)tm;
  i8_stage_sync(d, g, stage, r0, xs, fast);
#endif

  /* The prep kernel's tables (a no-op unless launched as its programmatic dependent). */
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.wait;\n" ::: "memory");
#endif
  const uint4 vh = __ldg(vt);
  uint32_t afh[KS2][4], afl[KS2][4];
  i8_load_w2<KS2>(vt, afh, afl);
  I8W1<KS1> w1;
  i8_load_w1<KS1>(ht, threadIdx.x >> 5, w1);
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  if (fast) i8_wait(bar_s, 0);
#endif
  __syncthreads();
  i8_trace(1);
  i8_phase1<KS1>(ht, g, stage, inter, ob0, outbytes, w1);
  __syncthreads();
  i8_trace(2);
  /* The output tile in the staged rows' place (phase 1 read them before the barrier). */
  i8_phase2<KS2>(d, vh, afh, afl, inter, ob0, y0, outbytes, stage);
  __syncthreads();
  i8_store_tile(d, stage, ob0, y0, outbytes);
#if GR_I8_TRACE
  __syncthreads();
  i8_trace(3);
#endif
}

/* The staged bytes per buffer of the pipelined kernel, rounded for the tensor copies' alignment. */
__host__ __device__ inline uint32_t i8_stage_bytes(const I8Geom &g) {
  return ((uint32_t)(g.mt1 * 16 * g.ss + kI8Slack) + (kI8Align - 1)) & ~(uint32_t)(kI8Align - 1);
}

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
constexpr int kI8PipeEvents = 8; /* trace events per tile of the pipelined kernel */

/* Pipelined kernel, warp 0: block tile t's first staged row and byte {r0, xs}, computed from the
 * start tables as the prep kernel does (for the first tile, before the prep kernel is done). */
__device__ __forceinline__ int2 i8_pipe_origin(const gr_resize_desc &d, int t, int ncb) {
  const int lane = threadIdx.x & 31, C = d.channels, outbytes = d.out_w * C;
  const int ob0 = (t % ncb) * kI8Bx, y0 = (t / ncb) * kI8By;
  const int r0 = __reduce_min_sync(0xffffffffu, __ldg(d.v_start + min(y0 + lane, d.out_h - 1)));
  int x = INT_MAX;
#pragma unroll
  for (int k = 0; k < kI8Bx / 32; k++) x = min(x, i8_first_byte(d.h_start, d.in_w, C, min(ob0 + lane + 32 * k, outbytes - 1)));
  return make_int2(r0, __reduce_min_sync(0xffffffffu, x) & ~15);
}

/* The same from the tables (once the prep kernel is done): two loads, issued a tile ahead. */
__device__ __forceinline__ int2 i8_pipe_origin_table(const gr_resize_desc &d, int t, int ncb) {
  const int *rt = reinterpret_cast<const int *>(i8_row_tables(d, t / ncb) + kI8VStride - 1);
  const int *ct = reinterpret_cast<const int *>(i8_col_tables(d, t % ncb) + kI8HStride - 1);
  return make_int2(__ldg(rt), __ldg(ct));
}

/* Pipelined kernel, warp 0: the staging of the block tile whose origin is {r0, xs} (on) into
 * stage (counted by bar) issued: kind 0, one tensor copy; 1, one bulk copy per row (rows clamped);
 * 2, none (the block stages it with loads when its turn comes). Writes {r0, xs, kind} to org. */
__device__ void i8_pipe_issue(const gr_resize_desc &d, const I8Geom &g, const CUtensorMap *tm, int2 on,
                              uint32_t stage, uint32_t bar, int4 *org, int ev) {
  const int lane = threadIdx.x & 31, rows1 = g.mt1 * 16;
  const int r0 = on.x, xs = on.y;
  const int kind = i8_stage_kind(d, g.tma, g.sw, xs);
#if GR_I8_TRACE
  asm volatile("" ::"r"(kind), "r"(r0));
#endif
  i8_trace(ev, kI8PipeEvents);
  /* The buffer was last read by ldmatrix (generic proxy): order that before the async writes. */
  asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");
  if (kind == 0 && lane == 0) i8_stage_tma(tm, stage, xs / g.tma_es, r0, bar, g.rl, g.ss);
  if (kind == 1) {
    if (lane == 0) i8_expect(bar, (uint32_t)(rows1 * g.sw));
    __syncwarp();
    for (int i = lane; i < rows1; i += 32) i8_bulk_row(d, g, stage, r0, xs, i, bar);
  }
  if (lane == 0) *org = make_int4(r0, xs, kind, 0);
  i8_trace(ev + 1, kI8PipeEvents);
}
#endif

/* sm_90, where the source can be had by tensor copies: a persistent block per SM slot walks the
 * block tiles t = blockIdx.x + k gridDim.x with two staging buffers, so that the next tile's rows
 * arrive while this one is computed (the single-tile kernel waits for its rows with nothing else
 * to do: bench/results/h100-s13 run C). Same phases, same results as i8_kernel. */
template <int KS1, int KS2>
__global__ void __launch_bounds__(kI8Threads, 2)
    i8_pipe_kernel(gr_resize_desc d, I8Geom g, const __grid_constant__ CUtensorMap tm) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  extern __shared__ __align__(16) uint8_t smem[];
  __shared__ __align__(8) uint64_t bars[2];
  __shared__ int4 s_org[2];
  const int tid = threadIdx.x, warp = tid >> 5;
  const int outbytes = d.out_w * d.channels;
  const int ncb = (outbytes + kI8Bx - 1) / kI8Bx, ntiles = ncb * ((d.out_h + kI8By - 1) / kI8By);
  const uint32_t base = ((uint32_t)__cvta_generic_to_shared(smem) + (kI8Align - 1)) & ~(uint32_t)(kI8Align - 1);
  const uint32_t sb = i8_stage_bytes(g);
  const uint32_t inter = base + 2 * sb;
  const uint32_t bar0 = (uint32_t)__cvta_generic_to_shared(&bars[0]), bar1 = bar0 + 8;
  i8_trace(0, kI8PipeEvents);
  if (tid == 0) {
    asm volatile("mbarrier.init.shared.b64 [%0], 1;\nmbarrier.init.shared.b64 [%1], 1;\nfence.proxy.async.shared::cta;\n" ::"r"(
        bar0),
        "r"(bar1));
  }
  __syncthreads();
  int t = blockIdx.x;
  const int G = gridDim.x;
  if (warp == 0) i8_pipe_issue(d, g, &tm, i8_pipe_origin(d, t, ncb), base, bar0, &s_org[0], -1);
  /* The prep kernel's tables (a no-op unless launched as its programmatic dependent). */
  asm volatile("griddepcontrol.wait;\n" ::: "memory");
  __syncthreads();
  int2 on = make_int2(0, 0); /* warp 0: the next tile's origin, loaded a tile ahead */
  if (warp == 0 && t + G < ntiles) on = i8_pipe_origin_table(d, t + G, ncb);
  const uint32_t w2s = inter + (uint32_t)(g.ir * kI8Is); /* the tile's row tables */
  const uint32_t obuf = w2s + i8_w2_bytes(KS2);           /* the tile's output */
  /* Phase 1's first weights, loaded a tile ahead (during the previous tile's phase 2). */
  I8W1<KS1> w1;
  if (t < ntiles) i8_load_w1<KS1>(i8_col_tables(d, t % ncb), warp, w1);
  uint32_t parity = 0; /* bit b: the phase buffer b's mbarrier waits for next */
  for (int i = 0; t < ntiles; i++, t += G) {
    const int b = i & 1, cb = t % ncb, rb = t / ncb;
    const uint32_t stage = base + b * sb, bar = b ? bar1 : bar0;
    i8_trace(1 + kI8PipeEvents * i, kI8PipeEvents);
    /* The slot was last read in the previous tile's phase 2 (a barrier ago). */
    i8_copy_w2<KS2>(i8_row_tables(d, rb), w2s);
    const uint4 *ht = i8_col_tables(d, cb);
    const int4 org = s_org[b];
    if (org.z == 2) {
      i8_stage_sync(d, g, stage, org.x, org.y, false);
      __syncthreads();
    } else {
      i8_wait(bar, (parity >> b) & 1);
      parity ^= 1u << b;
    }
    i8_trace(1 + kI8PipeEvents * i + 1, kI8PipeEvents);
    i8_trace(1 + kI8PipeEvents * i + 2, kI8PipeEvents, 32);
    /* The next tile's staging, into the other buffer (last read in the previous tile's phase 1,
     * two barriers ago), once this tile's is in: issued earlier, while this tile's copy is still
     * in flight, it held warp 0 (bench/results/h100-s15 run C). */
    if (warp == 0 && t + G < ntiles) {
      i8_pipe_issue(d, g, &tm, on, base + (b ^ 1) * sb, b ? bar0 : bar1, &s_org[b ^ 1], 1 + kI8PipeEvents * i + 3);
      if (t + 2 * G < ntiles) on = i8_pipe_origin_table(d, t + 2 * G, ncb);
      i8_trace(1 + kI8PipeEvents * i + 5, kI8PipeEvents);
    }
    i8_phase1<KS1>(ht, g, stage, inter, cb * kI8Bx, outbytes, w1);
    cp_async_wait_all();
    __syncthreads();
    i8_trace(1 + kI8PipeEvents * i + 6, kI8PipeEvents);
    uint4 vh;
    uint32_t afh[KS2][4], afl[KS2][4];
    i8_load_w2_smem<KS2>(w2s, vh, afh, afl);
    if (t + G < ntiles) i8_load_w1<KS1>(i8_col_tables(d, (t + G) % ncb), warp, w1);
    i8_phase2<KS2>(d, vh, afh, afl, inter, cb * kI8Bx, rb * kI8By, outbytes, obuf);
    __syncthreads();
    /* (The next writes to obuf come after the next tile's phase 1 and its barrier.) */
    i8_store_tile(d, obuf, cb * kI8Bx, rb * kI8By, outbytes);
    i8_trace(1 + kI8PipeEvents * i + 7, kI8PipeEvents);
  }
#else
  (void)d;
  (void)g;
  (void)tm;
#endif
}

using I8Kernel = void (*)(gr_resize_desc, I8Geom, const CUtensorMap);

/* The instantiation for ks1 (2-4; 1 takes 2) and ks2 (1-3) k-steps. */
I8Kernel i8_kernel_for(int ks1, int ks2) {
  static const I8Kernel k[3][3] = {{i8_kernel<2, 1>, i8_kernel<2, 2>, i8_kernel<2, 3>},
                                   {i8_kernel<3, 1>, i8_kernel<3, 2>, i8_kernel<3, 3>},
                                   {i8_kernel<4, 1>, i8_kernel<4, 2>, i8_kernel<4, 3>}};
  return k[clampi(ks1, 2, kI8Ks1) - 2][clampi(ks2, 1, kI8Ks2) - 1];
}

I8Kernel i8_pipe_kernel_for(int ks1, int ks2) {
  static const I8Kernel k[3][3] = {{i8_pipe_kernel<2, 1>, i8_pipe_kernel<2, 2>, i8_pipe_kernel<2, 3>},
                                   {i8_pipe_kernel<3, 1>, i8_pipe_kernel<3, 2>, i8_pipe_kernel<3, 3>},
                                   {i8_pipe_kernel<4, 1>, i8_pipe_kernel<4, 2>, i8_pipe_kernel<4, 3>}};
  return k[clampi(ks1, 2, kI8Ks1) - 2][clampi(ks2, 1, kI8Ks2) - 1];
}

int i8_ok_dev[kTensorDevices]; /* 1: the device can run the kernel (sm_80+), set by gr_cuda_i8_init */
int i8_pdl_dev[kTensorDevices]; /* 1: sm_90 or later, programmatic dependent launch */
int i8_smem_limit[kTensorDevices]; /* the dynamic shared memory the kernels may take */
int i8_sms[kTensorDevices];        /* multiprocessors (the pipelined kernel's grid) */
/* The pipelined kernel's blocks per SM by device and instantiation, for the shared memory last
 * asked about: (smem << 16) | (blocks << 1) | 1, 0 when not asked yet (host threads race
 * benignly: all would store the same). */
unsigned long long i8_pipe_fit[kTensorDevices][kI8Ks1 - 1][kI8Ks2];
#ifndef GR_I8_PIPE
#define GR_I8_PIPE 1 /* 0: the single-tile kernel also on sm_90 (for measuring) */
#endif
int i8_enabled = 1;

I8Geom i8_geom(const gr_resize_plan *p) {
  I8Geom g;
  g.mt1 = p->i8_mt1;
  g.rl = p->i8_rows > 0 && p->i8_rows <= 16 * g.mt1 ? p->i8_rows : 16 * g.mt1;
  g.ir = p->i8_ir;
  g.sw = p->i8_sw;
  g.ss = ((g.sw / 16) | 1) * 16;
  g.tma = 0;
  g.tma_es = 1;
  g.smem = kI8Align + i8_stage_region(g) + (size_t)g.ir * kI8Is;
  return g;
}

size_t i8_table_bytes(int out_w, int out_h, int channels) {
  const int ncb = (out_w * channels + kI8Bx - 1) / kI8Bx;
  return sizeof(uint4) * (i8_hoff(out_h) + (size_t)ncb * kI8HStride);
}

/* Whether every output of the filter keeps pass 1 within [-255, 510] (I = H * 64 fits 16 signed
 * bits) and pass 2's sums within int32 (2^14 * 3 * 2^15 < 2^31), and each weight, with the taps
 * clamped onto the same edge pixel merged into it (as the prep kernel does), fits its two bytes. */
bool i8_weights_fit(const int *start, const float *w, int n_out, int taps, int in_size) {
  for (int i = 0; i < n_out; i++) {
    double pos = 0, neg = 0, first = 0, last = 0;
    for (int t = 0; t < taps; t++) {
      const double v = w[(size_t)i * taps + t];
      if (fabs(v) >= 1.99) return false;
      (v > 0 ? pos : neg) += fabs(v);
      if (start[i] + t <= 0) first += v;
      if (start[i] + t >= in_size - 1) last += v;
    }
    if (pos > 2.0 || neg > 1.0 || fabs(first) >= 1.99 || fabs(last) >= 1.99) return false;
  }
  return true;
}

/* cuTensorMapEncodeTiled from the driver (no link to libcuda), NULL where it is missing. */
PFN_cuTensorMapEncodeTiled_v12000 i8_encode_tiled;

/* sm_90: the tensor map of the source rows for the tile's one tensor copy: a box of the staged
 * rows x ss bytes, in elements of 1-8 bytes (a box side holds at most 256). Leaves g->tma 0
 * where it cannot be had (unaligned rows, too wide a tile, no driver entry point). */
void i8_tensor_map(const gr_resize_desc *d, I8Geom *g, CUtensorMap *tm) {
  memset(tm, 0, sizeof *tm);
  const size_t rowbytes = (size_t)d->in_w * d->channels;
  const int rows1 = g->mt1 * 16;
  if (!i8_encode_tiled || ((uintptr_t)d->src | d->src_pitch) & 15 || rows1 > 256) return;
  int es = GR_I8_TMA_ES;
  while (es <= 8 && (g->ss / es > 256 || g->ss % es)) es *= 2;
  if (es > 8 || rowbytes < (size_t)es) return;
  static const CUtensorMapDataType types[4] = {CU_TENSOR_MAP_DATA_TYPE_UINT8, CU_TENSOR_MAP_DATA_TYPE_UINT16,
                                               CU_TENSOR_MAP_DATA_TYPE_UINT32, CU_TENSOR_MAP_DATA_TYPE_UINT64};
  const CUtensorMapDataType type = types[es == 1 ? 0 : es == 2 ? 1 : es == 4 ? 2 : 3];
  const cuuint64_t dim[2] = {rowbytes / es, (cuuint64_t)d->in_h};
  const cuuint64_t stride[1] = {(cuuint64_t)d->src_pitch};
  const cuuint32_t box[2] = {(cuuint32_t)(g->ss / es), (cuuint32_t)i8_tma_box(g->rl)};
  const cuuint32_t estride[2] = {1, 1};
  if (i8_encode_tiled(tm, type, 2, (void *)d->src, dim, stride, box, estride, CU_TENSOR_MAP_INTERLEAVE_NONE,
                      CU_TENSOR_MAP_SWIZZLE_NONE, (CUtensorMapL2promotion)GR_I8_TMA_PROMO,
                      CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE) != CUDA_SUCCESS) {
    return;
  }
  g->tma = (int)(dim[0] * es);
  g->tma_es = es;
}

}  // namespace

extern "C" int gr_cuda_i8_init(int max_smem_bytes) {
  int dev = 0, major = 0, ok = 0;
  cudaError_t e;
  if ((e = tensor_device(&dev, &major, &ok))) return (int)e;
  if (dev >= 0 && dev < kTensorDevices) i8_ok_dev[dev] = 0;
  if (!ok) return 0;
  i8_pdl_dev[dev] = major >= 9;
  if (major >= 9 && !i8_encode_tiled) {
    void *fn = NULL;
    cudaDriverEntryPointQueryResult q = cudaDriverEntryPointSymbolNotFound;
    if (cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", &fn, 12000, cudaEnableDefault, &q) == cudaSuccess &&
        q == cudaDriverEntryPointSuccess) {
      i8_encode_tiled = (PFN_cuTensorMapEncodeTiled_v12000)fn;
    }
    (void)cudaGetLastError(); /* a missing entry point only means per-row copies */
  }
  /* The dynamic limit plus the kernel's static shared memory must stay within the device's
   * opt-in maximum (sm_86/89: 99 KB), else the attribute is refused. */
  const int limit = max_smem_bytes - kI8StaticSmem < (int)kI8MaxSmem ? max_smem_bytes - kI8StaticSmem : (int)kI8MaxSmem;
  const cudaFuncAttribute a = cudaFuncAttributeMaxDynamicSharedMemorySize;
  for (int k1 = 2; k1 <= kI8Ks1; k1++) {
    for (int k2 = 1; k2 <= kI8Ks2; k2++) {
      if ((e = cudaFuncSetAttribute(i8_kernel_for(k1, k2), a, limit))) return (int)e;
      if (major >= 9 && (e = cudaFuncSetAttribute(i8_pipe_kernel_for(k1, k2), a, limit))) return (int)e;
    }
  }
  i8_smem_limit[dev] = limit;
  if ((e = cudaDeviceGetAttribute(&i8_sms[dev], cudaDevAttrMultiProcessorCount, dev))) return (int)e;
  i8_ok_dev[dev] = 1;
  return 0;
}

extern "C" void gr_cuda_i8_enable(int on) { i8_enabled = on != 0; }

extern "C" int gr_cuda_i8_usable(const gr_resize_desc *d, const gr_resize_plan *p) {
  if (!i8_enabled || !p->i8 || (d->channels != 1 && d->channels != 3)) return 0;
  int dev = 0;
  if (cudaGetDevice(&dev) != cudaSuccess || dev < 0 || dev >= kTensorDevices) return 0;
  return i8_ok_dev[dev];
}

extern "C" int gr_cuda_i8_launch(const gr_resize_desc *d, const gr_resize_plan *p, void *stream) {
  cudaStream_t st = (cudaStream_t)stream;
  I8Geom g = i8_geom(p);
  dim3 grid((d->out_w * d->channels + kI8Bx - 1) / kI8Bx, (d->out_h + kI8By - 1) / kI8By);
  if (grid.y > 65535) return (int)cudaErrorInvalidConfiguration;
  if (!d->tmp) return (int)cudaErrorInvalidValue;
  int dev = 0;
  if (cudaGetDevice(&dev) != cudaSuccess || dev < 0 || dev >= kTensorDevices) return (int)cudaErrorInvalidDevice;
  CUtensorMap tm;
  if (i8_pdl_dev[dev]) {
    i8_tensor_map(d, &g, &tm);
  } else {
    memset(&tm, 0, sizeof tm);
  }
  /* Tables kept from an earlier request of this geometry (desc.tables_ready) need no prep. */
  const bool prep = !d->tables_ready;
  if (prep) i8_prep_kernel<<<kI8Passes * grid.x + grid.y, kI8Threads, 0, st>>>(*d, g);
  cudaError_t e = cudaGetLastError();
  if (e) return (int)e;
  /* Programmatic dependent launch (sm_90): the resize kernel's blocks start while the prep
   * kernel runs and wait for its tables after staging their rows. */
  cudaLaunchConfig_t cfg = {};
  cfg.gridDim = grid;
  cfg.blockDim = dim3(kI8Threads);
  cfg.dynamicSmemBytes = g.smem;
  cfg.stream = st;
  cudaLaunchAttribute attr[1];
  attr[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
  attr[0].val.programmaticStreamSerializationAllowed = 1;
  cfg.attrs = attr;
  cfg.numAttrs = prep && i8_pdl_dev[dev] ? 1 : 0;
  /* sm_90 with a tensor map: the pipelined kernel, as many blocks as fit at once (two staging
   * buffers each), where that much shared memory can be had and each block gets two tiles or
   * more (4K grey -> 1080p, 340 tiles on 264 blocks, is faster without: 0.025 against 0.028 ms,
   * RGB's 1020 tiles faster with: 0.044-0.046 against 0.047; bench/results/h100-s13 run E). */
  const size_t pipe_smem =
      kI8Align + 2 * (size_t)i8_stage_bytes(g) + (size_t)g.ir * kI8Is + i8_w2_bytes(clampi(p->i8_ks2, 1, kI8Ks2)) +
      (size_t)kI8By * kI8Os;
  if (GR_I8_PIPE && g.tma > 0 && pipe_smem <= (size_t)i8_smem_limit[dev]) {
    const I8Kernel k = i8_pipe_kernel_for(p->i8_ks1, p->i8_ks2);
    unsigned long long *fit = &i8_pipe_fit[dev][clampi(p->i8_ks1, 2, kI8Ks1) - 2][clampi(p->i8_ks2, 1, kI8Ks2) - 1];
    unsigned long long f = __atomic_load_n(fit, __ATOMIC_RELAXED);
    int per_sm = (int)((f >> 1) & 0x7fff);
    if (!(f & 1) || (f >> 16) != pipe_smem) {
      if ((e = cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, k, kI8Threads, pipe_smem))) return (int)e;
      __atomic_store_n(fit, ((unsigned long long)pipe_smem << 16) | ((unsigned long long)(per_sm & 0x7fff) << 1) | 1,
                       __ATOMIC_RELAXED);
    }
    const long tiles = (long)grid.x * grid.y, slots = (long)per_sm * i8_sms[dev];
    if (per_sm > 0 && tiles >= 2 * slots) {
      cfg.gridDim = dim3((unsigned)slots);
      cfg.dynamicSmemBytes = pipe_smem;
      return (int)cudaLaunchKernelEx(&cfg, k, *d, g, tm);
    }
  }
  return (int)cudaLaunchKernelEx(&cfg, i8_kernel_for(p->i8_ks1, p->i8_ks2), *d, g, tm);
}

extern "C" size_t gr_cuda_i8_trace_read(void *host, size_t cap) {
#if GR_I8_TRACE
  const size_t n = sizeof g_i8_trace < cap ? sizeof g_i8_trace : cap;
  if (cudaMemcpyFromSymbol(host, g_i8_trace, n) != cudaSuccess) return 0;
  void *p = NULL;
  if (cudaGetSymbolAddress(&p, g_i8_trace) != cudaSuccess || cudaMemset(p, 0, sizeof g_i8_trace) != cudaSuccess) return 0;
  return n;
#else
  (void)host;
  (void)cap;
  return 0;
#endif
}

extern "C" size_t gr_cuda_i8_table_bytes(const gr_resize_desc *d) {
  return i8_table_bytes(d->out_w, d->out_h, d->channels);
}

extern "C" int gr_cuda_plan_i8(const int *h_start, const float *h_weights, int out_w, int h_taps,
                               const int *v_start, const float *v_weights, int out_h, int v_taps,
                               int in_w, int in_h, int channels, int max_smem_bytes,
                               gr_resize_plan *plan) {
  plan->i8 = 0;
  if (channels != 1 && channels != 3) return 0;
  if (out_w > in_w || out_h > in_h || in_w < 1 || in_h < 1) return 0;
  if ((out_h + kI8By - 1) / kI8By > 65535) return 0;
  if ((size_t)in_w * channels > INT_MAX / 2) return 0;
  if (h_taps > kI8MaxTaps || v_taps > kI8MaxTaps) return 0;
  if (!i8_weights_fit(h_start, h_weights, out_w, h_taps, in_w) || !i8_weights_fit(v_start, v_weights, out_h, v_taps, in_h))
    return 0;
  /* Rows: the staged rows per block (16-row tiles) and each 16-row output tile's window. */
  int rows1 = 0, ks2 = 1;
  for (int y0 = 0; y0 < out_h; y0 += kI8By) {
    const int r0 = i8_r0(v_start, out_h, y0);
    for (int m = 0; m < 2; m++) {
      int b, e;
      i8_row_window(v_start, out_h, v_taps, y0 + 16 * m, r0, &b, &e);
      rows1 = max(rows1, e);
      ks2 = max(ks2, (e - b + 31) / 32);
    }
  }
  if (ks2 > kI8Ks2) return 0;
  const int rows = rows1;
  rows1 = (rows1 + 15) / 16 * 16;
  /* Columns: each 8-byte tile's k-steps and the staged span. */
  const int outbytes = out_w * channels;
  int ks1 = 1, sw = 16;
  for (int ob0 = 0; ob0 < outbytes; ob0 += kI8Bx) {
    int xs = INT_MAX, end = 0;
    for (int j = 0; j < kI8Nt; j++) {
      int lo, hi;
      i8_byte_window(h_start, out_w, h_taps, in_w, channels, min(ob0 + 8 * j, outbytes - 1), &lo, &hi);
      const int a = lo & ~15;
      ks1 = max(ks1, (hi - a) / 32 + 1);
      xs = min(xs, a);
      end = max(end, hi + 1);
    }
    sw = max(sw, (end - xs + 15) & ~15);
  }
  if (ks1 > kI8Ks1) return 0;
  plan->i8_mt1 = rows1 / 16;
  plan->i8_rows = rows;
  plan->i8_ir = max(rows1, 32 * ks2);
  plan->i8_sw = sw;
  plan->i8_ks1 = ks1;
  plan->i8_ks2 = ks2;
  const I8Geom g = i8_geom(plan);
  if (g.smem + kI8StaticSmem > (size_t)max_smem_bytes || g.smem > kI8MaxSmem) return 0;
  plan->i8_smem = g.smem;
  plan->i8 = 1;
  const size_t tb = i8_table_bytes(out_w, out_h, channels);
  if (plan->tmp_bytes < tb) plan->tmp_bytes = tb;
  return 1;
}
