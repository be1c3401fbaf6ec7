#!/bin/bash
# Session 13, run E: pipelined kernel with the next tile's origin loads and the next output tile's weights loaded a tile ahead; against the single-tile kernel (GR_I8_PIPE=0) on the same loan; tests, racecheck.
cd "$(dirname "$0")/../../.."
L=$OUT/s13e.log
for P in 0 1; do
  GR_CUDA_ARCHS=90 GR_NVCC_FLAGS="-DGR_I8_PIPE=$P" bash bench/kernels/build.sh > /tmp/bk.log 2>&1 || { tail -30 /tmp/bk.log >> $L; exit 1; }
  echo "== GR_I8_PIPE=$P" >> $L
  for k in 1 2; do timeout 120 ./build/bench_kernels --runs 300 > /tmp/bench.log 2>&1; echo "bench_kernels rc $?" >> $L; grep -E "lanczos3" /tmp/bench.log | head -2 | cut -c1-100 >> $L; done
done
cp /tmp/bench.log $OUT/s13e-bench.txt
NCU=/usr/local/cuda/bin/ncu
timeout 200 $NCU -k regex:"i8_pipe" -c 1 --section SpeedOfLight --section WarpStateStats --section Occupancy --section LaunchStats --section InstructionStats ./build/bench_kernels --runs 1 --warmup 0 --buffers 1 > /tmp/ncu.log 2>&1; echo "ncu rc $?" >> $L
grep -E "i8_|Duration|SM Active Cycles|Elapsed Cycles|Executed Instructions  |Registers Per|Grid Size|Achieved Occ|Warp Cycles Per Issued|DRAM Throughput|represents" /tmp/ncu.log >> $L
npm run build > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log >> $L; exit 1; }
export GPU_RESIZE_REQUIRE_GPU=1
timeout 100 ./build/cmake/test_gpu > /tmp/tg.log 2>&1; echo "test_gpu rc $?" >> $L
grep -E "worst|passed|failed|FAIL|max diff" /tmp/tg.log | head -20 >> $L
timeout 120 node --test test/gpu/tensor.test.js > /tmp/tt.log 2>&1; echo "tensor.test.js rc $?" >> $L
grep -E "^not ok|^# (pass|fail)" /tmp/tt.log | head -20 >> $L
SAN=/usr/local/cuda/bin/compute-sanitizer
timeout 200 $SAN --tool racecheck --error-exitcode 9 node test/gpu/tensor.test.js > /tmp/rc.log 2>&1; echo "racecheck tensor.test.js rc $?" >> $L
grep -E "RACECHECK SUMMARY|^# (pass|fail)" /tmp/rc.log | tail -3 >> $L
timeout 150 $SAN --tool memcheck --error-exitcode 9 node test/gpu/tensor.test.js > /tmp/mc.log 2>&1; echo "memcheck tensor.test.js rc $?" >> $L
grep -E "ERROR SUMMARY|^# (pass|fail)" /tmp/mc.log | tail -3 >> $L
cp /tmp/ncu.log $OUT/s13e-ncu.txt
