/* The part of nvJPEG (CUDA's JPEG codec library) that gpu-resize uses, loaded at run time with
 * dlopen so that the addon builds and runs where libnvjpeg is absent (CI, CPU-only machines)
 * and picks it up where it is present. The declarations mirror nvjpeg.h (CUDA 11-13; the C ABI
 * is stable): handles are opaque pointers, enums are ints. bench/nvjpeg/nvjpeg_check.c checks
 * the constants, the image struct and the prototypes against the real header on a machine that
 * has it. The encoder entry points are optional: a libnvjpeg without them still decodes. */
#ifndef GR_NVJPEG_API_H
#define GR_NVJPEG_API_H

#include <stddef.h>

#include "core/common.h"

typedef void *gr_nvjpeg_handle;
typedef void *gr_nvjpeg_state;
typedef void *gr_nvjpeg_stream;       /* nvjpegJpegStream_t: a parsed bitstream */
typedef void *gr_nvjpeg_params;       /* nvjpegDecodeParams_t */
typedef void *gr_cuda_stream;
typedef void *gr_nvjpeg_enc_state;    /* nvjpegEncoderState_t */
typedef void *gr_nvjpeg_enc_params;   /* nvjpegEncoderParams_t */
typedef void *gr_nvjpeg_decoder;      /* nvjpegJpegDecoder_t */
typedef void *gr_nvjpeg_buffer;       /* nvjpegBufferPinned_t / nvjpegBufferDevice_t */

/* nvjpegImage_t */
typedef struct gr_nvjpeg_image {
  unsigned char *channel[4];
  size_t pitch[4];
} gr_nvjpeg_image;

enum {
  GR_NVJPEG_SUCCESS = 0,
  /* nvjpegBackend_t */
  GR_NVJPEG_BACKEND_DEFAULT = 0,
  GR_NVJPEG_BACKEND_HYBRID = 1,
  GR_NVJPEG_BACKEND_GPU_HYBRID = 2,
  GR_NVJPEG_BACKEND_HARDWARE = 3,
  /* nvjpegOutputFormat_t */
  GR_NVJPEG_OUTPUT_Y = 2,
  GR_NVJPEG_OUTPUT_RGBI = 5,
  /* nvjpegChromaSubsampling_t */
  GR_NVJPEG_CSS_444 = 0,
  GR_NVJPEG_CSS_422 = 1,
  GR_NVJPEG_CSS_420 = 2,
  GR_NVJPEG_CSS_440 = 3,
  GR_NVJPEG_CSS_411 = 4,
  GR_NVJPEG_CSS_410 = 5,
  GR_NVJPEG_CSS_GRAY = 6,
  /* nvjpegScaleFactor_t: hardware backend only */
  GR_NVJPEG_SCALE_NONE = 0,
  GR_NVJPEG_SCALE_1_BY_2 = 1,
  GR_NVJPEG_SCALE_1_BY_4 = 2,
  GR_NVJPEG_SCALE_1_BY_8 = 3,
  /* nvjpegCreateEx flags */
  GR_NVJPEG_FLAGS_DEFAULT = 0,
  GR_NVJPEG_FLAGS_HW_DECODE_NO_PIPELINE = 1, /* a batch's outputs are complete when it is */
  GR_NVJPEG_FLAGS_UPSAMPLING_WITH_INTERPOLATION = 32, /* chroma upsampling like libjpeg's */
  /* nvjpegInputFormat_t (encoder input) */
  GR_NVJPEG_INPUT_RGB = 3,
  GR_NVJPEG_INPUT_RGBI = 5,
  /* nvjpegJpegEncoding_t */
  GR_NVJPEG_ENCODING_BASELINE_DCT = 0xc0,
  GR_NVJPEG_ENCODING_PROGRESSIVE_DCT_HUFFMAN = 0xc2
};

