#!/bin/bash
# Session 14, run A: kept tables (bench_kernels: pipelined and single-tile), per-block traces.
cd "$(dirname "$0")/../../.."
L=$OUT/s14a.log
bk() { bash bench/kernels/build.sh > /tmp/bk.log 2>&1 || { tail -30 /tmp/bk.log >> $L; exit 1; }; }
GR_CUDA_ARCHS=90 bk
timeout 150 ./build/bench_kernels --runs 300 --out $OUT > /tmp/bench.log 2>&1; echo "bench_kernels rc $?" >> $L
head -16 /tmp/bench.log >> $L; grep -E "worst|grey" /tmp/bench.log | head -8 >> $L
cp /tmp/bench.log $OUT/bench.txt
GR_CUDA_ARCHS=90 GR_NO_NPP=1 GR_NVCC_FLAGS="-DGR_I8_PIPE=0" bk
timeout 150 ./build/bench_kernels --runs 300 > /tmp/bench1.log 2>&1; echo "single-tile bench rc $?" >> $L
grep -E "^3840" /tmp/bench1.log | head -8 >> $L
GR_CUDA_ARCHS=90 GR_NO_NPP=1 GR_NVCC_FLAGS="-DGR_I8_TRACE=1" bk
timeout 150 ./build/bench_kernels --runs 30 --out /tmp/tr > /tmp/bench2.log 2>&1; echo "trace bench rc $?" >> $L
grep -E "^3840" /tmp/bench2.log | head -4 >> $L
cp /tmp/tr/trace-0.bin /tmp/tr/trace-1.bin $OUT/
GR_CUDA_ARCHS=90 GR_NO_NPP=1 GR_NVCC_FLAGS="-DGR_I8_TRACE=1 -DGR_I8_PIPE=0" bk
timeout 150 ./build/bench_kernels --runs 30 --out /tmp/tr2 > /tmp/bench3.log 2>&1; echo "trace single bench rc $?" >> $L
cp /tmp/tr2/trace-0.bin $OUT/trace-single-0.bin
cp /tmp/tr2/trace-1.bin $OUT/trace-single-1.bin
echo done >> $L
