#!/bin/bash
# Session 13, run A: the committed kernel's SASS and per-instruction counts (where the 14.4 M instructions go).
cd "$(dirname "$0")/../../.."
L=$OUT/s13a.log
GR_CUDA_ARCHS=90 GR_NVCC_FLAGS=-lineinfo bash bench/kernels/build.sh > /tmp/bk.log 2>&1 || { tail -30 /tmp/bk.log >> $L; exit 1; }
timeout 120 ./build/bench_kernels --runs 200 >> $L 2>&1; echo "bench_kernels rc $?" >> $L
/usr/local/cuda/bin/cuobjdump -sass build/bench-kernels/resize_i8.o > /tmp/sass.txt 2>&1
echo "sass lines $(wc -l < /tmp/sass.txt)" >> $L
NCU=/usr/local/cuda/bin/ncu
timeout 200 $NCU -k regex:"i8_kernel" -c 1 --import-source yes --section SourceCounters --section WarpStateStats --section InstructionStats --section SpeedOfLight --section MemoryWorkloadAnalysis -o /tmp/s13a ./build/bench_kernels --runs 1 --warmup 0 --buffers 1 > /tmp/ncu.log 2>&1; echo "ncu rc $?" >> $L
tail -5 /tmp/ncu.log >> $L
$NCU -i /tmp/s13a.ncu-rep --page details > /tmp/details.txt 2>&1; echo "details rc $?" >> $L
$NCU -i /tmp/s13a.ncu-rep --page source --print-source sass --csv > /tmp/src.csv 2>&1; echo "source rc $?" >> $L
head -c 600 /tmp/src.csv >> $L
cd /tmp && tar czf $OUT/s13a.tgz sass.txt details.txt src.csv s13a.ncu-rep ncu.log
