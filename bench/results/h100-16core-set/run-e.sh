#!/bin/bash
# Session 9, run E: the final code: the whole GPU suite, memcheck on concurrent sets, task 1 lone.
cd "$(dirname "$0")/.."
export UV_THREADPOOL_SIZE=16
L=$OUT/s9e.log
npm run build > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log | tee $L; exit 1; }
git log --oneline -1 >> $L 2>&1
echo "== test:gpu" >> $L
timeout 300 npm run test:gpu > /tmp/t.log 2>&1; echo "test:gpu rc $?" >> $L
grep -E '^# (pass|fail)|^not ok|error:' /tmp/t.log | head -40 >> $L
cp /tmp/t.log $OUT/s9e-tests.log
echo "== memcheck sets" >> $L
SAN=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
timeout 200 $SAN --tool memcheck --error-exitcode 9 node bench/results/h100-16core-set/sets.js 6 > /tmp/mc.log 2>&1; echo "memcheck rc $?" >> $L
tail -3 /tmp/mc.log >> $L
timeout 30 node bench/batches.js lone 1 1 3 >> $L 2>&1
