/* What nvJPEG can do on this machine, and how fast: the hardware backend (batched, with and
 * without scaled decode), the default backend, and how its pixels compare with libjpeg-turbo's.
 * Informs the GPU JPEG path's choices; prints a report (also as JSON with --out DIR).
 *
 *   build/cmake/nvjpeg_probe [image.jpg ...] [--out DIR]
 */
#define _POSIX_C_SOURCE 200809L

#include <cuda_runtime_api.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_io.h"
#include "codecs/codecs.h"
#include "gpu/nvjpeg_api.h"

static FILE *g_json;
static int g_format = GR_NVJPEG_OUTPUT_RGBI; /* --format: 5 RGBI, 3 planar RGB, 1 YUV */
static int g_scale_min = 0, g_scale_max = 2;
static int g_compare_only;

/* Batched hardware decode of `batch` copies of one image at one scale, iterations times. */
static void hw_batched(const gr_nvjpeg_api *nj, gr_nvjpeg_handle h, const unsigned char *data,
                       size_t len, int w, int h0, int batch, int scale, int iterations,
                       const char *name) {
  gr_nvjpeg_state st = NULL;
  gr_nvjpeg_params *params = calloc((size_t)batch, sizeof *params);
  gr_nvjpeg_image *dst = calloc((size_t)batch, sizeof *dst);
  const unsigned char **datas = calloc((size_t)batch, sizeof *datas);
  size_t *lens = calloc((size_t)batch, sizeof *lens);
  unsigned char *dev = NULL;
  cudaStream_t stream;
  cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking);
  int div = 1 << scale;
  int ow = (w + div - 1) / div, oh = (h0 + div - 1) / div;
  int planar = g_format != GR_NVJPEG_OUTPUT_RGBI;
  size_t pitch = (size_t)ow * (planar ? 1 : 3), plane = pitch * (size_t)oh * (planar ? 3 : 1);
  CK(nj->JpegStateCreate(h, &st));
  CK(nj->DecodeBatchedInitialize(h, st, batch, 1, g_format));
  if (cudaMalloc((void **)&dev, plane * (size_t)batch) != cudaSuccess) goto fail;
  for (int i = 0; i < batch; i++) {
    CK(nj->DecodeParamsCreate(h, &params[i]));
    CK(nj->DecodeParamsSetOutputFormat(params[i], g_format));
    CK(nj->DecodeParamsSetScaleFactor(params[i], scale));
    for (int c = 0; c < (planar ? 3 : 1); c++) {
      dst[i].channel[c] = dev + plane * (size_t)i + pitch * (size_t)oh * (size_t)c;
      dst[i].pitch[c] = pitch;
    }
    datas[i] = data;
    lens[i] = len;
  }
  CK(nj->DecodeBatchedEx(h, st, datas, lens, dst, params, stream)); /* warm-up */
  if (cudaStreamSynchronize(stream) != cudaSuccess) {
    printf("  hw batched %s scale 1/%d: %s\n", name, div, cudaGetErrorString(cudaGetLastError()));
    goto fail;
  }
  double t0 = now_ms();
  for (int it = 0; it < iterations; it++) {
    CK(nj->DecodeBatchedEx(h, st, datas, lens, dst, params, stream));
  }
  cudaStreamSynchronize(stream);
  double ms = now_ms() - t0;
  double ips = (double)batch * iterations / (ms / 1e3);
  printf("  hw batched %-10s batch %3d scale 1/%d (%dx%d): %8.1f images/s, %.3f ms/batch\n", name,
         batch, div, ow, oh, ips, ms / iterations);
  if (g_json)
    fprintf(g_json, "{\"test\":\"hw_batched\",\"image\":\"%s\",\"batch\":%d,\"scale\":%d,\"ips\":%.1f},\n",
            name, batch, div, ips);
fail:
  for (int i = 0; i < batch; i++)
    if (params[i]) nj->DecodeParamsDestroy(params[i]);
  if (st) nj->JpegStateDestroy(st);
  cudaFree(dev);
  cudaStreamDestroy(stream);
  free(params);
  free(dst);
  free(datas);
  free(lens);
}

/* Decodes one image at a scale on the hardware backend and compares with libjpeg-turbo's
 * DCT-scaled decode of the same size (max and mean absolute difference). */
