# Sourced by build.sh and check.sh: ROOT, CUDA_HOME, NVCC (checked) and CC.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CUDA_HOME="${CUDA_HOME:-/usr/local/cuda}"
NVCC="${NVCC:-}"
if [[ -z "$NVCC" ]]; then
  if command -v nvcc >/dev/null 2>&1; then NVCC="$(command -v nvcc)"; else NVCC="$CUDA_HOME/bin/nvcc"; fi
fi
if [[ ! -x "$NVCC" ]]; then
  echo "bench/kernels: nvcc not found (set NVCC or CUDA_HOME)" >&2
  exit 1
fi
CC="${CC:-cc}"
