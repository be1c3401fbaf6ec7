#!/bin/bash
# Session 10, run E: non-temporal stores in the staging copies (GPU_RESIZE_STREAM_COPY), task 3 A/B, then npm run bench tasks 3,7.
cd "$(dirname "$0")/.."
export UV_THREADPOOL_SIZE=16
L=$OUT/s10e.log
npm run build > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log | tee $L; exit 1; }
GPU_RESIZE_REQUIRE_GPU=1 timeout 150 ./build/cmake/test_gpu > /tmp/tg.log 2>&1; echo "test_gpu rc $?: $(grep -E 'worst|passed|failed' /tmp/tg.log | tail -3 | tr '\n' ' ')" >> $L
GPU_RESIZE_REQUIRE_GPU=1 timeout 200 node --test --test-concurrency=1 test/gpu/pinned.test.js test/gpu/parity.test.js test/gpu/available.test.js > /tmp/t.log 2>&1
grep -E "^not ok|^# (pass|fail)" /tmp/t.log >> $L; grep -B2 -A25 "^not ok" /tmp/t.log | head -60 >> $L
for rep in 1 2; do for sc in 0 1; do
  echo "stream copy $sc" >> $L
  GPU_RESIZE_STREAM_COPY=$sc timeout 40 node bench/batches.js sc$sc 3 32,64 3 >> $L 2>&1
done; done
timeout 300 npm run bench -- --tasks 3,7 --seconds 5 --inflight 1,8,32,64 --gpu-poll 0 --out $OUT/bench > /tmp/bench.log 2>&1
grep -E "^task|^done" /tmp/bench.log >> $L