static void compare_with_libjpeg(const gr_nvjpeg_api *nj, gr_nvjpeg_handle h,
                                 const unsigned char *data, size_t len, int w, int h0, int scale,
                                 const char *name) {
  gr_nvjpeg_state st = NULL;
  gr_nvjpeg_params params = NULL;
  unsigned char *dev = NULL, *host = NULL;
  gr_image ref = {0};
  gr_error err;
  int div = 1 << scale;
  int ow = (w + div - 1) / div, oh = (h0 + div - 1) / div;
  size_t pitch = (size_t)ow * 3;
  gr_nvjpeg_image dst = {{0}, {0}};
  const unsigned char *datas[1] = {data};
  size_t lens[1] = {len};
  CK(nj->JpegStateCreate(h, &st));
  CK(nj->DecodeBatchedInitialize(h, st, 1, 1, GR_NVJPEG_OUTPUT_RGBI));
  CK(nj->DecodeParamsCreate(h, &params));
  CK(nj->DecodeParamsSetOutputFormat(params, GR_NVJPEG_OUTPUT_RGBI));
  CK(nj->DecodeParamsSetScaleFactor(params, scale));
  cudaMalloc((void **)&dev, pitch * (size_t)oh);
  cudaMemset(dev, 0, pitch * (size_t)oh);
  dst.channel[0] = dev;
  dst.pitch[0] = pitch;
  CK(nj->DecodeBatchedEx(h, st, datas, lens, &dst, &params, 0));
  if (cudaDeviceSynchronize() != cudaSuccess) {
    printf("  compare %s scale 1/%d: %s\n", name, div, cudaGetErrorString(cudaGetLastError()));
    goto fail;
  }
  host = malloc(pitch * (size_t)oh);
  cudaMemcpy(host, dev, pitch * (size_t)oh, cudaMemcpyDeviceToHost);
  gr_decode_options o = {div, GR_FAIL_ON_NONE, 0, 0};
  if (gr_decode(data, len, &o, &ref, &err) != GR_OK) {
    printf("  libjpeg decode failed: %s\n", err.message);
    goto fail;
  }
  if (ref.channels != 3) {
    printf("  %s: libjpeg gives %d channels, skipped\n", name, ref.channels);
    goto fail;
  }
  int maxd = 0;
  double sum = 0;
  long n = 0, over2 = 0;
  for (int y = 0; y < ref.height && y < oh; y++)
    for (int x = 0; x < ref.width * 3 && x < ow * 3; x++) {
      int d = abs((int)host[(size_t)y * pitch + x] - (int)ref.data[(size_t)y * ref.stride + x]);
      if (d > maxd) maxd = d;
      if (d > 2) over2++;
      sum += d;
      n++;
    }
  printf("  compare %-10s scale 1/%d: nvjpeg %dx%d, libjpeg %dx%d, max diff %d, mean %.3f, >2: %.4f%%\n",
         name, div, ow, oh, ref.width, ref.height, maxd, sum / n, 100.0 * over2 / n);
  if (g_json)
    fprintf(g_json, "{\"test\":\"compare\",\"image\":\"%s\",\"scale\":%d,\"max\":%d,\"mean\":%.4f,\"over2pct\":%.5f},\n",
            name, div, maxd, sum / n, 100.0 * over2 / n);
fail:
  gr_image_free(&ref);
  free(host);
  cudaFree(dev);
  if (params) nj->DecodeParamsDestroy(params);
  if (st) nj->JpegStateDestroy(st);
}

static void default_single(const gr_nvjpeg_api *nj, int backend, const unsigned char *data,
                           size_t len, int w, int h0, const char *name) {
  gr_nvjpeg_handle h = NULL;
  gr_nvjpeg_state st = NULL;
  unsigned char *dev = NULL;
  cudaStream_t stream;
  cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking);
  CK(nj->CreateEx(backend, NULL, NULL, 0, &h));
  CK(nj->JpegStateCreate(h, &st));
  cudaMalloc((void **)&dev, (size_t)w * 3 * h0);
  gr_nvjpeg_image dst = {{dev}, {(size_t)w * 3}};
  CK(nj->Decode(h, st, data, len, GR_NVJPEG_OUTPUT_RGBI, &dst, stream));
  cudaStreamSynchronize(stream);
  double t0 = now_ms();
  int it = 20;
  for (int i = 0; i < it; i++) CK(nj->Decode(h, st, data, len, GR_NVJPEG_OUTPUT_RGBI, &dst, stream));
  cudaStreamSynchronize(stream);
  double ms = (now_ms() - t0) / it;
  printf("  backend %d single decode %-10s: %.3f ms/image\n", backend, name, ms);
  if (g_json)
    fprintf(g_json, "{\"test\":\"single\",\"backend\":%d,\"image\":\"%s\",\"ms\":%.4f},\n", backend, name, ms);
