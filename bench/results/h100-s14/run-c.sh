#!/bin/bash
# Session 14, run C: merged edge rows (every tile one tensor copy), new timing (queued launches),
# tensor-copy variants on 4K RGB and grey.
cd "$(dirname "$0")/../../.."
L=$OUT/s14c.log
bk() { bash bench/kernels/build.sh > /tmp/bk.log 2>&1 || { tail -30 /tmp/bk.log >> $L; exit 1; }; }
GR_CUDA_ARCHS=90 bk
timeout 200 ./build/bench_kernels --runs 300 --out $OUT > /tmp/bench.log 2>&1; echo "bench_kernels rc $?" >> $L
grep -E "floor|gpu-resize lanczos3|NPP|worst" /tmp/bench.log >> $L
cp /tmp/bench.log $OUT/bench.txt
for v in "-DGR_I8_TMA_ROWS=16" "-DGR_I8_TMA_ES=8" "-DGR_I8_TMA_PROMO=0" "-DGR_I8_TMA_PROMO=3" "-DGR_I8_NO_TMA=1"; do
  GR_CUDA_ARCHS=90 GR_NO_NPP=1 GR_NVCC_FLAGS="$v" bk
  echo "== $v" >> $L
  timeout 100 ./build/bench_kernels --runs 200 --cases 0,1 > /tmp/b.log 2>&1; echo "rc $?" >> $L
  grep -E "gpu-resize lanczos3 " /tmp/b.log >> $L
done
echo done >> $L
