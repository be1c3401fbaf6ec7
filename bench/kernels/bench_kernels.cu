/* Benchmark of the resize kernels alone, on the device: gpu-resize's fused and two-pass kernels
 * (kernels/resize.cu, coefficient tables from gr_filter_init_ex as the library builds them) and,
 * when built with NPP (-DGR_HAVE_NPP), nppiResize_8u_C3R_Ctx with NPPI_INTER_LANCZOS, _LINEAR
 * and _SUPER (downscales) on the same sizes.
 *
 *   build/bench_kernels [--out DIR] [--runs N] [--warmup N] [--buffers K] [--sweep] [--cases 0,1]
 *
 * Timing: CUDA events around each launch, median (and min, p90) of N runs, the launch queued behind
 * the same launch so that the host's launch cost is not counted (also behind a spin kernel only,
 * "spin", and from an idle GPU, "idle", where the host's cost is counted); an empty kernel, timed
 * the same way, shows the floor; the source rotates
 * over K device buffers so that consecutive runs do not find their input in L2. Also times the
 * pinned host<->device copies a request needs (in + out), for scale. Quality: PSNR of each NPP
 * output against ours (lanczos3, libvips semantics), which is bit-exact with the CPU path: each
 * case also runs the CPU resize (src/cpu) and reports the largest difference (exit status 1
 * when it is not 0). --sweep also times the fused kernel with other tile shapes.
 * Exit status: 0 ok, 2 no CUDA device (a message says why), 1 on a CUDA error.
 */
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>
#include <sys/stat.h>

#include "gpu/kernels.h"
extern "C" {
#include "core/filter.h"
#include "gpu/tables.h" /* GR_GPU_TC_BW */
#include "cpu/cpu.h"
}

#ifdef GR_HAVE_NPP
#include <npp.h> /* nppi.h (resize) and nppversion.h */
#endif

#define CK(call)                                                                              \
  do {                                                                                        \
    cudaError_t e_ = (call);                                                                  \
    if (e_ != cudaSuccess) {                                                                  \
      fprintf(stderr, "CUDA error %s at %s:%d: %s\n", cudaGetErrorName(e_), __FILE__, __LINE__, \
              cudaGetErrorString(e_));                                                        \
      exit(1);                                                                                \
    }                                                                                         \
  } while (0)

struct Case {
  const char *name;
  int in_w, in_h, out_w, out_h, channels;
};

struct Result {
  std::string case_name, impl;
  int in_w, in_h, out_w, out_h, channels;
  double median_ms, min_ms, p90_ms;
  double gbps;        /* (input + output bytes) / median time */
  double mpix_out;    /* output megapixels per second */
  double psnr_vs_ours; /* NaN for ours; inf when identical */
  std::string note;
  double spin_ms = NAN; /* median with each launch queued behind a spin kernel only */
  double idle_ms = NAN; /* median with each launch queued on an idle GPU (host launch cost included) */
  double host_us = NAN; /* median host time of the launch call itself */
};

static int g_runs = 50, g_warmup = 5, g_buffers = 4;
static const char *g_out_dir = nullptr; /* --out */
static int g_case = 0;                  /* the case being run, for file names */
static int g_sweep = 0;     /* --sweep: also time other fused tile shapes */
static int g_cpu_worst = 0; /* worst |ours - CPU| over all cases */
static int g_cpu_bad = 0;   /* 1: a kernel differed from the CPU by more than it may */

static void fill_pattern(std::vector<uint8_t> &img, int w, int h, int c, unsigned seed) {
  /* Smooth gradients plus fine detail and a little noise: something like a photo. */
  unsigned s = seed * 2654435761u + 1u;
  for (int y = 0; y < h; y++) {
    for (int x = 0; x < w; x++) {
      for (int k = 0; k < c; k++) {
        s = s * 1664525u + 1013904223u;
        double v = 128 + 60 * std::sin(0.004 * x * (k + 1) + 0.003 * y) +
                   40 * std::sin(0.09 * x + 0.07 * y * (k + 1)) + (double)((s >> 24) % 17) - 8;
        if (k == 3) v = 255 - ((x / 64 + y / 64) % 4) * 50; /* alpha: blocks of 255..105 */
        img[((size_t)y * w + x) * c + k] = (uint8_t)std::min(255.0, std::max(0.0, v));
      }
    }
  }
}

static double psnr(const std::vector<uint8_t> &a, const std::vector<uint8_t> &b) {
  double se = 0;
  for (size_t i = 0; i < a.size(); i++) {
    double d = (double)a[i] - (double)b[i];
    se += d * d;
  }
  if (se == 0) return INFINITY;
  return 10 * std::log10(255.0 * 255.0 / (se / (double)a.size()));
}

