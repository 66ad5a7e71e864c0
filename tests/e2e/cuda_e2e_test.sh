#!/usr/bin/env bash
# mmlu_eval end to end on one GPU (skipped, exit 77, without one): the embedded model and data in
# fp32 against the transformers reference (same predictions, log-probabilities within 1e-4), and
# in bf16 with and without prefix reuse (the fused-attention paths; within bf16's tolerance).
# Usage: cuda_e2e_test.sh MMLU_EVAL REPO MPIRUN PYTHON
set -u
eval_exe=$1 repo=$2 mpirun=$3 python=$4
model=$repo/configs/embedded/model data=$repo/configs/embedded/data
"$python" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null ||
  { echo "skipped: no CUDA device"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
fail() { echo "FAIL $*"; failed=1; }
run_eval() {  # run_eval OUT ARGS...
  local out=$1
  shift
  timeout 300 "$mpirun" -q --mca btl self,vader --mca oob_tcp_if_include lo -np 1 "$eval_exe" \
    --model "$model" --data "$data" --progress none --out "$out" "$@" >"$tmp/log" 2>&1 ||
    { cat "$tmp/log"; fail "$out: exit $?"; }
  grep -q "cuda:" "$tmp/log" || { cat "$tmp/log"; fail "$out: not run on a CUDA device"; }
}
"$python" "$repo/bench/hf_reference_eval.py" --model "$model" --data "$data" \
  --out "$tmp/hf.json" 2>/dev/null | tail -1 || fail "reference evaluator"
run_eval "$tmp/fp32.h5" --dtype fp32
run_eval "$tmp/fp32_whole.h5" --dtype fp32 --no-prefix-reuse
"$python" "$repo/tests/e2e/compare_results.py" "$tmp/hf.json" "$tmp/fp32.h5" "$tmp/fp32_whole.h5" ||
  fail "fp32 on the GPU differs from transformers"
run_eval "$tmp/bf16.h5" --dtype bf16
run_eval "$tmp/bf16_whole.h5" --dtype bf16 --no-prefix-reuse
"$python" "$repo/tests/e2e/compare_results.py" "$tmp/bf16_whole.h5" "$tmp/bf16.h5" --tolerance 0.25 \
  --allow-prediction-changes || fail "bf16 prefix reuse beyond bf16's tolerance"
[ "$failed" -eq 0 ] && echo "cuda end to end: all checks passed"
exit "$failed"
