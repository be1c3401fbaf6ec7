/* Tests for the libvips backend (src/vips): formats, geometry, errors, metadata, threads.
 * Without libvips (vips_stub.c) it checks that the backend reports itself unavailable. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu_resize.h"
#include "harness.h"
#include "vips/vips_backend.h"

/* sharp's defaults, local so this test does not depend on the router's gr_request_init. */
static void init_request(gr_request *req) {
  memset(req, 0, sizeof *req);
  req->limit_input_pixels = 268402689ull;
  req->fail_on = GR_FAIL_ON_WARNING;
  req->fit = GR_FIT_COVER;
  req->position = 0;
  req->background[0] = req->background[1] = req->background[2] = 0;
  req->background[3] = 255;
  req->kernel = GR_KERNEL_LANCZOS3;
  req->fast_shrink_on_load = 1;
  req->output_format = GR_FORMAT_UNKNOWN;
  req->jpeg.quality = 80;
  req->jpeg.optimize_coding = 1;
  req->png.compression_level = 6;
  req->webp.quality = 80;
  req->webp.alpha_quality = 100;
  req->webp.effort = 4;
  req->backend = GR_BACKEND_VIPS;
}

static void clear_result(gr_result *res) {
  free(res->data);
  memset(res, 0, sizeof *res);
}

#ifdef GR_HAVE_VIPS

static uint8_t *gradient(int w, int h, int c) {
  uint8_t *p = malloc((size_t)w * h * c);
  for (int y = 0; y < h; y++) {
    for (int x = 0; x < w; x++) {
      uint8_t *px = p + ((size_t)y * w + x) * c;
      px[0] = (uint8_t)(x * 255 / (w - 1));
      if (c > 1) px[1] = (uint8_t)(y * 255 / (h - 1));
      if (c > 2) px[2] = (uint8_t)((x + y) & 255);
      if (c > 3) px[3] = 255;
    }
  }
  return p;
}

static gr_status run(const gr_request *req, gr_result *res, gr_error *err) {
  memset(res, 0, sizeof *res);
  memset(err, 0, sizeof *err);
  gr_status st = gr_vips_process(req, res, err);
  if (st != GR_OK) fprintf(stderr, "  (gr_vips_process: %d %s)\n", (int)st, err->message);
  return st;
}

static void test_available(void) {
  char version[64], reason[GR_MESSAGE_MAX];
  CHECK(gr_vips_available(version, sizeof version, reason, sizeof reason) == 1);
  CHECK(strncmp(version, "libvips ", 8) == 0);
  CHECK(reason[0] == 0);
}

static void test_gif(void) {
  size_t len;
  uint8_t *gif = gr_test_read_image("Crash_test.gif", &len);
  gr_request req;
  gr_result res;
  gr_error err;
  init_request(&req);
  req.input = gif;
  req.input_length = len;
  req.resize_width = 100;
  req.output_format = GR_FORMAT_PNG;
  CHECK(run(&req, &res, &err) == GR_OK);
  CHECK(res.format == GR_FORMAT_PNG);
  CHECK(res.width == 100);
  CHECK(res.backend == GR_BACKEND_VIPS);
  CHECK(res.length > 8 && res.data && memcmp(res.data, "\x89PNG", 4) == 0);
  gr_metadata meta;
  CHECK(gr_vips_read_metadata(res.data, res.length, &meta, &err) == GR_OK);
  CHECK(meta.format == GR_FORMAT_PNG && meta.width == 100 && meta.height == res.height);
  clear_result(&res);

  req.output_format = GR_FORMAT_UNKNOWN; /* same as input: GIF */
  CHECK(run(&req, &res, &err) == GR_OK);
  CHECK(res.format == GR_FORMAT_GIF);
  CHECK(res.length > 6 && memcmp(res.data, "GIF8", 4) == 0);
  CHECK(gr_vips_read_metadata(res.data, res.length, &meta, &err) == GR_OK);
  CHECK(meta.format == GR_FORMAT_GIF && meta.width == 100);
  clear_result(&res);

  /* metadata of the input */
  CHECK(gr_vips_read_metadata(gif, len, &meta, &err) == GR_OK);
  CHECK(meta.format == GR_FORMAT_GIF);
  CHECK(meta.width > 100 && meta.height > 0);
  CHECK(meta.channels >= 3);
  CHECK(meta.pages >= 1);
  CHECK(meta.is_cmyk == 0);
  free(gif);
}

