#!/bin/bash
# Session 15, run F: output through shared memory (now the code) against writing it out after the next tile's issue (GR_I8_STORE_LATE=1) and the single-tile kernel's output through shared memory (GR_I8_OBUF1=1, grey); traces.
cd "$(dirname "$0")/../../.."
L=$OUT/s15f.log
mk() { mkdir -p /tmp/$1 && cp -r kernels src include bench /tmp/$1/ && rm -rf /tmp/$1/bench/results; }
bk() { (cd /tmp/$1 && GR_CUDA_ARCHS=90 GR_NO_NPP=1 GR_NVCC_FLAGS="$2" bash bench/kernels/build.sh > /tmp/bk-$1.log 2>&1) || { echo "build $1 failed" >> $L; tail -30 /tmp/bk-$1.log >> $L; }; }
for v in cur late obuf1 curt latet; do mk $v; done
bk cur "" & bk late "-DGR_I8_STORE_LATE=1" & bk obuf1 "-DGR_I8_OBUF1=1" & bk curt "-DGR_I8_TRACE=1" & bk latet "-DGR_I8_TRACE=1 -DGR_I8_STORE_LATE=1" &
wait
echo "built $(date +%T)" >> $L
for r in 1 2 3; do
  for v in cur late obuf1; do
    timeout 60 /tmp/$v/build/bench_kernels --runs 300 --cases 0,1 > /tmp/b.log 2>&1; echo "$v round $r rc $?" >> $L
    grep -E "gpu-resize lanczos3 " /tmp/b.log | cut -c1-150 >> $L
    grep -E "worst" /tmp/b.log >> $L
  done
done
for v in curt latet; do
  timeout 60 /tmp/$v/build/bench_kernels --runs 50 --cases 0,1 --out /tmp/tr-$v > /tmp/b.log 2>&1; echo "trace $v rc $?" >> $L
  cp /tmp/tr-$v/trace-0.bin $OUT/trace-$v-0.bin
done
echo done $(date +%T) >> $L
