#!/bin/bash
# Session 11, run E: compute-sanitizer on the tensor-core path: racecheck (test_gpu quick), memcheck (test_gpu quick, tensor.test.js).
cd "$(dirname "$0")/.."
L=$OUT/s11e.log
npm run build > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log >> $L; exit 1; }
SAN=/usr/local/cuda/bin/compute-sanitizer
export GPU_RESIZE_REQUIRE_GPU=1
GR_TEST_GPU_QUICK=1 timeout 280 $SAN --tool racecheck --error-exitcode 9 ./build/cmake/test_gpu > /tmp/rc.log 2>&1; echo "racecheck test_gpu quick rc $?" >> $L
grep -E "RACECHECK SUMMARY|ERROR SUMMARY|worst|passed" /tmp/rc.log | tail -4 >> $L
GR_TEST_GPU_QUICK=1 timeout 120 $SAN --tool memcheck --error-exitcode 9 ./build/cmake/test_gpu > /tmp/mc.log 2>&1; echo "memcheck test_gpu quick rc $?" >> $L
grep -E "ERROR SUMMARY|worst|passed" /tmp/mc.log | tail -3 >> $L
timeout 150 $SAN --tool memcheck --target-processes all --error-exitcode 9 node test/gpu/tensor.test.js > /tmp/mt.log 2>&1; echo "memcheck tensor.test.js rc $?" >> $L
grep -E "ERROR SUMMARY|^# (pass|fail)" /tmp/mt.log >> $L
