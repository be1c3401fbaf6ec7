#!/bin/bash
# Session 12, run C: int8 kernel with bulk-copy staging (sm_90), staged span trimmed, phase-2 stores without checks for whole tiles; tests; sanitizers.
cd "$(dirname "$0")/../../.."
L=$OUT/s12c.log
GR_CUDA_ARCHS=90 GR_NVCC_FLAGS="-lineinfo" bash bench/kernels/build.sh > /tmp/bk.log 2>&1 || { tail -30 /tmp/bk.log >> $L; exit 1; }
timeout 150 ./build/bench_kernels --runs 200 --out $OUT >> $L 2>&1; echo "bench_kernels rc $?" >> $L
/usr/local/cuda/bin/cuobjdump -sass build/bench-kernels/resize_i8.o > /tmp/i8.sass 2>&1; gzip -c /tmp/i8.sass > $OUT/i8.sass.gz
NCU=/usr/local/cuda/bin/ncu
timeout 100 $NCU -k regex:"i8_" -c 2 --section SpeedOfLight --section Occupancy --section WarpStateStats --section LaunchStats --section SchedulerStats --section InstructionStats --section MemoryWorkloadAnalysis ./build/bench_kernels --runs 1 --warmup 0 --buffers 1 > $OUT/s12c-ncu.txt 2>&1; echo "ncu rc $?" >> $L
npm run build > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log >> $L; exit 1; }
export GPU_RESIZE_REQUIRE_GPU=1
timeout 100 ./build/cmake/test_gpu > /tmp/tg.log 2>&1; echo "test_gpu rc $?" >> $L
grep -E "worst|passed|failed|FAIL|max diff" /tmp/tg.log | head -40 >> $L
timeout 200 node --test --test-concurrency=1 test/gpu/tensor.test.js test/gpu/mirror.test.js test/gpu/parity.test.js > /tmp/t.log 2>&1; echo "tensor+mirror+parity rc $?" >> $L
grep -E "^not ok|^# (pass|fail|tests)" /tmp/t.log >> $L
grep -B2 -A30 "^not ok" /tmp/t.log | head -60 >> $L
SAN=/usr/local/cuda/bin/compute-sanitizer
GR_TEST_GPU_QUICK=1 timeout 200 $SAN --tool racecheck --error-exitcode 9 ./build/cmake/test_gpu > /tmp/rc.log 2>&1; echo "racecheck test_gpu quick rc $?" >> $L
grep -E "RACECHECK SUMMARY|ERROR SUMMARY|worst|passed|Error|hazard" /tmp/rc.log | tail -8 >> $L
GR_TEST_GPU_QUICK=1 timeout 100 $SAN --tool memcheck --error-exitcode 9 ./build/cmake/test_gpu > /tmp/mc.log 2>&1; echo "memcheck test_gpu quick rc $?" >> $L
grep -E "ERROR SUMMARY|worst|passed|Invalid" /tmp/mc.log | tail -6 >> $L
