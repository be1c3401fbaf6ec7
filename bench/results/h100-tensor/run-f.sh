#!/bin/bash
# Session 11, run F (review): shared helpers (pixel_math.cuh, tc window helpers), bench run_plan: same outputs expected.
cd "$(dirname "$0")/.."
L=$OUT/s11f.log
GR_CUDA_ARCHS=90 bash bench/kernels/build.sh > /tmp/bk.log 2>&1 || { tail -20 /tmp/bk.log >> $L; exit 1; }
timeout 150 ./build/bench_kernels --runs 100 --sweep >> $L 2>&1; echo "bench_kernels rc $?" >> $L
npm run build > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log >> $L; exit 1; }
GPU_RESIZE_REQUIRE_GPU=1 timeout 100 ./build/cmake/test_gpu > /tmp/tg.log 2>&1; echo "test_gpu rc $?" >> $L
grep -E "worst|passed|failed|FAIL|max diff" /tmp/tg.log | head -30 >> $L
GPU_RESIZE_REQUIRE_GPU=1 timeout 200 node --test --test-concurrency=1 test/gpu/tensor.test.js test/gpu/mirror.test.js test/gpu/parity.test.js > /tmp/t.log 2>&1; echo "tensor+mirror+parity rc $?" >> $L
grep -E "^not ok|^# (pass|fail|tests)" /tmp/t.log >> $L
