#!/bin/bash
# Session 15, run I: warp 0 out of the output store-out (GR_I8_ST7=1), and without the proxy fence (GR_I8_NO_FENCE=1, measuring only), against the committed code; traces.
cd "$(dirname "$0")/../../.."
L=$OUT/s15i.log
mk() { mkdir -p /tmp/$1 && cp -r kernels src include bench /tmp/$1/ && rm -rf /tmp/$1/bench/results; }
bk() { (cd /tmp/$1 && GR_CUDA_ARCHS=90 GR_NO_NPP=1 GR_NVCC_FLAGS="$2" bash bench/kernels/build.sh > /tmp/bk-$1.log 2>&1) || { echo "build $1 failed" >> $L; tail -30 /tmp/bk-$1.log >> $L; }; }
for v in cur st7 nofence st7t nofencet; do mk $v; done
bk cur "" & bk st7 "-DGR_I8_ST7=1" & bk nofence "-DGR_I8_NO_FENCE=1" & bk st7t "-DGR_I8_TRACE=1 -DGR_I8_ST7=1" & bk nofencet "-DGR_I8_TRACE=1 -DGR_I8_NO_FENCE=1" &
wait
echo "built $(date +%T)" >> $L
for r in 1 2 3; do
  for v in cur st7 nofence; do
    timeout 60 /tmp/$v/build/bench_kernels --runs 300 --cases 0,1 > /tmp/b.log 2>&1; echo "$v round $r rc $?" >> $L
    grep -E "gpu-resize lanczos3 " /tmp/b.log | cut -c1-150 >> $L
    grep -E "worst" /tmp/b.log >> $L
  done
done
for v in st7t nofencet; do
  timeout 60 /tmp/$v/build/bench_kernels --runs 50 --cases 0 --out /tmp/tr-$v > /tmp/b.log 2>&1; echo "trace $v rc $?" >> $L
  cp /tmp/tr-$v/trace-0.bin $OUT/trace-$v-0.bin
done
echo done $(date +%T) >> $L
