#!/usr/bin/env bash
# Builds build/bench_kernels: the resize kernels alone (bench/kernels/bench_kernels.cu) against
# the project's sources, plus NVIDIA NPP's resize beside them when nppi.h and libnppig are found.
#   bash bench/kernels/build.sh            (env: NVCC, CUDA_HOME, GR_CUDA_ARCHS="80 90", GR_NO_NPP=1,
#                                           GR_NVCC_FLAGS="-DGR_FUSED_MIN_BLOCKS=3" for kernels/resize.cu)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
OUT="$ROOT/build/bench-kernels"
mkdir -p "$OUT"

# Same architectures as CMakeLists.txt (75-real 80-real 86-real 89-real 90).
ARCHS="${GR_CUDA_ARCHS:-75 80 86 89 90}"
GENCODE=()
last=""
for a in $ARCHS; do GENCODE+=("-gencode=arch=compute_$a,code=sm_$a"); last="$a"; done
GENCODE+=("-gencode=arch=compute_$last,code=compute_$last")

INC=(-I"$ROOT/include" -I"$ROOT/src")
"$CC" -O2 -std=c11 -D_GNU_SOURCE "${INC[@]}" -c "$ROOT/src/core/filter.c" -o "$OUT/filter.o"
"$CC" -O2 -std=c11 -D_GNU_SOURCE "${INC[@]}" -c "$ROOT/src/core/common.c" -o "$OUT/common.o"
# The CPU resize, the reference the kernels must match bit for bit.
"$CC" -O2 -std=c11 -D_GNU_SOURCE "${INC[@]}" -c "$ROOT/src/core/parallel.c" -o "$OUT/parallel.o"
"$CC" -O2 -std=c11 -D_GNU_SOURCE "${INC[@]}" -c "$ROOT/src/cpu/resize.c" -o "$OUT/cpu_resize.o"
"$NVCC" -O3 -std=c++17 "${GENCODE[@]}" "${INC[@]}" ${GR_NVCC_FLAGS:-} -c "$ROOT/kernels/resize.cu" -o "$OUT/resize.o"
"$NVCC" -O3 -std=c++17 "${GENCODE[@]}" "${INC[@]}" ${GR_NVCC_FLAGS:-} -c "$ROOT/kernels/resize_tc.cu" -o "$OUT/resize_tc.o"
"$NVCC" -O3 -std=c++17 "${GENCODE[@]}" "${INC[@]}" ${GR_NVCC_FLAGS:-} -c "$ROOT/kernels/resize_i8.cu" -o "$OUT/resize_i8.o"

# NPP: header and the geometry + core libraries.
NPP_FLAGS=()
NPP_LIBS=()
NPP_MSG="NPP not found (no nppi.h / libnppig in $CUDA_HOME): building without it"
if [[ -z "${GR_NO_NPP:-}" ]]; then
  npp_inc=""
  for d in "$CUDA_HOME/include" "$CUDA_HOME/targets/x86_64-linux/include" /usr/include; do
    if [[ -f "$d/nppi.h" ]]; then npp_inc="$d"; break; fi
  done
  npp_lib=""
  for d in "$CUDA_HOME/lib64" "$CUDA_HOME/targets/x86_64-linux/lib" /usr/lib/x86_64-linux-gnu; do
    if ls "$d"/libnppig.so* >/dev/null 2>&1; then npp_lib="$d"; break; fi
  done
  if [[ -n "$npp_inc" && -n "$npp_lib" ]]; then
    NPP_FLAGS=(-DGR_HAVE_NPP -I"$npp_inc")
    NPP_LIBS=(-L"$npp_lib" -lnppig -lnppc -Xlinker -rpath -Xlinker "$npp_lib")
    NPP_MSG="NPP found: $npp_inc/nppi.h, $npp_lib/libnppig"
  fi
else
  NPP_MSG="GR_NO_NPP set: building without NPP"
fi
echo "bench/kernels/build.sh: $NPP_MSG" >&2

build() {
  "$NVCC" -O3 -std=c++17 "${GENCODE[@]}" "${INC[@]}" "$@" \
    "$ROOT/bench/kernels/bench_kernels.cu" "$OUT/resize.o" "$OUT/resize_tc.o" "$OUT/resize_i8.o" "$OUT/filter.o" "$OUT/common.o" \
    "$OUT/parallel.o" "$OUT/cpu_resize.o" -o "$ROOT/build/bench_kernels" -lm -lpthread
}
if [[ ${#NPP_FLAGS[@]} -gt 0 ]]; then
  if ! build "${NPP_FLAGS[@]}" "${NPP_LIBS[@]}"; then
    echo "bench/kernels/build.sh: building with NPP failed; building without it" >&2
    build
  fi
else
  build
fi
echo "bench/kernels/build.sh: built $ROOT/build/bench_kernels" >&2
