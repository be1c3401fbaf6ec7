#!/usr/bin/env bash
# Runs the C tests (test/c) under valgrind memcheck: a Debug build without sanitizers or CUDA in
# build/cmake-valgrind, each test binary in turn. Fails on any memory error and on definite or
# indirect leaks; memory that libvips and glib keep for the life of the process ("still
# reachable", "possibly lost" in their thread pools and type system) is reported, not failed.
#   bash scripts/valgrind.sh [test_name ...]      (default: every test)
# Needs valgrind (Debian: apt-get install valgrind).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 1; }
build=build/cmake-valgrind
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DGR_BUILD_ADDON=OFF -DGR_WITH_CUDA=OFF >/dev/null
cmake --build "$build" --parallel "$(nproc)" >/dev/null
tests=("$@")
if [ ${#tests[@]} -eq 0 ]; then
  mapfile -t tests < <(cd "$build" && ls test_* | sort)
fi
mkdir -p "$build/valgrind"
status=0
for t in "${tests[@]}"; do
  log="$build/valgrind/$t.log"
  start=$(date +%s)
  # One thread per parallel loop: valgrind serialises threads anyway, and fewer threads keep
  # the run short. Test output goes to the log with valgrind's.
  if GPU_RESIZE_THREADS=1 valgrind --tool=memcheck --error-exitcode=99 --leak-check=full \
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
