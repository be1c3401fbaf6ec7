#!/bin/bash
# Session 13, run B: tensor-copy staging, no-bias pass 1 (I = floor(H*64), s16), straight-line tiles (k-steps as constants), unconditional table loads.
cd "$(dirname "$0")/../../.."
L=$OUT/s13b.log
GR_CUDA_ARCHS=90 GR_NVCC_FLAGS=-lineinfo bash bench/kernels/build.sh > /tmp/bk.log 2>&1 || { tail -30 /tmp/bk.log >> $L; exit 1; }
timeout 120 ./build/bench_kernels --runs 200 > /tmp/bench.log 2>&1; echo "bench_kernels rc $?" >> $L
head -14 /tmp/bench.log >> $L; grep -E "worst" /tmp/bench.log >> $L
NCU=/usr/local/cuda/bin/ncu
timeout 200 $NCU -k regex:"i8_kernel" -c 1 --import-source yes --section SourceCounters --section WarpStateStats --section InstructionStats --section SpeedOfLight --section Occupancy --section LaunchStats -o /tmp/s13b ./build/bench_kernels --runs 1 --warmup 0 --buffers 1 > /tmp/ncu.log 2>&1; echo "ncu rc $?" >> $L
$NCU -i /tmp/s13b.ncu-rep --page details > /tmp/details.txt 2>&1
$NCU -i /tmp/s13b.ncu-rep --page source --print-source sass --csv > /tmp/src.csv 2>&1
grep -E "Duration|Executed Instructions  |Registers Per|Achieved Occ|Issued Warp Per|Warp Cycles Per Issued" /tmp/details.txt >> $L
npm run build > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log >> $L; exit 1; }
export GPU_RESIZE_REQUIRE_GPU=1
timeout 100 ./build/cmake/test_gpu > /tmp/tg.log 2>&1; echo "test_gpu rc $?" >> $L
grep -E "worst|passed|failed|FAIL|max diff" /tmp/tg.log | head -20 >> $L
timeout 120 node --test test/gpu/tensor.test.js > /tmp/tt.log 2>&1; echo "tensor.test.js rc $?" >> $L
grep -E "^not ok|^# (pass|fail)|bytes" /tmp/tt.log | head -20 >> $L
cd /tmp && tar czf $OUT/s13b.tgz details.txt src.csv bench.log tg.log tt.log
