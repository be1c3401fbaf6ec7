/* Can nvJPEG's GPU hybrid decoder (Huffman decoding on the SMs) add to the hardware JPEG
 * engines? Measures, on one image:
 *   - decoupled single-image decode (nvjpegDecodeJpegHost/TransferToDevice/Device) with the
 *     HYBRID (CPU Huffman) and GPU_HYBRID decoders: the latency a lone request would see;
 *   - that decode from N threads at once (each its own state and stream): its throughput;
 *   - batched decode (nvjpegDecodeBatched) on a GPU_HYBRID handle;
 *   - the hardware engines' batched decode alone and with N GPU_HYBRID threads beside it.
 * Prints a report, and JSON lines with --out DIR (hybrid_probe.json).
 *
 *   build/cmake/hybrid_probe image.jpg [--seconds S] [--out DIR]
 *
 * The decoupled entry points are looked up here (dlsym) rather than in nvjpeg_api.c: only
 * this probe uses them. Prototypes as in nvjpeg.h (CUDA 11-13). */
#define _POSIX_C_SOURCE 200809L

#include <cuda_runtime_api.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_io.h"
#include "gpu/nvjpeg_api.h"

typedef void *njdecoder;
typedef void *njbuffer;

static struct {
  int (*DecoderCreate)(gr_nvjpeg_handle, int backend, njdecoder *);
  int (*DecoderDestroy)(njdecoder);
  int (*DecoderStateCreate)(gr_nvjpeg_handle, njdecoder, gr_nvjpeg_state *);
  int (*DecoderJpegSupported)(njdecoder, gr_nvjpeg_stream, gr_nvjpeg_params, int *);
  int (*BufferPinnedCreate)(gr_nvjpeg_handle, void *allocator, njbuffer *);
  int (*BufferPinnedDestroy)(njbuffer);
  int (*BufferDeviceCreate)(gr_nvjpeg_handle, void *allocator, njbuffer *);
  int (*BufferDeviceDestroy)(njbuffer);
  int (*StateAttachPinnedBuffer)(gr_nvjpeg_state, njbuffer);
  int (*StateAttachDeviceBuffer)(gr_nvjpeg_state, njbuffer);
  int (*DecodeJpegHost)(gr_nvjpeg_handle, njdecoder, gr_nvjpeg_state, gr_nvjpeg_params,
                        gr_nvjpeg_stream);
  int (*DecodeJpegTransferToDevice)(gr_nvjpeg_handle, njdecoder, gr_nvjpeg_state,
                                    gr_nvjpeg_stream, gr_cuda_stream);
  int (*DecodeJpegDevice)(gr_nvjpeg_handle, njdecoder, gr_nvjpeg_state, gr_nvjpeg_image *,
                          gr_cuda_stream);
} dec;

static const gr_nvjpeg_api *nj;
static FILE *g_json;
static double g_seconds = 2.0;
static const unsigned char *g_data;
static size_t g_len;
static int g_w, g_h;
static const char *g_name;

static int load_decoupled(void) {
  const char *libs[] = {"libnvjpeg.so.13", "libnvjpeg.so.12", "libnvjpeg.so.11", "libnvjpeg.so"};
  void *lib = NULL;
  for (size_t i = 0; i < 4 && !lib; i++) lib = dlopen(libs[i], RTLD_NOW | RTLD_LOCAL);
  if (!lib) return 0;
  struct { void **slot; const char *name; } syms[] = {
#define S(f) {(void **)&dec.f, "nvjpeg" #f}
      S(DecoderCreate), S(DecoderDestroy), S(DecoderStateCreate), S(DecoderJpegSupported),
      S(BufferPinnedCreate), S(BufferPinnedDestroy), S(BufferDeviceCreate),
      S(BufferDeviceDestroy), S(StateAttachPinnedBuffer), S(StateAttachDeviceBuffer),
      S(DecodeJpegHost), S(DecodeJpegTransferToDevice), S(DecodeJpegDevice),
#undef S
  };
  for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
    void *p = dlsym(lib, syms[i].name);
    if (!p) {
      printf("missing %s\n", syms[i].name);
      return 0;
    }
    memcpy(syms[i].slot, &p, sizeof p);
  }
  return 1;
}

/* One decoupled decoder: its own state, buffers, stream and output. */
typedef struct lane {
  gr_nvjpeg_handle handle;
  njdecoder decoder;
  gr_nvjpeg_state state;
  njbuffer pinned, device;
  gr_nvjpeg_stream stream;
  gr_nvjpeg_params params;
  cudaStream_t cuda;
  unsigned char *out;
  double host_ms; /* summed DecodeJpegHost time */
} lane;

