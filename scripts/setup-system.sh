#!/usr/bin/env bash
# Installs the system packages gpu-resize builds against, on Debian or Ubuntu (as root, or
# through sudo): a C compiler, CMake, pkg-config, libjpeg-turbo, libpng, libwebp, clang for the
# fuzzing run (libFuzzer, npm run test:fuzz) and valgrind (npm run test:valgrind). Node.js 18+
# and npm must already be there. libvips comes from npm (sharp's prebuilt) when the system has
# none; CUDA is used when nvcc is found (/usr/local/cuda).
set -euo pipefail
packages="build-essential cmake pkg-config libjpeg-dev libpng-dev libwebp-dev zlib1g-dev clang valgrind"
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  # shellcheck disable=SC2086
  $sudo apt-get install -y -qq --no-install-recommends $missing
fi
command -v node >/dev/null || { echo "Node.js 18 or later is required" >&2; exit 1; }