/* What libvips knows beyond gr_metadata (sharp's metadata() fields): the values sharp 0.35.5
 * reports for the GIF; a JPEG the native codec reads has none. */
static void test_metadata_ex(void) {
  size_t len;
  uint8_t *gif = gr_test_read_image("Crash_test.gif", &len);
  gr_metadata meta;
  gr_metadata_ex ex;
  gr_error err;
  CHECK(gr_read_metadata_ex(gif, len, &meta, &ex, &err) == GR_OK);
  CHECK(ex.from_vips == 1 && meta.format == GR_FORMAT_GIF);
  CHECK(strcmp(ex.space, "srgb") == 0 && strcmp(ex.depth, "uchar") == 0);
  CHECK(ex.is_palette == 1 && ex.bits_per_sample == 8 && ex.pages == 1 && ex.loop == 1);
  CHECK(ex.delay_count == 1 && ex.delay && ex.delay[0] == 0);
  CHECK(ex.background_count == 3 && ex.background[0] == 138 && ex.background[1] == 148 &&
        ex.background[2] == 102);
  CHECK(ex.page_primary == -1 && ex.compression[0] == 0 && ex.icc.data == NULL);
  gr_metadata_ex_free(&ex);
  CHECK(ex.delay == NULL && ex.delay_count == 0 && ex.loop == -1);
  free(gif);

  uint8_t *jpg = gr_test_read_image("concert.jpg", &len);
  CHECK(gr_read_metadata_ex(jpg, len, &meta, &ex, &err) == GR_OK);
  CHECK(ex.from_vips == 0 && ex.delay == NULL && ex.exif.data == NULL);
  gr_metadata_ex_free(&ex);
  CHECK(gr_read_metadata_ex(jpg, 0, &meta, &ex, &err) == GR_ERR_DECODE && ex.from_vips == 0);
  gr_metadata_ex_free(&ex);
  free(jpg);
}

static void test_cmyk(void) {
  size_t len;
  uint8_t *jpg = gr_test_read_image("Channel_digital_image_CMYK_color.jpg", &len);
  gr_metadata meta;
  gr_error err;
  CHECK(gr_vips_read_metadata(jpg, len, &meta, &err) == GR_OK);
  CHECK(meta.format == GR_FORMAT_JPEG);
  CHECK(meta.is_cmyk == 1);
  CHECK(meta.channels == 4);
  CHECK(meta.has_alpha == 0);
  CHECK(meta.width > 0 && meta.height > 0);

  gr_request req;
  gr_result res;
  init_request(&req);
  req.input = jpg;
  req.input_length = len;
  req.resize_width = 320;
  CHECK(run(&req, &res, &err) == GR_OK);
  CHECK(res.format == GR_FORMAT_JPEG);
  CHECK(res.channels == 3);
  CHECK(res.width == 320);
  gr_metadata out;
  CHECK(gr_vips_read_metadata(res.data, res.length, &out, &err) == GR_OK);
  CHECK(out.is_cmyk == 0 && out.channels == 3 && out.width == 320);
  clear_result(&res);

  /* raw output of a CMYK input is RGB */
  req.output_format = GR_FORMAT_RAW;
  CHECK(run(&req, &res, &err) == GR_OK);
  CHECK(res.channels == 3 && res.length == (size_t)res.width * res.height * 3);
  clear_result(&res);
  free(jpg);
}

