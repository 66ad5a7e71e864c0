#!/usr/bin/env bash
# Peak host memory per rank while loading a checkpoint at tp = 1, 2 and 4, against the same run
# of a model that is almost nothing (the process's baseline: libtorch, CUDA and MPI libraries).
# Shows that a rank holds about its own shard, not the whole checkpoint, and prints the tp=2 to
# tp=1 ratio of per-rank weight and peak memory. Each run loads, then evaluates one synthetic
# question per subject (so the figures include a forward pass).
# Usage: bench/load_memory.sh [CHECKPOINT_DIR]   (default: a 1.1 GB synthetic bf16 checkpoint)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
[ "$(id -u)" -ne 0 ] || export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
ckpt=${1:-/tmp/mmlu-bench-checkpoint}
if [ ! -f "$ckpt/config.json" ]; then
  .venv/bin/python bench/make_synthetic_checkpoint.py "$ckpt"
fi
ckpt_bytes=$(cat "$ckpt"/*.safetensors | wc -c)

# "loaded rank R: S s, shard X MiB, peak host memory Y MiB" -> largest peak over ranks in MiB
peak_of() {
  mpirun -q --oversubscribe -np "$1" build/bin/mmlu_eval --model "$2" --tp "$1" --dtype bf16 \
    --synthetic-data --limit 1 --shots 0 --max-seq-len 32 --progress none --overwrite \
    --out /tmp/mmlu-load-memory.h5 \
    2>/dev/null | awk '/^loaded/ {
      for (i = 1; i <= NF; ++i) if ($i == "memory") { v = $(i+1); u = $(i+2) }
      m = (u ~ /GiB/) ? v * 1024 : v; if (m > best) best = m } END { printf "%.0f", best }'
}
shard_of() {
  mpirun -q --oversubscribe -np "$1" build/bin/mmlu_eval --model "$2" --tp "$1" --dtype bf16 \
    --plan 2>/dev/null | awk '$1 == "0" && $4 == "cpu" { v = $7; u = $8; printf "%.0f", (u ~ /GiB/) ? v * 1024 : v }'
}

base=$(peak_of 1 configs/embedded/model)
printf 'checkpoint %s: %.0f MiB on disk; baseline process (embedded model): %s MiB\n\n' \
  "$ckpt" "$(echo "$ckpt_bytes / 1048576" | bc -l)" "$base"
printf '%-4s %12s %16s %20s %18s\n' tp "shard MiB" "peak MiB/rank" "peak-baseline MiB" "(peak-base)/shard"
declare -A shards peaks
for tp in 1 2 4; do
  shard=$(shard_of "$tp" "$ckpt")
  peak=$(peak_of "$tp" "$ckpt")
  shards[$tp]=$shard peaks[$tp]=$peak
  printf '%-4s %12s %16s %20s %18.2f\n' "$tp" "$shard" "$peak" "$((peak - base))" \
    "$(echo "($peak - $base) / $shard" | bc -l)"
done
# The target of the throughput issue: a tp=2 rank holds at most 55% of a tp=1 rank's weights.
printf '\ntp=2 against tp=1 per rank: weights %.3f, peak host memory above baseline %.3f\n' \
  "$(echo "${shards[2]} / ${shards[1]}" | bc -l)" \
  "$(echo "(${peaks[2]} - $base) / (${peaks[1]} - $base)" | bc -l)"
