#!/bin/bash
# Session 14, run M: the final code (after the review): bench_kernels 4K RGB and grey, test_gpu, npm run test:gpu.
cd "$(dirname "$0")/../../.."
L=$OUT/s14m.log
GR_CUDA_ARCHS=90 bash bench/kernels/build.sh > /tmp/bk.log 2>&1 || { tail -30 /tmp/bk.log >> $L; exit 1; }
timeout 200 ./build/bench_kernels --runs 300 --cases 0,1 --out $OUT > /tmp/bench.log 2>&1; echo "bench_kernels rc $?" >> $L
grep -E "floor|gpu-resize|NPP|worst" /tmp/bench.log >> $L
npm run build > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log >> $L; exit 1; }
export GPU_RESIZE_REQUIRE_GPU=1
timeout 150 ./build/cmake/test_gpu > /tmp/tg.log 2>&1; echo "test_gpu rc $?" >> $L
grep -E "worst|passed|failed|FAIL|max diff|tables" /tmp/tg.log | head -20 >> $L
timeout 300 npm run test:gpu > /tmp/t.log 2>&1; echo "npm run test:gpu rc $?" >> $L
grep -E "^not ok|^# (pass|fail|tests)" /tmp/t.log >> $L
grep -B2 -A30 "^not ok" /tmp/t.log | head -60 >> $L
echo done >> $L
