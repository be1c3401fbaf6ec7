/* libFuzzer harness for the native pipeline: header read, decode (JPEG, PNG, WebP or raw), the
 * geometric steps and the Lanczos resize with fuzzed parameters, then encode. Built with ASan and
 * UBSan (fuzz/CMakeLists.txt), without libvips or CUDA, so every input stays in our code and the
 * system codecs. Any crash, leak, sanitizer report or hang is a bug; a status other than GR_OK
 * is fine, but it must come with a message.
 *
 * Input layout: GR_FUZZ_HEADER bytes of parameters, then the image bytes (see fuzz/README.md). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gpu_resize.h"

#define GR_FUZZ_HEADER 16

/* Keeps each run small and fast: the pipeline checks this before any pixel memory. */
#define GR_FUZZ_PIXEL_LIMIT (2048u * 2048u)

static void check_error(gr_status st, const gr_error *err) {
  /* A failure must say why: an empty message would reach users as an empty Error. */
  if (st != GR_OK && err->message[0] == 0) abort();
}

static void fill_request(const uint8_t *p, gr_request *req) {
  gr_request_init(req);
  req->limit_input_pixels = GR_FUZZ_PIXEL_LIMIT;
  req->backend = GR_BACKEND_CPU;
  req->resize_width = p[0] % 2 ? 0 : 1 + p[1] % 200;   /* 0: auto */
  req->resize_height = p[0] % 3 ? 1 + p[2] % 200 : 0;
  req->fit = (gr_fit)(p[3] % 5);
  req->kernel = (gr_kernel)(p[3] / 5 % GR_KERNEL_NATIVE_COUNT);
  req->position = p[4] % 9;
  req->output_format = (gr_format[]){GR_FORMAT_UNKNOWN, GR_FORMAT_JPEG, GR_FORMAT_PNG,
                                     GR_FORMAT_WEBP, GR_FORMAT_RAW}[p[5] % 5];
  req->fail_on = (gr_fail_on)(p[5] / 5 % 4);
  uint8_t f = p[6];
  req->rotate_angle = 90 * (f & 3);
  req->flip = (f >> 2) & 1;
  req->flop = (f >> 3) & 1;
  req->auto_orient = (f >> 4) & 1;
  req->without_enlargement = (f >> 5) & 1;
  req->fast_shrink_on_load = (f >> 6) & 1;
  req->rotate_before = (p[7] & 1);
  req->orient_before = (p[7] >> 1) & 1;
  req->without_reduction = (p[7] >> 2) & 1;
  if (p[7] & 8) {
    req->extract_before = (gr_rect){p[8] % 64, p[9] % 64, 1 + p[10] % 64, 1 + p[11] % 64};
  }
  if (p[7] & 16) {
    req->extract_after = (gr_rect){p[9] % 32, p[8] % 32, 1 + p[11] % 32, 1 + p[10] % 32};
  }
  for (int i = 0; i < 4; i++) req->background[i] = (p[12] >> (2 * i) & 3) * 85.0;
  req->jpeg.quality = 1 + p[13] % 100;
  req->jpeg.progressive = p[13] >> 7;
  req->jpeg.chroma_444 = (p[14] >> 7) & 1;
  req->png.compression_level = p[14] % 10;
  req->png.progressive = (p[14] >> 6) & 1;
  req->webp.quality = 1 + p[15] % 100;
  req->webp.lossless = (p[15] >> 7) & 1;
  req->webp.effort = 0; /* the fastest: libwebp's effort is not what is fuzzed */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < GR_FUZZ_HEADER) return 0;
  const uint8_t *p = data;
  gr_request req;
  fill_request(p, &req);
  req.input = data + GR_FUZZ_HEADER;
  req.input_length = size - GR_FUZZ_HEADER;
  if ((p[7] & 0xe0) == 0xe0) {
    /* Raw pixels: a descriptor from the parameters, the rest of the data as the buffer (which
     * may be too short: that must be refused, never read past). */
    req.raw_width = 1 + p[8] % 64;
    req.raw_height = 1 + p[9] % 64;
    req.raw_channels = 1 + p[10] % 4;
  }

  gr_error err;
  gr_metadata meta;
  if (req.raw_width == 0 && req.input_length > 0) {
    gr_status st = gr_read_metadata(req.input, req.input_length, &meta, &err);
    check_error(st, &err);
  }
  gr_result res;
  gr_status st = gr_process(&req, &res, &err);
  check_error(st, &err);
  if (st == GR_OK) {
    /* The result must be what it says it is. */
    if (!res.data || res.length == 0 || res.width <= 0 || res.height <= 0) abort();
    if (res.format == GR_FORMAT_RAW &&
        res.length != (size_t)res.width * (size_t)res.height * (size_t)res.channels) {
      abort();
    }
    volatile uint8_t sink = res.data[res.length - 1]; /* the whole buffer is readable */
    (void)sink;
  }
  gr_result_free(&res);
  return 0;
}
