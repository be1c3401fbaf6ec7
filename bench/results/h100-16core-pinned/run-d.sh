#!/bin/bash
# Session 10, run D: where the fused kernel's instructions go, per CUDA source line (ncu source counters).
cd "$(dirname "$0")/.."
L=$OUT/s10d.log
export GR_CUDA_ARCHS=90
sed -i 's/"\$NVCC" -O3 -std=c++17 "\${GENCODE\[@\]}" "\${INC\[@\]}" -c "\$ROOT\/kernels\/resize.cu"/"$NVCC" -O3 -lineinfo -std=c++17 "${GENCODE[@]}" "${INC[@]}" -c "$ROOT\/kernels\/resize.cu"/' bench/kernels/build.sh
grep -n lineinfo bench/kernels/build.sh >> $L
bash bench/kernels/build.sh > /tmp/kb.log 2>&1 || { tail -30 /tmp/kb.log >> $L; exit 1; }
NCU=/usr/local/cuda/bin/ncu
timeout 300 $NCU -k regex:fused_kernel --launch-skip 3 --launch-count 1 --section SourceCounters --section InstructionStats --section WarpStateStats --import-source yes -o /tmp/prof build/bench_kernels --runs 3 --warmup 0 >> $L 2>&1
$NCU -i /tmp/prof.ncu-rep --page source --csv --print-source cuda > $OUT/source.csv 2>>$L
$NCU -i /tmp/prof.ncu-rep --page source --csv --print-source sass > /tmp/sass.csv 2>>$L
gzip -c /tmp/sass.csv > $OUT/sass.csv.gz
$NCU -i /tmp/prof.ncu-rep --page details --print-details all > $OUT/details.txt 2>>$L
ls -la $OUT >> $L
