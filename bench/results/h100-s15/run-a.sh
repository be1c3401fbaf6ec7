#!/bin/bash
# Session 15, run A: half k-steps (m16n8k16 for a window's last 16 bytes / rows) against HEAD (bb5969e), alternating; test_gpu, npm run test:gpu; traces.
cd "$(dirname "$0")/../../.."
L=$OUT/s15a.log
bk() { bash $1/bench/kernels/build.sh > /tmp/bk.log 2>&1 || { tail -30 /tmp/bk.log >> $L; exit 1; }; }
GR_CUDA_ARCHS=90 bk .probe/base
GR_CUDA_ARCHS=90 bk .
echo "built $(date +%T)" >> $L
for r in 1 2; do
  for v in base new; do
    b=./build/bench_kernels; [ $v = base ] && b=.probe/base/build/bench_kernels
    timeout 120 $b --runs 300 --cases 0,1 --out /tmp/k-$v-$r > /tmp/b.log 2>&1; echo "$v round $r rc $?" >> $L
    grep -E "gpu-resize lanczos3|NPP LANCZOS|floor" /tmp/b.log >> $L
  done
done
cp /tmp/k-new-1/kernels.json $OUT/kernels-new.json; cp /tmp/k-base-1/kernels.json $OUT/kernels-base.json
npm run build > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log >> $L; exit 1; }
export GPU_RESIZE_REQUIRE_GPU=1
timeout 150 ./build/cmake/test_gpu > /tmp/tg.log 2>&1; echo "test_gpu rc $?" >> $L
grep -E "worst|passed|failed|FAIL|max diff|tables" /tmp/tg.log | head -20 >> $L
timeout 200 npm run test:gpu > /tmp/t.log 2>&1; echo "npm run test:gpu rc $?" >> $L
grep -E "^not ok|^# (pass|fail|tests)" /tmp/t.log >> $L
grep -B2 -A30 "^not ok" /tmp/t.log | head -60 >> $L
unset GPU_RESIZE_REQUIRE_GPU
echo "tests done $(date +%T)" >> $L
GR_CUDA_ARCHS=90 GR_NO_NPP=1 GR_NVCC_FLAGS="-DGR_I8_TRACE=1" bk .
timeout 60 ./build/bench_kernels --runs 50 --cases 0,1 --out /tmp/tr > /tmp/b.log 2>&1; echo "trace rc $?" >> $L
grep -E "gpu-resize lanczos3 " /tmp/b.log >> $L
cp /tmp/tr/trace-0.bin /tmp/tr/trace-1.bin $OUT/
echo done $(date +%T) >> $L