typedef struct gr_nvjpeg_api {
  int (*CreateEx)(int backend, void *dev_allocator, void *pinned_allocator, unsigned int flags,
                  gr_nvjpeg_handle *handle);
  int (*Destroy)(gr_nvjpeg_handle handle);
  int (*JpegStateCreate)(gr_nvjpeg_handle handle, gr_nvjpeg_state *state);
  int (*JpegStateDestroy)(gr_nvjpeg_state state);
  int (*DecodeBatchedInitialize)(gr_nvjpeg_handle handle, gr_nvjpeg_state state, int batch_size,
                                 int max_cpu_threads, int output_format);
  int (*DecodeBatched)(gr_nvjpeg_handle handle, gr_nvjpeg_state state,
                       const unsigned char *const *data, const size_t *lengths,
                       gr_nvjpeg_image *destinations, gr_cuda_stream stream);
  int (*JpegStreamCreate)(gr_nvjpeg_handle handle, gr_nvjpeg_stream *stream);
  int (*JpegStreamDestroy)(gr_nvjpeg_stream stream);
  int (*JpegStreamParse)(gr_nvjpeg_handle handle, const unsigned char *data, size_t length,
                         int save_metadata, int save_stream, gr_nvjpeg_stream stream);

  /* ---- For the probes under bench/nvjpeg only: NULL where this libnvjpeg lacks them ---- */
  int (*GetImageInfo)(gr_nvjpeg_handle handle, const unsigned char *data, size_t length,
                      int *components, int *subsampling, int *widths, int *heights);
  int (*Decode)(gr_nvjpeg_handle handle, gr_nvjpeg_state state, const unsigned char *data,
                size_t length, int output_format, gr_nvjpeg_image *destination,
                gr_cuda_stream stream);
  int (*DecodeBatchedEx)(gr_nvjpeg_handle handle, gr_nvjpeg_state state,
                         const unsigned char *const *data, const size_t *lengths,
                         gr_nvjpeg_image *destinations, gr_nvjpeg_params *params,
                         gr_cuda_stream stream);
  int (*DecodeBatchedSupportedEx)(gr_nvjpeg_handle handle, gr_nvjpeg_stream stream,
                                  gr_nvjpeg_params params, int *is_supported);
  int (*DecodeParamsCreate)(gr_nvjpeg_handle handle, gr_nvjpeg_params *params);
  int (*DecodeParamsDestroy)(gr_nvjpeg_params params);
  int (*DecodeParamsSetOutputFormat)(gr_nvjpeg_params params, int output_format);
  int (*DecodeParamsSetScaleFactor)(gr_nvjpeg_params params, int scale_factor);

  /* ---- Decoupled decode (the GPU hybrid decoder): all NULL unless has_decoupled ---- */
  int has_decoupled;
  int (*DecoderCreate)(gr_nvjpeg_handle handle, int backend, gr_nvjpeg_decoder *decoder);
  int (*DecoderDestroy)(gr_nvjpeg_decoder decoder);
  int (*DecoderStateCreate)(gr_nvjpeg_handle handle, gr_nvjpeg_decoder decoder,
                            gr_nvjpeg_state *state);
  int (*BufferPinnedCreate)(gr_nvjpeg_handle handle, void *pinned_allocator,
                            gr_nvjpeg_buffer *buffer);
  int (*BufferPinnedDestroy)(gr_nvjpeg_buffer buffer);
  int (*BufferDeviceCreate)(gr_nvjpeg_handle handle, void *dev_allocator,
                            gr_nvjpeg_buffer *buffer);
  int (*BufferDeviceDestroy)(gr_nvjpeg_buffer buffer);
  int (*StateAttachPinnedBuffer)(gr_nvjpeg_state state, gr_nvjpeg_buffer buffer);
  int (*StateAttachDeviceBuffer)(gr_nvjpeg_state state, gr_nvjpeg_buffer buffer);
  int (*DecodeJpegHost)(gr_nvjpeg_handle handle, gr_nvjpeg_decoder decoder,
                        gr_nvjpeg_state state, gr_nvjpeg_params params,
                        gr_nvjpeg_stream stream);
  int (*DecodeJpegTransferToDevice)(gr_nvjpeg_handle handle, gr_nvjpeg_decoder decoder,
                                    gr_nvjpeg_state state, gr_nvjpeg_stream stream,
                                    gr_cuda_stream cuda_stream);
  int (*DecodeJpegDevice)(gr_nvjpeg_handle handle, gr_nvjpeg_decoder decoder,
                          gr_nvjpeg_state state, gr_nvjpeg_image *destination,
                          gr_cuda_stream cuda_stream);

  /* ---- Encoder: all NULL unless has_encoder ---- */
  int has_encoder;
  int (*EncoderStateCreate)(gr_nvjpeg_handle handle, gr_nvjpeg_enc_state *state,
                            gr_cuda_stream stream);
  int (*EncoderStateDestroy)(gr_nvjpeg_enc_state state);
  int (*EncoderParamsCreate)(gr_nvjpeg_handle handle, gr_nvjpeg_enc_params *params,
                             gr_cuda_stream stream);
  int (*EncoderParamsDestroy)(gr_nvjpeg_enc_params params);
  int (*EncoderParamsSetQuality)(gr_nvjpeg_enc_params params, int quality,
                                 gr_cuda_stream stream);
  int (*EncoderParamsSetSamplingFactors)(gr_nvjpeg_enc_params params, int chroma_subsampling,
                                         gr_cuda_stream stream);
  int (*EncoderParamsSetOptimizedHuffman)(gr_nvjpeg_enc_params params, int optimized,
                                          gr_cuda_stream stream);
  int (*EncoderParamsSetEncoding)(gr_nvjpeg_enc_params params, int encoding,
                                  gr_cuda_stream stream);
  int (*EncodeImage)(gr_nvjpeg_handle handle, gr_nvjpeg_enc_state state,
                     gr_nvjpeg_enc_params params, const gr_nvjpeg_image *source,
                     int input_format, int width, int height, gr_cuda_stream stream);
  int (*EncodeRetrieveBitstream)(gr_nvjpeg_handle handle, gr_nvjpeg_enc_state state,
                                 unsigned char *data, size_t *length, gr_cuda_stream stream);
  /* Optional even with the encoder (NULL where this libnvjpeg lacks them). Device: the
   * bitstream into device memory, stream-ordered. CopyQuantizationTables: the DQT tables of a
   * parsed stream (how we give nvJPEG libjpeg's tables; it has no setter for raw tables). */
  int (*EncodeRetrieveBitstreamDevice)(gr_nvjpeg_handle handle, gr_nvjpeg_enc_state state,
                                       unsigned char *data, size_t *length,
                                       gr_cuda_stream stream);
  int (*EncoderParamsCopyQuantizationTables)(gr_nvjpeg_enc_params params,
                                             gr_nvjpeg_stream jpeg_stream,
                                             gr_cuda_stream stream);
} gr_nvjpeg_api;

/* Loads libnvjpeg once (thread-safe). Returns the table, or NULL with reason filled in
 * ("libnvjpeg not found: ..." or a missing symbol). GPU_RESIZE_NVJPEG=0 disables it. */
const gr_nvjpeg_api *gr_nvjpeg_load(char *reason, size_t reason_size);

/* 1 when the loaded libnvjpeg has the encoder entry points; else 0 with reason filled in (the
 * decode table may still be there). */
int gr_nvjpeg_has_encoder(char *reason, size_t reason_size);

/* A short name for an nvjpegStatus_t. */
const char *gr_nvjpeg_status_name(int status);

#endif