static void test_raw_geometry(void) {
  const int W = 120, H = 80;
  uint8_t *rgb = gradient(W, H, 3);
  gr_request req;
  gr_result res;
  gr_error err;

  /* fill */
  init_request(&req);
  req.input = rgb;
  req.input_length = (size_t)W * H * 3;
  req.raw_width = W;
  req.raw_height = H;
  req.raw_channels = 3;
  req.resize_width = 50;
  req.resize_height = 40;
  req.fit = GR_FIT_FILL;
  CHECK(run(&req, &res, &err) == GR_OK);
  CHECK(res.format == GR_FORMAT_RAW);
  CHECK(res.width == 50 && res.height == 40 && res.channels == 3);
  CHECK(res.length == 50 * 40 * 3);
  CHECK(res.premultiplied == 0);
  clear_result(&res);

  /* cover, north: scaled to 60x40 then the top-centre 40x40 */
  req.fit = GR_FIT_COVER;
  req.resize_width = 40;
  req.resize_height = 40;
  req.position = 1;
  CHECK(run(&req, &res, &err) == GR_OK);
  CHECK(res.width == 40 && res.height == 40 && res.channels == 3);
  if (res.data) {
    /* the red channel is x: column 0 of the crop is near x = 10 of 60, not 0 */
    CHECK(res.data[0] > 20 && res.data[0] < 80);
  }
  clear_result(&res);

  /* cover, attention: crop offsets reported */
  req.position = GR_POSITION_ATTENTION;
  CHECK(run(&req, &res, &err) == GR_OK);
  CHECK(res.width == 40 && res.height == 40);
  CHECK(res.has_crop_offset == 1 && res.has_attention == 1);
  /* sharp 0.35.5 on the same input: cropOffsetLeft -20, cropOffsetTop 0, attention 58,0 */
  CHECK(res.crop_offset_left == -20 && res.crop_offset_top == 0);
  CHECK(res.attention_x == 58 && res.attention_y == 0);
  clear_result(&res);
  req.position = 0;

  /* contain with a translucent background: an alpha band is added */
  req.fit = GR_FIT_CONTAIN;
  req.resize_width = 60;
  req.resize_height = 60;
  req.background[0] = 255;
  req.background[1] = 0;
  req.background[2] = 0;
  req.background[3] = 128;
  CHECK(run(&req, &res, &err) == GR_OK);
  CHECK(res.width == 60 && res.height == 60 && res.channels == 4);
  if (res.data && res.channels == 4) {
    const uint8_t *corner = res.data; /* top-left is background: 60x40 image centred in 60x60 */
    CHECK(corner[0] == 255 && corner[1] == 0 && corner[2] == 0 && corner[3] == 128);
    const uint8_t *mid = res.data + ((size_t)30 * 60 + 30) * 4;
    CHECK(mid[3] == 255);
  }
  clear_result(&res);
  req.background[3] = 255;

  /* extract before and after */
  init_request(&req);
  req.input = rgb;
  req.input_length = (size_t)W * H * 3;
  req.raw_width = W;
  req.raw_height = H;
  req.raw_channels = 3;
  req.extract_before = (gr_rect){10, 20, 100, 50};
  req.resize_width = 50;
  req.extract_after = (gr_rect){5, 5, 30, 10};
  CHECK(run(&req, &res, &err) == GR_OK);
  CHECK(res.width == 30 && res.height == 10 && res.channels == 3);
  clear_result(&res);

  /* extract outside the image fails cleanly */
  req.extract_after = (gr_rect){40, 0, 30, 10};
  CHECK(run(&req, &res, &err) != GR_OK);
  CHECK(err.message[0] != 0 && res.data == NULL);
  clear_result(&res);

  /* rotate 90 swaps dimensions */
  init_request(&req);
  req.input = rgb;
  req.input_length = (size_t)W * H * 3;
  req.raw_width = W;
  req.raw_height = H;
  req.raw_channels = 3;
  req.rotate_angle = 90;
  CHECK(run(&req, &res, &err) == GR_OK);
  CHECK(res.width == H && res.height == W);
  if (res.data) {
    /* rot90 clockwise: output top-right pixel is input top-left (red = 0, green = 0) */
    const uint8_t *tr = res.data + (size_t)(H - 1) * 3;
    CHECK(tr[0] == 0 && tr[1] == 0);
  }
  clear_result(&res);

  /* rotate before resize: a 60-wide target applies to the rotated image */
  req.rotate_before = 1;
  req.resize_width = 40;
  CHECK(run(&req, &res, &err) == GR_OK);
  CHECK(res.width == 40 && res.height == 60);
  clear_result(&res);

  /* flip + flop of the raw gradient: first pixel is the last input pixel */
  init_request(&req);
  req.input = rgb;
  req.input_length = (size_t)W * H * 3;
  req.raw_width = W;
  req.raw_height = H;
  req.raw_channels = 3;
  req.flip = 1;
  req.flop = 1;
  CHECK(run(&req, &res, &err) == GR_OK);
  if (res.data) CHECK(memcmp(res.data, rgb + ((size_t)W * H - 1) * 3, 3) == 0);
  clear_result(&res);

  /* grey raw input becomes sRGB like sharp (3 channels out) */
  uint8_t *grey = gradient(W, H, 1);
  init_request(&req);
  req.input = grey;
  req.input_length = (size_t)W * H;
  req.raw_width = W;
  req.raw_height = H;
  req.raw_channels = 1;
  req.resize_width = 60;
  CHECK(run(&req, &res, &err) == GR_OK);
  CHECK(res.width == 60 && res.height == 40 && res.channels == 3);
  clear_result(&res);
  free(grey);

  /* RGBA resize: premultiplied for processing (sharp reports it) */
  uint8_t *rgba = gradient(W, H, 4);
  init_request(&req);
  req.input = rgba;
  req.input_length = (size_t)W * H * 4;
  req.raw_width = W;
  req.raw_height = H;
  req.raw_channels = 4;
  req.resize_width = 60;
  CHECK(run(&req, &res, &err) == GR_OK);
  CHECK(res.channels == 4 && res.premultiplied == 1);
  clear_result(&res);

  /* every output format from raw input */
  static const gr_format formats[] = {GR_FORMAT_JPEG, GR_FORMAT_PNG, GR_FORMAT_WEBP,
                                      GR_FORMAT_GIF, GR_FORMAT_TIFF, GR_FORMAT_AVIF};
  for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
    req.output_format = formats[i];
    CHECK_MSG(run(&req, &res, &err) == GR_OK, "format %d", (int)formats[i]);
    CHECK(res.format == formats[i] && res.length > 0);
    gr_metadata meta;
    if (res.data) {
      CHECK_MSG(gr_vips_read_metadata(res.data, res.length, &meta, &err) == GR_OK &&
                    meta.format == formats[i] && meta.width == 60,
                "format %d read back as %d", (int)formats[i], (int)meta.format);
    }
    clear_result(&res);
  }
  free(rgba);

  /* raw input too short */
  init_request(&req);
  req.input = rgb;
  req.input_length = 100;
  req.raw_width = W;
  req.raw_height = H;
  req.raw_channels = 3;
  CHECK(run(&req, &res, &err) == GR_ERR_INVALID_ARGUMENT);
  clear_result(&res);
  free(rgb);
}

