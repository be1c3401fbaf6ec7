#!/usr/bin/env bash
# Builds and runs test_gpu (test/c/test_gpu.c: GPU vs CPU bit-exactness, faults, threads) by hand
# with nvcc + cc, for machines without the CMake dependencies (libjpeg/png/webp).
#   bash bench/kernels/check.sh            (env: NVCC, CUDA_HOME, GR_CUDA_ARCHS="90", CC)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
OUT="$ROOT/build/check-gpu"
mkdir -p "$OUT"
ARCHS="${GR_CUDA_ARCHS:-90}"
GENCODE=()
for a in $ARCHS; do GENCODE+=("-gencode=arch=compute_$a,code=sm_$a"); done
INC=(-I"$ROOT/include" -I"$ROOT/src" -I"$ROOT/test/c" -I"$CUDA_HOME/include")
objs=()
for f in test/c/test_gpu.c test/c/harness.c src/core/common.c src/core/parallel.c src/core/filter.c \
         src/cpu/resize.c src/cpu/transform.c src/gpu/runtime.c; do
  o="$OUT/$(echo "$f" | tr '/' '_').o"
  "$CC" -O2 -std=c11 -D_GNU_SOURCE -DGR_HAVE_CUDA=1 -DGR_IMAGES_DIR='"/tmp"' "${INC[@]}" -c "$ROOT/$f" -o "$o" &
  objs+=("$o")
done
"$NVCC" -O3 -std=c++17 "${GENCODE[@]}" -I"$ROOT/include" -I"$ROOT/src" -c "$ROOT/kernels/resize.cu" -o "$OUT/resize.o" &
wait
"$NVCC" "${GENCODE[@]}" "${objs[@]}" "$OUT/resize.o" -o "$OUT/test_gpu" -lcudart_static -lpthread -lm -ldl -lrt
echo "check.sh: built $OUT/test_gpu" >&2
GPU_RESIZE_REQUIRE_GPU="${GPU_RESIZE_REQUIRE_GPU:-1}" "$OUT/test_gpu"
