#!/bin/bash
# Session 10, run K: crops and extracts after the resize folded into the GPU resize (sliced tables): the whole GPU suite, memcheck on the mirror tests, the kernel bench.
cd "$(dirname "$0")/.."
L=$OUT/s10k.log
S=$SECONDS
npm run build > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log | tee $L; exit 1; }
GPU_RESIZE_REQUIRE_GPU=1 timeout 300 npm run test:gpu > /tmp/t.log 2>&1; echo "test:gpu rc $? $((SECONDS-S)) s" >> $L
grep -E "^not ok|^# (pass|fail|tests)" /tmp/t.log >> $L; grep -B2 -A30 "^not ok" /tmp/t.log | head -80 >> $L
SAN=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
GPU_RESIZE_REQUIRE_GPU=1 timeout 200 $SAN --tool memcheck --error-exitcode 9 node --test test/gpu/mirror.test.js > /tmp/mc.log 2>&1; echo "memcheck mirror rc $? $((SECONDS-S)) s" >> $L
grep -E "ERROR SUMMARY|^# (pass|fail)" /tmp/mc.log >> $L
