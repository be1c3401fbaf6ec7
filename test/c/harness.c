#include "harness.h"

#include <math.h>
#include <string.h>

int gr_test_failures = 0;
int gr_test_checks = 0;

int gr_test_finish(const char *suite) {
  printf("%s: %d checks\n", suite, gr_test_checks);
  printf("%d passed, %d failed\n", gr_test_checks - gr_test_failures, gr_test_failures);
  return gr_test_failures == 0 ? 0 : 1;
}

uint8_t *gr_test_read_file(const char *path, size_t *length) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", path);
    exit(2);
  }
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *data = malloc(size > 0 ? (size_t)size : 1);
  if (!data || fread(data, 1, (size_t)size, f) != (size_t)size) {
    fprintf(stderr, "cannot read %s\n", path);
    exit(2);
  }
  fclose(f);
  *length = (size_t)size;
  return data;
}

uint8_t *gr_test_read_image(const char *name, size_t *length) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", GR_IMAGES_DIR, name);
  return gr_test_read_file(path, length);
}

double gr_test_psnr(const uint8_t *a, const uint8_t *b, size_t length) {
  double sum = 0;
  for (size_t i = 0; i < length; i++) {
    double d = (double)a[i] - (double)b[i];
    sum += d * d;
  }
  if (sum == 0) return INFINITY;
  double mse = sum / (double)length;
  return 10.0 * log10(255.0 * 255.0 / mse);
}

int gr_test_max_diff(const uint8_t *a, const uint8_t *b, size_t length) {
  int max = 0;
  for (size_t i = 0; i < length; i++) {
    int d = abs((int)a[i] - (int)b[i]);
    if (d > max) max = d;
  }
  return max;
}