/* Keeps the stream busy for about ns nanoseconds (one thread). */
__global__ void spin_kernel(long long ns) {
  unsigned long long t0, t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t0));
  do {
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  } while ((long long)(t - t0) < ns);
}

__global__ void empty_kernel() {}

static double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

/* What time_it measured last besides its results: the spin and idle-GPU medians and the host
 * time of the launch call (with_last_timing files them with a result). */
static double g_last_idle_ms = NAN, g_last_spin_ms = NAN, g_last_host_us = NAN;

static Result with_last_timing(Result r) {
  r.spin_ms = g_last_spin_ms;
  r.idle_ms = g_last_idle_ms;
  r.host_us = g_last_host_us;
  return r;
}

/* Times fn(buffer index) with events: warm-up, then g_runs launches, one event pair each, read
 * on the device. Each timed launch is queued behind the same launch on another source buffer
 * (none of them in L2: the buffers rotate), and that behind a spin kernel (50 us): the launch is
 * queued before the GPU gets there (the host's launch cost is not in the figure) and follows its
 * own kind, as in a service that resizes one image after another (median, min, p90). Then g_runs
 * behind the spin kernel alone (g_last_spin_ms: what following another kernel, e.g. a change of
 * shared-memory configuration, adds), and g_runs from an idle GPU, where the host's cost is in it
 * (g_last_idle_ms), with the host time of fn (g_last_host_us). */
template <typename F>
static void time_it(F fn, cudaStream_t st, double *median, double *mn, double *p90) {
  cudaEvent_t a, b;
  CK(cudaEventCreate(&a));
  CK(cudaEventCreate(&b));
  for (int i = 0; i < g_warmup; i++) fn(i % g_buffers);
  CK(cudaStreamSynchronize(st));
  /* fn(k) between two events: its device ms (and, with host_us, the host time of the call). */
  auto timed = [&](int k, double *host_us) {
    CK(cudaEventRecord(a, st));
    const auto h0 = std::chrono::steady_clock::now();
    fn(k);
    const auto h1 = std::chrono::steady_clock::now();
    CK(cudaEventRecord(b, st));
    CK(cudaEventSynchronize(b));
    float t = 0;
    CK(cudaEventElapsedTime(&t, a, b));
    if (host_us) *host_us = std::chrono::duration<double, std::micro>(h1 - h0).count();
    return (double)t;
  };
  std::vector<double> ms, spun, idle, host;
  for (int i = 0; i < g_runs; i++) {
    spin_kernel<<<1, 1, 0, st>>>(50000);
    fn((i + g_buffers / 2) % g_buffers); /* the buffer furthest from the last use of buffer i */
    ms.push_back(timed(i % g_buffers, nullptr));
  }
  for (int i = 0; i < g_runs; i++) {
    spin_kernel<<<1, 1, 0, st>>>(50000);
    spun.push_back(timed(i % g_buffers, nullptr));
  }
  for (int i = 0; i < g_runs; i++) {
    double h = 0;
    idle.push_back(timed(i % g_buffers, &h));
    host.push_back(h);
  }
  std::sort(ms.begin(), ms.end());
  *median = median_of(ms);
  *mn = ms.front();
  *p90 = ms[std::min(ms.size() - 1, (size_t)std::ceil(0.9 * ms.size()) - 1)];
  g_last_idle_ms = median_of(idle);
  g_last_spin_ms = median_of(spun);
  g_last_host_us = median_of(host);
  CK(cudaEventDestroy(a));
  CK(cudaEventDestroy(b));
}

