/* JPEG encoding on the GPU with nvJPEG (see jpeg_encode.h).
 *
 * Per device and lane: one nvJPEG handle, created on first use, and a pool of encoders made
 * with it. Each batcher borrows from a lane of its own (gr_gpu_jpeg_encoder_lane), other threads
 * from lane 0. (Lanes were brought in against wrong images that turned out to have another
 * cause, see encoder_create; on the H100 one lane for all was neither faster nor slower.) An
 * encoder is an encoder state (it holds the bitstream of its last encode, so each image in
 * flight needs its own) with its parameters. Parameters are set only when an encode asks for
 * others than the encoder's last ones.
 *
 * Quantisation: nvJPEG has no setter for raw tables, but copies them from a parsed JPEG. For
 * libjpeg's tables (those of the CPU encoder and sharp) we encode a tiny image with libjpeg at
 * the same quality, parse it and copy its tables; where that is not possible nvJPEG scales its
 * own tables by the quality.
 *
 * GPU_RESIZE_FAULT=encode[:rate] makes gr_gpu_jpeg_encode_queue fail (for failover tests). */
#define _POSIX_C_SOURCE 200809L

#include "gpu/jpeg_encode.h"

#include <cuda_runtime_api.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/codecs_internal.h"
#include "codecs/jfif.h"
#include "gpu/gpu.h"
#include "gpu/nvjpeg_api.h"
#include "gpu/runtime_internal.h"

#define GR_ENC_MAX_DEVICES 16
/* Encoders per device: two batchers of up to 256 images each. */
#define GR_ENC_POOL_MAX 512
#define GR_ENC_LANES 8

struct gr_gpu_jpeg_encoder {
  int device;
  gr_nvjpeg_handle handle;        /* its lane's */
  int lane;
  gr_nvjpeg_enc_state state;
  gr_nvjpeg_enc_params params;
  gr_nvjpeg_stream tables_stream; /* the parsed libjpeg image the tables come from */
  int set;                        /* params hold the settings below */
  int quality, chroma_444, optimized, progressive;
  gr_gpu_jpeg_tables tables;
  const char *tables_used;        /* "libjpeg" or "nvjpeg" */
  void *stream;                   /* of the queued encode */
  int queued;                     /* an encode is queued and not retrieved yet */
  int failed;                     /* destroy on return */
  gr_gpu_jpeg_encoder *next;
};

typedef struct enc_lane {
  int started; /* 1: handle created; -1: that failed (reason) */
  gr_nvjpeg_handle handle;
  gr_gpu_jpeg_encoder *free_list;
} enc_lane;

typedef struct enc_device {
  pthread_mutex_t lock;
  enc_lane lanes[GR_ENC_LANES];
  int count;   /* encoders alive, lent or free, all lanes */
  char reason[GR_MESSAGE_MAX];
} enc_device;

static __thread int t_lane;

void gr_gpu_jpeg_encoder_lane(int lane) {
  t_lane = lane < 0 ? 0 : lane % GR_ENC_LANES;
}

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static const gr_nvjpeg_api *g_nj;
static int g_device_count;
static enc_device g_devices[GR_ENC_MAX_DEVICES];
static char g_reason[GR_MESSAGE_MAX];

static void init_once(void) {
  char why[GR_MESSAGE_MAX];
  if (!gr_nvjpeg_has_encoder(why, sizeof why)) {
    snprintf(g_reason, sizeof g_reason, "%s", why);
    return;
  }
  if (!gr_gpu_available(NULL, 0, NULL, why, sizeof why)) {
    snprintf(g_reason, sizeof g_reason, "%s", why);
    return;
  }
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess || count <= 0) {
    cudaGetLastError();
    snprintf(g_reason, sizeof g_reason, "no CUDA device");
    return;
  }
  if (count > GR_ENC_MAX_DEVICES) count = GR_ENC_MAX_DEVICES;
  for (int i = 0; i < count; i++) pthread_mutex_init(&g_devices[i].lock, NULL);
  g_nj = gr_nvjpeg_load(NULL, 0);
  g_device_count = count;
}

