#!/bin/bash
# Session 8, run D: the committed code: test:gpu, memcheck of the smoke run with the hybrid
# decoders forced, lone and loaded task 1/2/6 with the default (no hybrid decoders).
cd "$(dirname "$0")/.."
export UV_THREADPOOL_SIZE=16
L=$OUT/s8d.log
npm run build > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log | tee $L; exit 1; }
timeout 330 npm run test:gpu > /tmp/t.log 2>&1; echo "test:gpu rc $?" >> $L
grep -E '^# (pass|fail)|^not ok|error:|hybrid decoders' /tmp/t.log | head -30 >> $L
SAN=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
GPU_RESIZE_HYBRID_DECODERS=force timeout 200 $SAN --tool memcheck --error-exitcode 9 node bench/gpu-smoke.js --requests=8 > /tmp/mc.log 2>&1; echo "memcheck smoke (hybrid forced) rc $?" >> $L
grep -E 'ERROR SUMMARY|hybrid|requests' /tmp/mc.log | tail -5 >> $L
timeout 30 node bench/batches.js lone 1 1 3 >> $L 2>&1
for t in 1 2 6; do timeout 40 node bench/batches.js default $t 128 4 >> $L 2>&1; done
