#!/usr/bin/env bash
# What the run key's content sample costs against the model load it precedes, on the same
# checkpoint in the same run: mmlu_eval at np 1 on a 1.1 GB bf16 checkpoint (one synthetic
# question per subject), each run's identity_seconds (fingerprint and sampled tensor bytes) and
# load_seconds read from its results file. 'cold': the checkpoint's pages dropped from the page
# cache first (posix_fadvise DONTNEED), as on a first run after a checkpoint is written; 'warm':
# right after.
# Usage: bench/identity_cost.sh [CHECKPOINT_DIR] [RUNS]   (default: a synthetic checkpoint, 3 runs)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
[ "$(id -u)" -ne 0 ] || export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
ckpt=${1:-/tmp/mmlu-bench-checkpoint}
runs=${2:-3}
[ -f "$ckpt/config.json" ] || .venv/bin/python bench/make_synthetic_checkpoint.py "$ckpt"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

drop_cache() {
  .venv/bin/python - "$ckpt" <<'PY'
import os, pathlib, sys
for f in pathlib.Path(sys.argv[1]).glob("*.safetensors"):
    fd = os.open(f, os.O_RDONLY)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    os.close(fd)
PY
}
one() {  # one NAME: a run; prints "identity_seconds load_seconds"
  mpirun -q --bind-to none -np 1 build/bin/mmlu_eval --model "$ckpt" --dtype bf16 \
    --synthetic-data --limit 1 --shots 0 --max-seq-len 32 --progress none --overwrite \
    --out "$out/$1.h5" >/dev/null 2>&1
  .venv/bin/python -c 'import h5py, sys; a = h5py.File(sys.argv[1]).attrs; print(a["identity_seconds"], a["load_seconds"])' "$out/$1.h5"
}

printf 'checkpoint %s: %s in %s safetensors files\n\n' "$ckpt" \
  "$(du -sh "$ckpt" | cut -f1)" "$(ls "$ckpt"/*.safetensors | wc -l)"
printf '%-6s %4s %14s %12s %10s\n' cache run "identity (s)" "load (s)" "identity/load"
for cache in cold warm; do
  for run in $(seq "$runs"); do
    [ "$cache" = warm ] || drop_cache
    read -r identity load < <(one "$cache$run")
    printf '%-6s %4s %14.4f %12.3f %9.2f%%\n' "$cache" "$run" "$identity" "$load" \
      "$(echo "100 * $identity / $load" | bc -l)"
  done
done
