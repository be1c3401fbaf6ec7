#!/bin/bash
# Session 11, run D: the integrated tensor-core path (RGB/grey reductions, 128x16 blocks): bench_kernels, test_gpu, npm run test:gpu.
cd "$(dirname "$0")/.."
L=$OUT/s11d.log
GR_CUDA_ARCHS=90 bash bench/kernels/build.sh > /tmp/bk.log 2>&1 || { tail -20 /tmp/bk.log >> $L; exit 1; }
timeout 150 ./build/bench_kernels --runs 200 --out $OUT >> $L 2>&1; echo "bench_kernels rc $?" >> $L
npm run build > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log >> $L; exit 1; }
GPU_RESIZE_REQUIRE_GPU=1 timeout 100 ./build/cmake/test_gpu > /tmp/tg.log 2>&1; echo "test_gpu rc $?" >> $L
grep -E "worst|passed|failed|FAIL|max diff" /tmp/tg.log | head -30 >> $L
GPU_RESIZE_REQUIRE_GPU=1 timeout 330 npm run test:gpu > /tmp/t.log 2>&1; echo "test:gpu rc $?" >> $L
grep -E "^not ok|^# (pass|fail|tests)" /tmp/t.log >> $L; grep -B2 -A30 "^not ok" /tmp/t.log | head -80 >> $L
cp /tmp/t.log $OUT/s11d-test-gpu.log
