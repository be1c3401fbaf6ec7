#!/bin/bash
# Session 12, run J (review): the int8 tables no longer store the first staged row and byte (both kernels compute them, i8_first_byte shared), i8 enable and plan reset at their own level, post-resize folds as one call; bench, full test:gpu, sanitizers.
cd "$(dirname "$0")/../../.."
L=$OUT/s12j.log
GR_CUDA_ARCHS=90 bash bench/kernels/build.sh > /tmp/bk.log 2>&1 || { tail -30 /tmp/bk.log >> $L; exit 1; }
timeout 150 ./build/bench_kernels --runs 200 --out $OUT >> $L 2>&1; echo "bench_kernels rc $?" >> $L
NCU=/usr/local/cuda/bin/ncu
timeout 100 $NCU -k regex:"i8_" -c 2 --section SpeedOfLight --section Occupancy --section LaunchStats --section SchedulerStats --section InstructionStats --section WarpStateStats ./build/bench_kernels --runs 1 --warmup 0 --buffers 1 > $OUT/s12j-ncu.txt 2>&1; echo "ncu rc $?" >> $L
npm run build > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log >> $L; exit 1; }
export GPU_RESIZE_REQUIRE_GPU=1
timeout 100 ./build/cmake/test_gpu > /tmp/tg.log 2>&1; echo "test_gpu rc $?" >> $L
grep -E "worst|passed|failed|FAIL|max diff" /tmp/tg.log | head -40 >> $L
timeout 300 npm run test:gpu > /tmp/t.log 2>&1; echo "npm run test:gpu rc $?" >> $L
grep -E "^not ok|^# (pass|fail|tests)" /tmp/t.log >> $L
grep -B2 -A30 "^not ok" /tmp/t.log | head -60 >> $L
SAN=/usr/local/cuda/bin/compute-sanitizer
GR_TEST_GPU_QUICK=1 timeout 150 $SAN --tool racecheck --error-exitcode 9 ./build/cmake/test_gpu > /tmp/rc.log 2>&1; echo "racecheck test_gpu quick rc $?" >> $L
grep -E "RACECHECK SUMMARY|worst|passed" /tmp/rc.log | tail -3 >> $L
GR_TEST_GPU_QUICK=1 timeout 80 $SAN --tool memcheck --error-exitcode 9 ./build/cmake/test_gpu > /tmp/mc.log 2>&1; echo "memcheck test_gpu quick rc $?" >> $L
grep -E "ERROR SUMMARY|worst|passed" /tmp/mc.log | tail -3 >> $L
timeout 120 $SAN --tool memcheck --target-processes all --error-exitcode 9 node test/gpu/tensor.test.js > /tmp/mt.log 2>&1; echo "memcheck tensor.test.js rc $?" >> $L
grep -E "ERROR SUMMARY|^# (pass|fail)" /tmp/mt.log >> $L
cp /tmp/t.log $OUT/test-gpu.log