static void test_auto_orient(void) {
  static const char *const names[] = {"Landscape_6.jpg", "Portrait_8.jpg"};
  for (int i = 0; i < 2; i++) {
    size_t len;
    uint8_t *jpg = gr_test_read_image(names[i], &len);
    gr_metadata meta;
    gr_error err;
    CHECK(gr_vips_read_metadata(jpg, len, &meta, &err) == GR_OK);
    CHECK(meta.orientation == (i == 0 ? 6 : 8));
    /* orientations 6 and 8 store the image transposed */
    int upright_w = meta.height, upright_h = meta.width;

    gr_request req;
    gr_result res;
    init_request(&req);
    req.input = jpg;
    req.input_length = len;
    req.auto_orient = 1;
    req.output_format = GR_FORMAT_RAW;
    CHECK(run(&req, &res, &err) == GR_OK);
    CHECK(res.width == upright_w && res.height == upright_h);
    clear_result(&res);

    /* with a resize the target applies to the upright geometry */
    req.resize_width = 100;
    CHECK(run(&req, &res, &err) == GR_OK);
    CHECK(res.width == 100);
    CHECK(res.height == (int)((double)upright_h * 100 / upright_w + 0.5));
    clear_result(&res);

    /* without auto-orient: stored geometry */
    req.auto_orient = 0;
    req.resize_width = 0;
    CHECK(run(&req, &res, &err) == GR_OK);
    CHECK(res.width == meta.width && res.height == meta.height);
    clear_result(&res);
    free(jpg);
  }

  /* Landscape_1: orientation 1 reference geometry equals Landscape_6 upright */
  size_t l1, l6;
  uint8_t *a = gr_test_read_image("Landscape_1.jpg", &l1);
  uint8_t *b = gr_test_read_image("Landscape_6.jpg", &l6);
  gr_metadata ma, mb;
  gr_error err;
  if (gr_vips_read_metadata(a, l1, &ma, &err) == GR_OK &&
      gr_vips_read_metadata(b, l6, &mb, &err) == GR_OK) {
    CHECK(ma.width == mb.height && ma.height == mb.width);
  }
  free(a);
  free(b);
}

