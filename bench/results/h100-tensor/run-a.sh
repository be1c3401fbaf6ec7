#!/bin/bash
# Session 11, run A: tensor-core kernel first look: test_gpu (GPU vs CPU within 1, every kernel x channels x sizes), bench_kernels --sweep.
cd "$(dirname "$0")/.."
L=$OUT/s11a.log
( time GR_CUDA_ARCHS=90 bash bench/kernels/build.sh ) > /tmp/bk.log 2>&1; tail -3 /tmp/bk.log >> $L
timeout 200 ./build/bench_kernels --runs 100 --sweep --out $OUT >> $L 2>&1; echo "bench_kernels rc $?" >> $L
( time npm run build ) > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log >> $L; exit 1; }
tail -3 /tmp/build.log >> $L
GPU_RESIZE_REQUIRE_GPU=1 timeout 150 ./build/cmake/test_gpu > /tmp/tg.log 2>&1; echo "test_gpu rc $?" >> $L
grep -E "worst|passed|failed|FAIL|max diff" /tmp/tg.log | head -30 >> $L
