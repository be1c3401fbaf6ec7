#!/bin/bash
# Session 12, run B: int8 kernel with a parallel prep (taps quantised, not windows), k-steps as template parameters, cp.async fast path, bias as the first MMA's C.
cd "$(dirname "$0")/../../.."
L=$OUT/s12b.log
GR_CUDA_ARCHS=90 GR_NVCC_FLAGS="-lineinfo" bash bench/kernels/build.sh > /tmp/bk.log 2>&1 || { tail -30 /tmp/bk.log >> $L; exit 1; }
timeout 150 ./build/bench_kernels --runs 100 --out $OUT >> $L 2>&1; echo "bench_kernels rc $?" >> $L
CUOBJ=/usr/local/cuda/bin/cuobjdump
$CUOBJ -sass build/bench-kernels/resize_i8.o > /tmp/i8.sass 2>&1; gzip -c /tmp/i8.sass > $OUT/i8.sass.gz
NCU=/usr/local/cuda/bin/ncu
timeout 120 $NCU -k regex:"i8_|tc_kernel" -c 6 --section SpeedOfLight --section Occupancy --section WarpStateStats --section LaunchStats --section SchedulerStats --section InstructionStats --section MemoryWorkloadAnalysis ./build/bench_kernels --runs 1 --warmup 0 --buffers 1 > $OUT/s12b-ncu.txt 2>&1; echo "ncu rc $?" >> $L
npm run build > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log >> $L; exit 1; }
GPU_RESIZE_REQUIRE_GPU=1 timeout 100 ./build/cmake/test_gpu > /tmp/tg.log 2>&1; echo "test_gpu rc $?" >> $L
grep -E "worst|passed|failed|FAIL|max diff" /tmp/tg.log | head -40 >> $L
GPU_RESIZE_REQUIRE_GPU=1 timeout 200 node --test --test-concurrency=1 test/gpu/tensor.test.js test/gpu/mirror.test.js test/gpu/parity.test.js > /tmp/t.log 2>&1; echo "tensor+mirror+parity rc $?" >> $L
grep -E "^not ok|^# (pass|fail|tests)" /tmp/t.log >> $L
grep -B2 -A30 "^not ok" /tmp/t.log | head -80 >> $L