static void run_case(const Case &cs, int max_smem, cudaStream_t st, std::vector<Result> &out) {
  const int C = cs.channels;
  const size_t in_bytes = (size_t)cs.in_w * cs.in_h * C;
  const size_t out_bytes = (size_t)cs.out_w * cs.out_h * C;
  const double moved = (double)(in_bytes + out_bytes);
  auto add = [&](const char *impl, double med, double mn, double p90, double q, const std::string &note) {
    Result r{cs.name, impl, cs.in_w, cs.in_h, cs.out_w, cs.out_h, C, med, mn, p90,
             moved / (med * 1e-3) / 1e9, (double)cs.out_w * cs.out_h / (med * 1e-3) / 1e6, q, note};
    out.push_back(with_last_timing(r));
  };

  /* Coefficient tables as the library builds them (lanczos3, sharp's default). */
  gr_filter h, v;
  gr_error err;
  int h_up = cs.out_w > cs.in_w, v_up = cs.out_h > cs.in_h;
  if (gr_filter_init_ex(&h, cs.in_w, cs.out_w, GR_KERNEL_LANCZOS3, 0.0, v_up, &err) != GR_OK ||
      gr_filter_init_ex(&v, cs.in_h, cs.out_h, GR_KERNEL_LANCZOS3, 0.0, h_up, &err) != GR_OK) {
    fprintf(stderr, "gr_filter_init_ex failed for %s: %s\n", cs.name, err.message);
    exit(1);
  }
  gr_resize_plan plan;
  gr_cuda_plan(h.start, cs.out_w, h.taps, cs.out_h, v.taps, cs.in_w, C, max_smem, &plan);
  gr_cuda_plan_tc(h.start, cs.out_w, h.taps, v.start, cs.out_h, v.taps, cs.in_w, cs.in_h, C, max_smem, GR_GPU_TC_BW,
                  &plan);
  gr_cuda_plan_i8(h.start, h.weights, cs.out_w, h.taps, v.start, v.weights, cs.out_h, v.taps, cs.in_w, cs.in_h, C,
                  max_smem, &plan);
  std::vector<int> bx0(plan.fused ? plan.grid_x : 1, 0);
  if (plan.fused) gr_cuda_fill_block_x0(h.start, cs.out_w, &plan, bx0.data());

  /* Device buffers: K sources, one output per implementation, tables, two-pass intermediate. */
  std::vector<uint8_t *> dsrc(g_buffers);
  std::vector<uint8_t> host(in_bytes), host0;
  for (int k = 0; k < g_buffers; k++) {
    fill_pattern(host, cs.in_w, cs.in_h, C, (unsigned)k + 1);
    if (k == 0) host0 = host;
    CK(cudaMalloc(&dsrc[k], in_bytes));
    CK(cudaMemcpy(dsrc[k], host.data(), in_bytes, cudaMemcpyHostToDevice));
  }
  uint8_t *ddst = nullptr;
  CK(cudaMalloc(&ddst, out_bytes));
  int *dhs, *dvs, *dbx;
  float *dhw, *dvw, *dtmp;
  CK(cudaMalloc(&dhs, sizeof(int) * cs.out_w));
  CK(cudaMalloc(&dvs, sizeof(int) * cs.out_h));
  CK(cudaMalloc(&dhw, sizeof(float) * cs.out_w * h.taps));
  CK(cudaMalloc(&dvw, sizeof(float) * cs.out_h * v.taps));
  CK(cudaMalloc(&dbx, sizeof(int) * bx0.size()));
  const size_t tmp_pitch = (size_t)cs.in_w * C;
  /* The two-pass intermediate, or the tensor-core kernel's tables (any block width of the sweep). */
  CK(cudaMalloc(&dtmp, std::max(sizeof(float) * tmp_pitch * cs.out_h, plan.tmp_bytes) + (4u << 20)));
  CK(cudaMemcpy(dhs, h.start, sizeof(int) * cs.out_w, cudaMemcpyHostToDevice));
  CK(cudaMemcpy(dvs, v.start, sizeof(int) * cs.out_h, cudaMemcpyHostToDevice));
  CK(cudaMemcpy(dhw, h.weights, sizeof(float) * cs.out_w * h.taps, cudaMemcpyHostToDevice));
  CK(cudaMemcpy(dvw, v.weights, sizeof(float) * cs.out_h * v.taps, cudaMemcpyHostToDevice));
  CK(cudaMemcpy(dbx, bx0.data(), sizeof(int) * bx0.size(), cudaMemcpyHostToDevice));

  gr_resize_desc d;
  memset(&d, 0, sizeof d);
  d.src = dsrc[0];
  d.src_pitch = (size_t)cs.in_w * C;
  d.in_w = cs.in_w;
  d.in_h = cs.in_h;
  d.channels = C;
  d.dst = ddst;
  d.dst_pitch = out_bytes / cs.out_h;
  d.out_w = cs.out_w;
  d.out_h = cs.out_h;
  d.h_start = dhs;
  d.h_weights = dhw;
  d.h_taps = h.taps;
  d.v_start = dvs;
  d.v_weights = dvw;
  d.v_taps = v.taps;
  d.block_x0 = dbx;
  d.tmp = dtmp;
  d.tmp_pitch = tmp_pitch;

  char note[160];
  double med, mn, p90;
  std::vector<uint8_t> ours(out_bytes), theirs(out_bytes);

  /* The CPU path's output (src/cpu) from source buffer 0: the reference every kernel is held to
   * (bit-exact for the fused and two-pass kernels, within 1 for the tensor-core one). */
  std::vector<uint8_t> cpu_ref(out_bytes);
  {
    gr_image in, cpu;
    gr_error cerr;
    in.data = host0.data();
    in.width = cs.in_w;
    in.height = cs.in_h;
    in.channels = C;
    in.stride = (size_t)cs.in_w * C;
    memset(&cpu, 0, sizeof cpu);
    if (gr_cpu_resize_with(&in, &h, &v, &cpu, &cerr) != GR_OK) {
      fprintf(stderr, "cpu resize failed: %s\n", cerr.message);
      exit(1);
    }
    memcpy(cpu_ref.data(), cpu.data, out_bytes);
    gr_image_free(&cpu);
  }
  /* Appends "; vs CPU max diff W (N bytes differ)" and checks W against the allowed difference. */
  auto vs_cpu = [&](const std::vector<uint8_t> &o, int allowed, char *note_buf, size_t cap) {
    int worst = 0;
    size_t n = 0;
    for (size_t i = 0; i < out_bytes; i++) {
      int dd = std::abs((int)cpu_ref[i] - (int)o[i]);
      worst = std::max(worst, dd);
      n += dd != 0;
    }
    if (worst > allowed) g_cpu_bad = 1;
    g_cpu_worst = std::max(g_cpu_worst, worst);
    char t[96];
    snprintf(t, sizeof t, "; vs CPU max diff %d (%zu of %zu bytes differ)", worst, n, out_bytes);
    strncat(note_buf, t, cap - strlen(note_buf) - 1);
  };

  /* Times the launch of plan pp with descriptor dd over the rotating sources (med, mn, p90), then
   * runs it once on source buffer 0 and downloads the output into o. Tensor-core plans keep their
   * tables (built once, as the library's first request of a geometry does, then reused as its
   * contexts reuse them) unless keep is false: then every launch runs the prep kernel. */
  auto run_plan = [&](gr_resize_desc dd, const gr_resize_plan &pp, std::vector<uint8_t> &o, bool keep = true) {
    size_t tb = 0;
    dd.tables_ready = 0;
    if (keep && gr_cuda_tables_kind(&dd, &pp, &tb) != 0) {
      CK((cudaError_t)gr_cuda_resize_launch(&dd, &pp, st));
      CK(cudaStreamSynchronize(st));
      dd.tables_ready = 1;
    }
    time_it([&](int k) {
      dd.src = dsrc[k];
      CK((cudaError_t)gr_cuda_resize_launch(&dd, &pp, st));
    }, st, &med, &mn, &p90);
    dd.src = dsrc[0];
    CK((cudaError_t)gr_cuda_resize_launch(&dd, &pp, st));
    CK(cudaStreamSynchronize(st));
    CK(cudaMemcpy(o.data(), ddst, out_bytes, cudaMemcpyDeviceToHost));
  };

  /* Ours as the library runs it (tensor cores for 1 or 3 channels where the windows fit, else
   * fused when the tile fits, else two-pass); its output from source buffer 0 is the reference. */
  run_plan(d, plan, ours);
  const bool i8 = gr_cuda_i8_usable(&d, &plan) != 0;
  gr_resize_plan fp16 = plan;
  fp16.i8 = 0;
  const bool tc = gr_cuda_tc_usable(&d, &fp16) != 0;
  snprintf(note, sizeof note, "%s; taps h %d v %d%s",
           i8 ? "int8 tensor cores" : tc ? "tensor cores" : plan.fused ? "fused" : "two-pass", h.taps, v.taps,
           i8 || tc || plan.fused ? "" : " (tile does not fit)");
  if (i8) {
    char t[96];
    snprintf(t, sizeof t, "; 32-row blocks, smem %zu B, ks %d/%d", plan.i8_smem, plan.i8_ks1, plan.i8_ks2);
    strncat(note, t, sizeof note - strlen(note) - 1);
  } else if (tc) {
    char t[96];
    snprintf(t, sizeof t, "; tile %dx16, smem %zu B, ks %d/%d", plan.tc_bw, plan.tc_smem, plan.tc_ks1, plan.tc_ks2);
    strncat(note, t, sizeof note - strlen(note) - 1);
  } else if (plan.fused) {
    char t[96];
    snprintf(t, sizeof t, "; tile %dx%d, smem %zu B, grid %dx%d", plan.bw, plan.bh, plan.smem_bytes,
             plan.grid_x, plan.grid_y);
    strncat(note, t, sizeof note - strlen(note) - 1);
  }
  if (i8 || tc) strncat(note, "; tables kept (a repeated geometry)", sizeof note - strlen(note) - 1);
  /* Builds with -DGR_I8_TRACE=1: one more launch's per-block time stamps, as trace-N.bin. */
  if (i8 && g_out_dir) {
    const size_t cap = (size_t)4096 * 80 * sizeof(unsigned long long); /* resize_i8.cu: slots x words */
    std::vector<unsigned long long> tr(cap / sizeof(unsigned long long));
    if (gr_cuda_i8_trace_read(tr.data(), cap) > 0) {
      gr_resize_desc dd = d;
      dd.tables_ready = 1; /* run_plan left this plan's tables in d.tmp */
      CK((cudaError_t)gr_cuda_resize_launch(&dd, &plan, st));
      CK(cudaStreamSynchronize(st));
      const size_t n = gr_cuda_i8_trace_read(tr.data(), cap);
      mkdir(g_out_dir, 0755);
      const std::string path = std::string(g_out_dir) + "/trace-" + std::to_string(g_case) + ".bin";
      FILE *f = fopen(path.c_str(), "wb");
      if (f) {
        fwrite(tr.data(), 1, n, f);
        fclose(f);
      }
    }
  }
  add("gpu-resize lanczos3", med, mn, p90, NAN, note);

  vs_cpu(ours, i8 || tc ? 1 : 0, note, sizeof note);
  out.back().note = note;

  /* The same with the tables built by every launch (a geometry's first request). */
  if (i8 || tc) {
    run_plan(d, plan, theirs, false);
    char t[200];
    snprintf(t, sizeof t, "prep kernel on every launch");
    vs_cpu(theirs, 1, t, sizeof t);
    add("gpu-resize lanczos3, tables built", med, mn, p90, psnr(theirs, ours), t);
  }

  /* The fp16 tensor-core kernel, where the integer one ran above. */
  if (i8 && tc) {
    run_plan(d, fp16, theirs);
    char t[200];
    snprintf(t, sizeof t, "tile %dx16, ks %d/%d", plan.tc_bw, plan.tc_ks1, plan.tc_ks2);
    vs_cpu(theirs, 1, t, sizeof t);
    add("gpu-resize fp16 tensor", med, mn, p90, psnr(theirs, ours), t);
  }

  /* Tensor-core block widths (--sweep), each held to the CPU within 1. */
  if (g_sweep && tc) {
    for (int bw : {32, 48, 64, 96, 128}) {
      gr_resize_plan tp = fp16;
      if (!gr_cuda_plan_tc(h.start, cs.out_w, h.taps, v.start, cs.out_h, v.taps, cs.in_w, cs.in_h, C, max_smem, bw,
                           &tp))
        continue;
      run_plan(d, tp, theirs);
      char impl[48], t[200];
      snprintf(impl, sizeof impl, "tensor tile %dx16", bw);
      snprintf(t, sizeof t, "smem %zu B", tp.tc_smem);
      vs_cpu(theirs, 1, t, sizeof t);
      add(impl, med, mn, p90, psnr(theirs, ours), t);
    }
  }

  /* The bit-exact fused kernel, where the tensor-core one ran above. */
  gr_resize_plan exact = plan;
  exact.tc = 0;
  exact.i8 = 0;
  if ((i8 || tc) && plan.fused) {
    run_plan(d, exact, theirs);
    char t[200];
    snprintf(t, sizeof t, "tile %dx%d", plan.bw, plan.bh);
    vs_cpu(theirs, 0, t, sizeof t);
    add("gpu-resize fused", med, mn, p90, psnr(theirs, ours), t);
  }

  /* Other tile shapes (--sweep): each checked identical to the planned one. */
  if (g_sweep && plan.fused && !tc && !i8) {
    static const int shapes[][2] = {{128, 32}, {128, 16}, {128, 8}, {64, 32}, {64, 16}, {64, 8}, {32, 16}, {32, 8},
                                     {160, 16}, {160, 8}, {192, 16}, {96, 16}, {256, 8}};
    for (auto &sh : shapes) {
      gr_resize_plan tp;
      if (!gr_cuda_plan_tile(h.start, cs.out_w, h.taps, cs.out_h, v.taps, cs.in_w, C, max_smem, sh[0], sh[1], &tp))
        continue;
      std::vector<int> tb(tp.grid_x);
      gr_cuda_fill_block_x0(h.start, cs.out_w, &tp, tb.data());
      int *dtb;
      CK(cudaMalloc(&dtb, sizeof(int) * tb.size()));
      CK(cudaMemcpy(dtb, tb.data(), sizeof(int) * tb.size(), cudaMemcpyHostToDevice));
      gr_resize_desc dd = d;
      dd.block_x0 = dtb;
      run_plan(dd, tp, theirs);
      char impl[48], t[96];
      snprintf(impl, sizeof impl, "tile %dx%d", sh[0], sh[1]);
      snprintf(t, sizeof t, "fused, est. smem %zu B", tp.smem_bytes);
      add(impl, med, mn, p90, psnr(theirs, ours), t);
      CK(cudaFree(dtb));
    }
  }

  /* Ours, two-pass forced (the fallback path), for comparison. */
  if (plan.fused || tc || i8) {
    gr_resize_plan two = exact;
    two.fused = 0;
    run_plan(d, two, theirs);
    add("gpu-resize two-pass", med, mn, p90, psnr(theirs, ours), "vertical + horizontal kernels, float intermediate");
  }

  /* The pinned copies one request does (source up, result down), for scale. */
  {
    uint8_t *hin, *hout, *scratch;
    CK(cudaHostAlloc((void **)&hin, in_bytes, cudaHostAllocDefault));
    CK(cudaHostAlloc((void **)&hout, out_bytes, cudaHostAllocDefault));
    CK(cudaMalloc(&scratch, in_bytes));
    memset(hin, 1, in_bytes);
    time_it([&](int) {
      CK(cudaMemcpyAsync(scratch, hin, in_bytes, cudaMemcpyHostToDevice, st));
      CK(cudaMemcpyAsync(hout, ddst, out_bytes, cudaMemcpyDeviceToHost, st));
    }, st, &med, &mn, &p90);
    Result r{cs.name, "pinned H2D+D2H copies", cs.in_w, cs.in_h, cs.out_w, cs.out_h, C, med, mn, p90,
             moved / (med * 1e-3) / 1e9, NAN, NAN, "not a resize: PCIe cost of one request"};
    out.push_back(with_last_timing(r));
    CK(cudaFreeHost(hin));
    CK(cudaFreeHost(hout));
    CK(cudaFree(scratch));
  }

#ifdef GR_HAVE_NPP
  if (C == 3) {
    NppStreamContext ctx;
    memset(&ctx, 0, sizeof ctx);
    int dev = 0;
    CK(cudaGetDevice(&dev));
    ctx.hStream = st;
    ctx.nCudaDeviceId = dev;
    CK(cudaDeviceGetAttribute(&ctx.nMultiProcessorCount, cudaDevAttrMultiProcessorCount, dev));
    CK(cudaDeviceGetAttribute(&ctx.nMaxThreadsPerMultiProcessor, cudaDevAttrMaxThreadsPerMultiProcessor, dev));
    CK(cudaDeviceGetAttribute(&ctx.nMaxThreadsPerBlock, cudaDevAttrMaxThreadsPerBlock, dev));
    int smem = 0;
    CK(cudaDeviceGetAttribute(&smem, cudaDevAttrMaxSharedMemoryPerBlock, dev));
    ctx.nSharedMemPerBlock = (size_t)smem;
    CK(cudaDeviceGetAttribute(&ctx.nCudaDevAttrComputeCapabilityMajor, cudaDevAttrComputeCapabilityMajor, dev));
    CK(cudaDeviceGetAttribute(&ctx.nCudaDevAttrComputeCapabilityMinor, cudaDevAttrComputeCapabilityMinor, dev));
    unsigned flags = 0;
    CK(cudaStreamGetFlags(st, &flags));
    ctx.nStreamFlags = flags;

    NppiSize ssize = {cs.in_w, cs.in_h}, dsize = {cs.out_w, cs.out_h};
    NppiRect sroi = {0, 0, cs.in_w, cs.in_h}, droi = {0, 0, cs.out_w, cs.out_h};
    struct {
      const char *name;
      int mode;
      bool down_only;
    } modes[] = {{"NPP LANCZOS", NPPI_INTER_LANCZOS, false},
                 {"NPP LINEAR", NPPI_INTER_LINEAR, false},
                 {"NPP SUPER", NPPI_INTER_SUPER, true}};
    for (auto &m : modes) {
      if (m.down_only && (cs.out_w > cs.in_w || cs.out_h > cs.in_h)) continue;
      NppStatus s = nppiResize_8u_C3R_Ctx(dsrc[0], cs.in_w * 3, ssize, sroi, ddst, cs.out_w * 3, dsize, droi,
                                          m.mode, ctx);
      CK(cudaStreamSynchronize(st));
      if (s < 0) {
        snprintf(note, sizeof note, "NPP status %d", (int)s);
        Result r{cs.name, m.name, cs.in_w, cs.in_h, cs.out_w, cs.out_h, C, NAN, NAN, NAN, NAN, NAN, NAN, note};
        out.push_back(r);
        continue;
      }
      CK(cudaMemcpy(theirs.data(), ddst, out_bytes, cudaMemcpyDeviceToHost));
      double q = psnr(theirs, ours);
      time_it([&](int k) {
        nppiResize_8u_C3R_Ctx(dsrc[k], cs.in_w * 3, ssize, sroi, ddst, cs.out_w * 3, dsize, droi, m.mode, ctx);
      }, st, &med, &mn, &p90);
      snprintf(note, sizeof note, "nppiResize_8u_C3R_Ctx%s", s > 0 ? " (warning status)" : "");
      add(m.name, med, mn, p90, q, note);
    }
  }
#endif

  for (auto p : dsrc) CK(cudaFree(p));
  CK(cudaFree(ddst));
  CK(cudaFree(dhs));
  CK(cudaFree(dvs));
  CK(cudaFree(dhw));
  CK(cudaFree(dvw));
  CK(cudaFree(dbx));
  CK(cudaFree(dtmp));
  gr_filter_free(&h);
  gr_filter_free(&v);
}

