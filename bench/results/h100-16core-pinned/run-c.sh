#!/bin/bash
# Session 10, run C: does the nvidia-smi poller (every 500 ms, a fork of the bench process) cost the GPU contenders?
cd "$(dirname "$0")/.."
export UV_THREADPOOL_SIZE=16
L=$OUT/s10c.log
npm run build > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log | tee $L; exit 1; }
for p in 500 0 500 0; do
  timeout 100 npm run bench -- --tasks 7 --contenders auto,gpu --seconds 5 --inflight 8,32 --gpu-poll $p --out /tmp/b$p > /tmp/bp.log 2>&1
  echo "poll $p: $(grep '^task 7' /tmp/bp.log)" >> $L
done
timeout 300 npm run bench -- --tasks 3,7 --seconds 5 --inflight 1,8,32,64 --gpu-poll 0 --out $OUT/bench > /tmp/bench.log 2>&1
grep -E "^task|^done" /tmp/bench.log >> $L
