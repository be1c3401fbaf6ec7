#!/bin/bash
# Session 14, run H: tiles after each block's first claimed from a counter (pipelined kernel).
cd "$(dirname "$0")/../../.."
L=$OUT/s14h.log
bk() { bash bench/kernels/build.sh > /tmp/bk.log 2>&1 || { tail -30 /tmp/bk.log >> $L; exit 1; }; }
GR_CUDA_ARCHS=90 bk
timeout 300 ./build/bench_kernels --runs 300 --out $OUT > /tmp/bench.log 2>&1; echo "bench_kernels rc $?" >> $L
grep -E "floor|gpu-resize|NPP|worst" /tmp/bench.log >> $L
cp /tmp/bench.log $OUT/bench.txt
GR_CUDA_ARCHS=90 GR_NO_NPP=1 GR_NVCC_FLAGS="-DGR_I8_TRACE=1" bk
timeout 100 ./build/bench_kernels --runs 50 --cases 0,1 --out /tmp/tr > /tmp/b.log 2>&1; echo "trace rc $?" >> $L
grep -E "gpu-resize lanczos3 " /tmp/b.log >> $L
cp /tmp/tr/trace-0.bin $OUT/
GR_CUDA_ARCHS=90 GR_NO_NPP=1 bk
SAN=/usr/local/cuda/bin/compute-sanitizer
timeout 200 $SAN --tool memcheck --error-exitcode 9 ./build/bench_kernels --runs 3 --warmup 1 --cases 0 > /tmp/mc.log 2>&1; echo "memcheck bench 4K RGB rc $?" >> $L
grep -E "ERROR SUMMARY|worst" /tmp/mc.log | tail -3 >> $L
timeout 200 $SAN --tool racecheck --error-exitcode 9 ./build/bench_kernels --runs 2 --warmup 1 --cases 0 > /tmp/rc.log 2>&1; echo "racecheck bench 4K RGB rc $?" >> $L
grep -E "RACECHECK SUMMARY|worst" /tmp/rc.log | tail -3 >> $L
echo done >> $L
