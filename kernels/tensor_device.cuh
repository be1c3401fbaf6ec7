/* The current device as the tensor-core kernels (kernels/resize_tc.cu, kernels/resize_i8.cu)
 * see it: both keep per-device flags for up to kTensorDevices devices and need sm_80. */
#ifndef GR_KERNELS_TENSOR_DEVICE_CUH
#define GR_KERNELS_TENSOR_DEVICE_CUH

#include <cuda_runtime.h>

constexpr int kTensorDevices = 64;

/* *dev and *major of the current device; *ok = 1 when it can run the tensor-core kernels. */
static inline cudaError_t tensor_device(int *dev, int *major, int *ok) {
  cudaError_t e;
  *ok = 0;
  if ((e = cudaGetDevice(dev)) || (e = cudaDeviceGetAttribute(major, cudaDevAttrComputeCapabilityMajor, *dev))) {
    return e;
  }
  *ok = *dev >= 0 && *dev < kTensorDevices && *major >= 8;
  return cudaSuccess;
}

#endif