fail:
  if (st) nj->JpegStateDestroy(st);
  if (h) nj->Destroy(h);
  cudaFree(dev);
  cudaStreamDestroy(stream);
}

int main(int argc, char **argv) {
  const char *out = NULL;
  const char *files[16];
  int nfiles = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--out") && i + 1 < argc) out = argv[++i];
    else if (!strcmp(argv[i], "--format") && i + 1 < argc) g_format = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--scale") && i + 1 < argc) g_scale_min = g_scale_max = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--compare-only")) g_compare_only = 1;
    else if (nfiles < 16) files[nfiles++] = argv[i];
  }
  if (out) {
    char path[1024];
    snprintf(path, sizeof path, "%s/nvjpeg_probe.json", out);
    g_json = fopen(path, "w");
    if (g_json) fprintf(g_json, "[\n");
  }
  char reason[GR_MESSAGE_MAX];
  const gr_nvjpeg_api *nj = gr_nvjpeg_load(reason, sizeof reason);
  if (!nj) {
    printf("nvJPEG: %s\n", reason);
    return 1;
  }
  struct cudaDeviceProp prop;
  cudaGetDeviceProperties(&prop, 0);
  printf("device: %s\n", prop.name);
  gr_nvjpeg_handle hw = NULL;
  int s = nj->CreateEx(GR_NVJPEG_BACKEND_HARDWARE, NULL, NULL, 0, &hw);
  printf("hardware backend: %s\n", s == 0 ? "yes" : gr_nvjpeg_status_name(s));
  for (int f = 0; f < nfiles; f++) {
    size_t len;
    unsigned char *data = read_file(files[f], &len);
    if (!data) continue;
    const char *name = strrchr(files[f], '/') ? strrchr(files[f], '/') + 1 : files[f];
    int comps = 0, css = -1, ws[4] = {0}, hs[4] = {0};
    gr_nvjpeg_handle info = hw;
    gr_nvjpeg_handle tmp = NULL;
    if (!info) {
      nj->CreateEx(GR_NVJPEG_BACKEND_DEFAULT, NULL, NULL, 0, &tmp);
      info = tmp;
    }
    nj->GetImageInfo(info, data, len, &comps, &css, ws, hs);
    printf("%s: %d bytes, %dx%d, %d components, subsampling %d\n", name, (int)len, ws[0], hs[0],
           comps, css);
    if (hw) {
      gr_nvjpeg_stream js = NULL;
      gr_nvjpeg_params p = NULL;
      if (nj->JpegStreamCreate(hw, &js) == 0 && nj->DecodeParamsCreate(hw, &p) == 0 &&
          nj->JpegStreamParse(hw, data, len, 0, 0, js) == 0) {
        for (int sc = 0; sc <= 3; sc++) {
          int sup = -1;
          nj->DecodeParamsSetOutputFormat(p, GR_NVJPEG_OUTPUT_RGBI);
          nj->DecodeParamsSetScaleFactor(p, sc);
          int r = nj->DecodeBatchedSupportedEx(hw, js, p, &sup);
          printf("  hw batched supported scale 1/%d: status %d, is_supported %d (0 = yes)\n",
                 1 << sc, r, sup);
        }
      }
      if (p) nj->DecodeParamsDestroy(p);
      if (js) nj->JpegStreamDestroy(js);
      if (g_format == GR_NVJPEG_OUTPUT_RGBI)
        for (int sc = g_scale_min; sc <= g_scale_max; sc++) compare_with_libjpeg(nj, hw, data, len, ws[0], hs[0], sc, name);
      int batches[] = {1, 8, 32, 64};
      if (!g_compare_only)
      for (int sc = g_scale_min; sc <= g_scale_max; sc++)
        for (int b = 0; b < 4; b++)
          hw_batched(nj, hw, data, len, ws[0], hs[0], batches[b], sc, batches[b] >= 32 ? 4 : 16, name);
    }
    if (!g_compare_only) default_single(nj, GR_NVJPEG_BACKEND_DEFAULT, data, len, ws[0], hs[0], name);
    if (!g_compare_only) default_single(nj, GR_NVJPEG_BACKEND_GPU_HYBRID, data, len, ws[0], hs[0], name);
    if (tmp) nj->Destroy(tmp);
    free(data);
  }
  if (hw) nj->Destroy(hw);
  if (g_json) {
    fprintf(g_json, "{}\n]\n");
    fclose(g_json);
  }
  return 0;
}
