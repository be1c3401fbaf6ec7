#!/bin/bash
# Session 14, run N: Nsight Compute on the pipelined kernel (4K RGB), per-instruction counts and stall samples.
cd "$(dirname "$0")/../../.."
L=$OUT/s14n.log
GR_CUDA_ARCHS=90 GR_NO_NPP=1 GR_NVCC_FLAGS="-lineinfo" bash bench/kernels/build.sh > /tmp/bk.log 2>&1 || { tail -30 /tmp/bk.log >> $L; exit 1; }
NCU=/usr/local/cuda/bin/ncu
timeout 240 $NCU -k regex:"i8_pipe_kernel" -c 1 --import-source yes --section SourceCounters --section WarpStateStats --section SchedulerStats --section SpeedOfLight --section MemoryWorkloadAnalysis --section ComputeWorkloadAnalysis -o /tmp/s14n ./build/bench_kernels --runs 1 --warmup 0 --buffers 1 --cases 0 > /tmp/ncu.log 2>&1; echo "ncu rc $?" >> $L
tail -3 /tmp/ncu.log >> $L
$NCU -i /tmp/s14n.ncu-rep --page details > $OUT/details.txt 2>&1; echo "details rc $?" >> $L
$NCU -i /tmp/s14n.ncu-rep --page source --print-source sass --csv > /tmp/src.csv 2>&1; echo "source rc $?" >> $L
gzip -c /tmp/src.csv > $OUT/sass.csv.gz
echo done >> $L