static std::string jnum(double x) {
  if (std::isnan(x)) return "null";
  if (std::isinf(x)) return "\"inf\"";
  char b[64];
  snprintf(b, sizeof b, "%.6g", x);
  return b;
}

static std::string jstr(const std::string &s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    o += c;
  }
  return o + "\"";
}

int main(int argc, char **argv) {
  const char *out_dir = nullptr;
  const char *cases_arg = nullptr; /* --cases 0,1: only those (indices into cases[]) */
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--out") && i + 1 < argc) out_dir = argv[++i];
    else if (!strcmp(argv[i], "--runs") && i + 1 < argc) g_runs = std::max(1, atoi(argv[++i]));
    else if (!strcmp(argv[i], "--warmup") && i + 1 < argc) g_warmup = std::max(0, atoi(argv[++i]));
    else if (!strcmp(argv[i], "--buffers") && i + 1 < argc) g_buffers = std::max(1, atoi(argv[++i]));
    else if (!strcmp(argv[i], "--sweep")) g_sweep = 1;
    else if (!strcmp(argv[i], "--cases") && i + 1 < argc) cases_arg = argv[++i];
    else {
      fprintf(stderr, "usage: %s [--out DIR] [--runs N] [--warmup N] [--buffers K] [--sweep] [--cases 0,1]\n",
              argv[0]);
      return 2;
    }
  }

  int count = 0;
  cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess || count == 0) {
    printf("no CUDA device: %s; nothing measured\n",
           e != cudaSuccess ? cudaGetErrorString(e) : "cudaGetDeviceCount returned 0");
    return 2;
  }
  int dev = 0;
  CK(cudaSetDevice(dev));
  cudaDeviceProp prop;
  CK(cudaGetDeviceProperties(&prop, dev));
  int optin = 0;
  CK(cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, dev));
  if (optin < 48 * 1024) optin = 48 * 1024;
  CK((cudaError_t)gr_cuda_kernels_init(optin));
  int rt = 0, drv = 0;
  cudaRuntimeGetVersion(&rt);
  cudaDriverGetVersion(&drv);
  cudaStream_t st;
  CK(cudaStreamCreateWithFlags(&st, cudaStreamNonBlocking));

  std::string npp = "not built with NPP";
