/* The CUDA resize kernels (kernels/resize.cu, kernels/resize_tc.cu, kernels/resize_i8.cu),
 * callable from C.
 *
 * The tensor-core kernels take reductions of images without alpha on sm_80 and later and are
 * within 1 of the CPU path: the integer one (resize_i8.cu, gr_cuda_plan_i8 below) first, the
 * fp16 one (resize_tc.cu, gr_cuda_plan_tc) where the integer one's tile does not fit; what
 * follows describes the bit-exact kernels that serve everything else.
 *
 * Arithmetic is the CPU path's (src/cpu/cpu.h), in the same order, so results match it bit for
 * bit: premultiply on load (alpha images: P_c = (float)((v_c * a) / 255), integer division),
 * vertical pass first with one float accumulator over the taps in increasing order, then the
 * horizontal pass likewise, then u8() = clamp to [0, 255] and (uint8_t)(v + 0.5f); alpha
 * images: A = u8(o_a), c = A > 0 ? min(255, u8(o_c) * 255 / A) : 0 (integer division).
 * Products and sums are rounded separately (no FMA contraction): the integer unpremultiply
 * by a small A would turn a 1-ulp difference into a large one. Building with -DGR_GPU_FMA=1
 * allows contraction (about 5% faster, no longer bit-exact).
 *
 * Two ways to run a request:
 *  - fused (the fast path): one launch. Each block computes a tile of bw x bh output pixels:
 *    the source rows and columns the tile needs are staged in shared memory as bytes, the
 *    vertical pass for its bh output rows over those columns goes into shared memory as float,
 *    then the horizontal pass reads that tile. Only the source is read (once from DRAM, halos
 *    from L2) and the output written. Zero weights may be added into a sum where that is exact
 *    (w * v = +-0 and acc + +-0 == acc, up to the sign of a zero sum, which rounds to 0).
 *  - two-pass (fallback when a tile does not fit in shared memory, e.g. extreme reductions):
 *    a vertical kernel writes a float buffer of out_h x in_w x channels, a horizontal kernel
 *    reads it.
 * All pointers in gr_resize_desc are device pointers. Every function returns a cudaError_t as
 * an int (0 = cudaSuccess).
 */
#ifndef GR_GPU_KERNELS_H
#define GR_GPU_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gr_resize_desc {
  const uint8_t *src;      /* in_h rows of in_w * channels bytes */
  size_t src_pitch;        /* bytes between rows; a multiple of channels */
  int in_w, in_h, channels;
  uint8_t *dst;            /* out_h rows of out_w * channels bytes */
  size_t dst_pitch;        /* bytes; a multiple of channels */
  int out_w, out_h;
  const int *h_start;      /* out_w */
  const float *h_weights;  /* out_w * h_taps */
  int h_taps;
  const int *v_start;      /* out_h */
  const float *v_weights;  /* out_h * v_taps */
  int v_taps;
  const int *block_x0;     /* fused: plan.grid_x entries (gr_cuda_fill_block_x0) */
  float *tmp;              /* two-pass: out_h rows of tmp_pitch floats; tensor-core paths: their tables */
  size_t tmp_pitch;        /* floats, >= in_w * channels */
  int tables_ready;        /* tensor-core paths: 1 when tmp already holds the tables of this geometry
                              and kind (gr_cuda_tables_kind), built by an earlier launch on the same
                              stream: the launch then skips the prep kernel */
} gr_resize_desc;

typedef struct gr_resize_plan {
  int fused;               /* 1: one fused launch; 0: two-pass through desc.tmp */
  int bw, bh;              /* fused tile: output columns x rows per block */
  int span;                /* fused: input columns one tile needs (max over blocks) */
  int hwin;                /* fused: largest merged tap window of two adjacent output columns */
  size_t smem_bytes;       /* fused: estimated dynamic shared memory per block (the launch sizes
                              the staged rows from the vertical scale, at most smem_limit) */
  size_t smem_limit;       /* fused: max_smem_bytes as given to gr_cuda_plan */
  int grid_x, grid_y;
  size_t tmp_bytes;        /* two-pass: bytes of the float intermediate (0 when fused) */
  /* Tensor-core kernel (kernels/resize_tc.cu), filled by gr_cuda_plan_tc; the launch takes it
   * when tc is 1 and gr_cuda_tc_usable says the device and the source allow it. */
  int tc;
  int tc_bw;               /* output pixels per block (16 rows each) */
  int tc_nch;              /* 64-byte source chunks per block */
  int tc_ip;               /* words per row of the block's intermediate */
  int tc_ks1, tc_ks2;      /* 16-row / 16-pixel steps of the vertical / horizontal windows */
  size_t tc_smem;          /* dynamic shared memory per block */
  /* Integer tensor-core kernel (kernels/resize_i8.cu), filled by gr_cuda_plan_i8; taken first
   * when i8 is 1 and gr_cuda_i8_usable agrees. */
  int i8;
  int i8_mt1;              /* 16-row tiles of staged source rows per block */
  int i8_rows;             /* of those, the rows any window reads (the tensor copy stages these) */
  int i8_ir;               /* intermediate rows per block */
  int i8_sw;               /* staged source bytes per row */
  int i8_ks1, i8_ks2;      /* most 32-byte / 32-row k-steps of a horizontal / vertical window */
  size_t i8_smem;          /* dynamic shared memory per block */
} gr_resize_plan;

