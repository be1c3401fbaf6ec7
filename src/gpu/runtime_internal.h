/* What runtime.c shares with the other GPU files (the batched JPEG path): device choice,
 * counters and health, fault injection, pinned buffers. */
#ifndef GR_GPU_RUNTIME_INTERNAL_H
#define GR_GPU_RUNTIME_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/common.h"

/* Picks a healthy device round-robin (initialising CUDA on first use) and counts a request in
 * flight on it. Returns its id, or -1 with message filled in. Pair with gr_gpu_release. */
int gr_gpu_acquire(char *message, size_t message_size);
/* Ends a request on device id (-1: none was acquired): counts it in the GPU stats and, for a
 * real CUDA error (cuda_error != 0, not injected), in the device's health; broken: the error
 * left the context unusable. */
void gr_gpu_release(int id, gr_status status, int injected, int cuda_error, int broken,
                    const char *message);
/* Gives back a device acquired for a request that then was not run there (not counted). */
void gr_gpu_unacquire(int id);
/* Counts a request that never reached a device. */
void gr_gpu_count(gr_status status, const char *message);
/* Shared-memory limit and stream-ordered allocator support of device id. */
int gr_gpu_device_info(int id, int *max_smem, int *pools);
/* 1 when GPU_RESIZE_FAULT names this step ("alloc", "launch", "copy", "nvjpeg") and its rate
 * draws a hit. */
int gr_gpu_fault(const char *step);
/* Counts a tensor-core launch that built its tables (use 1) or reused them (2); 0 counts
 * nothing (gr_table_cache_launch). */
void gr_gpu_count_tables(int use);
/* Grows a pinned host buffer to at least need bytes; returns a cudaError_t. */
int gr_gpu_grow_pinned(uint8_t **buf, size_t *cap, size_t need);

#endif
