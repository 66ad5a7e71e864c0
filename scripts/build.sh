#!/usr/bin/env bash
# Sets up (scripts/setup.sh) and builds mmlu_eval into build/ (binaries in build/bin/).
# Extra arguments go to CMake's configure step, e.g. -DMMLU_WITH_CUDA=OFF.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
bash scripts/setup.sh
if [ ! -f build/CMakeCache.txt ] || [ $# -gt 0 ]; then
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >build.configure.log 2>&1 ||
    { cat build.configure.log; exit 1; }
  mv build.configure.log build/configure.log
fi
cmake --build build -j "$(nproc)"
