#!/bin/bash
# Session 13, run F: the committed code (c95c2de): bench, the whole npm run test:gpu, test_gpu, sanitizers.
cd "$(dirname "$0")/../../.."
L=$OUT/s13f.log
GR_CUDA_ARCHS=90 bash bench/kernels/build.sh > /tmp/bk.log 2>&1 || { tail -30 /tmp/bk.log >> $L; exit 1; }
timeout 120 ./build/bench_kernels --runs 300 --out $OUT > /tmp/bench.log 2>&1; echo "bench_kernels rc $?" >> $L
head -14 /tmp/bench.log >> $L; grep -E "worst" /tmp/bench.log >> $L
npm run build > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log >> $L; exit 1; }
export GPU_RESIZE_REQUIRE_GPU=1
timeout 100 ./build/cmake/test_gpu > /tmp/tg.log 2>&1; echo "test_gpu rc $?" >> $L
grep -E "worst|passed|failed|FAIL|max diff" /tmp/tg.log | head -20 >> $L
timeout 300 npm run test:gpu > /tmp/t.log 2>&1; echo "npm run test:gpu rc $?" >> $L
grep -E "^not ok|^# (pass|fail|tests)" /tmp/t.log >> $L
grep -B2 -A30 "^not ok" /tmp/t.log | head -60 >> $L
SAN=/usr/local/cuda/bin/compute-sanitizer
GR_TEST_GPU_QUICK=1 timeout 150 $SAN --tool racecheck --error-exitcode 9 ./build/cmake/test_gpu > /tmp/rc.log 2>&1; echo "racecheck test_gpu quick rc $?" >> $L
grep -E "RACECHECK SUMMARY|worst|passed" /tmp/rc.log | tail -3 >> $L
timeout 200 $SAN --tool racecheck --error-exitcode 9 node test/gpu/tensor.test.js > /tmp/rc2.log 2>&1; echo "racecheck tensor.test.js rc $?" >> $L
grep -E "RACECHECK SUMMARY|^# (pass|fail)" /tmp/rc2.log | tail -3 >> $L
timeout 150 $SAN --tool memcheck --error-exitcode 9 node test/gpu/tensor.test.js > /tmp/mc.log 2>&1; echo "memcheck tensor.test.js rc $?" >> $L
grep -E "ERROR SUMMARY|^# (pass|fail)" /tmp/mc.log | tail -3 >> $L
cp /tmp/t.log $OUT/test-gpu.log
