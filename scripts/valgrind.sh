#!/usr/bin/env bash
# Runs the C tests (test/c) under valgrind memcheck: a Debug build without sanitizers or CUDA in
# build/cmake-valgrind, each test binary in turn. Fails on any memory error and on definite or
# indirect leaks; memory that libvips and glib keep for the life of the process ("still
# reachable", "possibly lost" in their thread pools and type system) is reported, not failed.
# libjpeg-turbo's SIMD code reads bytes it never initialised (harmlessly: outputs are the same
# whatever malloc leaves there), which valgrind reports where our code later uses the pixels, so
# it runs with its SIMD off (JSIMD_FORCENONE); test/c/valgrind.supp drops reports whose top
# frame is in sharp's prebuilt libvips, which does the same in its own vector code.
#   bash scripts/valgrind.sh [--skip=test_a,test_b] [test_name ...]   (default: every test)
# On the 2-core machine the tests take about 13 minutes together, and test_filter (the coefficient
# tables for thousands of size pairs, no input handling) 29 more; CI skips that one.
# Needs valgrind (Debian: apt-get install valgrind).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 1; }
build=build/cmake-valgrind
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DGR_BUILD_ADDON=OFF -DGR_WITH_CUDA=OFF >/dev/null
cmake --build "$build" --parallel "$(nproc)" >/dev/null
skip=","
tests=()
for a in "$@"; do
  case "$a" in
    --skip=*) skip=",${a#--skip=},";;
    *) tests+=("$a");;
  esac
done
if [ ${#tests[@]} -eq 0 ]; then
  mapfile -t tests < <(cd "$build" && ls test_* | sort)
fi
mkdir -p "$build/valgrind"
status=0
for t in "${tests[@]}"; do
  case "$skip" in *",$t,"*) echo "$t: skipped"; continue;; esac
  log="$build/valgrind/$t.log"
  rm -f "$log" "$log.out"
  start=$(date +%s)
  # One thread per parallel loop: valgrind serialises threads anyway, and fewer threads keep
  # the run short. Test output goes to the log with valgrind's.
  if GPU_RESIZE_THREADS=1 JSIMD_FORCENONE=1 valgrind --tool=memcheck --error-exitcode=99 \
      --suppressions=test/c/valgrind.supp --leak-check=full \
      --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
      --track-origins=yes --num-callers=30 --log-file="$log" "$build/$t" >>"$log.out" 2>&1; then
    result=clean
  else
    result="FAILED (exit $?)"
    status=1
  fi
  summary=$(grep -E "ERROR SUMMARY|definitely lost|indirectly lost" "$log" | sed 's/^==[0-9]*== *//' | tr '\n' ';')
  echo "$t: $result in $(( $(date +%s) - start )) s: $summary"
done
exit $status
