#!/usr/bin/env bash
# GPU throughput on one device: a Llama-2-7B-shaped model with random bf16 weights
# (--synthetic-weights) on the full MMLU-shaped synthetic workload (--synthetic-data: 57 subjects,
# 14,042 questions, 5-shot). Prints one table: questions per second, the whole workload's time
# after load, achieved TFLOP/s (useful work: matmuls and attention of the tokens computed with
# prefix reuse, no padding, the last layer's output projection and MLP only at the scored
# tokens) and its fraction of the bf16 matmul peak measured in the same run
# (MFU); and the transformers reference (bench/hf_reference_eval.py, batched as
# lm-evaluation-harness) against mmlu_eval on the same subset of questions (the first 18 of each
# subject). Both draw their own random weights, so predictions are not compared here: the CUDA
# golden tests and bench/cpu_throughput.sh compare them on identical weights. Last, where the
# device time of eight full-size batches goes (mmlu_eval --profile, scripts/trace_summary.py).
# Usage: bench/gpu_throughput.sh BIN_DIR [PYTHON] [BUNDLE]
#   BIN_DIR  a CUDA build's bin/ (e.g. the one scripts/gpu_check.sh made)
#   PYTHON   a python with torch, transformers and h5py (default python3)
#   BUNDLE   an offline bundle whose env.sh puts mpirun and the libraries in reach (gpu nodes)
# MMLU_BENCH_MODEL and MMLU_BENCH_DEVICE override the model shape and device (a CPU dry run:
# MMLU_BENCH_MODEL=configs/embedded/model MMLU_BENCH_DEVICE=cpu).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
bin=${1:?usage: bench/gpu_throughput.sh BIN_DIR [PYTHON] [BUNDLE]}
python=${2:-python3}
bundle=${3:-}
device=${MMLU_BENCH_DEVICE:-cuda}
[ "$(id -u)" -ne 0 ] || export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
tmp=${TMPDIR:-/tmp}/mmlu-gpu-bench
mkdir -p "$tmp"
model=${MMLU_BENCH_MODEL:-configs/synthetic/llama-2-7b}
common=(--model "$model" --synthetic-weights --synthetic-data --dtype bf16 --max-batch-tokens 16384)
# The bundle's environment only for mpirun: the python keeps its own libraries.
run() { (
  if [ -n "$bundle" ]; then source "$bundle/env.sh"; fi
  mpirun -q -np 1 --mca btl self,vader --mca oob_tcp_if_include lo "$bin/mmlu_eval" \
    "${common[@]}" --overwrite "$@"
); }

echo "== bf16 matmul peak"
"$python" - "$device" >"$tmp/peak.txt" <<'PY'
import sys, time
import torch
device = sys.argv[1]
n, reps = (8192, 20) if device == "cuda" else (1024, 5)
a = torch.randn(n, n, device=device, dtype=torch.bfloat16)
b = torch.randn(n, n, device=device, dtype=torch.bfloat16)
sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
for _ in range(3): a @ b
sync()
start = time.perf_counter()
for _ in range(reps): a @ b
sync()
print(2 * n**3 * reps / (time.perf_counter() - start) / 1e12)
print(torch.cuda.get_device_name() if device == "cuda" else "cpu")
PY
cat "$tmp/peak.txt"

echo "== mmlu_eval: prompts and the full workload"
run --dump-prompts "$tmp/prompts.jsonl" --out "$tmp/unused.h5" >/dev/null
run --out "$tmp/full.h5" --progress lines
echo "== mmlu_eval on the subset"
run --out "$tmp/subset.h5" --limit 18 --progress none | tail -1
"$python" - "$tmp/prompts.jsonl" "$tmp/subset_prompts.jsonl" <<'PY'
import json, sys
with open(sys.argv[2], "w") as out:
    for line in open(sys.argv[1]):
        if json.loads(line)["index"] < 18: out.write(line)