int gr_gpu_jpeg_encoder_available(char *reason, size_t reason_size) {
  pthread_once(&g_once, init_once);
  if (g_device_count > 0) {
    if (reason && reason_size) reason[0] = '\0';
    return 1;
  }
  if (reason && reason_size) snprintf(reason, reason_size, "%s", g_reason);
  return 0;
}

static void encoder_destroy(gr_gpu_jpeg_encoder *e) {
  if (e->tables_stream) g_nj->JpegStreamDestroy(e->tables_stream);
  if (e->params) g_nj->EncoderParamsDestroy(e->params);
  if (e->state) g_nj->EncoderStateDestroy(e->state);
  free(e);
}

/* A new encoder on device d (current). NULL with err set on failure. */
static gr_gpu_jpeg_encoder *encoder_create(int device, gr_nvjpeg_handle handle, gr_error *err) {
  gr_gpu_jpeg_encoder *e = calloc(1, sizeof *e);
  if (!e) {
    gr_fail(err, GR_ERR_NO_MEMORY, "Out of memory");
    return NULL;
  }
  e->device = device;
  e->handle = handle;
  int s = g_nj->EncoderStateCreate(handle, &e->state, NULL);
  const char *what = "nvjpegEncoderStateCreate";
  if (s == GR_NVJPEG_SUCCESS) {
    what = "nvjpegEncoderParamsCreate";
    s = g_nj->EncoderParamsCreate(handle, &e->params, NULL);
  }
  if (s != GR_NVJPEG_SUCCESS) {
    gr_fail(err, GR_ERR_BACKEND, "%s: %s", what, gr_nvjpeg_status_name(s));
    encoder_destroy(e);
    return NULL;
  }
  /* The creates queue the new parameters' default device tables (quality 75) on the default
   * stream, unordered with our non-blocking streams: where that copy landed after our first
   * settings, every encode of the encoder quantised at 75 under a header of the asked quality
   * (H100, 2026-11-22: 28 of 888 GPU-encoded outputs in 4000 mixed requests, all from
   * encoders whose first settings were lost; 0 of 2664 with this wait). Wait for it here, once
   * per encoder. */
  if (cudaStreamSynchronize(cudaStreamLegacy) != cudaSuccess ||
      cudaStreamSynchronize(cudaStreamPerThread) != cudaSuccess) {
    gr_fail(err, GR_ERR_BACKEND, "GPU JPEG encode: %s", cudaGetErrorString(cudaGetLastError()));
    encoder_destroy(e);
    return NULL;
  }
  return e;
}