/* Once per device, with that device current: raises the kernels' dynamic shared memory limit
 * to max_smem_bytes (cudaDevAttrMaxSharedMemoryPerBlockOptin, capped). */
int gr_cuda_kernels_init(int max_smem_bytes);

/* Chooses the tile for a request from the host copy of the horizontal start table. Pure host
 * code, no CUDA calls. max_smem_bytes as given to gr_cuda_kernels_init. */
void gr_cuda_plan(const int *h_start_host, int out_w, int h_taps, int out_h, int v_taps,
                  int in_w, int channels, int max_smem_bytes, gr_resize_plan *plan);
/* The same for one given tile of bw x bh outputs (bw a multiple of 16, bh of 4): fills plan and
 * returns 1 when its estimated shared memory fits max_smem_bytes, else 0 (for benchmarks). */
int gr_cuda_plan_tile(const int *h_start_host, int out_w, int h_taps, int out_h, int v_taps,
                      int in_w, int channels, int max_smem_bytes, int bw, int bh,
                      gr_resize_plan *plan);
/* Tensor-core path (kernels/resize_tc.cu): images without alpha (1 or 3 channels) on sm_80 and
 * later, results within 1 of the CPU path (not bit-exact). gr_cuda_plan_tc fills plan->tc* for
 * blocks of 16 rows x bw outputs and returns 1 when the windows and shared memory fit (pure host
 * code); gr_cuda_tc_init (with gr_cuda_kernels_init, per device) records whether the current
 * device can run it; gr_cuda_tc_enable(0) turns the path off (GPU_RESIZE_TENSOR=0). */
int gr_cuda_plan_tc(const int *h_start, int out_w, int h_taps, const int *v_start, int out_h,
                    int v_taps, int in_w, int in_h, int channels, int max_smem_bytes, int bw,
                    gr_resize_plan *plan);
int gr_cuda_tc_init(int max_smem_bytes);
void gr_cuda_tc_enable(int on);
int gr_cuda_tc_usable(const gr_resize_desc *d, const gr_resize_plan *p);
int gr_cuda_tc_launch(const gr_resize_desc *d, const gr_resize_plan *p, void *stream);
size_t gr_cuda_tc_table_bytes(const gr_resize_desc *d, const gr_resize_plan *p);

/* Integer tensor-core path (kernels/resize_i8.cu): reductions of images without alpha (1 or 3
 * channels) on sm_80 and later, within 1 of the CPU path. gr_cuda_plan_i8 needs the host weights
 * (it admits only filters whose sums stay in range); pure host code. gr_cuda_i8_init and
 * gr_cuda_i8_enable as their tc twins (GPU_RESIZE_TENSOR=0 turns both paths off). */
int gr_cuda_plan_i8(const int *h_start, const float *h_weights, int out_w, int h_taps,
                    const int *v_start, const float *v_weights, int out_h, int v_taps, int in_w,
                    int in_h, int channels, int max_smem_bytes, gr_resize_plan *plan);
int gr_cuda_i8_init(int max_smem_bytes);
void gr_cuda_i8_enable(int on);
int gr_cuda_i8_usable(const gr_resize_desc *d, const gr_resize_plan *p);
int gr_cuda_i8_launch(const gr_resize_desc *d, const gr_resize_plan *p, void *stream);
size_t gr_cuda_i8_table_bytes(const gr_resize_desc *d);
/* Measuring builds (-DGR_I8_TRACE=1) only: copies the per-block time stamps of the launches since
 * the last read into host (at most cap bytes; layout at i8_trace in resize_i8.cu) and clears
 * them; returns the bytes copied, 0 in other builds. */
size_t gr_cuda_i8_trace_read(void *host, size_t cap);

/* Fills plan->grid_x ints: for each column block, the smallest start of its outputs. */
void gr_cuda_fill_block_x0(const int *h_start_host, int out_w, const gr_resize_plan *plan,
                           int *block_x0);

/* Runs the whole resize on stream as planned: the integer tensor-core kernel where usable, else
 * the fp16 one, else fused (one launch) or two-pass (two); the tensor-core ones add a prep
 * kernel that builds their tables in desc.tmp. */
int gr_cuda_resize_launch(const gr_resize_desc *desc, const gr_resize_plan *plan, void *stream);

/* Which prep kernel gr_cuda_resize_launch runs for desc and plan on the current device: 0 none
 * (fused or two-pass), 1 the integer tensor-core tables, 2 the fp16 ones; *bytes gets the size of
 * those tables in desc.tmp (0 for none). The tables depend only on the filters, the source size
 * and the channels, so a caller may keep them for later requests of the same geometry. */
int gr_cuda_tables_kind(const gr_resize_desc *desc, const gr_resize_plan *plan, size_t *bytes);

/* The two passes on their own (used by the two-pass plan; callable for tests/benchmarks). */
int gr_cuda_vertical_launch(const gr_resize_desc *desc, void *stream);
int gr_cuda_horizontal_launch(const gr_resize_desc *desc, void *stream);

/* A tiny kernel for the health check: writes n ints value into p. */
int gr_cuda_fill_launch(int *p, int n, int value, void *stream);

#ifdef __cplusplus
}
#endif
#endif
