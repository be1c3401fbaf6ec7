/* The bad-input corpus (test/badinput/corpus) through the C API: header read, decode with every
 * failOn, and whole requests on the CPU backend to every output format. Under the ASan/UBSan build
 * (npm run test:asan) and valgrind (npm run test:valgrind) this is where a bad read of hostile
 * input would show. Every failure must carry a message; the table below pins what sharp does for
 * the cases that matter (test/js checks all of them against sharp itself). */
#include <dirent.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <string.h>
#include <zlib.h>

#include "codecs/codecs.h"
#include "core/common.h"
#include "harness.h"

#define DEFAULT_LIMIT 268402689ull

/* test/badinput/corpus beside this file's directory (CMake compiles it by absolute path). */
static void corpus_dir(char *out, size_t size) {
  const char *file = __FILE__;
  const char *slash = strrchr(file, '/');
  size_t n = slash ? (size_t)(slash - file) : 0;
  snprintf(out, size, "%.*s/../badinput/corpus", (int)n, file);
}

static uint8_t *read_corpus(const char *name, size_t *length) {
  char dir[1024], path[1400];
  corpus_dir(dir, sizeof dir);
  snprintf(path, sizeof path, "%s/%s", dir, name);
  return gr_test_read_file(path, length);
}

static int starts_with(const char *s, const char *prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Every file, every failOn, every output format: an answer with a message, never a crash. */
static void test_every_file(void) {
  char dir[1024];
  corpus_dir(dir, sizeof dir);
  DIR *d = opendir(dir);
  CHECK_MSG(d != NULL, "cannot open %s", dir);
  if (!d) return;
  int files = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    files++;
    size_t length;
    uint8_t *data = read_corpus(e->d_name, &length);
    gr_metadata meta;
    gr_error err = {GR_OK, ""};
    gr_status st = gr_codec_read_header(data, length, &meta, &err);
    CHECK_MSG(st == GR_OK || err.message[0], "%s: header status %d without a message", e->d_name, st);
    for (int fail_on = GR_FAIL_ON_NONE; fail_on <= GR_FAIL_ON_WARNING; fail_on++) {
      gr_decode_options o = {1, (gr_fail_on)fail_on, DEFAULT_LIMIT, 0.0};
      gr_image img;
      memset(&err, 0, sizeof err);
      st = gr_decode(data, length, &o, &img, &err);
      CHECK_MSG(st == GR_OK || err.message[0], "%s: decode status %d without a message", e->d_name, st);
      if (st == GR_OK) {
        CHECK_MSG(img.data && img.width > 0 && img.height > 0, "%s: empty image", e->d_name);
        gr_image_free(&img);
      }
      static const gr_format formats[] = {GR_FORMAT_JPEG, GR_FORMAT_PNG, GR_FORMAT_WEBP,
                                          GR_FORMAT_RAW};
      for (size_t f = 0; f < sizeof formats / sizeof formats[0]; f++) {
        gr_request req;
        gr_request_init(&req);
        req.input = data;
        req.input_length = length;
        req.fail_on = (gr_fail_on)fail_on;
        req.resize_width = 20;
        req.output_format = formats[f];
        req.backend = GR_BACKEND_CPU;
        gr_result res;
        memset(&err, 0, sizeof err);
        st = gr_process(&req, &res, &err);
        CHECK_MSG(st == GR_OK || err.message[0], "%s: request status %d without a message",
                  e->d_name, st);
        if (st == GR_OK) CHECK_MSG(res.data && res.length > 0, "%s: empty result", e->d_name);
        gr_result_free(&res);
      }
    }
    free(data);
  }
  closedir(d);
  CHECK_MSG(files >= 50, "%d corpus files", files);
}

typedef struct expectation {
  const char *file;
  gr_fail_on fail_on;
  gr_status status;
  const char *message; /* prefix; NULL when the request succeeds */
} expectation;

