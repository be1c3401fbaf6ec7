#!/bin/bash
# Session 10, run I: post-resize mirrors folded into the GPU resize (reversed filter tables): the mirror tests, the whole GPU suite, memcheck.
cd "$(dirname "$0")/.."
L=$OUT/s10i.log
S=$SECONDS
npm run build > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log | tee $L; exit 1; }
GPU_RESIZE_REQUIRE_GPU=1 timeout 150 node --test test/gpu/mirror.test.js > /tmp/m.log 2>&1; echo "mirror rc $? $((SECONDS-S)) s" >> $L
grep -E "^not ok|^# (pass|fail)" /tmp/m.log >> $L; grep -B2 -A30 "^not ok" /tmp/m.log | head -80 >> $L
GPU_RESIZE_REQUIRE_GPU=1 timeout 300 npm run test:gpu > /tmp/t.log 2>&1; echo "test:gpu rc $? $((SECONDS-S)) s" >> $L
grep -E "^not ok|^# (pass|fail|tests)" /tmp/t.log >> $L; grep -B2 -A30 "^not ok" /tmp/t.log | head -60 >> $L
SAN=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
GPU_RESIZE_REQUIRE_GPU=1 timeout 150 $SAN --tool memcheck --error-exitcode 9 node --test test/gpu/mirror.test.js > /tmp/mc.log 2>&1; echo "memcheck mirror rc $? $((SECONDS-S)) s" >> $L
grep -E "ERROR SUMMARY|^# (pass|fail)" /tmp/mc.log >> $L
GPU_RESIZE_REQUIRE_GPU=1 timeout 60 ./build/cmake/test_cpu_resize | tail -1 >> $L
