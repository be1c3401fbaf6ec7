#!/bin/bash
# Session 15, run B: HEAD (base) / half k-steps (v2) / half k-steps + W2 tables by async copies into shared memory (v3, working tree), alternating; tests, trace, sanitizers on v3.
cd "$(dirname "$0")/../../.."
L=$OUT/s15b.log
bk() { GR_CUDA_ARCHS=90 bash $1/bench/kernels/build.sh > /tmp/bk-$(basename $1).log 2>&1 || { echo "build $1 failed" >> $L; tail -30 /tmp/bk-$(basename $1).log >> $L; }; }
bk .probe/base & bk .probe/v2 & bk $PWD & (npm run build > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log >> $L; }) &
wait
echo "built $(date +%T)" >> $L
for r in 1 2; do
  for v in base v2 v3; do
    b=./build/bench_kernels; [ $v != v3 ] && b=.probe/$v/build/bench_kernels
    timeout 60 $b --runs 300 --cases 0,1 --out /tmp/k-$v-$r > /tmp/b.log 2>&1; echo "$v round $r rc $?" >> $L
    grep -E "gpu-resize lanczos3 |floor" /tmp/b.log | cut -c1-150 >> $L
  done
done
cp /tmp/k-v3-1/kernels.json $OUT/kernels-v3.json
export GPU_RESIZE_REQUIRE_GPU=1
timeout 150 ./build/cmake/test_gpu > /tmp/tg.log 2>&1; echo "test_gpu rc $?" >> $L
grep -E "worst|passed|failed|FAIL|max diff|tables" /tmp/tg.log | head -20 >> $L
timeout 200 npm run test:gpu > /tmp/t.log 2>&1; echo "npm run test:gpu rc $?" >> $L
grep -E "^not ok|^# (pass|fail|tests)" /tmp/t.log >> $L
grep -B2 -A30 "^not ok" /tmp/t.log | head -60 >> $L
unset GPU_RESIZE_REQUIRE_GPU
echo "tests done $(date +%T)" >> $L
CS=/usr/local/cuda/bin/compute-sanitizer
timeout 60 $CS --tool racecheck ./build/bench_kernels --runs 2 --warmup 1 --cases 0 > /tmp/rc.log 2>&1; echo "racecheck rc $?" >> $L; grep -E "SUMMARY|worst" /tmp/rc.log >> $L
timeout 60 $CS --tool memcheck ./build/bench_kernels --runs 2 --warmup 1 --cases 0,1 > /tmp/mc.log 2>&1; echo "memcheck rc $?" >> $L; grep -E "SUMMARY|worst" /tmp/mc.log >> $L
echo "sanitizers done $(date +%T)" >> $L
GR_CUDA_ARCHS=90 GR_NO_NPP=1 GR_NVCC_FLAGS="-DGR_I8_TRACE=1" bash bench/kernels/build.sh > /tmp/bk.log 2>&1 || tail -20 /tmp/bk.log >> $L
timeout 60 ./build/bench_kernels --runs 50 --cases 0,1 --out /tmp/tr > /tmp/b.log 2>&1; echo "trace rc $?" >> $L
cp /tmp/tr/trace-0.bin /tmp/tr/trace-1.bin $OUT/
echo done $(date +%T) >> $L