#ifdef GR_HAVE_NPP
#if defined(NPP_VER_MAJOR) && defined(NPP_VER_MINOR)
  npp = "NPP " + std::to_string(NPP_VER_MAJOR) + "." + std::to_string(NPP_VER_MINOR);
#else
  npp = "NPP (version unknown)";
#endif
#endif
  printf("device: %s (sm_%d%d, %d SMs, %.1f GiB), CUDA runtime %d, driver %d; %s\n", prop.name, prop.major,
         prop.minor, prop.multiProcessorCount, prop.totalGlobalMem / 1073741824.0, rt, drv, npp.c_str());
  printf("median of %d runs (%d warm-up), source rotating over %d buffers; CUDA events per launch, the launch\n"
         "queued behind the same launch (spin ms: behind a 50 us spin kernel only; idle ms: from an idle GPU,\n"
         "the host's launch cost included; host us: the launch call on the host)\n\n",
         g_runs, g_warmup, g_buffers);

  const Case cases[] = {
      {"3840x2160 RGB -> 1920x1080", 3840, 2160, 1920, 1080, 3},
      {"3840x2160 grey -> 1920x1080", 3840, 2160, 1920, 1080, 1},
      {"2725x2225 RGB -> 720x588", 2725, 2225, 720, 588, 3},
      {"720x588 RGB -> 2880x2352", 720, 588, 2880, 2352, 3},
      {"2048x1536 RGBA -> 720x540", 2048, 1536, 720, 540, 4},
  };
  std::vector<Result> results;
  /* What the timing itself adds: an empty kernel, timed as the resizes are. */
  {
    double med, mn, p90;
    time_it([&](int) { empty_kernel<<<1, 32, 0, st>>>(); }, st, &med, &mn, &p90);
    Result r{"measurement floor", "empty kernel", 0, 0, 0, 0, 0, med, mn, p90, NAN, NAN, NAN,
             "an empty launch, timed as the resizes are"};
    results.push_back(with_last_timing(r));
  }
  g_out_dir = out_dir;
  for (const Case &cs : cases) {
    bool run = !cases_arg;
    for (const char *p = cases_arg; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : "") {
      if (atoi(p) == g_case) run = true;
    }
    if (run) run_case(cs, optin, st, results);
    g_case++;
  }

  printf("%-28s %-24s %9s %9s %9s %9s %9s %7s %8s %9s %9s  %s\n", "case", "implementation", "median ms", "min ms",
         "p90 ms", "spin ms", "idle ms", "host us", "GB/s", "Mpix/s", "PSNR dB", "note");
  std::string last;
  for (const Result &r : results) {
    if (r.case_name != last && !last.empty()) printf("\n");
    last = r.case_name;
    char q[32];
    if (std::isnan(r.psnr_vs_ours)) snprintf(q, sizeof q, "%s", r.impl.rfind("gpu-resize lanczos3", 0) == 0 ? "ref" : "-");
    else if (std::isinf(r.psnr_vs_ours)) snprintf(q, sizeof q, "identical");
    else snprintf(q, sizeof q, "%.2f", r.psnr_vs_ours);
    char mp[32];
    if (std::isnan(r.mpix_out)) snprintf(mp, sizeof mp, "-");
    else snprintf(mp, sizeof mp, "%.0f", r.mpix_out);
    printf("%-28s %-24s %9.4f %9.4f %9.4f %9.4f %9.4f %7.1f %8.1f %9s %9s  %s\n", r.case_name.c_str(),
           r.impl.c_str(), r.median_ms, r.min_ms, r.p90_ms, r.spin_ms, r.idle_ms, r.host_us, r.gbps, mp, q,
           r.note.c_str());
  }

  if (out_dir) {
    mkdir(out_dir, 0755);
    std::string path = std::string(out_dir) + "/kernels.json";
    FILE *f = fopen(path.c_str(), "w");
    if (!f) {
      fprintf(stderr, "cannot write %s\n", path.c_str());
      return 1;
    }
    fprintf(f, "{\n  \"device\": %s,\n  \"computeCapability\": \"%d.%d\",\n  \"sms\": %d,\n  \"memoryGiB\": %.2f,\n",
            jstr(prop.name).c_str(), prop.major, prop.minor, prop.multiProcessorCount,
            prop.totalGlobalMem / 1073741824.0);
    fprintf(f, "  \"cudaRuntime\": %d,\n  \"cudaDriver\": %d,\n  \"npp\": %s,\n", rt, drv, jstr(npp).c_str());
    fprintf(f, "  \"runs\": %d,\n  \"warmup\": %d,\n  \"buffers\": %d,\n  \"results\": [\n", g_runs, g_warmup, g_buffers);
    for (size_t i = 0; i < results.size(); i++) {
      const Result &r = results[i];
      fprintf(f,
              "    {\"case\": %s, \"impl\": %s, \"in\": [%d, %d, %d], \"out\": [%d, %d], \"medianMs\": %s, "
              "\"minMs\": %s, \"p90Ms\": %s, \"spinMs\": %s, \"idleMs\": %s, \"hostUs\": %s, \"GBps\": %s, \"MpixPerSecOut\": %s, \"psnrVsOurs\": %s, "
              "\"note\": %s}%s\n",
              jstr(r.case_name).c_str(), jstr(r.impl).c_str(), r.in_w, r.in_h, r.channels, r.out_w, r.out_h,
              jnum(r.median_ms).c_str(), jnum(r.min_ms).c_str(), jnum(r.p90_ms).c_str(), jnum(r.spin_ms).c_str(), jnum(r.idle_ms).c_str(),
              jnum(r.host_us).c_str(), jnum(r.gbps).c_str(),
              jnum(r.mpix_out).c_str(), jnum(r.psnr_vs_ours).c_str(), jstr(r.note).c_str(),
              i + 1 < results.size() ? "," : "");
    }
    fprintf(f, "  ]\n}\n");
    fclose(f);
    printf("\nwrote %s\n", path.c_str());
  }
  CK(cudaStreamDestroy(st));
  printf("ours vs CPU: worst difference %d over all cases%s\n", g_cpu_worst,
         g_cpu_bad ? " (MORE than allowed: 0 for fused and two-pass, 1 for the tensor-core kernels)" : "");
  return g_cpu_bad ? 1 : 0;
}
