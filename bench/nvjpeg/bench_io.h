/* What the nvJPEG bench programs share: a monotonic clock, reading a whole file, a call check. */
#ifndef GR_BENCH_IO_H
#define GR_BENCH_IO_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

/* The file's bytes (malloc'd) and length, or NULL. */
static inline unsigned char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *buf = n > 0 ? malloc((size_t)n) : NULL;
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  *len = (size_t)n;
  return buf;
}

/* The probes' nvJPEG call check: prints the failing call and jumps to the function's fail
 * label (needs gpu/nvjpeg_api.h for the status name). */
#define CK(call)                                                                    \
  do {                                                                              \
    int s_ = (call);                                                                \
    if (s_ != 0) {                                                                  \
      printf("  %s -> %d (%s)\n", #call, s_, gr_nvjpeg_status_name(s_));           \
      goto fail;                                                                    \
    }                                                                               \
  } while (0)

#endif
