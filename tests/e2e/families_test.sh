#!/usr/bin/env bash
# Whole jobs of the families beyond Llama (Qwen3, Qwen3-MoE, Mixtral, Gemma 2, Gemma 3, Phi-3), on
# the embedded tokenizer and data with random weights of the embedded shape, against transformers: at every layout four
# ranks allow (tp 1 with 4 data-parallel ranks, tp 2 beside 2, tp 4), with prefix reuse and packed
# batches, the same predictions and log-probabilities within 1e-4.
# Usage: families_test.sh MMLU_EVAL REPO MPIRUN PYTHON
set -u
eval_exe=$1 repo=$2 mpirun=$3 python=$4
data=$repo/configs/embedded/data
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0 runs=0
fail() { echo "FAIL $*"; failed=1; }
mpi=("$mpirun" -q --oversubscribe --mca btl self,vader,tcp --mca btl_tcp_if_include lo
     --mca oob_tcp_if_include lo)

for family in qwen3 qwen3_moe mixtral gemma2 gemma3 phi3; do
  model=$tmp/$family
  "$python" "$repo/tests/e2e/make_family_model.py" "$family" "$repo/configs/embedded/model" \
    "$model" >"$tmp/make.log" 2>&1 || { cat "$tmp/make.log"; fail "$family: model not made"; continue; }
  "$python" "$repo/bench/hf_reference_eval.py" --model "$model" --data "$data" --limit 12 \
    --out "$tmp/$family.json" >"$tmp/hf.log" 2>&1 ||
    { tail -5 "$tmp/hf.log"; fail "$family: reference evaluator failed"; continue; }
  for tp in 1 2 4; do
    out=$tmp/$family.tp$tp.h5
    "${mpi[@]}" -np 4 "$eval_exe" --model "$model" --data "$data" --limit 12 --tp "$tp" \
      --progress none --out "$out" >"$tmp/log" 2>&1
    rc=$?
    [ "$rc" -eq 0 ] || { tail -5 "$tmp/log"; fail "$family tp $tp: exit $rc"; continue; }
    "$python" "$repo/tests/e2e/compare_results.py" "$tmp/$family.json" "$out" ||
      fail "$family tp $tp: results differ from transformers"
    runs=$((runs + 1))
  done
done
[ "$runs" -eq 18 ] || fail "$runs of 18 runs compared"
[ "$failed" -eq 0 ] && echo "families: $runs runs match transformers"
exit "$failed"
