// Host<->device transfer ceilings behind the raw path (task 3: 3840x2160 RGB in, 1920x1080 out),
// 1, 4 and 16 threads each copying its own buffers (GPU machine):
//   gcc -O2 -std=c11 -pthread bench/xfer.c -I/usr/local/cuda/include -L/usr/local/cuda/lib64 \
//     -lcudart -o /tmp/xfer && /tmp/xfer      (bench/results/h100-16core-decodefix/xfer.txt)
#define _GNU_SOURCE
#include <cuda_runtime_api.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <stdint.h>
#include <time.h>
#define IN (3840 * 2160 * 3)
#define OUTB (1920 * 1080 * 3)
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static int mode, iters = 40;
static pthread_barrier_t bar; static double t_start, t_end[16]; static int nthreads;
static void *worker(void *arg) {
  cudaStream_t s; cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking);
  uint8_t *src = malloc(IN); memset(src, 1, IN);
  uint8_t *pin; cudaHostAlloc((void **)&pin, IN, 0);
  uint8_t *pout; cudaHostAlloc((void **)&pout, OUTB, 0);
  uint8_t *d; cudaMalloc((void **)&d, IN);
  int me = (int)(long)arg; pthread_barrier_wait(&bar); if (me == 0) t_start = now(); pthread_barrier_wait(&bar);
  for (int i = 0; i < iters; i++) {
    if (mode == 0) memcpy(pin, src, IN);                       /* staging memcpy */
    else if (mode == 1) { memcpy(pin, src, IN); cudaMemcpyAsync(d, pin, IN, cudaMemcpyHostToDevice, s); cudaStreamSynchronize(s); }
    else if (mode == 2) { cudaMemcpyAsync(d, src, IN, cudaMemcpyHostToDevice, s); cudaStreamSynchronize(s); } /* pageable */
    else if (mode == 3) { cudaMemcpyAsync(d, pin, IN, cudaMemcpyHostToDevice, s); cudaStreamSynchronize(s); } /* pinned only */
    else if (mode == 4) { cudaHostRegister(src, IN, cudaHostRegisterReadOnly); cudaMemcpyAsync(d, src, IN, cudaMemcpyHostToDevice, s); cudaStreamSynchronize(s); cudaHostUnregister(src); }
    else if (mode == 5) { uint8_t *o = malloc(OUTB); cudaMemcpyAsync(pout, d, OUTB, cudaMemcpyDeviceToHost, s); cudaStreamSynchronize(s); memcpy(o, pout, OUTB); free(o); }
    else if (mode == 6) { uint8_t *o = malloc(OUTB); cudaMemcpyAsync(o, d, OUTB, cudaMemcpyDeviceToHost, s); cudaStreamSynchronize(s); free(o); }
    else if (mode == 7) { uint8_t *o = mmap(NULL, OUTB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0); madvise(o, OUTB, MADV_HUGEPAGE); cudaMemcpyAsync(pout, d, OUTB, cudaMemcpyDeviceToHost, s); cudaStreamSynchronize(s); memcpy(o, pout, OUTB); munmap(o, OUTB); }
  }
  t_end[me] = now();
  cudaFree(d); cudaFreeHost(pin); cudaFreeHost(pout); free(src); cudaStreamDestroy(s);
  return NULL;
}
int main(void) {
  const char *names[] = {"memcpy 24.9MB pageable->pinned", "memcpy + pinned H2D", "pageable H2D (driver staging)", "pinned H2D only", "HostRegister+H2D+Unregister", "D2H pinned + malloc + memcpy 6.2MB", "D2H straight into malloc 6.2MB", "D2H pinned + mmap(THP) + memcpy"};
  cudaFree(0);
  for (mode = 0; mode < 8; mode++) {
    for (int threads = 1; threads <= 16; threads *= 4) {
      pthread_t t[16]; nthreads = threads; pthread_barrier_init(&bar, NULL, threads);
      for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, worker, (void *)(long)i);
      for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
      pthread_barrier_destroy(&bar);
      double end = 0; for (int i = 0; i < threads; i++) if (t_end[i] > end) end = t_end[i];
      double dt = end - t_start; double ops = threads * iters / dt;
      printf("%-38s threads %2d: %7.1f ops/s  (%.2f ms/op/thread)\n", names[mode], threads, ops, dt * 1e3 / iters);
      fflush(stdout);
    }
  }
  return 0;
}
