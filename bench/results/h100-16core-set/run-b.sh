#!/bin/bash
# Session 9, run B: build, the set probe, the whole GPU suite, task 1 throughput.
cd "$(dirname "$0")/.."
export UV_THREADPOOL_SIZE=16
L=$OUT/s9b.log
npm run build > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log | tee $L; exit 1; }
./build/cmake/test_jpeg_hook 2>&1 | tail -1 >> $L
echo "== set probe" >> $L
timeout 120 node .probe/setprobe.js >> $L 2>&1; echo "probe rc $?" >> $L
echo "== test:gpu" >> $L
timeout 420 npm run test:gpu > /tmp/t.log 2>&1; echo "test:gpu rc $?" >> $L
grep -E '^# (pass|fail)|^not ok|error:' /tmp/t.log | head -40 >> $L
cp /tmp/t.log $OUT/s9b-tests.log
echo "== task 1" >> $L
timeout 60 node bench/batches.js t1 1 64,128 4 >> $L 2>&1
timeout 30 node bench/batches.js lone 1 1 3 >> $L 2>&1
