#!/bin/bash
# Session 10, run L (review): the context's pinned buffer holds just the tables when the source is in a caller's pinned buffer.
cd "$(dirname "$0")/.."
L=$OUT/s10l.log
npm run build > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log | tee $L; exit 1; }
GPU_RESIZE_REQUIRE_GPU=1 timeout 150 ./build/cmake/test_gpu > /tmp/tg.log 2>&1; echo "test_gpu rc $?: $(grep -E 'worst|passed|failed' /tmp/tg.log | tail -3 | tr '\n' ' ')" >> $L
GPU_RESIZE_REQUIRE_GPU=1 timeout 300 npm run test:gpu > /tmp/t.log 2>&1; echo "test:gpu rc $?" >> $L
grep -E "^not ok|^# (pass|fail|tests)" /tmp/t.log >> $L; grep -B2 -A30 "^not ok" /tmp/t.log | head -60 >> $L
SAN=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
GPU_RESIZE_REQUIRE_GPU=1 timeout 120 $SAN --tool memcheck --target-processes all --error-exitcode 9 node test/gpu/pinned.test.js > /tmp/mc.log 2>&1; echo "memcheck pinned rc $?" >> $L
grep -E "ERROR SUMMARY|^# (pass|fail)" /tmp/mc.log >> $L
timeout 40 node bench/batches.js t7 7 32 3 >> $L 2>&1
