#!/bin/bash
# Session 8, run A: build, the toBuffers GPU tests, the hybrid decoder probe, lone-request
# breakdown, the many-sizes bench.
cd "$(dirname "$0")/.."
export UV_THREADPOOL_SIZE=16
L=$OUT/s8a.log
npm run build > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log | tee $L; exit 1; }
echo "== many.test.js" >> $L
timeout 240 env GPU_RESIZE_REQUIRE_GPU=1 node --test --test-concurrency=1 test/gpu/many.test.js > /tmp/many-test.log 2>&1; echo "many.test rc $?" >> $L
grep -E '^# (pass|fail)|^not ok|error:|dB|diff' /tmp/many-test.log | head -40 >> $L
echo "== hybrid probe" >> $L
timeout 120 build/cmake/hybrid_probe /work/shared/images/2569067123_aca715a2ee_o.jpg --seconds 2 --out $OUT >> $L 2>&1; echo "probe rc $?" >> $L
echo "== lone" >> $L
for t in 1 1r 2; do timeout 40 node bench/batches.js lone $t 1 4 >> $L 2>&1; done
echo "== many bench" >> $L
timeout 200 node bench/many.js --seconds 3 --inflight 1,8,32 --out $OUT >> $L 2>&1; echo "many rc $?" >> $L
