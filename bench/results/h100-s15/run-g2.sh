#!/bin/bash
# Session 15, run G2: sanitizers on the committed code (racecheck: bench_kernels 4K RGB and tensor.test.js; memcheck: bench_kernels 4K), after the end-to-end npm run bench of tasks 2, 3, 7.
cd "$(dirname "$0")/../../.."
L=$OUT/s15g2.log
[ -x ./build/bench_kernels ] && [ -f build/Release/gpu_resize.node -o -d build/cmake ] || { GR_CUDA_ARCHS=90 bash bench/kernels/build.sh > /tmp/bk.log 2>&1; npm run build > /tmp/build.log 2>&1; echo rebuilt >> $L; }
export UV_THREADPOOL_SIZE=16
timeout 250 npm run bench -- --tasks 2,3,7 --contenders auto,gpu,sharp --seconds 4 --inflight 1,8,32 --gpu-poll 0 --out $OUT/bench > /tmp/e2e.log 2>&1; echo "bench rc $?" >> $L
tail -40 /tmp/e2e.log >> $L
echo "bench done $(date +%T)" >> $L
SAN=/usr/local/cuda/bin/compute-sanitizer
timeout 180 $SAN --tool racecheck --error-exitcode 9 ./build/bench_kernels --runs 2 --warmup 1 --cases 0 > /tmp/rc.log 2>&1; echo "racecheck bench 4K RGB rc $?" >> $L; grep -E "SUMMARY|worst" /tmp/rc.log >> $L
export GPU_RESIZE_REQUIRE_GPU=1
timeout 100 $SAN --tool racecheck --error-exitcode 9 node test/gpu/tensor.test.js > /tmp/rc2.log 2>&1; echo "racecheck tensor.test.js rc $?" >> $L; grep -E "SUMMARY|^# (pass|fail)" /tmp/rc2.log >> $L
timeout 100 $SAN --tool memcheck --error-exitcode 9 ./build/bench_kernels --runs 3 --warmup 1 --cases 0,1 > /tmp/mc.log 2>&1; echo "memcheck bench 4K rc $?" >> $L; grep -E "SUMMARY|worst" /tmp/mc.log >> $L
unset GPU_RESIZE_REQUIRE_GPU
echo "sanitizers done $(date +%T)" >> $L
echo done $(date +%T) >> $L