gr_status gr_gpu_jpeg_encoder_borrow(int device, gr_gpu_jpeg_encoder **enc, gr_error *err) {
  char why[GR_MESSAGE_MAX];
  if (!enc) return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "GPU JPEG encode: no encoder");
  *enc = NULL;
  if (!gr_gpu_jpeg_encoder_available(why, sizeof why)) {
    return gr_fail(err, GR_ERR_UNSUPPORTED, "GPU JPEG encode unavailable: %s", why);
  }
  if (device < 0 || device >= g_device_count) {
    return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "GPU JPEG encode: no device %d", device);
  }
  enc_device *d = &g_devices[device];
  const int lane = t_lane;
  enc_lane *l = &d->lanes[lane];
  pthread_mutex_lock(&d->lock);
  if (l->started == 0) {
    /* The handle belongs to the device current when it is made: make it there, then put the
     * caller's device back. */
    int previous = 0;
    cudaGetDevice(&previous);
    int s = cudaSetDevice(device) == cudaSuccess
                ? g_nj->CreateEx(GR_NVJPEG_BACKEND_DEFAULT, NULL, NULL, GR_NVJPEG_FLAGS_DEFAULT,
                                 &l->handle)
                : -1;
    cudaSetDevice(previous);
    cudaGetLastError();
    l->started = s == GR_NVJPEG_SUCCESS ? 1 : -1;
    if (l->started < 0) {
      snprintf(d->reason, sizeof d->reason, "nvjpegCreateEx on device %d: %s", device,
               s < 0 ? "cannot select the device" : gr_nvjpeg_status_name(s));
    }
  }
  if (l->started < 0) {
    snprintf(why, sizeof why, "%s", d->reason);
    pthread_mutex_unlock(&d->lock);
    return gr_fail(err, GR_ERR_UNSUPPORTED, "GPU JPEG encode unavailable: %s", why);
  }
  gr_gpu_jpeg_encoder *e = l->free_list;
  if (e) {
    l->free_list = e->next;
  } else if (d->count >= GR_ENC_POOL_MAX) {
    pthread_mutex_unlock(&d->lock);
    return gr_fail(err, GR_ERR_UNSUPPORTED, "GPU JPEG encode: all %d encoders of device %d busy",
                   GR_ENC_POOL_MAX, device);
  } else {
    d->count++; /* reserved; created outside the lock */
  }
  pthread_mutex_unlock(&d->lock);
  if (!e) {
    int previous = 0;
    cudaGetDevice(&previous);
    if (cudaSetDevice(device) != cudaSuccess) {
      cudaGetLastError();
      gr_fail(err, GR_ERR_BACKEND, "GPU JPEG encode: cannot select device %d", device);
    } else {
      e = encoder_create(device, l->handle, err);
      if (e) e->lane = lane;
    }
    cudaSetDevice(previous);
    if (!e) {
      pthread_mutex_lock(&d->lock);
      d->count--;
      pthread_mutex_unlock(&d->lock);
      return err ? err->code : GR_ERR_BACKEND;
    }
  }
  e->next = NULL;
  e->queued = 0;
  *enc = e;
  return GR_OK;
}

void gr_gpu_jpeg_encoder_return(gr_gpu_jpeg_encoder *e) {
  if (!e) return;
  enc_device *d = &g_devices[e->device];
  if (e->queued && !e->failed) {
    /* Given back without a retrieve: let its encode finish before it is lent again. */
    if (cudaStreamSynchronize((cudaStream_t)e->stream) != cudaSuccess) {
      cudaGetLastError();
      e->failed = 1;
    }
    e->queued = 0;
  }
  if (e->failed) {
    /* Its state may be broken: not lent again. */
    pthread_mutex_lock(&d->lock);
    d->count--;
    pthread_mutex_unlock(&d->lock);
    encoder_destroy(e);
    return;
  }
  pthread_mutex_lock(&d->lock);
  e->next = d->lanes[e->lane].free_list;
  d->lanes[e->lane].free_list = e;
  pthread_mutex_unlock(&d->lock);
}

/* Copies libjpeg's quantisation tables for `quality` into e->params. 0 on success. */
static int copy_libjpeg_tables(gr_gpu_jpeg_encoder *e, int quality, void *stream) {
  if (!g_nj->EncoderParamsCopyQuantizationTables) return -1;
  if (!e->tables_stream && g_nj->JpegStreamCreate(e->handle, &e->tables_stream) != 0) {
    e->tables_stream = NULL;
    return -1;
  }
  /* One 8x8 RGB block is enough for libjpeg to write both tables (luma and chroma). */
  uint8_t pixels[8 * 8 * 3];
  memset(pixels, 128, sizeof pixels);
  gr_image img = {pixels, 8, 8, 3, 8 * 3};
  gr_jpeg_options o = {quality, 0, 0, 0};
  uint8_t *jpeg = NULL;
  size_t length = 0;
  gr_error err;
  if (gr_jpeg_encode(&img, &o, &jpeg, &length, &err) != GR_OK) return -1;
  int s = g_nj->JpegStreamParse(e->handle, jpeg, length, 0, 0, e->tables_stream);
  if (s == GR_NVJPEG_SUCCESS) {
    s = g_nj->EncoderParamsCopyQuantizationTables(e->params, e->tables_stream, stream);
  }
  free(jpeg);
  return s == GR_NVJPEG_SUCCESS ? 0 : -1;
}

