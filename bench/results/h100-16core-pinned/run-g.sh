#!/bin/bash
# Session 10, run G: fused kernel occupancy variants: blocks per SM (launch bounds + soft smem) x words per lane in phase 1.
cd "$(dirname "$0")/.."
L=$OUT/s10g.log
export GR_CUDA_ARCHS=90
for v in "2 4" "3 4" "3 2" "4 2" "2 2"; do
  set -- $v
  echo "== GR_FUSED_MIN_BLOCKS=$1 GR_FUSED_WORDS=$2" >> $L
  GR_NVCC_FLAGS="-DGR_FUSED_MIN_BLOCKS=$1 -DGR_FUSED_WORDS=$2 -Xptxas -v" bash bench/kernels/build.sh > /tmp/kb.log 2>&1 || { tail -20 /tmp/kb.log >> $L; continue; }
  grep -A3 "fused_kernelILi3ELb1ELi$2" /tmp/kb.log | grep -E "registers|spill" | head -2 >> $L
  build/bench_kernels --runs 200 --sweep --out /tmp/bk$1$2 > /tmp/bk.log 2>&1; echo "rc $?" >> $L
  grep -E "^3840x2160 RGB -> 1920x1080   (gpu-resize lanczos3|tile|NPP LANCZOS)|worst" /tmp/bk.log >> $L
done
