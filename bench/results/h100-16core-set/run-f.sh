#!/bin/bash
# Session 9, run F: the final code's GPU tests for sets, hybrid and JPEG.
cd "$(dirname "$0")/.."
export UV_THREADPOOL_SIZE=16
L=$OUT/s9f.log
npm run build > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log | tee $L; exit 1; }
timeout 300 env GPU_RESIZE_REQUIRE_GPU=1 node --test --test-concurrency=1 test/gpu/many.test.js test/gpu/hybrid.test.js test/gpu/jpeg.test.js test/gpu/fallback.test.js > /tmp/t.log 2>&1; echo "tests rc $?" >> $L
grep -E '^# (pass|fail)|^not ok|^ok|error:' /tmp/t.log | head -80 >> $L