static void expect_failure(const char *what, const uint8_t *data, size_t len, gr_fail_on fail_on,
                           gr_status expected) {
  gr_request req;
  gr_result res;
  gr_error err;
  init_request(&req);
  req.input = data;
  req.input_length = len;
  req.fail_on = fail_on;
  req.resize_width = 64;
  req.output_format = GR_FORMAT_PNG;
  memset(&res, 0, sizeof res);
  memset(&err, 0, sizeof err);
  gr_status st = gr_vips_process(&req, &res, &err);
  CHECK_MSG(st != GR_OK, "%s: expected a failure", what);
  if (expected != GR_OK) {
    CHECK_MSG(st == expected, "%s: got %d (%s), expected %d", what, (int)st, err.message,
              (int)expected);
  }
  CHECK_MSG(err.code == st && err.message[0] != 0, "%s: no message", what);
  CHECK(res.data == NULL);
  clear_result(&res);
}

static void test_bad_input(void) {
  size_t len;
  uint8_t *trunc = gr_test_read_image("truncated.jpg", &len);
  expect_failure("truncated.jpg", trunc, len, GR_FAIL_ON_ERROR, GR_ERR_DECODE);
  expect_failure("truncated.jpg (warning)", trunc, len, GR_FAIL_ON_WARNING, GR_ERR_DECODE);
  {
    /* fail_on none: decodes what there is */
    gr_request req;
    gr_result res;
    gr_error err;
    init_request(&req);
    req.input = trunc;
    req.input_length = len;
    req.fail_on = GR_FAIL_ON_NONE;
    req.resize_width = 64;
    CHECK(run(&req, &res, &err) == GR_OK);
    clear_result(&res);
  }
  free(trunc);

  uint8_t *tpng = gr_test_read_image("truncated.png", &len);
  expect_failure("truncated.png", tpng, len, GR_FAIL_ON_ERROR, GR_ERR_DECODE);
  free(tpng);

  uint8_t *corrupt = gr_test_read_image("corrupt-header.jpg", &len);
  expect_failure("corrupt-header.jpg", corrupt, len, GR_FAIL_ON_ERROR, GR_ERR_DECODE);
  free(corrupt);

  static const uint8_t one = 0;
  expect_failure("empty", &one, 0, GR_FAIL_ON_ERROR, GR_ERR_DECODE);
  expect_failure("NULL", NULL, 0, GR_FAIL_ON_ERROR, GR_ERR_DECODE);

  uint8_t random_bytes[4096];
  uint32_t s = 12345;
  for (size_t i = 0; i < sizeof random_bytes; i++) {
    s = s * 1103515245u + 12345u;
    random_bytes[i] = (uint8_t)(s >> 16);
  }
  expect_failure("random", random_bytes, sizeof random_bytes, GR_FAIL_ON_ERROR, GR_ERR_DECODE);
  {
    gr_request req;
    gr_result res;
    gr_error err;
    init_request(&req);
    req.input = random_bytes;
    req.input_length = sizeof random_bytes;
    memset(&res, 0, sizeof res);
    gr_vips_process(&req, &res, &err);
    CHECK(strcmp(err.message, "Input buffer contains unsupported image format") == 0);
    gr_metadata meta;
    CHECK(gr_vips_read_metadata(random_bytes, sizeof random_bytes, &meta, &err) == GR_ERR_DECODE);
  }

  uint8_t *giant = gr_test_read_image("giant-image.jpg", &len);
  {
    gr_request req;
    gr_result res;
    gr_error err;
    init_request(&req);
    req.input = giant;
    req.input_length = len;
    req.limit_input_pixels = 268402689ull;
    req.resize_width = 64;
    memset(&res, 0, sizeof res);
    gr_status st = gr_vips_process(&req, &res, &err);
    CHECK(st == GR_ERR_LIMIT);
    CHECK(strcmp(err.message, "Input image exceeds pixel limit") == 0);
    CHECK(res.data == NULL);
    clear_result(&res);
  }
  free(giant);

  /* invalid arguments */
  {
    uint8_t px[12] = {0};
    gr_request req;
    gr_result res;
    gr_error err;
    init_request(&req);
    req.input = px;
    req.input_length = sizeof px;
    req.raw_width = 2;
    req.raw_height = 2;
    req.raw_channels = 3;
    req.kernel = (gr_kernel)42;
    memset(&res, 0, sizeof res);
    CHECK(gr_vips_process(&req, &res, &err) == GR_ERR_INVALID_ARGUMENT);
  }
}

