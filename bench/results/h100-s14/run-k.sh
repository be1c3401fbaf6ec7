#!/bin/bash
# Session 14, run K: end to end with kept tables and the session 14 kernel: npm run bench, tasks 2 (JPEG 4K -> 1080p), 3 (raw 4K), 7 (raw 4K, pinned input).
export UV_THREADPOOL_SIZE=16
cd "$(dirname "$0")/../../.."
L=$OUT/s14k.log
npm run build > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log | tee $L; exit 1; }
timeout 400 npm run bench -- --tasks 2,3,7 --contenders auto,gpu,sharp --seconds 5 --inflight 1,8,32 --gpu-poll 0 --out $OUT/bench > /tmp/bench.log 2>&1; echo "bench rc $?" >> $L
grep -E "^task|^done|rror" /tmp/bench.log >> $L
cp /tmp/bench.log $OUT/bench-stdout.log; echo done >> $L
