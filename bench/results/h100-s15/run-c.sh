#!/bin/bash
# Session 15, run C: v3 (working tree) against issue-after-wait (GR_I8_ISSUE_AFTER=1) and evict-first tensor copies (GR_I8_TMA_HINT=1), alternating; traces of v3 and issue-after with 5 events per tile.
cd "$(dirname "$0")/../../.."
L=$OUT/s15c.log
mk() { mkdir -p /tmp/$1 && cp -r kernels src include bench /tmp/$1/ && rm -rf /tmp/$1/bench/results; }
bk() { (cd /tmp/$1 && GR_CUDA_ARCHS=90 GR_NO_NPP=1 GR_NVCC_FLAGS="$2" bash bench/kernels/build.sh > /tmp/bk-$1.log 2>&1) || { echo "build $1 failed" >> $L; tail -30 /tmp/bk-$1.log >> $L; }; }
for v in v3 after hint v3t aftert; do mk $v; done
bk v3 "" & bk after "-DGR_I8_ISSUE_AFTER=1" & bk hint "-DGR_I8_TMA_HINT=1" & bk v3t "-DGR_I8_TRACE=1" & bk aftert "-DGR_I8_TRACE=1 -DGR_I8_ISSUE_AFTER=1" &
wait
echo "built $(date +%T)" >> $L
for r in 1 2 3; do
  for v in v3 after hint; do
    timeout 60 /tmp/$v/build/bench_kernels --runs 300 --cases 0,1 > /tmp/b.log 2>&1; echo "$v round $r rc $?" >> $L
    grep -E "gpu-resize lanczos3 " /tmp/b.log | cut -c1-150 >> $L
  done
done
for v in v3t aftert; do
  timeout 60 /tmp/$v/build/bench_kernels --runs 50 --cases 0,1 --out /tmp/tr-$v > /tmp/b.log 2>&1; echo "trace $v rc $?" >> $L
  cp /tmp/tr-$v/trace-0.bin $OUT/trace-$v-0.bin; cp /tmp/tr-$v/trace-1.bin $OUT/trace-$v-1.bin
done
echo done $(date +%T) >> $L
