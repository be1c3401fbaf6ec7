#!/bin/bash
# Session 14, run O: phase 1's weights all loaded at its start, W2 tables staged with the tile (pipelined kernel).
cd "$(dirname "$0")/../../.."
L=$OUT/s14o.log
GR_CUDA_ARCHS=90 bash bench/kernels/build.sh > /tmp/bk.log 2>&1 || { tail -30 /tmp/bk.log >> $L; exit 1; }
timeout 200 ./build/bench_kernels --runs 300 --cases 0,1 --out $OUT > /tmp/bench.log 2>&1; echo "bench_kernels rc $?" >> $L
grep -E "floor|gpu-resize|NPP|worst" /tmp/bench.log >> $L
SAN=/usr/local/cuda/bin/compute-sanitizer
timeout 100 $SAN --tool memcheck --error-exitcode 9 ./build/bench_kernels --runs 2 --warmup 1 --cases 0,1 > /tmp/mc.log 2>&1; echo "memcheck bench 4K rc $?" >> $L
grep -E "ERROR SUMMARY|worst" /tmp/mc.log | tail -3 >> $L
timeout 120 $SAN --tool racecheck --error-exitcode 9 ./build/bench_kernels --runs 1 --warmup 1 --cases 0 > /tmp/rc.log 2>&1; echo "racecheck bench 4K RGB rc $?" >> $L
grep -E "RACECHECK SUMMARY|worst" /tmp/rc.log | tail -3 >> $L
npm run build > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log >> $L; exit 1; }
export GPU_RESIZE_REQUIRE_GPU=1
timeout 150 ./build/cmake/test_gpu > /tmp/tg.log 2>&1; echo "test_gpu rc $?" >> $L
grep -E "worst|passed|failed|FAIL|max diff|tables" /tmp/tg.log | head -20 >> $L
timeout 240 npm run test:gpu > /tmp/t.log 2>&1; echo "npm run test:gpu rc $?" >> $L
grep -E "^not ok|^# (pass|fail|tests)" /tmp/t.log >> $L
grep -B2 -A30 "^not ok" /tmp/t.log | head -40 >> $L
echo done >> $L
