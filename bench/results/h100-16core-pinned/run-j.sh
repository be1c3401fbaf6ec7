#!/bin/bash
# Session 10, run J: the JPEG and mirror GPU tests after the test update (rotate(90) as the CPU-encoded case).
cd "$(dirname "$0")/.."
L=$OUT/s10j.log
npm run build > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log | tee $L; exit 1; }
GPU_RESIZE_REQUIRE_GPU=1 timeout 200 node --test --test-concurrency=1 test/gpu/jpeg.test.js test/gpu/mirror.test.js test/gpu/many.test.js > /tmp/t.log 2>&1; echo "rc $?" >> $L
grep -E "^not ok|^# (pass|fail|tests)" /tmp/t.log >> $L; grep -B2 -A30 "^not ok" /tmp/t.log | head -60 >> $L
