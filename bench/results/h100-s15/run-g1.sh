#!/bin/bash
# Session 15, run G1: the committed code: bench_kernels (all cases, NPP beside), test_gpu, npm run test:gpu, traces.
cd "$(dirname "$0")/../../.."
L=$OUT/s15g1.log
(GR_CUDA_ARCHS=90 bash bench/kernels/build.sh > /tmp/bk.log 2>&1 || { echo "bench build failed" >> $L; tail -30 /tmp/bk.log >> $L; }) &
(npm run build > /tmp/build.log 2>&1 || { echo "npm build failed" >> $L; tail -30 /tmp/build.log >> $L; }) &
wait
echo "built $(date +%T)" >> $L
timeout 200 ./build/bench_kernels --runs 300 --out $OUT > /tmp/bench.log 2>&1; echo "bench_kernels rc $?" >> $L
grep -E "floor|gpu-resize|NPP|worst" /tmp/bench.log | cut -c1-160 >> $L
cp /tmp/bench.log $OUT/bench.txt
rm -f $OUT/trace-*.bin
export GPU_RESIZE_REQUIRE_GPU=1
timeout 150 ./build/cmake/test_gpu > /tmp/tg.log 2>&1; echo "test_gpu rc $?" >> $L
grep -E "worst|passed|failed|FAIL|max diff|tables" /tmp/tg.log | head -20 >> $L
timeout 200 npm run test:gpu > /tmp/t.log 2>&1; echo "npm run test:gpu rc $?" >> $L
grep -E "^not ok|^# (pass|fail|tests)" /tmp/t.log >> $L
grep -B2 -A30 "^not ok" /tmp/t.log | head -60 >> $L
echo "tests done $(date +%T)" >> $L
mkdir -p /tmp/trb && cp -r kernels src include bench /tmp/trb/ && rm -rf /tmp/trb/bench/results
(cd /tmp/trb && GR_CUDA_ARCHS=90 GR_NO_NPP=1 GR_NVCC_FLAGS="-DGR_I8_TRACE=1" bash bench/kernels/build.sh > /tmp/bkt.log 2>&1) || tail -20 /tmp/bkt.log >> $L
timeout 60 /tmp/trb/build/bench_kernels --runs 50 --cases 0,1 --out /tmp/tr > /tmp/b.log 2>&1; echo "trace rc $?" >> $L
cp /tmp/tr/trace-0.bin /tmp/tr/trace-1.bin $OUT/
echo done $(date +%T) >> $L
