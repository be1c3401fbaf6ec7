/* Small helpers the resize kernels share (kernels/resize.cu, kernels/resize_tc.cu). */
#ifndef GR_KERNELS_PIXEL_MATH_CUH
#define GR_KERNELS_PIXEL_MATH_CUH

#include <stdint.h>

__host__ __device__ __forceinline__ int clampi(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

/* The CPU path's u8(): clamp to [0, 255], then (uint8_t)(v + 0.5f). */
__device__ __forceinline__ uint8_t to_u8(float v) {
  v = v < 0.0f ? 0.0f : (v > 255.0f ? 255.0f : v);
  return (uint8_t)__float2uint_rz(v + 0.5f);
}

#endif