static void lane_free(lane *l) {
  if (l->params) nj->DecodeParamsDestroy(l->params);
  if (l->stream) nj->JpegStreamDestroy(l->stream);
  if (l->state) nj->JpegStateDestroy(l->state);
  if (l->pinned) dec.BufferPinnedDestroy(l->pinned);
  if (l->device) dec.BufferDeviceDestroy(l->device);
  if (l->decoder) dec.DecoderDestroy(l->decoder);
  if (l->cuda) cudaStreamDestroy(l->cuda);
  cudaFree(l->out);
  memset(l, 0, sizeof *l);
}

static int lane_init(lane *l, gr_nvjpeg_handle handle, int backend) {
  memset(l, 0, sizeof *l);
  l->handle = handle;
  CK(dec.DecoderCreate(handle, backend, &l->decoder));
  CK(dec.DecoderStateCreate(handle, l->decoder, &l->state));
  CK(dec.BufferPinnedCreate(handle, NULL, &l->pinned));
  CK(dec.BufferDeviceCreate(handle, NULL, &l->device));
  CK(dec.StateAttachPinnedBuffer(l->state, l->pinned));
  CK(dec.StateAttachDeviceBuffer(l->state, l->device));
  CK(nj->JpegStreamCreate(handle, &l->stream));
  CK(nj->DecodeParamsCreate(handle, &l->params));
  CK(nj->DecodeParamsSetOutputFormat(l->params, GR_NVJPEG_OUTPUT_RGBI));
  if (cudaStreamCreateWithFlags(&l->cuda, cudaStreamNonBlocking) != cudaSuccess) goto fail;
  if (cudaMalloc((void **)&l->out, (size_t)g_w * 3 * (size_t)g_h) != cudaSuccess) goto fail;
  return 1;
fail:
  lane_free(l);
  return 0;
}

/* One image through the three phases; sync = wait for the device phase. */
static int lane_decode(lane *l, int sync) {
  gr_nvjpeg_image dst = {{l->out}, {(size_t)g_w * 3}};
  CK(nj->JpegStreamParse(l->handle, g_data, g_len, 0, 0, l->stream));
  double t0 = now_ms();
  CK(dec.DecodeJpegHost(l->handle, l->decoder, l->state, l->params, l->stream));
  l->host_ms += now_ms() - t0;
  CK(dec.DecodeJpegTransferToDevice(l->handle, l->decoder, l->state, l->stream, l->cuda));
  CK(dec.DecodeJpegDevice(l->handle, l->decoder, l->state, &dst, l->cuda));
  if (sync && cudaStreamSynchronize(l->cuda) != cudaSuccess) return 0;
  return 1;
fail:
  return 0;
}

static void single(gr_nvjpeg_handle handle, int backend, const char *label) {
  lane l;
  if (!lane_init(&l, handle, backend)) return;
  int supported = -1;
  if (nj->JpegStreamParse(handle, g_data, g_len, 0, 0, l.stream) == 0) {
    dec.DecoderJpegSupported(l.decoder, l.stream, l.params, &supported);
  }
  for (int i = 0; i < 3; i++)
    if (!lane_decode(&l, 1)) goto out;
  l.host_ms = 0;
  int n = 30;
  double t0 = now_ms();
  for (int i = 0; i < n; i++)
    if (!lane_decode(&l, 1)) goto out;
  double ms = (now_ms() - t0) / n;
  printf("  single %-11s %.3f ms/image (host phase %.3f ms), supported %d (0 = yes)\n", label, ms,
         l.host_ms / n, supported);
  if (g_json)
    fprintf(g_json, "{\"test\":\"single\",\"decoder\":\"%s\",\"image\":\"%s\",\"ms\":%.4f,\"host_ms\":%.4f}\n",
            label, g_name, ms, l.host_ms / n);
out:
  lane_free(&l);
}

/* ---- threads decoding side by side ---- */
typedef struct worker {
  pthread_t thread;
  lane lane;
  int hardware; /* 1: batched hardware decode instead of a decoupled lane */
  gr_nvjpeg_handle handle;
  int batch;
  volatile int *stop;
  long images;
  int failed;
} worker;

static void *lane_loop(void *arg) {
  worker *w = arg;
  while (!*w->stop) {
    if (!lane_decode(&w->lane, 1)) {
      w->failed = 1;
      break;
    }
    w->images++;
  }
  return NULL;
}

