#!/usr/bin/env bash
# Two builds of mmlu_eval on the same run, interleaved (A B A B ...) so drift on the machine
# hits both: the median evaluation time of each (model load excluded), B's speed-up over A, and
# how far B's answers are from A's (identical predictions, largest log-probability difference).
# This is how a change to the forward pass proves itself: build the commit before it beside
# this one and compare.
# Usage: bench/ab_compare.sh BIN_A BIN_B [REPEATS] [-- mmlu_eval options]
#   BIN_A, BIN_B  mmlu_eval executables (A is the reference)
#   REPEATS       runs of each, default 3
#   options       default: the 101.6M-parameter bench model (bench/make_bench_model.py) on the
#                 embedded data, fp32
# Environment: MPIRUN (default mpirun), PYTHON (with h5py; default .venv/bin/python), BUNDLE (an
# offline bundle's env.sh is sourced for mpirun on GPU nodes).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
a=${1:?usage: bench/ab_compare.sh BIN_A BIN_B [REPEATS] [-- options]}
b=${2:?usage: bench/ab_compare.sh BIN_A BIN_B [REPEATS] [-- options]}
shift 2
repeats=3
if [ $# -gt 0 ] && [ "$1" != -- ]; then repeats=$1; shift; fi
[ $# -eq 0 ] || { [ "$1" = -- ] && shift; }
python=${PYTHON:-.venv/bin/python}
[ "$(id -u)" -ne 0 ] || export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ $# -eq 0 ]; then
  ckpt=/tmp/mmlu-bench-100m
  [ -f "$ckpt/config.json" ] || "$python" bench/make_bench_model.py "$ckpt" 2>/dev/null
  set -- --model "$ckpt" --data configs/embedded/data
fi

run() {  # run BIN OUT OPTIONS...
  local bin=$1 out=$2
  shift 2
  (
    if [ -n "${BUNDLE:-}" ]; then source "$BUNDLE/env.sh"; fi
    "${MPIRUN:-mpirun}" -q -np 1 --bind-to none "$bin" "$@" --out "$out" --overwrite \
      --progress none >/dev/null
  )
}
for i in $(seq "$repeats"); do
  run "$a" "$tmp/a$i.h5" "$@"
  run "$b" "$tmp/b$i.h5" "$@"
done

"$python" - "$tmp" "$repeats" "$a" "$b" <<'PY'
import statistics, sys
import h5py, numpy as np
tmp, repeats, a, b = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def load(name):
    with h5py.File(f"{tmp}/{name}.h5") as f:
        q = f["questions"]
        order = np.lexsort((q["index"][:], q["subject"][:]))
        return (float(f.attrs["eval_seconds"]), int(f.attrs["questions"]),
                q["pred"][:][order], q["logprobs"][:][order])
runs = {k: [load(f"{k}{i}") for i in range(1, repeats + 1)] for k in "ab"}
n = runs["a"][0][1]
med = {k: statistics.median(r[0] for r in v) for k, v in runs.items()}
same = float(np.mean(runs["a"][0][2] == runs["b"][0][2]))
diff = float(np.abs(runs["a"][0][3] - runs["b"][0][3]).max())
print(f"A = {a}\nB = {b}\n{n} questions, median of {repeats} runs each, load excluded")
print(f"{'build':6} {'seconds':>8} {'q/s':>8} {'runs (s)':>24}")
for k in "ab":
    spread = " ".join(f"{r[0]:.2f}" for r in runs[k])
    print(f"{k.upper():6} {med[k]:8.2f} {n / med[k]:8.1f} {spread:>24}")
print(f"B against A: {med['a'] / med['b']:.3f}x questions/s; identical predictions {same:.3f}; "
      f"largest log-probability difference {diff:.2e}")
PY
