#!/bin/bash
# Session 13, run C: where the time goes: the kernel with phase 1 / phase 2 / both skipped (GR_I8_PROBE, results wrong).
cd "$(dirname "$0")/../../.."
L=$OUT/s13c.log
for P in 0 1 2 3; do
  GR_CUDA_ARCHS=90 GR_NVCC_FLAGS="-DGR_I8_PROBE=$P" bash bench/kernels/build.sh > /tmp/bk.log 2>&1 || { tail -30 /tmp/bk.log >> $L; exit 1; }
  echo "== GR_I8_PROBE=$P" >> $L
  timeout 120 ./build/bench_kernels --runs 300 > /tmp/bench.log 2>&1; echo "bench_kernels rc $?" >> $L
  grep -E "lanczos3" /tmp/bench.log | head -2 | cut -c1-100 >> $L
  /usr/local/cuda/bin/ncu -k regex:"i8_kernel" -c 1 --section SpeedOfLight --section WarpStateStats --section Occupancy ./build/bench_kernels --runs 1 --warmup 0 --buffers 1 > /tmp/ncu.log 2>&1
  grep -E "Duration|SM Active Cycles|Elapsed Cycles|Warp Cycles Per Issued|Achieved Occ" /tmp/ncu.log >> $L
done
