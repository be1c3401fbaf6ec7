#!/bin/bash
# Session 9, run C: build, test:gpu, the set probe, the many-sizes bench, tasks 1/2/6 at load.
cd "$(dirname "$0")/.."
export UV_THREADPOOL_SIZE=16
L=$OUT/s9c.log
npm run build > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log | tee $L; exit 1; }
echo "== test:gpu" >> $L
timeout 300 npm run test:gpu > /tmp/t.log 2>&1; echo "test:gpu rc $?" >> $L
grep -E '^# (pass|fail)|^not ok|error:' /tmp/t.log | head -40 >> $L
echo "== set probe" >> $L
timeout 100 node .probe/setprobe.js >> $L 2>&1; echo "probe rc $?" >> $L
echo "== many bench" >> $L
timeout 150 node bench/many.js --seconds 3 --inflight 1,8,32 --out $OUT >> $L 2>&1; echo "many rc $?" >> $L
echo "== tasks" >> $L
for t in 1 2 6; do timeout 60 node bench/batches.js fc $t 64,128 4 >> $L 2>&1; done
timeout 30 node bench/batches.js lone 1 1 3 >> $L 2>&1
