#!/bin/bash
# Session 10, run A: kernel baseline + Nsight Compute profile of the fused kernel (4K->1080p RGB) + pageable-access attributes.
cd "$(dirname "$0")/.."
L=$OUT/s10a.log
export GR_CUDA_ARCHS=90
bash bench/kernels/build.sh > /tmp/kb.log 2>&1 || { tail -30 /tmp/kb.log > $L; exit 1; }
build/bench_kernels --runs 100 --out /tmp/bk > $L 2>&1
cp /tmp/bk/*.md $OUT/ 2>/dev/null
cat > /tmp/attr.cu <<'EOC'
#include <cstdio>
#include <cuda_runtime.h>
int main(){int v; const char*n[]={"PageableMemoryAccess","PageableMemoryAccessUsesHostPageTables","ConcurrentManagedAccess","HostRegisterSupported","DirectManagedMemAccessFromHost","CanUseHostPointerForRegisteredMem","ClockRate(kHz)","MemoryClockRate","L2CacheSize","MultiProcessorCount"};
cudaDeviceAttr a[]={cudaDevAttrPageableMemoryAccess,cudaDevAttrPageableMemoryAccessUsesHostPageTables,cudaDevAttrConcurrentManagedAccess,cudaDevAttrHostRegisterSupported,cudaDevAttrDirectManagedMemAccessFromHost,cudaDevAttrCanUseHostPointerForRegisteredMem,cudaDevAttrClockRate,cudaDevAttrMemoryClockRate,cudaDevAttrL2CacheSize,cudaDevAttrMultiProcessorCount};
for(int i=0;i<10;i++){cudaDeviceGetAttribute(&v,a[i],0);printf("%s %d\n",n[i],v);} }
EOC
nvcc -o /tmp/attr /tmp/attr.cu >> $L 2>&1 && /tmp/attr >> $L 2>&1
nvidia-smi -q | grep -iE "clocks|graphics|sm |memory  |product name|addressing" | head -20 >> $L
NCU=$(command -v ncu || ls /usr/local/cuda/bin/ncu 2>/dev/null || ls /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -1)
echo "ncu: $NCU" >> $L
if [ -n "$NCU" ]; then
  timeout 300 $NCU -k regex:fused_kernel --launch-skip 3 --launch-count 1 --set full build/bench_kernels --runs 3 --warmup 0 > $OUT/ncu.txt 2>&1
  tail -5 $OUT/ncu.txt >> $L
fi
