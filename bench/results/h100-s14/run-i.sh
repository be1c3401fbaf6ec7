#!/bin/bash
# Session 14, run I: the tensor copy stages only the rows with weights (74 of 80 for 4K).
cd "$(dirname "$0")/../../.."
L=$OUT/s14i.log
bk() { bash bench/kernels/build.sh > /tmp/bk.log 2>&1 || { tail -30 /tmp/bk.log >> $L; exit 1; }; }
GR_CUDA_ARCHS=90 bk
timeout 300 ./build/bench_kernels --runs 300 --out $OUT > /tmp/bench.log 2>&1; echo "bench_kernels rc $?" >> $L
grep -E "floor|gpu-resize|NPP|worst" /tmp/bench.log >> $L
cp /tmp/bench.log $OUT/bench.txt
GR_CUDA_ARCHS=90 GR_NO_NPP=1 GR_NVCC_FLAGS="-DGR_I8_TRACE=1" bk
timeout 100 ./build/bench_kernels --runs 50 --cases 0,1 --out /tmp/tr > /tmp/b.log 2>&1; echo "trace rc $?" >> $L
grep -E "gpu-resize lanczos3 " /tmp/b.log >> $L
cp /tmp/tr/trace-0.bin /tmp/tr/trace-1.bin $OUT/
echo done >> $L
