#!/bin/bash
# Session 15, run E: the next tile's issue after the wait (now the code), against the output tile through shared memory (GR_I8_OBUF=1); traces with 8 events per tile.
cd "$(dirname "$0")/../../.."
L=$OUT/s15e.log
mk() { mkdir -p /tmp/$1 && cp -r kernels src include bench /tmp/$1/ && rm -rf /tmp/$1/bench/results; }
bk() { (cd /tmp/$1 && GR_CUDA_ARCHS=90 GR_NO_NPP=1 GR_NVCC_FLAGS="$2" bash bench/kernels/build.sh > /tmp/bk-$1.log 2>&1) || { echo "build $1 failed" >> $L; tail -30 /tmp/bk-$1.log >> $L; }; }
for v in cur obuf curt obuft; do mk $v; done
bk cur "" & bk obuf "-DGR_I8_OBUF=1" & bk curt "-DGR_I8_TRACE=1" & bk obuft "-DGR_I8_TRACE=1 -DGR_I8_OBUF=1" &
wait
echo "built $(date +%T)" >> $L
for r in 1 2 3; do
  for v in cur obuf; do
    timeout 60 /tmp/$v/build/bench_kernels --runs 300 --cases 0,1 > /tmp/b.log 2>&1; echo "$v round $r rc $?" >> $L
    grep -E "gpu-resize lanczos3 " /tmp/b.log | cut -c1-150 >> $L
    grep -E "worst" /tmp/b.log >> $L
  done
done
for v in curt obuft; do
  timeout 60 /tmp/$v/build/bench_kernels --runs 50 --cases 0,1 --out /tmp/tr-$v > /tmp/b.log 2>&1; echo "trace $v rc $?" >> $L
  cp /tmp/tr-$v/trace-0.bin $OUT/trace-$v-0.bin
done
echo done $(date +%T) >> $L
