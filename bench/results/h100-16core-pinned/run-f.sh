#!/bin/bash
# Session 10, run F: the fused kernel's column setup without integer division; tile shapes swept (incl. 160/192 wide); test_gpu; racecheck.
cd "$(dirname "$0")/.."
L=$OUT/s10f.log
export GR_CUDA_ARCHS=90
bash bench/kernels/build.sh > /tmp/kb.log 2>&1 || { tail -30 /tmp/kb.log >> $L; exit 1; }
build/bench_kernels --runs 200 --sweep --out /tmp/bk > /tmp/bk.log 2>&1; echo "bench_kernels rc $?" >> $L
grep -E "^3840x2160|^2725|worst" /tmp/bk.log >> $L
cp /tmp/bk/kernels.json $OUT/ 2>/dev/null
npm run build > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log >> $L; exit 1; }
GPU_RESIZE_REQUIRE_GPU=1 timeout 150 ./build/cmake/test_gpu > /tmp/tg.log 2>&1; echo "test_gpu rc $?: $(grep -E 'worst|passed|failed' /tmp/tg.log | tail -3 | tr '\n' ' ')" >> $L
SAN=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
GPU_RESIZE_REQUIRE_GPU=1 GR_TEST_GPU_QUICK=1 timeout 400 $SAN --tool racecheck --error-exitcode 9 ./build/cmake/test_gpu > /tmp/rc.log 2>&1; echo "racecheck rc $?" >> $L
grep -E "RACECHECK SUMMARY|hazard|passed|failed" /tmp/rc.log | tail -4 >> $L
