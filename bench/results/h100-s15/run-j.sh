#!/bin/bash
# Session 15, run J: the final code (57dd7c0): bench_kernels, all cases with NPP beside; racecheck and memcheck on bench_kernels 4K.
cd "$(dirname "$0")/../../.."
L=$OUT/s15j.log
GR_CUDA_ARCHS=90 bash bench/kernels/build.sh > /tmp/bk.log 2>&1 || { echo "bench build failed" >> $L; tail -30 /tmp/bk.log >> $L; exit 1; }
echo "built $(date +%T)" >> $L
timeout 200 ./build/bench_kernels --runs 300 --out $OUT > /tmp/bench.log 2>&1; echo "bench_kernels rc $?" >> $L
grep -E "floor|gpu-resize|NPP|worst" /tmp/bench.log | cut -c1-160 >> $L
cp /tmp/bench.log $OUT/bench.txt
SAN=/usr/local/cuda/bin/compute-sanitizer
timeout 180 $SAN --tool racecheck --error-exitcode 9 ./build/bench_kernels --runs 2 --warmup 1 --cases 0 > /tmp/rc.log 2>&1; echo "racecheck bench 4K RGB rc $?" >> $L; grep -E "SUMMARY|worst" /tmp/rc.log >> $L
timeout 100 $SAN --tool memcheck --error-exitcode 9 ./build/bench_kernels --runs 3 --warmup 1 --cases 0,1 > /tmp/mc.log 2>&1; echo "memcheck bench 4K rc $?" >> $L; grep -E "SUMMARY|worst" /tmp/mc.log >> $L
echo done $(date +%T) >> $L
