#!/bin/bash
# Session 15, run H: the pipelined kernel's later tiles' origins from the tables (working tree) against HEAD (1b08c7c), alternating; trace; test_gpu, npm run test:gpu.
cd "$(dirname "$0")/../../.."
L=$OUT/s15h.log
mk() { mkdir -p /tmp/$1 && cp -r kernels src include bench /tmp/$1/ && rm -rf /tmp/$1/bench/results; }
bk() { (cd $1 && GR_CUDA_ARCHS=90 GR_NO_NPP=1 GR_NVCC_FLAGS="$2" bash bench/kernels/build.sh > /tmp/bk-$(basename $1).log 2>&1) || { echo "build $1 failed" >> $L; tail -30 /tmp/bk-$(basename $1).log >> $L; }; }
mk newt
bk .probe/base "" & bk $PWD "" & bk /tmp/newt "-DGR_I8_TRACE=1" & (npm run build > /tmp/build.log 2>&1 || { echo "npm build failed" >> $L; tail -30 /tmp/build.log >> $L; }) &
wait
echo "built $(date +%T)" >> $L
for r in 1 2 3; do
  for v in base new; do
    b=./build/bench_kernels; [ $v = base ] && b=.probe/base/build/bench_kernels
    timeout 60 $b --runs 300 --cases 0,1 > /tmp/b.log 2>&1; echo "$v round $r rc $?" >> $L
    grep -E "gpu-resize lanczos3" /tmp/b.log | cut -c1-150 >> $L
    grep -E "worst" /tmp/b.log >> $L
  done
done
export GPU_RESIZE_REQUIRE_GPU=1
timeout 150 ./build/cmake/test_gpu > /tmp/tg.log 2>&1; echo "test_gpu rc $?" >> $L
grep -E "worst|passed|failed|FAIL|max diff|tables" /tmp/tg.log | head -20 >> $L
timeout 200 npm run test:gpu > /tmp/t.log 2>&1; echo "npm run test:gpu rc $?" >> $L
grep -E "^not ok|^# (pass|fail|tests)" /tmp/t.log >> $L
grep -B2 -A30 "^not ok" /tmp/t.log | head -60 >> $L
unset GPU_RESIZE_REQUIRE_GPU
timeout 60 /tmp/newt/build/bench_kernels --runs 50 --cases 0,1 --out /tmp/tr > /tmp/b.log 2>&1; echo "trace rc $?" >> $L
cp /tmp/tr/trace-0.bin $OUT/
echo done $(date +%T) >> $L
