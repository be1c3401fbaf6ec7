#!/bin/bash
# Session 10, run B: pinned input Buffers (sharp.pinnedBuffer): GPU tests, task 3 vs task 7 alone and in npm run bench.
cd "$(dirname "$0")/.."
export UV_THREADPOOL_SIZE=16
L=$OUT/s10b.log
npm run build > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log | tee $L; exit 1; }
GPU_RESIZE_REQUIRE_GPU=1 timeout 200 node --test --test-concurrency=1 test/gpu/pinned.test.js test/gpu/available.test.js test/gpu/fallback.test.js > /tmp/t.log 2>&1
grep -E "^not ok|^# (pass|fail)" /tmp/t.log >> $L; grep -B2 -A25 "^not ok" /tmp/t.log | head -80 >> $L
for t in 3 7; do timeout 60 node bench/batches.js t$t $t 8,32,64 3 >> $L 2>&1; done
timeout 250 npm run bench -- --tasks 3,7 --seconds 5 --inflight 1,8,32,64 --out $OUT/bench > /tmp/bench.log 2>&1
tail -30 /tmp/bench.log >> $L
SAN=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
GPU_RESIZE_REQUIRE_GPU=1 timeout 200 $SAN --tool memcheck --error-exitcode 9 node --test test/gpu/pinned.test.js > /tmp/mc.log 2>&1; echo "memcheck rc $?" >> $L
grep -E "ERROR SUMMARY|^# (pass|fail)" /tmp/mc.log >> $L