static void *hw_loop(void *arg) {
  worker *w = arg;
  int b = w->batch;
  gr_nvjpeg_state st = NULL;
  cudaStream_t cuda = NULL;
  unsigned char *out = NULL;
  gr_nvjpeg_image *dst = calloc((size_t)b, sizeof *dst);
  const unsigned char **datas = calloc((size_t)b, sizeof *datas);
  size_t *lens = calloc((size_t)b, sizeof *lens);
  size_t plane = (size_t)g_w * 3 * (size_t)g_h;
  cudaStreamCreateWithFlags(&cuda, cudaStreamNonBlocking);
  if (cudaMalloc((void **)&out, plane * (size_t)b) != cudaSuccess) goto fail;
  CK(nj->JpegStateCreate(w->handle, &st));
  CK(nj->DecodeBatchedInitialize(w->handle, st, b, 1, GR_NVJPEG_OUTPUT_RGBI));
  for (int i = 0; i < b; i++) {
    dst[i].channel[0] = out + plane * (size_t)i;
    dst[i].pitch[0] = (size_t)g_w * 3;
    datas[i] = g_data;
    lens[i] = g_len;
  }
  while (!*w->stop) {
    CK(nj->DecodeBatched(w->handle, st, datas, lens, dst, cuda));
    if (cudaStreamSynchronize(cuda) != cudaSuccess) goto fail;
    w->images += b;
  }
  goto done;
fail:
  w->failed = 1;
done:
  if (st) nj->JpegStateDestroy(st);
  cudaFree(out);
  cudaStreamDestroy(cuda);
  free(dst);
  free(datas);
  free(lens);
  return NULL;
}

/* hw_batch > 0: one thread of batched hardware decode; lanes: decoupled decoders of backend. */
static void side_by_side(gr_nvjpeg_handle hybrid, int backend, int lanes, gr_nvjpeg_handle hw,
                         int hw_batch) {
  worker ws[33];
  volatile int stop = 0;
  int n = 0;
  memset(ws, 0, sizeof ws);
  for (int i = 0; i < lanes && n < 32; i++, n++) {
    ws[n].stop = &stop;
    if (!lane_init(&ws[n].lane, hybrid, backend)) return;
    lane_decode(&ws[n].lane, 1); /* warm-up */
  }
  int hw_index = -1;
  if (hw && hw_batch > 0) {
    hw_index = n;
    ws[n].hardware = 1;
    ws[n].handle = hw;
    ws[n].batch = hw_batch;
    ws[n].stop = &stop;
    n++;
  }
  for (int i = 0; i < n; i++)
    pthread_create(&ws[i].thread, NULL, ws[i].hardware ? hw_loop : lane_loop, &ws[i]);
  /* Count from a second in, so set-up is not timed. */
  struct timespec half = {0, 500000000L};
  nanosleep(&half, NULL);
  long before_hw = hw_index >= 0 ? ws[hw_index].images : 0, before_lanes = 0;
  for (int i = 0; i < lanes; i++) before_lanes += ws[i].images;
  double t0 = now_ms();
  struct timespec run = {(time_t)g_seconds, (long)((g_seconds - (long)g_seconds) * 1e9)};
  nanosleep(&run, NULL);
  long after_hw = hw_index >= 0 ? ws[hw_index].images : 0, after_lanes = 0;
  for (int i = 0; i < lanes; i++) after_lanes += ws[i].images;
  double s = (now_ms() - t0) / 1e3;
  stop = 1;
  int failed = 0;
  for (int i = 0; i < n; i++) {
    pthread_join(ws[i].thread, NULL);
    failed |= ws[i].failed;
  }
  double lane_ips = (after_lanes - before_lanes) / s, hw_ips = (after_hw - before_hw) / s;
  printf("  %2d x %-11s lanes%s: lanes %7.1f images/s, hardware %7.1f, total %7.1f%s\n", lanes,
         backend == GR_NVJPEG_BACKEND_GPU_HYBRID ? "GPU_HYBRID" : "HYBRID",
         hw_index >= 0 ? " + hardware batch" : "", lane_ips, hw_ips, lane_ips + hw_ips,
         failed ? " (a decode failed)" : "");
  if (g_json)
    fprintf(g_json,
            "{\"test\":\"side_by_side\",\"image\":\"%s\",\"decoder\":%d,\"lanes\":%d,\"hw_batch\":%d,\"lane_ips\":%.1f,\"hw_ips\":%.1f,\"failed\":%d}\n",
            g_name, backend, lanes, hw_index >= 0 ? hw_batch : 0, lane_ips, hw_ips, failed);
  for (int i = 0; i < lanes; i++) lane_free(&ws[i].lane);
}

