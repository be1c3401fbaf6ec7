/* Compiles only where CUDA's nvjpeg.h is installed: checks that src/gpu/nvjpeg_api.h (our own
 * declarations, so the addon builds without nvJPEG) agrees with the real header. Success is a
 * silent compile (exit status 0):
 *   cc -std=c11 -fsyntax-only -I/usr/local/cuda/include -Isrc -Iinclude bench/nvjpeg/nvjpeg_check.c */
#include <nvjpeg.h>

#include "gpu/nvjpeg_api.h"

#define SAME(a, b) _Static_assert((int)(a) == (int)(b), #a " != " #b)
SAME(GR_NVJPEG_SUCCESS, NVJPEG_STATUS_SUCCESS);
SAME(GR_NVJPEG_BACKEND_DEFAULT, NVJPEG_BACKEND_DEFAULT);
SAME(GR_NVJPEG_BACKEND_HYBRID, NVJPEG_BACKEND_HYBRID);
SAME(GR_NVJPEG_BACKEND_GPU_HYBRID, NVJPEG_BACKEND_GPU_HYBRID);
SAME(GR_NVJPEG_BACKEND_HARDWARE, NVJPEG_BACKEND_HARDWARE);
SAME(GR_NVJPEG_OUTPUT_Y, NVJPEG_OUTPUT_Y);
SAME(GR_NVJPEG_OUTPUT_RGBI, NVJPEG_OUTPUT_RGBI);
SAME(GR_NVJPEG_CSS_444, NVJPEG_CSS_444);
SAME(GR_NVJPEG_CSS_422, NVJPEG_CSS_422);
SAME(GR_NVJPEG_CSS_420, NVJPEG_CSS_420);
SAME(GR_NVJPEG_CSS_440, NVJPEG_CSS_440);
SAME(GR_NVJPEG_CSS_411, NVJPEG_CSS_411);
SAME(GR_NVJPEG_CSS_410, NVJPEG_CSS_410);
SAME(GR_NVJPEG_CSS_GRAY, NVJPEG_CSS_GRAY);
SAME(GR_NVJPEG_SCALE_NONE, NVJPEG_SCALE_NONE);
SAME(GR_NVJPEG_SCALE_1_BY_2, NVJPEG_SCALE_1_BY_2);
SAME(GR_NVJPEG_SCALE_1_BY_4, NVJPEG_SCALE_1_BY_4);
SAME(GR_NVJPEG_SCALE_1_BY_8, NVJPEG_SCALE_1_BY_8);
SAME(GR_NVJPEG_FLAGS_DEFAULT, NVJPEG_FLAGS_DEFAULT);
SAME(GR_NVJPEG_FLAGS_HW_DECODE_NO_PIPELINE, NVJPEG_FLAGS_HW_DECODE_NO_PIPELINE);
SAME(GR_NVJPEG_FLAGS_UPSAMPLING_WITH_INTERPOLATION, NVJPEG_FLAGS_UPSAMPLING_WITH_INTERPOLATION);
SAME(GR_NVJPEG_INPUT_RGB, NVJPEG_INPUT_RGB);
SAME(GR_NVJPEG_INPUT_RGBI, NVJPEG_INPUT_RGBI);
SAME(GR_NVJPEG_ENCODING_BASELINE_DCT, NVJPEG_ENCODING_BASELINE_DCT);
SAME(GR_NVJPEG_ENCODING_PROGRESSIVE_DCT_HUFFMAN, NVJPEG_ENCODING_PROGRESSIVE_DCT_HUFFMAN);
_Static_assert(sizeof(gr_nvjpeg_image) == sizeof(nvjpegImage_t), "nvjpegImage_t size");
_Static_assert(sizeof(nvjpegEncoderState_t) == sizeof(gr_nvjpeg_enc_state), "encoder state size");
_Static_assert(sizeof(nvjpegEncoderParams_t) == sizeof(gr_nvjpeg_enc_params), "params size");
_Static_assert(sizeof(nvjpegChromaSubsampling_t) == sizeof(int), "enum size");
_Static_assert(sizeof(nvjpegInputFormat_t) == sizeof(int), "enum size");
_Static_assert(sizeof(nvjpegJpegEncoding_t) == sizeof(int), "enum size");

/* The encoder's prototypes, exactly: our table declares them with void * handles and int
 * enums, which is the same C ABI as these (the sizes above). */
#define PROTO(fn, type) _Static_assert(_Generic(&fn, type: 1, default: 0), #fn " prototype")
PROTO(nvjpegEncoderStateCreate,
      nvjpegStatus_t (*)(nvjpegHandle_t, nvjpegEncoderState_t *, cudaStream_t));
PROTO(nvjpegEncoderStateDestroy, nvjpegStatus_t (*)(nvjpegEncoderState_t));
PROTO(nvjpegEncoderParamsCreate,
      nvjpegStatus_t (*)(nvjpegHandle_t, nvjpegEncoderParams_t *, cudaStream_t));
PROTO(nvjpegEncoderParamsDestroy, nvjpegStatus_t (*)(nvjpegEncoderParams_t));
PROTO(nvjpegEncoderParamsSetQuality,
      nvjpegStatus_t (*)(nvjpegEncoderParams_t, const int, cudaStream_t));
PROTO(nvjpegEncoderParamsSetSamplingFactors,
      nvjpegStatus_t (*)(nvjpegEncoderParams_t, const nvjpegChromaSubsampling_t, cudaStream_t));
