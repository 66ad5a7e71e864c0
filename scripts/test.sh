#!/usr/bin/env bash
# Sets up, builds, and runs every test (unit, MPI under mpirun, and the job's command line).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
bash scripts/build.sh
ctest --test-dir build --output-on-failure -j "$(nproc)"
