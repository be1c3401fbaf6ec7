#!/bin/bash
# Session 8, run C: hybrid decoders gated on CPU room: throughput with 0/4/8, then test:gpu.
cd "$(dirname "$0")/.."
export UV_THREADPOOL_SIZE=16
L=$OUT/s8c.log
npm run build > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log | tee $L; exit 1; }
echo "== throughput" >> $L
for t in 1 2 6; do for n in 0 4 8; do GPU_RESIZE_HYBRID_DECODERS=$n timeout 60 node bench/batches.js hy$n $t 64,128 4 >> $L 2>&1; done; done
echo "== test:gpu" >> $L
timeout 330 npm run test:gpu > /tmp/t.log 2>&1; echo "test:gpu rc $?" >> $L
grep -E '^# (pass|fail)|^not ok|error:|hybrid' /tmp/t.log | head -40 >> $L