/* Batched decode on a handle of the given backend (GPU_HYBRID: GPU Huffman past some batch). */
static void batched(gr_nvjpeg_handle handle, const char *label, int batch) {
  worker w;
  volatile int stop = 0;
  memset(&w, 0, sizeof w);
  w.handle = handle;
  w.batch = batch;
  w.stop = &stop;
  pthread_create(&w.thread, NULL, hw_loop, &w);
  struct timespec half = {0, 500000000L};
  nanosleep(&half, NULL);
  long before = w.images;
  double t0 = now_ms();
  struct timespec run = {(time_t)g_seconds, (long)((g_seconds - (long)g_seconds) * 1e9)};
  nanosleep(&run, NULL);
  long after = w.images;
  double s = (now_ms() - t0) / 1e3;
  stop = 1;
  pthread_join(w.thread, NULL);
  printf("  batched %-11s batch %3d: %7.1f images/s%s\n", label, batch, (after - before) / s,
         w.failed ? " (failed)" : "");
  if (g_json)
    fprintf(g_json, "{\"test\":\"batched\",\"handle\":\"%s\",\"image\":\"%s\",\"batch\":%d,\"ips\":%.1f,\"failed\":%d}\n",
            label, g_name, batch, (after - before) / s, w.failed);
}

int main(int argc, char **argv) {
  const char *out = NULL, *file = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--out") && i + 1 < argc) out = argv[++i];
    else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) g_seconds = atof(argv[++i]);
    else file = argv[i];
  }
  if (!file) {
    printf("usage: hybrid_probe image.jpg [--seconds S] [--out DIR]\n");
    return 2;
  }
  if (out) {
    char path[1024];
    snprintf(path, sizeof path, "%s/hybrid_probe.json", out);
    g_json = fopen(path, "w");
  }
  char reason[GR_MESSAGE_MAX];
  nj = gr_nvjpeg_load(reason, sizeof reason);
  if (!nj || !load_decoupled()) {
    printf("nvJPEG: %s\n", nj ? "no decoupled API" : reason);
    return 1;
  }
  g_data = read_file(file, &g_len);
  if (!g_data) return 1;
  g_name = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
  struct cudaDeviceProp prop;
  cudaGetDeviceProperties(&prop, 0);
  gr_nvjpeg_handle hybrid = NULL, hw = NULL, gpu_batched = NULL;
  if (nj->CreateEx(GR_NVJPEG_BACKEND_DEFAULT, NULL, NULL, 0, &hybrid) != 0) return 1;
  int comps = 0, css = -1, ws[4] = {0}, hs[4] = {0};
  nj->GetImageInfo(hybrid, g_data, g_len, &comps, &css, ws, hs);
  g_w = ws[0];
  g_h = hs[0];
  printf("device: %s; %s %dx%d, %d components, subsampling %d\n", prop.name, g_name, g_w, g_h,
         comps, css);
  single(hybrid, GR_NVJPEG_BACKEND_HYBRID, "HYBRID");
  single(hybrid, GR_NVJPEG_BACKEND_GPU_HYBRID, "GPU_HYBRID");
  if (nj->CreateEx(GR_NVJPEG_BACKEND_HARDWARE, NULL, NULL, 0, &hw) != 0) hw = NULL;
  int lanes[] = {1, 2, 4, 8, 16};
  for (int i = 0; i < 5; i++) side_by_side(hybrid, GR_NVJPEG_BACKEND_GPU_HYBRID, lanes[i], NULL, 0);
  if (hw) {
    batched(hw, "HARDWARE", 64);
    for (int i = 1; i < 5; i++) side_by_side(hybrid, GR_NVJPEG_BACKEND_GPU_HYBRID, lanes[i], hw, 64);
    side_by_side(hybrid, GR_NVJPEG_BACKEND_HYBRID, 8, hw, 64);
  }
  if (nj->CreateEx(GR_NVJPEG_BACKEND_GPU_HYBRID, NULL, NULL, 0, &gpu_batched) == 0) {
    int batches[] = {32, 128, 256};
    for (int i = 0; i < 3; i++) batched(gpu_batched, "GPU_HYBRID", batches[i]);
  }
  if (g_json) fclose(g_json);
  return 0;
}
