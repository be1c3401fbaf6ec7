#!/usr/bin/env bash
# The GPU machine's checks in one command, each step bounded by its own time limit and logged
# under $OUT (default ./gpu-out), so a machine lent for a few minutes still returns figures:
#   bash scripts/gpu-check.sh STEP...   steps, in the order given:
#     build      npm run build
#     ctest      test_gpu, test_gpu_jpeg_encode, test_jpeg_hook (GPU_RESIZE_REQUIRE_GPU=1)
#     test       npm run test:gpu
#     memcheck   compute-sanitizer memcheck on test_gpu and on bench/gpu-smoke.js
#     racecheck  compute-sanitizer racecheck on the kernels' launch shapes (test_gpu, quick)
#     soak       bench/soak.js --photo, 100000 requests, bounded by --max-seconds 240
#     bench      bench/run.js tasks 1,2,3,6 against sharp
# Prints one line per step (exit status, seconds) and the tail of its log.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.."
OUT="${OUT:-$PWD/gpu-out}"
mkdir -p "$OUT"
SAN="${COMPUTE_SANITIZER:-$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)}"
export GPU_RESIZE_REQUIRE_GPU=1
status=0

step() {
  local name=$1 limit=$2
  shift 2
  local t0=$SECONDS
  timeout --signal=TERM --kill-after=30 "$limit" "$@" > "$OUT/$name.log" 2>&1
  local rc=$?
  echo "== $name: exit $rc, $((SECONDS - t0)) s (limit $limit s)"
  tail -n "${TAIL:-8}" "$OUT/$name.log"
  [ $rc -eq 0 ] || status=1
}

for s in "$@"; do
  case "$s" in
    build) step build 300 npm run build ;;
    ctest) step ctest 300 bash -c './build/cmake/test_gpu && ./build/cmake/test_gpu_jpeg_encode && ./build/cmake/test_jpeg_hook' ;;
    test) step test 540 npm run test:gpu ;;
    memcheck)
      step memcheck-test_gpu 240 "$SAN" --tool memcheck --error-exitcode 9 ./build/cmake/test_gpu
      step memcheck-smoke 240 "$SAN" --tool memcheck --error-exitcode 9 node bench/gpu-smoke.js --requests=8 ;;
    racecheck) step racecheck 400 env GR_TEST_GPU_QUICK=1 "$SAN" --tool racecheck --error-exitcode 9 ./build/cmake/test_gpu ;;
    soak) step soak 300 node bench/soak.js --requests 100000 --inflight 1000 --backends auto,gpu --photo --max-seconds 240 --out "$OUT/soak" ;;
    bench) step bench 540 node bench/run.js --tasks 1,2,3,6 --seconds 1.5 --inflight 1,16,64,128 --contenders auto,cpu,sharp --out "$OUT/bench" ;;
    *) echo "gpu-check: unknown step $s" >&2; status=2 ;;
  esac
done
exit $status
