#!/usr/bin/env bash
# Sets up, builds, and runs the main job on the embedded default (configs/default.ini) with four
# ranks, as `mpirun -np 4 build/bin/mmlu_eval`: it evaluates the embedded model on the embedded
# data and writes results/embedded.h5 (replacing the previous demo's; the job itself never
# replaces a results file without --overwrite).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
bash scripts/build.sh
if [ "$(id -u)" -eq 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
# --oversubscribe: the demo runs four ranks even on a machine with fewer cores.
mpirun --oversubscribe --bind-to none -np 4 build/bin/mmlu_eval --overwrite "$@"