/* Sets e->params for o unless they are set so already. An nvJPEG status. */
static int set_params(gr_gpu_jpeg_encoder *e, const gr_gpu_jpeg_options *o, void *stream,
                      const char **what) {
  /* libjpeg always optimises the Huffman tables of progressive JPEG: so do we. */
  int optimized = o->optimize_coding || o->progressive;
  if (e->set && e->quality == o->quality && e->chroma_444 == o->chroma_444 &&
      e->optimized == optimized && e->progressive == o->progressive && e->tables == o->tables)
    return GR_NVJPEG_SUCCESS;
  e->set = 0;
  int s;
  if ((s = g_nj->EncoderParamsSetQuality(e->params, o->quality, stream)) != 0)
    return *what = "nvjpegEncoderParamsSetQuality", s;
  if ((s = g_nj->EncoderParamsSetSamplingFactors(
           e->params, o->chroma_444 ? GR_NVJPEG_CSS_444 : GR_NVJPEG_CSS_420, stream)) != 0)
    return *what = "nvjpegEncoderParamsSetSamplingFactors", s;
  if ((s = g_nj->EncoderParamsSetOptimizedHuffman(e->params, optimized, stream)) != 0)
    return *what = "nvjpegEncoderParamsSetOptimizedHuffman", s;
  if ((s = g_nj->EncoderParamsSetEncoding(e->params,
                                          o->progressive
                                              ? GR_NVJPEG_ENCODING_PROGRESSIVE_DCT_HUFFMAN
                                              : GR_NVJPEG_ENCODING_BASELINE_DCT,
                                          stream)) != 0)
    return *what = "nvjpegEncoderParamsSetEncoding", s;
  e->tables_used = "nvjpeg";
  if (o->tables == GR_GPU_JPEG_TABLES_LIBJPEG) {
    if (copy_libjpeg_tables(e, o->quality, stream) == 0) {
      e->tables_used = "libjpeg";
    } else if ((s = g_nj->EncoderParamsSetQuality(e->params, o->quality, stream)) != 0) {
      /* A failed copy may have left the tables half set: back to nvJPEG's. */
      return *what = "nvjpegEncoderParamsSetQuality", s;
    }
  }
  e->quality = o->quality;
  e->chroma_444 = o->chroma_444;
  e->optimized = optimized;
  e->progressive = o->progressive;
  e->tables = o->tables;
  e->set = 1;
  return GR_NVJPEG_SUCCESS;
}

gr_status gr_gpu_jpeg_encode_queue(gr_gpu_jpeg_encoder *e, const uint8_t *device_rgb,
                                   int width, int height, size_t pitch,
                                   const gr_gpu_jpeg_options *o, void *stream, gr_error *err) {
  gr_status st = gr_gpu_jpeg_check_frame(e, device_rgb, width, height, pitch, o, err);
  if (st != GR_OK) return st;
  if (e->queued) {
    return gr_fail(err, GR_ERR_INVALID_ARGUMENT,
                   "GPU JPEG encode: the encoder's last encode was not retrieved");
  }
  if (gr_gpu_fault("encode")) return gr_fail(err, GR_ERR_BACKEND, "injected fault: encode");
  int current = -1;
  if (cudaGetDevice(&current) != cudaSuccess || current != e->device) {
    cudaGetLastError();
    if (cudaSetDevice(e->device) != cudaSuccess) {
      cudaGetLastError();
      e->failed = 1;
      return gr_fail(err, GR_ERR_BACKEND, "GPU JPEG encode: cannot select device %d",
                     e->device);
    }
  }
  const char *what = "";
  int s = set_params(e, o, stream, &what);
  if (s == GR_NVJPEG_SUCCESS) {
    gr_nvjpeg_image img;
    memset(&img, 0, sizeof img);
    img.channel[0] = (unsigned char *)(uintptr_t)device_rgb; /* read only */
    img.pitch[0] = pitch;
    what = "nvjpegEncodeImage";
    s = g_nj->EncodeImage(e->handle, e->state, e->params, &img, GR_NVJPEG_INPUT_RGBI, width,
                          height, stream);
  }
  if (s != GR_NVJPEG_SUCCESS) {
    e->failed = 1;
    return gr_fail(err, GR_ERR_BACKEND, "%s: %s", what, gr_nvjpeg_status_name(s));
  }
  e->stream = stream;
  e->queued = 1;
  return GR_OK;
}

