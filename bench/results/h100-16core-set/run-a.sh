#!/bin/bash
# Session 9, run A: build, the GPU set tests, memcheck on concurrent sets, the many-sizes bench.
cd "$(dirname "$0")/.."
export UV_THREADPOOL_SIZE=16
L=$OUT/s9a.log
npm run build > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log | tee $L; exit 1; }
echo "== tests" >> $L
timeout 300 env GPU_RESIZE_REQUIRE_GPU=1 node --test --test-concurrency=1 test/gpu/many.test.js test/gpu/hybrid.test.js test/gpu/jpeg.test.js > /tmp/t.log 2>&1; echo "tests rc $?" >> $L
grep -E '^# (pass|fail)|^not ok|error:|dB|diff|Error|expected|actual' /tmp/t.log | head -80 >> $L
cp /tmp/t.log $OUT/s9a-tests.log
echo "== memcheck sets" >> $L
SAN=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
timeout 200 $SAN --tool memcheck --error-exitcode 9 node .probe/sets.js 6 > /tmp/mc.log 2>&1; echo "memcheck rc $?" >> $L
tail -5 /tmp/mc.log >> $L
echo "== many bench" >> $L
timeout 150 node bench/many.js --seconds 3 --inflight 1,8,32 --out $OUT >> $L 2>&1; echo "many rc $?" >> $L
