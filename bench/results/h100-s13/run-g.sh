#!/bin/bash
# Session 13, run G: the review's refactor (one staging-kind decision, one per-row bulk copy, one first-byte helper): same outputs, tests, racecheck.
cd "$(dirname "$0")/../../.."
L=$OUT/s13g.log
GR_CUDA_ARCHS=90 bash bench/kernels/build.sh > /tmp/bk.log 2>&1 || { tail -30 /tmp/bk.log >> $L; exit 1; }
timeout 120 ./build/bench_kernels --runs 300 > /tmp/bench.log 2>&1; echo "bench_kernels rc $?" >> $L
grep -E "lanczos3|worst" /tmp/bench.log >> $L
npm run build > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log >> $L; exit 1; }
export GPU_RESIZE_REQUIRE_GPU=1
timeout 100 ./build/cmake/test_gpu > /tmp/tg.log 2>&1; echo "test_gpu rc $?" >> $L
grep -E "worst|passed|failed|FAIL" /tmp/tg.log | head -5 >> $L
timeout 300 npm run test:gpu > /tmp/t.log 2>&1; echo "npm run test:gpu rc $?" >> $L
grep -E "^not ok|^# (pass|fail|tests)" /tmp/t.log >> $L
SAN=/usr/local/cuda/bin/compute-sanitizer
timeout 200 $SAN --tool racecheck --error-exitcode 9 node test/gpu/tensor.test.js > /tmp/rc.log 2>&1; echo "racecheck tensor.test.js rc $?" >> $L
grep -E "RACECHECK SUMMARY|^# (pass|fail)" /tmp/rc.log | tail -3 >> $L
timeout 150 $SAN --tool memcheck --error-exitcode 9 node test/gpu/tensor.test.js > /tmp/mc.log 2>&1; echo "memcheck tensor.test.js rc $?" >> $L
grep -E "ERROR SUMMARY|^# (pass|fail)" /tmp/mc.log | tail -3 >> $L
