#!/bin/bash
# Session 11, run C: tensor-core kernel, leaner (row pointers per k-step, two k-steps in flight, direct byte stores, cheaper split); 3 vs 2 blocks per SM.
cd "$(dirname "$0")/.."
L=$OUT/s11c.log
GR_CUDA_ARCHS=90 GR_NVCC_FLAGS="-DGR_TC_MIN_BLOCKS=2" bash bench/kernels/build.sh > /tmp/bk.log 2>&1 || { tail -20 /tmp/bk.log >> $L; exit 1; }
cp build/bench_kernels /tmp/bench_kernels_mb2
GR_CUDA_ARCHS=90 bash bench/kernels/build.sh > /tmp/bk.log 2>&1 || { tail -20 /tmp/bk.log >> $L; exit 1; }
echo "== default (GR_TC_MIN_BLOCKS=3)" >> $L
timeout 200 ./build/bench_kernels --runs 100 --sweep --out $OUT >> $L 2>&1; echo "bench_kernels rc $?" >> $L
echo "== GR_TC_MIN_BLOCKS=2" >> $L
timeout 200 /tmp/bench_kernels_mb2 --runs 100 --sweep >> $L 2>&1; echo "bench_kernels mb2 rc $?" >> $L
npm run build > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log >> $L; exit 1; }
GPU_RESIZE_REQUIRE_GPU=1 timeout 150 ./build/cmake/test_gpu > /tmp/tg.log 2>&1; echo "test_gpu rc $?" >> $L
grep -E "worst|passed|failed|FAIL|max diff" /tmp/tg.log | head -30 >> $L
NCU=/usr/local/cuda/bin/ncu
timeout 150 $NCU -k regex:tc_kernel -c 1 --section SpeedOfLight --section Occupancy --section WarpStateStats --section LaunchStats --section SchedulerStats --section InstructionStats --section MemoryWorkloadAnalysis ./build/bench_kernels --runs 1 --warmup 0 --buffers 1 > $OUT/s11c-ncu.txt 2>&1; echo "ncu rc $?" >> $L
