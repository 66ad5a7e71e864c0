#!/usr/bin/env bash
# Builds the unit tests with AddressSanitizer + UndefinedBehaviorSanitizer (our code; libtorch is
# not instrumented) into build-sanitize/ and runs them: the hostile-input parsers (safetensors,
# config.json, options) must fail cleanly, without a memory error, undefined behaviour or leak.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
bash scripts/setup.sh
if [ ! -f build-sanitize/CMakeCache.txt ]; then
  cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=Debug -DMMLU_SANITIZE=ON \
    >build-sanitize.configure.log 2>&1 || { cat build-sanitize.configure.log; exit 1; }
  mv build-sanitize.configure.log build-sanitize/configure.log
fi
cmake --build build-sanitize -j "$(nproc)" --target mmlu_unit_tests
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  build-sanitize/bin/mmlu_unit_tests --gtest_brief=1
