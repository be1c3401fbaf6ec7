/* A small test harness for the C tests: checks that count failures, file helpers, PSNR. */
#ifndef GR_TEST_HARNESS_H
#define GR_TEST_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include "gpu_resize.h"

extern int gr_test_failures;
extern int gr_test_checks;

#define CHECK(cond)                                                                      \
  do {                                                                                   \
    gr_test_checks++;                                                                    \
    if (!(cond)) {                                                                       \
      gr_test_failures++;                                                                \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);           \
    }                                                                                    \
  } while (0)

#define CHECK_MSG(cond, ...)                                                             \
  do {                                                                                   \
    gr_test_checks++;                                                                    \
    if (!(cond)) {                                                                       \
      gr_test_failures++;                                                                \
      fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond);           \
      fprintf(stderr, __VA_ARGS__);                                                      \
      fputc('\n', stderr);                                                               \
    }                                                                                    \
  } while (0)

/* Prints "N passed, M failed" and returns the process exit code. */
int gr_test_finish(const char *suite);

/* Reads a file into a malloc'd buffer; exits the test (not the library) on failure. */
uint8_t *gr_test_read_file(const char *path, size_t *length);
/* Reads GR_IMAGES_DIR/name. */
uint8_t *gr_test_read_image(const char *name, size_t *length);

/* PSNR in dB between two tightly packed 8-bit buffers of equal size (INFINITY when equal). */
double gr_test_psnr(const uint8_t *a, const uint8_t *b, size_t length);
/* Largest absolute difference between two equal-size byte buffers. */
int gr_test_max_diff(const uint8_t *a, const uint8_t *b, size_t length);

#endif
