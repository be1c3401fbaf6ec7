#!/bin/bash
# Session 15, run K: after the review (one window-unit dispatcher in resize_i8.cu: identical PTX; time_it's one timed-launch helper in bench_kernels.cu): bench_kernels 4K RGB and grey.
cd "$(dirname "$0")/../../.."
L=$OUT/s15k.log
GR_CUDA_ARCHS=90 bash bench/kernels/build.sh > /tmp/bk.log 2>&1 || { tail -30 /tmp/bk.log >> $L; exit 1; }
timeout 100 ./build/bench_kernels --runs 300 --cases 0,1 > /tmp/b.log 2>&1; echo "bench_kernels rc $?" >> $L
grep -E "floor|gpu-resize lanczos3|NPP LANCZOS|worst" /tmp/b.log | cut -c1-170 >> $L
