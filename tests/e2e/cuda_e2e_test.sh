#!/usr/bin/env bash
# mmlu_eval end to end on one GPU (skipped, exit 77, without one): the embedded model and data in
# fp32 against the transformers reference (same predictions, log-probabilities within 1e-4), and
# in bf16 with and without prefix reuse (the fused-attention paths; within bf16's tolerance); and a
# 7B-shaped bf16 run stopped by SIGTERM mid-run, then resumed: identical to an uninterrupted run.
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
source "$repo/tests/e2e/run_logged.sh"
run_eval() {  # run_eval OUT ARGS...
  local out=$1
  shift
  run_logged "$tmp/log" "$out" timeout 300 "$mpirun" -q --mca btl self,vader \
    --mca oob_tcp_if_include lo -np 1 "$eval_exe" --model "$model" --data "$data" \
    --progress none --out "$out" "$@" || return
  grep -q "cuda:" "$tmp/log" || { cat "$tmp/log"; fail "$out: not run on a CUDA device"; }
}
# The fp32 checks compare with the reference: without it there is nothing to compare.
run_logged "$tmp/hf.log" "reference evaluator" "$python" "$repo/bench/hf_reference_eval.py" \
  --model "$model" --data "$data" --out "$tmp/hf.json" || exit 1
tail -1 "$tmp/hf.log"
run_eval "$tmp/fp32.h5" --dtype fp32
run_eval "$tmp/fp32_whole.h5" --dtype fp32 --no-prefix-reuse
"$python" "$repo/tests/e2e/compare_results.py" "$tmp/hf.json" "$tmp/fp32.h5" "$tmp/fp32_whole.h5" ||
  fail "fp32 on the GPU differs from transformers"
run_eval "$tmp/bf16.h5" --dtype bf16
run_eval "$tmp/bf16_whole.h5" --dtype bf16 --no-prefix-reuse
"$python" "$repo/tests/e2e/compare_results.py" "$tmp/bf16_whole.h5" "$tmp/bf16.h5" --tolerance 0.25 \
  --allow-prediction-changes || fail "bf16 prefix reuse beyond bf16's tolerance"
# Stop and resume on the GPU: random 7B-shaped weights (the default generator's fixed seed makes
# them the same in every run), a save after every batch.
long=(--model "$repo/configs/synthetic/llama-2-7b" --synthetic-weights --synthetic-data --limit 6
      --dtype bf16 --flush-every 1 --progress none)
tag="cuda-resume-$$"
run_logged "$tmp/log" "7B run" timeout 300 "$mpirun" -q --mca btl self,vader \
  --mca oob_tcp_if_include lo -np 1 "$eval_exe" "${long[@]}" --out "$tmp/full7b.h5"
MMLU_TEST_RUN=$tag "$mpirun" -q --mca btl self,vader --mca oob_tcp_if_include lo -x MMLU_TEST_RUN \
  -np 1 "$eval_exe" "${long[@]}" --out "$tmp/cut7b.h5" >"$tmp/cut.log" 2>&1 &
launcher=$!
for _ in $(seq 1200); do
  [ "$(cat "$tmp"/cut7b.h5.partial/*.bin 2>/dev/null | wc -c)" -gt 4000 ] && break
  sleep 0.05
done
# The rank is found through /proc (GPU nodes may lack pgrep): this program, this run's variable.
exe=$(readlink -f "$eval_exe")
for d in /proc/[0-9]*; do
  [ "$(readlink "$d/exe" 2>/dev/null)" = "$exe" ] || continue
  tr '\0' '\n' <"$d/environ" 2>/dev/null | grep -qx "MMLU_TEST_RUN=$tag" && kill -TERM "${d#/proc/}"
done
wait $launcher
rc=$?
[ "$rc" -eq 75 ] || { tail -5 "$tmp/cut.log"; fail "7B SIGTERM: exit $rc, expected 75"; }
run_logged "$tmp/log" "7B resume" timeout 300 "$mpirun" -q --mca btl self,vader \
  --mca oob_tcp_if_include lo -np 1 "$eval_exe" "${long[@]}" --out "$tmp/cut7b.h5" --resume
# The stopped attempt saved some questions (not none, not all): the resumed one skipped them.
resumed=$(sed -nE 's/^resume .*: ([0-9]+) of ([0-9]+) questions finished by earlier attempts.*/\1 \2/p' "$tmp/log")
read -r saved total <<<"${resumed:-0 0}"
{ [ "$saved" -gt 0 ] && [ "$saved" -lt "$total" ]; } ||
  { cat "$tmp/log"; fail "7B resume: '$resumed' questions resumed (want some of them, not all)"; }
"$python" "$repo/tests/e2e/compare_results.py" "$tmp/full7b.h5" "$tmp/cut7b.h5" --tolerance 0 ||
  fail "7B stopped and resumed on the GPU differs from an uninterrupted run"
[ "$failed" -eq 0 ] && echo "cuda end to end: all checks passed"
exit "$failed"