PROTO(nvjpegEncoderParamsSetOptimizedHuffman,
      nvjpegStatus_t (*)(nvjpegEncoderParams_t, const int, cudaStream_t));
PROTO(nvjpegEncoderParamsSetEncoding,
      nvjpegStatus_t (*)(nvjpegEncoderParams_t, nvjpegJpegEncoding_t, cudaStream_t));
PROTO(nvjpegEncodeImage,
      nvjpegStatus_t (*)(nvjpegHandle_t, nvjpegEncoderState_t, const nvjpegEncoderParams_t,
                         const nvjpegImage_t *, nvjpegInputFormat_t, int, int, cudaStream_t));
PROTO(nvjpegEncodeRetrieveBitstream,
      nvjpegStatus_t (*)(nvjpegHandle_t, nvjpegEncoderState_t, unsigned char *, size_t *,
                         cudaStream_t));
PROTO(nvjpegEncodeRetrieveBitstreamDevice,
      nvjpegStatus_t (*)(nvjpegHandle_t, nvjpegEncoderState_t, unsigned char *, size_t *,
                         cudaStream_t));
PROTO(nvjpegEncoderParamsCopyQuantizationTables,
      nvjpegStatus_t (*)(nvjpegEncoderParams_t, nvjpegJpegStream_t, cudaStream_t));
PROTO(nvjpegDecodeBatched,
      nvjpegStatus_t (*)(nvjpegHandle_t, nvjpegJpegState_t, const unsigned char *const *,
                         const size_t *, nvjpegImage_t *, cudaStream_t));
/* The decoupled decode (the GPU hybrid decoder in src/gpu/jpeg_batch.c). */
PROTO(nvjpegDecoderCreate,
      nvjpegStatus_t (*)(nvjpegHandle_t, nvjpegBackend_t, nvjpegJpegDecoder_t *));
PROTO(nvjpegDecoderDestroy, nvjpegStatus_t (*)(nvjpegJpegDecoder_t));
PROTO(nvjpegDecoderStateCreate,
      nvjpegStatus_t (*)(nvjpegHandle_t, nvjpegJpegDecoder_t, nvjpegJpegState_t *));
PROTO(nvjpegBufferPinnedCreate,
      nvjpegStatus_t (*)(nvjpegHandle_t, nvjpegPinnedAllocator_t *, nvjpegBufferPinned_t *));
PROTO(nvjpegBufferPinnedDestroy, nvjpegStatus_t (*)(nvjpegBufferPinned_t));
PROTO(nvjpegBufferDeviceCreate,
      nvjpegStatus_t (*)(nvjpegHandle_t, nvjpegDevAllocator_t *, nvjpegBufferDevice_t *));
PROTO(nvjpegBufferDeviceDestroy, nvjpegStatus_t (*)(nvjpegBufferDevice_t));
PROTO(nvjpegStateAttachPinnedBuffer,
      nvjpegStatus_t (*)(nvjpegJpegState_t, nvjpegBufferPinned_t));
PROTO(nvjpegStateAttachDeviceBuffer,
      nvjpegStatus_t (*)(nvjpegJpegState_t, nvjpegBufferDevice_t));
PROTO(nvjpegDecodeJpegHost,
      nvjpegStatus_t (*)(nvjpegHandle_t, nvjpegJpegDecoder_t, nvjpegJpegState_t,
                         nvjpegDecodeParams_t, nvjpegJpegStream_t));
PROTO(nvjpegDecodeJpegTransferToDevice,
      nvjpegStatus_t (*)(nvjpegHandle_t, nvjpegJpegDecoder_t, nvjpegJpegState_t,
                         nvjpegJpegStream_t, cudaStream_t));
PROTO(nvjpegDecodeJpegDevice,
      nvjpegStatus_t (*)(nvjpegHandle_t, nvjpegJpegDecoder_t, nvjpegJpegState_t,
                         nvjpegImage_t *, cudaStream_t));
_Static_assert(sizeof(nvjpegHandle_t) == sizeof(gr_nvjpeg_handle), "handle size");

/* Argument counts and order: call each real function with our types' values. */
void gr_nvjpeg_check_calls(void);
void gr_nvjpeg_check_calls(void) {
  nvjpegHandle_t h = 0;
  nvjpegJpegState_t s = 0;
  nvjpegDecodeParams_t p = 0;
  nvjpegJpegStream_t js = 0;
  nvjpegImage_t img;
  const unsigned char *data[1] = {0};
  size_t lens[1] = {0};
  int i = 0;
  nvjpegChromaSubsampling_t css;
  cudaStream_t st = 0;
  (void)nvjpegCreateEx(NVJPEG_BACKEND_HARDWARE, NULL, NULL, 0, &h);
  (void)nvjpegGetImageInfo(h, data[0], 0, &i, &css, &i, &i);
  (void)nvjpegDecode(h, s, data[0], 0, NVJPEG_OUTPUT_RGBI, &img, st);
  (void)nvjpegDecodeBatchedInitialize(h, s, 1, 1, NVJPEG_OUTPUT_RGBI);
  (void)nvjpegDecodeBatched(h, s, data, lens, &img, st);
  (void)nvjpegDecodeBatchedEx(h, s, data, lens, &img, &p, st);
  (void)nvjpegDecodeBatchedSupportedEx(h, js, p, &i);
  (void)nvjpegDecodeParamsSetScaleFactor(p, NVJPEG_SCALE_1_BY_2);
  (void)nvjpegJpegStreamParse(h, data[0], 0, 0, 0, js);
}