/* What sharp 0.35.5 does with these (resize to 20 wide, JPEG out). */
static const expectation expected[] = {
    {"valid.jpg", GR_FAIL_ON_WARNING, GR_OK, NULL},
    {"jpeg-soi-only.jpg", GR_FAIL_ON_NONE, GR_ERR_DECODE,
     "Input buffer has corrupt header: VipsJpeg: premature end of JPEG image"},
    {"jpeg-zero-height.jpg", GR_FAIL_ON_NONE, GR_ERR_DECODE,
     "Input buffer has corrupt header: VipsJpeg: Empty JPEG image"},
    {"jpeg-truncated-half.jpg", GR_FAIL_ON_NONE, GR_OK, NULL},
    {"jpeg-truncated-half.jpg", GR_FAIL_ON_TRUNCATED, GR_ERR_DECODE,
     "VipsJpeg: premature end of JPEG image"},
    {"jpeg-progressive-truncated.jpg", GR_FAIL_ON_NONE, GR_ERR_DECODE,
     "VipsJpeg: premature end of JPEG image"},
    {"jpeg-corrupt-scan.jpg", GR_FAIL_ON_ERROR, GR_OK, NULL},
    {"jpeg-corrupt-scan.jpg", GR_FAIL_ON_WARNING, GR_ERR_DECODE, "VipsJpeg: Corrupt JPEG data"},
    {"jpeg-bomb-65000x65000.jpg", GR_FAIL_ON_NONE, GR_ERR_LIMIT, "Input image exceeds pixel limit"},
    {"png-zero-width.png", GR_FAIL_ON_NONE, GR_ERR_DECODE, "Input buffer has corrupt header:"},
    {"png-ihdr-bad-crc.png", GR_FAIL_ON_TRUNCATED, GR_OK, NULL},
    {"png-ihdr-bad-crc.png", GR_FAIL_ON_ERROR, GR_ERR_DECODE,
     "Warning treated as error due to failOn setting"},
    {"png-idat-bad-crc.png", GR_FAIL_ON_TRUNCATED, GR_OK, NULL},
    {"png-idat-bad-crc.png", GR_FAIL_ON_ERROR, GR_ERR_DECODE, "vipspng: libpng read error"},
    {"png-idat-truncated.png", GR_FAIL_ON_NONE, GR_OK, NULL},
    {"png-idat-truncated.png", GR_FAIL_ON_TRUNCATED, GR_ERR_DECODE, "vipspng: libpng read error"},
    {"png-ancillary-bad-crc.png", GR_FAIL_ON_WARNING, GR_OK, NULL},
    {"png-bomb-100000x100000.png", GR_FAIL_ON_NONE, GR_ERR_LIMIT, "Input image exceeds pixel limit"},
    {"png-text-length-2gb.png", GR_FAIL_ON_NONE, GR_ERR_DECODE,
     "Input buffer has corrupt header: Truncated PNG: a 2147483631-byte chunk"},
    {"webp-truncated-half.webp", GR_FAIL_ON_NONE, GR_ERR_DECODE,
     "Input buffer has corrupt header: webp: unable to parse image"},
    {"webp-riff-size-too-large.webp", GR_FAIL_ON_NONE, GR_ERR_DECODE,
     "Input buffer has corrupt header: webp: unable to parse image"},
    {"webp-bomb-vp8l-16384x16384.webp", GR_FAIL_ON_NONE, GR_ERR_DECODE,
     "Input buffer has corrupt header: webp: bad image dimensions"},
    {"webp-lossless-corrupt.webp", GR_FAIL_ON_NONE, GR_ERR_DECODE,
     "webp2vips: unable to read pixels"},
    {"webp-corrupt-data.webp", GR_FAIL_ON_WARNING, GR_OK, NULL},
    {"text.jpg", GR_FAIL_ON_NONE, GR_ERR_DECODE, "Input buffer contains unsupported image format"},
};

