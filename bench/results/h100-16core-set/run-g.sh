#!/bin/bash
# Session 9, run G: task 1 with the CPU decoder taking the overflow sooner (GPU_RESIZE_DECODE_QUEUE).
cd "$(dirname "$0")/.."
export UV_THREADPOOL_SIZE=16
L=$OUT/s9g.log
npm run build > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log | tee $L; exit 1; }
for q in 256 64 32 16 8; do
  GPU_RESIZE_DECODE_QUEUE=$q timeout 60 node bench/batches.js q$q 1 64,128 3 >> $L 2>&1
done
GPU_RESIZE_DECODE_QUEUE=32 GPU_RESIZE_BATCH_MAX=64 timeout 60 node bench/batches.js q32b64 1 64,128 3 >> $L 2>&1
