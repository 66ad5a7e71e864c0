#!/usr/bin/env bash
# CPU throughput: mmlu_eval (np=1, all cores) against the transformers reference evaluator
# (bench/hf_reference_eval.py: lm-evaluation-harness's prompts, scoring and length-sorted
# batches) on the same ~100M-parameter Llama and the same data, in the same run. Prints questions
# per second of each (tokenisation included, model load excluded), their ratio, and the fraction
# of identical predictions; mmlu_eval also without prefix reuse, to show what reuse buys.
# --family gemma2, mixtral, qwen3_moe or phi3 runs a ~100M-parameter model of that family instead
# (bench/make_bench_model.py says their shapes).
# Usage: bench/cpu_throughput.sh [--family F] [DATA]
#        (default: the Llama, the embedded data set, 120 questions, 5-shot)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
[ "$(id -u)" -ne 0 ] || export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
family=llama
if [ "${1:-}" = --family ]; then
  family=$2
  shift 2
fi
data=${1:-configs/embedded/data}
ckpt=/tmp/mmlu-bench-100m
[ "$family" = llama ] || ckpt=/tmp/mmlu-bench-$family
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -f "$ckpt/config.json" ] ||
  .venv/bin/python bench/make_bench_model.py "$ckpt" --family "$family" 2>/dev/null

.venv/bin/python bench/hf_reference_eval.py --model "$ckpt" --data "$data" --batch-size 16 \
  --out "$tmp/hf.json" 2>/dev/null
for mode in reuse no-reuse; do
  extra=()
  [ "$mode" = reuse ] || extra=(--no-prefix-reuse)
  mpirun -q -np 1 --bind-to none build/bin/mmlu_eval --model "$ckpt" --data "$data" --progress none \
    --out "$tmp/$mode.h5" "${extra[@]}" >/dev/null
done
.venv/bin/python - "$tmp" "$(nproc)" "$ckpt" <<'PY'
import json, sys, h5py
tmp, cores, ckpt = sys.argv[1], sys.argv[2], sys.argv[3]
config = json.load(open(f"{ckpt}/config.json"))
hf = json.load(open(f"{tmp}/hf.json"))
ref = {(q["subject"], q["index"]): q["pred"] for q in hf["questions"]}
n = len(ref)
rows = [("transformers reference", n / hf["seconds"], 1.0)]
for mode in ("reuse", "no-reuse"):
    with h5py.File(f"{tmp}/{mode}.h5") as f:
        seconds = f.attrs["eval_seconds"] + f.attrs["tokenize_seconds"]
        names = [x.decode() for x in f["subjects/name"][:]]
        q = f["questions"]
        same = sum(ref[(names[s], int(i))] == int(p)
                   for s, i, p in zip(q["subject"][:], q["index"][:], q["pred"][:]))
    label = "mmlu_eval" + (" (no prefix reuse)" if mode == "no-reuse" else "")
    rows.append((label, n / seconds, same / n))
experts = config.get("num_experts") or config.get("num_local_experts")
shape = config["architectures"][0] + (f", top {config['num_experts_per_tok']} of {experts} experts"
                                      if experts else "")
print(f"CPU throughput, {n} questions, {cores} cores, ~100M-parameter {shape} (fp32)")
print(f"{'evaluator':32} {'questions/s':>12} {'vs reference':>13} {'same predictions':>17}")
for label, rate, same in rows:
    print(f"{label:32} {rate:12.2f} {rate / rows[0][1]:12.2f}x {same:17.3f}")
PY