PY
echo "== mmlu_eval: a trace of 8 full-size batches (after 2 of warm-up)"
rm -f "$tmp/trace.json"
run --out "$tmp/traced.h5" --limit 100 --progress none --profile "$tmp/trace.json" >/dev/null
"$python" scripts/trace_summary.py "$tmp/trace.json" >"$tmp/trace.txt"
echo "== transformers reference on the subset"
"$python" bench/hf_reference_eval.py --model "$model" --random-weights --device "$device" \
  --dtype bfloat16 --prompts "$tmp/subset_prompts.jsonl" --batch-size 16 --out "$tmp/hf.json"

"$python" - "$tmp" "$model" <<'PY'
import json, sys
import h5py
tmp, model = sys.argv[1], sys.argv[2]
config = json.load(open(f"{model}/config.json"))
peak, device = open(f"{tmp}/peak.txt").read().split("\n")[:2]
peak = float(peak)
h, layers, inter = config["hidden_size"], config["num_hidden_layers"], config["intermediate_size"]
heads, kv = config["num_attention_heads"], config.get("num_key_value_heads", config["num_attention_heads"])
hd = h // heads
# Matmul FLOPs per token (non-embedding weights), and attention FLOPs per (query, key) pair.
per_token = 2 * layers * (h * hd * (heads + 2 * kv) + h * hd * heads + 3 * h * inter)
per_pair = 4 * layers * heads * hd
# The last layer's output projection and MLP matter only at each question's scored token (the
# last), so they are not counted as useful for other tokens; mmlu_eval skips them for every
# other suffix token and for every prefix token.
last_layer_tail = 2 * (h * hd * heads + 3 * h * inter)
# Useful work with prefix reuse (one data-parallel group): each (subject, shots) prefix once,
# then every suffix attending to the prefix and causally to itself.
groups = {}
for line in open(f"{tmp}/prompts.jsonl"):
    q = json.loads(line)
    groups.setdefault((q["subject"], q["shots"], q["truncated"]), []).append(q["ids"])
flops = 0
for prompts in groups.values():
    p = len(prompts[0]) - 1
    for ids in prompts:
        common = 0
        while common < min(p, len(ids) - 1) and ids[common] == prompts[0][common]: common += 1
        p = common
    if len(prompts) < 2: p = 0
    flops += (per_token - last_layer_tail) * p + per_pair * p * (p + 1) / 2
    for ids in prompts:
        t = len(ids)
        flops += per_token * (t - p) + per_pair * ((t * (t + 1) - p * (p + 1)) / 2)
        flops -= last_layer_tail * (t - p - 1)
with h5py.File(f"{tmp}/full.h5") as f:
    n, seconds = int(f.attrs["questions"]), float(f.attrs["eval_seconds"])
    load = float(f.attrs["load_seconds"])
with h5py.File(f"{tmp}/subset.h5") as f:
    sub_n, sub_s = int(f.attrs["questions"]), float(f.attrs["eval_seconds"])
hf = json.load(open(f"{tmp}/hf.json"))
tflops = flops / seconds / 1e12
print(f"\nthroughput: {device}, {model} shape, bf16, random weights, one rank")
print(f"measured bf16 matmul peak (8192^3): {peak:.0f} TFLOP/s")
print(f"{'run':44} {'questions':>9} {'seconds':>8} {'q/s':>8} {'TFLOP/s':>8} {'MFU':>6}")
print(f"{'mmlu_eval, full workload (load ' + format(load, '.1f') + ' s excluded)':44} {n:9d} "
      f"{seconds:8.1f} {n / seconds:8.1f} {tflops:8.0f} {tflops / peak:6.1%}")
print(f"{'mmlu_eval, subset (18 per subject)':44} {sub_n:9d} {sub_s:8.1f} {sub_n / sub_s:8.1f}")
print(f"{'transformers reference, same subset':44} {len(hf['questions']):9d} {hf['seconds']:8.1f} "
      f"{len(hf['questions']) / hf['seconds']:8.1f}")
print(f"speed-up on the subset: {(sub_n / sub_s) / (len(hf['questions']) / hf['seconds']):.1f}x")
PY
echo
echo "where the time goes (mmlu_eval --profile, 100 questions per subject, batches 3-10):"
cat "$tmp/trace.txt"