gr_status gr_gpu_jpeg_encode_retrieve(gr_gpu_jpeg_encoder *e, uint8_t **out,
                                      size_t *out_length, gr_error *err) {
  if (!e || !out || !out_length) {
    return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "GPU JPEG encode: retrieve without %s",
                   e ? "an output" : "an encoder");
  }
  *out = NULL;
  *out_length = 0;
  if (!e->queued) {
    return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "GPU JPEG encode: nothing queued to retrieve");
  }
  e->queued = 0;
  size_t length = 0;
  int s = g_nj->EncodeRetrieveBitstream(e->handle, e->state, NULL, &length, e->stream);
  if (s != GR_NVJPEG_SUCCESS || length < 4) {
    e->failed = 1;
    return gr_fail(err, GR_ERR_BACKEND, "nvjpegEncodeRetrieveBitstream: %s",
                   s != GR_NVJPEG_SUCCESS ? gr_nvjpeg_status_name(s) : "empty bitstream");
  }
  size_t cap = length + GR_JFIF_APP0_LENGTH; /* room for the JFIF header if nvJPEG wrote none */
  uint8_t *buf = malloc(cap);
  if (!buf) return gr_fail(err, GR_ERR_NO_MEMORY, "Out of memory");
  s = g_nj->EncodeRetrieveBitstream(e->handle, e->state, buf, &length, e->stream);
  if (s != GR_NVJPEG_SUCCESS) {
    free(buf);
    e->failed = 1;
    return gr_fail(err, GR_ERR_BACKEND, "nvjpegEncodeRetrieveBitstream: %s",
                   gr_nvjpeg_status_name(s));
  }
  gr_status st = gr_jpeg_set_jfif_header(buf, &length, cap, err);
  if (st != GR_OK) {
    free(buf);
    e->failed = 1;
    return st;
  }
  *out = buf;
  *out_length = length;
  return GR_OK;
}

gr_status gr_gpu_jpeg_encode(int device, const uint8_t *device_rgb, int width, int height,
                             size_t pitch, const gr_gpu_jpeg_options *o, void *stream,
                             uint8_t **out, size_t *out_length, gr_error *err) {
  gr_gpu_jpeg_encoder *e = NULL;
  if (!out || !out_length) {
    return gr_fail(err, GR_ERR_INVALID_ARGUMENT, "GPU JPEG encode: no output");
  }
  *out = NULL;
  *out_length = 0;
  gr_status st = gr_gpu_jpeg_encode_supported(o, width, height, err);
  if (st == GR_OK) st = gr_gpu_jpeg_encoder_borrow(device, &e, err);
  if (st == GR_OK) st = gr_gpu_jpeg_encode_queue(e, device_rgb, width, height, pitch, o, stream,
                                                 err);
  if (st == GR_OK) {
    cudaError_t ce = cudaStreamSynchronize((cudaStream_t)stream);
    if (ce != cudaSuccess) {
      e->failed = 1;
      st = gr_fail(err, GR_ERR_BACKEND, "GPU JPEG encode: %s", cudaGetErrorString(ce));
    }
  }
  if (st == GR_OK) st = gr_gpu_jpeg_encode_retrieve(e, out, out_length, err);
  gr_gpu_jpeg_encoder_return(e);
  return st;
}

const char *gr_gpu_jpeg_encoder_tables(const gr_gpu_jpeg_encoder *e) {
  return e && e->tables_used ? e->tables_used : "";
}