/* ---- threads ---- */

typedef struct thread_job {
  const uint8_t *input;
  size_t length;
  int index;
  int ok;
} thread_job;

static void *thread_main(void *arg) {
  thread_job *job = arg;
  job->ok = 1;
  for (int iter = 0; iter < 4; iter++) {
    gr_request req;
    gr_result res;
    gr_error err;
    init_request(&req);
    req.input = job->input;
    req.input_length = job->length;
    req.resize_width = 64 + job->index * 8 + iter;
    req.resize_height = 48 + iter;
    req.fit = (gr_fit)((job->index + iter) % 5);
    req.output_format = (job->index & 1) ? GR_FORMAT_RAW : GR_FORMAT_PNG;
    memset(&res, 0, sizeof res);
    memset(&err, 0, sizeof err);
    if (gr_vips_process(&req, &res, &err) != GR_OK || !res.data || res.width <= 0) {
      job->ok = 0;
      fprintf(stderr, "thread %d iteration %d: %s\n", job->index, iter, err.message);
    }
    clear_result(&res);
  }
  return NULL;
}

static void test_threads(void) {
  size_t len;
  uint8_t *jpg = gr_test_read_image("flowers.jpeg", &len);
  pthread_t threads[8];
  thread_job jobs[8];
  for (int i = 0; i < 8; i++) {
    jobs[i] = (thread_job){jpg, len, i, 0};
    pthread_create(&threads[i], NULL, thread_main, &jobs[i]);
  }
  int ok = 0;
  for (int i = 0; i < 8; i++) {
    pthread_join(threads[i], NULL);
    ok += jobs[i].ok;
  }
  CHECK(ok == 8);
  free(jpg);
}

int main(void) {
  test_available();
  test_gif();
  test_metadata_ex();
  test_cmyk();
  test_raw_geometry();
  test_auto_orient();
  test_bad_input();
  test_threads();
  return gr_test_finish("test_vips");
}

#else /* !GR_HAVE_VIPS */

int main(void) {
  char version[64], reason[GR_MESSAGE_MAX];
  CHECK(gr_vips_available(version, sizeof version, reason, sizeof reason) == 0);
  CHECK(strcmp(reason, "built without libvips") == 0);
  gr_request req;
  gr_result res;
  gr_error err;
  init_request(&req);
  memset(&res, 0, sizeof res);
  CHECK(gr_vips_process(&req, &res, &err) == GR_ERR_UNSUPPORTED);
  gr_metadata meta;
  CHECK(gr_vips_read_metadata(NULL, 0, &meta, &err) == GR_ERR_UNSUPPORTED);
  gr_metadata_ex ex;
  CHECK(gr_vips_read_metadata_ex(NULL, 0, &meta, &ex, &err) == GR_ERR_UNSUPPORTED);
  clear_result(&res);
  return gr_test_finish("test_vips");
}

#endif
