/* JPEG encoding on the GPU with nvJPEG, for the batched GPU path: the resized image stays in
 * device memory and only the compressed bitstream comes back.
 *
 * Use: borrow an encoder (one per image in flight; a per-device pool, created lazily), queue
 * the encode on a stream, synchronise the stream once for the whole batch, retrieve each
 * bitstream, give the encoders back:
 *
 *   gr_gpu_jpeg_encoder *enc;
 *   if (gr_gpu_jpeg_encode_supported(&opts, w, h, &err) == GR_OK &&
 *       gr_gpu_jpeg_encoder_borrow(device, &enc, &err) == GR_OK) {
 *     gr_gpu_jpeg_encode_queue(enc, d_rgb, w, h, pitch, &opts, stream, &err);
 *     ... more queues, then cudaStreamSynchronize(stream) ...
 *     gr_gpu_jpeg_encode_retrieve(enc, &data, &length, &err);
 *     gr_gpu_jpeg_encoder_return(enc);
 *   }
 *
 * GR_ERR_UNSUPPORTED (from any call) means: encode on the CPU (gr_encode) instead. Without
 * CUDA at build time gpu_stub.c provides these functions, reporting the encoder unavailable.
 * The header needs no CUDA header: streams are passed as void * (a cudaStream_t). */
#ifndef GR_GPU_JPEG_ENCODE_H
#define GR_GPU_JPEG_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "core/common.h"

/* Where the quantisation tables come from. */
typedef enum gr_gpu_jpeg_tables {
  GR_GPU_JPEG_TABLES_LIBJPEG = 0, /* libjpeg's (the CPU encoder's and sharp's) for the quality,
                                     when this libnvjpeg can take them; else nvJPEG's own */
  GR_GPU_JPEG_TABLES_NVJPEG       /* nvJPEG's own scaling of the quality (for comparisons) */
} gr_gpu_jpeg_tables;

typedef struct gr_gpu_jpeg_options {
  int quality;         /* 1-100 */
  int chroma_444;      /* 1: '4:4:4', 0: '4:2:0' */
  int optimize_coding; /* optimised Huffman tables */
  int progressive;
  int channels;        /* channels of the caller's pixels: the GPU takes interleaved RGB only */
  /* sharp options nvJPEG cannot honour: any set means the CPU encodes. */
  int trellis_quantisation;
  int overshoot_deringing;
  int optimise_scans;
  int quantisation_table; /* mozjpeg's table choice; 0 is libjpeg's (Annex K) */
  int keep_metadata;      /* withMetadata: EXIF/ICC are the CPU encoder's job */
  gr_gpu_jpeg_tables tables;
} gr_gpu_jpeg_options;

/* What gr_gpu_jpeg_resize (gpu.h) encodes in its batch, after the resize, instead of
 * downloading the pixels: a region of the resized image with these options. */
typedef struct gr_gpu_jpeg_output {
  gr_gpu_jpeg_options options;
  gr_rect region;             /* of the resized image; width 0: all of it */
  /* Out: the JPEG (malloc'd, the caller frees it) when the GPU encoded it; NULL when the
   * pixels came back instead (the CPU encodes them), with the reason in note. */
  uint8_t *data;
  size_t length;
  char note[GR_MESSAGE_MAX];
} gr_gpu_jpeg_output;

/* The options part (gr_gpu_jpeg_options_from, gr_gpu_jpeg_encode_supported) is host code in
 * jpeg_encode_options.c, built with or without CUDA, so its answers are the same everywhere. */

/* The options of a request's JPEG output for an image of `channels` channels. */
void gr_gpu_jpeg_options_from(const gr_jpeg_options *jpeg, int channels,
                              gr_gpu_jpeg_options *out);

/* GR_OK when the GPU encoder can produce what the CPU encoder would for these options and this
 * size; GR_ERR_UNSUPPORTED (the CPU encodes) with the reason in err; GR_ERR_INVALID_ARGUMENT
 * for options no encoder takes. Does not touch the GPU. */
gr_status gr_gpu_jpeg_encode_supported(const gr_gpu_jpeg_options *o, int width, int height,
                                       gr_error *err);

/* The argument checks of gr_gpu_jpeg_encode_queue (shared with gpu_stub.c): GR_OK, or the
 * supported() answer, or GR_ERR_INVALID_ARGUMENT for a NULL pointer or a pitch below width*3. */
gr_status gr_gpu_jpeg_check_frame(const void *enc, const uint8_t *device_rgb, int width,
                                  int height, size_t pitch, const gr_gpu_jpeg_options *o,
                                  gr_error *err);

/* 1 when nvJPEG's encoder can run (libnvjpeg with the encoder, a CUDA device); else 0 with
 * reason filled in. Initialises CUDA and nvJPEG once. */
int gr_gpu_jpeg_encoder_available(char *reason, size_t reason_size);

typedef struct gr_gpu_jpeg_encoder gr_gpu_jpeg_encoder;

/* Lends an encoder of device `device` (its handle, encoder state and parameters); thread-safe.
 * GR_ERR_UNSUPPORTED when the encoder is unavailable or the pool is exhausted. */
gr_status gr_gpu_jpeg_encoder_borrow(int device, gr_gpu_jpeg_encoder **enc, gr_error *err);
/* Gives it back (NULL: nothing). One that failed is destroyed instead of being lent again. */
void gr_gpu_jpeg_encoder_return(gr_gpu_jpeg_encoder *enc);

/* Encoders this thread borrows from now on come from lane `lane` (0 unless set), whose nvJPEG
 * handle no other lane uses: give each thread that encodes at the same time as others a lane of
 * its own (encodes on one handle from several threads gave wrong images). */
void gr_gpu_jpeg_encoder_lane(int lane);

/* Queues the encode of device_rgb (device memory, interleaved RGB, rows `pitch` bytes apart)
 * on `stream` (a cudaStream_t; the current device must be the encoder's). Asynchronous: the
 * pixels must stay valid until the stream has run it. */
gr_status gr_gpu_jpeg_encode_queue(gr_gpu_jpeg_encoder *enc, const uint8_t *device_rgb,
                                   int width, int height, size_t pitch,
                                   const gr_gpu_jpeg_options *o, void *stream, gr_error *err);

/* After the stream of the queued encode has been synchronised: the bitstream, malloc'd into
 * *out (the caller frees it), with the CPU encoder's JFIF APP0 segment. */
gr_status gr_gpu_jpeg_encode_retrieve(gr_gpu_jpeg_encoder *enc, uint8_t **out,
                                      size_t *out_length, gr_error *err);

/* One image: borrow, queue, synchronise `stream`, retrieve, return. */
gr_status gr_gpu_jpeg_encode(int device, const uint8_t *device_rgb, int width, int height,
                             size_t pitch, const gr_gpu_jpeg_options *o, void *stream,
                             uint8_t **out, size_t *out_length, gr_error *err);

/* Which quantisation tables the last encode of enc used (for reports): "libjpeg" or "nvjpeg". */
const char *gr_gpu_jpeg_encoder_tables(const gr_gpu_jpeg_encoder *enc);

#endif
