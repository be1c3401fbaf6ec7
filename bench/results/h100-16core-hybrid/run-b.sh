#!/bin/bash
# Session 8, run B: hybrid decoders: tests, then task 1/2/6 throughput with 0/4/8 of them.
cd "$(dirname "$0")/.."
export UV_THREADPOOL_SIZE=16
L=$OUT/s8b.log
npm run build > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log | tee $L; exit 1; }
cc -std=c11 -fsyntax-only -I/usr/local/cuda/include -Isrc -Iinclude bench/nvjpeg/nvjpeg_check.c >> $L 2>&1; echo "nvjpeg_check rc $?" >> $L
echo "== tests" >> $L
timeout 300 env GPU_RESIZE_REQUIRE_GPU=1 node --test --test-concurrency=1 test/gpu/hybrid.test.js test/gpu/many.test.js test/gpu/jpeg.test.js > /tmp/t.log 2>&1; echo "tests rc $?" >> $L
grep -E '^# (pass|fail)|^not ok|^ok|error:|PSNR|requests:|round' /tmp/t.log | head -60 >> $L
echo "== throughput" >> $L
for n in 0 4 8; do
  for t in 1; do GPU_RESIZE_HYBRID_DECODERS=$n timeout 60 node bench/batches.js hy$n $t 64,128 4 >> $L 2>&1; done
done
GPU_RESIZE_HYBRID_DECODERS=8 GPU_RESIZE_HYBRID_QUEUE=4 timeout 60 node bench/batches.js hy8q4 1 64,128 4 >> $L 2>&1
GPU_RESIZE_HYBRID_DECODERS=12 timeout 60 node bench/batches.js hy12 1 64,128 4 >> $L 2>&1
for t in 2 6; do for n in 0 4; do GPU_RESIZE_HYBRID_DECODERS=$n timeout 60 node bench/batches.js hy$n $t 64,128 4 >> $L 2>&1; done; done
GPU_RESIZE_HYBRID_DECODERS=4 timeout 30 node bench/batches.js lone 1 1 3 >> $L 2>&1