static void test_expectations(void) {
  for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
    const expectation *x = &expected[i];
    size_t length;
    uint8_t *data = read_corpus(x->file, &length);
    gr_request req;
    gr_request_init(&req);
    req.input = data;
    req.input_length = length;
    req.fail_on = x->fail_on;
    req.resize_width = 20;
    req.output_format = GR_FORMAT_JPEG;
    req.backend = GR_BACKEND_CPU;
    gr_result res;
    gr_error err = {GR_OK, ""};
    gr_status st = gr_process(&req, &res, &err);
    CHECK_MSG(st == x->status, "%s failOn %d: status %d (%s), expected %d", x->file, x->fail_on,
              st, err.message, x->status);
    if (x->message) {
      CHECK_MSG(starts_with(err.message, x->message), "%s failOn %d: \"%s\", expected \"%s...\"",
                x->file, x->fail_on, err.message, x->message);
    } else if (st == GR_OK) {
      CHECK_MSG(res.backend == GR_BACKEND_CPU && res.width == 20, "%s: backend %d width %d",
                x->file, res.backend, res.width);
    }
    gr_result_free(&res);
    free(data);
  }
}

static void put_be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

/* A 70-byte PNG claiming 20000x20000 grey (400 MB) with the limit off: refused at the first
 * missing row, without writing the image first (it used to be zeroed whole before reading). */
static void test_png_bomb_without_limit(void) {
  size_t length;
  uint8_t *data = read_corpus("png-bomb-100000x100000.png", &length);
  put_be32(data + 16, 20000); /* IHDR width and height, then its CRC */
  put_be32(data + 20, 20000);
  put_be32(data + 29, (uint32_t)crc32(crc32(0L, Z_NULL, 0), data + 12, 17));
  gr_decode_options o = {1, GR_FAIL_ON_TRUNCATED, 0, 0.0};
  gr_image img;
  gr_error err = {GR_OK, ""};
  gr_status st = gr_decode(data, length, &o, &img, &err);
  CHECK_MSG(st == GR_ERR_DECODE, "status %d (%s)", st, err.message);
  CHECK_MSG(starts_with(err.message, "vipspng: libpng read error"), "%s", err.message);
  CHECK(err.message[0] != 0);
  free(data);
}

static long peak_rss_kb(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

/* A 200-byte PNG whose tEXt claims 2 GB: libpng 1.6.39 allocates and zeroes a buffer of the
 * declared length before it reads the data, so every request used to commit 2 GB (the CI
 * fuzzer's out-of-memory). Now refused before libpng sees the chunk: the peak RSS stays put. */
static void test_png_huge_chunk_commits_nothing(void) {
  size_t length;
  uint8_t *data = read_corpus("png-text-length-2gb.png", &length);
  long before = peak_rss_kb();
  gr_metadata meta;
  gr_error err = {GR_OK, ""};
  gr_status st = gr_codec_read_header(data, length, &meta, &err);
  CHECK_MSG(st == GR_ERR_DECODE && strstr(err.message, "Truncated PNG"), "header: %d %s", st,
            err.message);
  for (int fail_on = GR_FAIL_ON_NONE; fail_on <= GR_FAIL_ON_WARNING; fail_on++) {
    gr_decode_options o = {1, (gr_fail_on)fail_on, DEFAULT_LIMIT, 0.0};
    gr_image img;
    memset(&err, 0, sizeof err);
    st = gr_decode(data, length, &o, &img, &err);
    CHECK_MSG(st == GR_ERR_DECODE && strstr(err.message, "Truncated PNG"), "failOn %d: %d %s",
              fail_on, st, err.message);
  }
  long grown_mb = (peak_rss_kb() - before) / 1024;
  CHECK_MSG(grown_mb < 64, "peak RSS grew by %ld MB", grown_mb);
  free(data);
}

int main(void) {
  test_png_huge_chunk_commits_nothing(); /* first: it measures the peak RSS */
  test_every_file();
  test_expectations();
  test_png_bomb_without_limit();
  return gr_test_finish("test_badinput");
}
