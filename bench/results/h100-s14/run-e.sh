#!/bin/bash
# Session 14, run E: traces of the pipelined kernel with phase 1 / phase 2 / both skipped (GR_I8_PROBE).
cd "$(dirname "$0")/../../.."
L=$OUT/s14e.log
bk() { bash bench/kernels/build.sh > /tmp/bk.log 2>&1 || { tail -30 /tmp/bk.log >> $L; exit 1; }; }
for P in 3 1 2; do
  GR_CUDA_ARCHS=90 GR_NO_NPP=1 GR_NVCC_FLAGS="-DGR_I8_TRACE=1 -DGR_I8_PROBE=$P" bk
  echo "== probe $P" >> $L
  timeout 100 ./build/bench_kernels --runs 100 --cases 0,1 --out /tmp/tr$P > /tmp/b.log 2>&1; echo "rc $?" >> $L
  grep -E "gpu-resize lanczos3 " /tmp/b.log >> $L
  cp /tmp/tr$P/trace-0.bin $OUT/trace-probe$P-0.bin
done
echo done >> $L
