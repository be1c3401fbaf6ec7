#!/bin/bash
# Session 14, run G: the library: test_gpu, npm run test:gpu, sanitizers.
cd "$(dirname "$0")/../../.."
L=$OUT/s14g.log
npm run build > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log >> $L; exit 1; }
export GPU_RESIZE_REQUIRE_GPU=1
timeout 150 ./build/cmake/test_gpu > /tmp/tg.log 2>&1; echo "test_gpu rc $?" >> $L
grep -E "worst|passed|failed|FAIL|max diff|tables" /tmp/tg.log | head -20 >> $L
timeout 300 npm run test:gpu > /tmp/t.log 2>&1; echo "npm run test:gpu rc $?" >> $L
grep -E "^not ok|^# (pass|fail|tests)" /tmp/t.log >> $L
grep -B2 -A30 "^not ok" /tmp/t.log | head -60 >> $L
SAN=/usr/local/cuda/bin/compute-sanitizer
GR_TEST_GPU_QUICK=1 timeout 150 $SAN --tool memcheck --error-exitcode 9 ./build/cmake/test_gpu > /tmp/mc0.log 2>&1; echo "memcheck test_gpu quick rc $?" >> $L
grep -E "ERROR SUMMARY|worst|passed" /tmp/mc0.log | tail -3 >> $L
timeout 200 $SAN --tool racecheck --error-exitcode 9 node test/gpu/tensor.test.js > /tmp/rc2.log 2>&1; echo "racecheck tensor.test.js rc $?" >> $L
grep -E "RACECHECK SUMMARY|^# (pass|fail)" /tmp/rc2.log | tail -3 >> $L
cp /tmp/t.log $OUT/test-gpu.log
echo done >> $L
