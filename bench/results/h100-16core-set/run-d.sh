#!/bin/bash
# Session 9, run D: npm run bench's five seconds, tasks 1 and 2 (or $TASKS).
cd "$(dirname "$0")/.."
export UV_THREADPOOL_SIZE=16
npm run build > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log; exit 1; }
timeout 540 node bench/run.js --tasks ${TASKS:-1,2} --seconds 5 --inflight 1,16,64,128 --contenders auto,cpu,sharp --out $OUT/${NAME:-tasks12} > $OUT/${NAME:-tasks12}.log 2>&1; echo "bench rc $?"
tail -12 $OUT/${NAME:-tasks12}.log
