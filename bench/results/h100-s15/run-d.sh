#!/bin/bash
# Session 15, run D: the proxy fence after phase 1 (GR_I8_FENCE_EARLY=1), with the next tile's issue at the loop top or after the wait (GR_I8_ISSUE_AFTER=1); traces.
cd "$(dirname "$0")/../../.."
L=$OUT/s15d.log
mk() { mkdir -p /tmp/$1 && cp -r kernels src include bench /tmp/$1/ && rm -rf /tmp/$1/bench/results; }
bk() { (cd /tmp/$1 && GR_CUDA_ARCHS=90 GR_NO_NPP=1 GR_NVCC_FLAGS="$2" bash bench/kernels/build.sh > /tmp/bk-$1.log 2>&1) || { echo "build $1 failed" >> $L; tail -30 /tmp/bk-$1.log >> $L; }; }
for v in v3 after fe afterfe fet afterfet; do mk $v; done
bk v3 "" & bk after "-DGR_I8_ISSUE_AFTER=1" & bk fe "-DGR_I8_FENCE_EARLY=1" & bk afterfe "-DGR_I8_ISSUE_AFTER=1 -DGR_I8_FENCE_EARLY=1" &
bk fet "-DGR_I8_TRACE=1 -DGR_I8_FENCE_EARLY=1" & bk afterfet "-DGR_I8_TRACE=1 -DGR_I8_ISSUE_AFTER=1 -DGR_I8_FENCE_EARLY=1" &
wait
echo "built $(date +%T)" >> $L
for r in 1 2 3; do
  for v in v3 after fe afterfe; do
    timeout 60 /tmp/$v/build/bench_kernels --runs 300 --cases 0,1 > /tmp/b.log 2>&1; echo "$v round $r rc $?" >> $L
    grep -E "gpu-resize lanczos3 " /tmp/b.log | cut -c1-150 >> $L
  done
done
for v in fet afterfet; do
  timeout 60 /tmp/$v/build/bench_kernels --runs 50 --cases 0,1 --out /tmp/tr-$v > /tmp/b.log 2>&1; echo "trace $v rc $?" >> $L
  cp /tmp/tr-$v/trace-0.bin $OUT/trace-$v-0.bin
done
echo done $(date +%T) >> $L
