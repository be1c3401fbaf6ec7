#!/bin/bash
# Session 12, run H: block width and blocks per SM of the int8 kernel: (192 B, 3/SM) as committed, (128 B, 3/SM), (128 B, 4/SM: 64 registers).
cd "$(dirname "$0")/../../.."
L=$OUT/s12h.log
for v in "192 3" "128 3" "128 4"; do
  set -- $v
  echo "== GR_I8_BX=$1 GR_I8_MIN_BLOCKS=$2" >> $L
  GR_CUDA_ARCHS=90 GR_NVCC_FLAGS="-DGR_I8_BX=$1 -DGR_I8_MIN_BLOCKS=$2" bash bench/kernels/build.sh > /tmp/bk.log 2>&1 || { tail -30 /tmp/bk.log >> $L; continue; }
  timeout 100 ./build/bench_kernels --runs 200 > /tmp/b.log 2>&1; echo "bench_kernels rc $?" >> $L
  grep -E "3840x2160|worst" /tmp/b.log | grep -E "lanczos3|fp16|worst" >> $L
  cp build/bench_kernels /tmp/bench_$1_$2
done
NCU=/usr/local/cuda/bin/ncu
timeout 100 $NCU -k regex:"i8_kernel" -c 1 --section SpeedOfLight --section Occupancy --section LaunchStats --section SchedulerStats --section InstructionStats --section WarpStateStats /tmp/bench_128_4 --runs 1 --warmup 0 --buffers 1 > $OUT/s12h-ncu-128-4.txt 2>&1; echo "ncu rc $?" >> $L
