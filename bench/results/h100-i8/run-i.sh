#!/bin/bash
# Session 12, run I: end to end with the integer tensor-core kernel: npm run bench, tasks 2 (JPEG 4K -> 1080p), 3 (raw 4K), 7 (raw 4K, pinned input).
cd "$(dirname "$0")/../../.."
export UV_THREADPOOL_SIZE=16
L=$OUT/s12i.log
npm run build > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log | tee $L; exit 1; }
timeout 400 npm run bench -- --tasks 2,3,7 --contenders auto,gpu,sharp --seconds 5 --inflight 1,8,32 --gpu-poll 0 --out $OUT/bench > /tmp/bench.log 2>&1; echo "bench rc $?" >> $L
grep -E "^task|^done|rror" /tmp/bench.log >> $L
