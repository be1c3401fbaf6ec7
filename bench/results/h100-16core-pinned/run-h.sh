#!/bin/bash
# Session 10, run H: the final state: npm run test:gpu, then compute-sanitizer memcheck on the smoke requests and the pinned test.
cd "$(dirname "$0")/.."
L=$OUT/s10h.log
S=$SECONDS
npm run build > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log | tee $L; exit 1; }
echo "build $((SECONDS-S)) s" >> $L
GPU_RESIZE_REQUIRE_GPU=1 timeout 400 npm run test:gpu > /tmp/t.log 2>&1; echo "test:gpu rc $? $((SECONDS-S)) s" >> $L
grep -E "^not ok|^# (pass|fail|tests)" /tmp/t.log >> $L; grep -B2 -A30 "^not ok" /tmp/t.log | head -80 >> $L
SAN=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
GPU_RESIZE_REQUIRE_GPU=1 timeout 120 $SAN --tool memcheck --error-exitcode 9 node bench/gpu-smoke.js --requests=8 > /tmp/mc.log 2>&1; echo "memcheck smoke rc $? $((SECONDS-S)) s" >> $L
grep -E "ERROR SUMMARY" /tmp/mc.log >> $L
