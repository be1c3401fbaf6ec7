/* Loads libnvjpeg at run time (see nvjpeg_api.h). */
#define _POSIX_C_SOURCE 200809L

#include "gpu/nvjpeg_api.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static gr_nvjpeg_api g_api;
static int g_loaded;
static char g_reason[GR_MESSAGE_MAX];
static char g_encoder_reason[GR_MESSAGE_MAX];

typedef struct gr_nvjpeg_symbol {
  void **slot;
  const char *name;
} gr_nvjpeg_symbol;

/* Resolves every symbol into its slot; returns the name of the first missing one, or NULL. */
static const char *load_symbols(void *lib, gr_nvjpeg_symbol *symbols, size_t count) {
  for (size_t i = 0; i < count; i++) {
    void *p = dlsym(lib, symbols[i].name);
    if (!p) return symbols[i].name;
    memcpy(symbols[i].slot, &p, sizeof p);
  }
  return NULL;
}

/* Newest first; the unversioned name last (it is only present with the development files). */
static const char *const kLibraries[] = {"libnvjpeg.so.13", "libnvjpeg.so.12", "libnvjpeg.so.11",
                                         "libnvjpeg.so"};

static void load_once(void) {
  const char *env = getenv("GPU_RESIZE_NVJPEG");
  if (env && !strcmp(env, "0")) {
    snprintf(g_reason, sizeof g_reason, "nvJPEG disabled by GPU_RESIZE_NVJPEG=0");
    return;
  }
  void *lib = NULL;
  const char *last = "";
  for (size_t i = 0; i < sizeof kLibraries / sizeof kLibraries[0] && !lib; i++) {
    lib = dlopen(kLibraries[i], RTLD_NOW | RTLD_LOCAL);
    if (!lib) last = dlerror();
  }
  if (!lib) {
    snprintf(g_reason, sizeof g_reason, "libnvjpeg not found: %.200s", last ? last : "");
    return;
  }
  gr_nvjpeg_symbol decode[] = {
#define SYM(field) {(void **)&g_api.field, "nvjpeg" #field}
      SYM(CreateEx), SYM(Destroy), SYM(JpegStateCreate), SYM(JpegStateDestroy),
      SYM(DecodeBatchedInitialize), SYM(DecodeBatched), SYM(JpegStreamCreate),
      SYM(JpegStreamDestroy), SYM(JpegStreamParse),
  };
  const char *missing = load_symbols(lib, decode, sizeof decode / sizeof decode[0]);
  if (missing) {
    snprintf(g_reason, sizeof g_reason, "libnvjpeg lacks %s", missing);
    dlclose(lib);
    memset(&g_api, 0, sizeof g_api);
    return;
  }
  /* For the probes under bench/nvjpeg only: a missing one stays NULL. */
  gr_nvjpeg_symbol probes[] = {
      SYM(GetImageInfo), SYM(Decode), SYM(DecodeBatchedEx), SYM(DecodeBatchedSupportedEx),
      SYM(DecodeParamsCreate), SYM(DecodeParamsDestroy), SYM(DecodeParamsSetOutputFormat),
      SYM(DecodeParamsSetScaleFactor),
  };
  for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) load_symbols(lib, &probes[i], 1);
  /* The decoupled decode (the GPU hybrid decoder beside the hardware one): all or nothing,
   * with the decode parameters loaded above. */
  gr_nvjpeg_symbol decoupled[] = {
      SYM(DecoderCreate), SYM(DecoderDestroy), SYM(DecoderStateCreate),
      SYM(BufferPinnedCreate), SYM(BufferPinnedDestroy), SYM(BufferDeviceCreate),
      SYM(BufferDeviceDestroy), SYM(StateAttachPinnedBuffer), SYM(StateAttachDeviceBuffer),
      SYM(DecodeJpegHost), SYM(DecodeJpegTransferToDevice), SYM(DecodeJpegDevice),
  };
  const size_t decoupled_count = sizeof decoupled / sizeof decoupled[0];
  if (!load_symbols(lib, decoupled, decoupled_count) && g_api.DecodeParamsCreate &&
      g_api.DecodeParamsDestroy && g_api.DecodeParamsSetOutputFormat) {
    g_api.has_decoupled = 1;
  } else {
    for (size_t i = 0; i < decoupled_count; i++) *decoupled[i].slot = NULL;
  }
  /* The encoder is a separate feature: without it decode still works. */
  gr_nvjpeg_symbol encoder[] = {
      SYM(EncoderStateCreate), SYM(EncoderStateDestroy), SYM(EncoderParamsCreate),
      SYM(EncoderParamsDestroy), SYM(EncoderParamsSetQuality),
      SYM(EncoderParamsSetSamplingFactors), SYM(EncoderParamsSetOptimizedHuffman),
      SYM(EncoderParamsSetEncoding), SYM(EncodeImage), SYM(EncodeRetrieveBitstream),
  };
  missing = load_symbols(lib, encoder, sizeof encoder / sizeof encoder[0]);
  if (missing) {
    snprintf(g_encoder_reason, sizeof g_encoder_reason, "libnvjpeg lacks %s", missing);
    for (size_t i = 0; i < sizeof encoder / sizeof encoder[0]; i++) *encoder[i].slot = NULL;
  } else {
    gr_nvjpeg_symbol optional[] = {
        SYM(EncodeRetrieveBitstreamDevice), SYM(EncoderParamsCopyQuantizationTables),
    };
    for (size_t i = 0; i < sizeof optional / sizeof optional[0]; i++) {
      load_symbols(lib, &optional[i], 1); /* a missing one stays NULL */
    }
    g_api.has_encoder = 1;
  }
#undef SYM
  g_loaded = 1;
}

const gr_nvjpeg_api *gr_nvjpeg_load(char *reason, size_t reason_size) {
  pthread_once(&g_once, load_once);
  if (!g_loaded) {
    if (reason && reason_size) snprintf(reason, reason_size, "%s", g_reason);
    return NULL;
  }
  if (reason && reason_size) reason[0] = '\0';
  return &g_api;
}

int gr_nvjpeg_has_encoder(char *reason, size_t reason_size) {
  char why[GR_MESSAGE_MAX];
  const gr_nvjpeg_api *api = gr_nvjpeg_load(why, sizeof why);
  if (api && api->has_encoder) {
    if (reason && reason_size) reason[0] = '\0';
    return 1;
  }
  if (reason && reason_size) snprintf(reason, reason_size, "%s", api ? g_encoder_reason : why);
  return 0;
}

const char *gr_nvjpeg_status_name(int status) {
  static const char *const names[] = {
      "success", "not initialized", "invalid parameter", "bad jpeg", "jpeg not supported",
      "allocator failure", "execution failed", "arch mismatch", "internal error",
      "implementation not supported", "incomplete bitstream"};
  if (status >= 0 && status < (int)(sizeof names / sizeof names[0])) return names[status];
  return "unknown nvJPEG status";
}
