#!/usr/bin/env bash
# Mistral's sliding window, on the embedded model made Mistral-shaped, against transformers, with
# a window a quarter of the longest prompt (so it cuts into the few-shot prefix):
#   - with prefix reuse (np 2, tp 2) and without it (np 2, tp 1), the job matches transformers
#     with the same window (same predictions, log-probabilities within 1e-4);
#   - the window matters: the same weights without a window give other results.
# Usage: sliding_window_test.sh MMLU_EVAL REPO MPIRUN PYTHON
set -u
eval_exe=$1 repo=$2 mpirun=$3 python=$4
model=$repo/configs/embedded/model data=$repo/configs/embedded/data
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
fail() { echo "FAIL $*"; failed=1; }
mpi=("$mpirun" -q --oversubscribe --mca btl self,vader,tcp --mca btl_tcp_if_include lo
     --mca oob_tcp_if_include lo)

mistral() {  # mistral DIR WINDOW: the embedded model as MistralForCausalLM with this window (0: none)
  rm -rf "$1" && cp -r "$model" "$1"
  "$python" - "$1/config.json" "$2" <<'PY'
import json, sys
path, window = sys.argv[1], int(sys.argv[2])
config = json.load(open(path))
for llama_only in ("attention_bias", "mlp_bias", "pretraining_tp"):
    config.pop(llama_only, None)
config.update(architectures=["MistralForCausalLM"], model_type="mistral",
              sliding_window=window or None)
json.dump(config, open(path, "w"), indent=2)
PY
}
reference() {  # reference DIR OUT: transformers' answers
  "$python" "$repo/bench/hf_reference_eval.py" --model "$1" --data "$data" --limit 24 \
    --out "$2" >"$tmp/hf.log" 2>&1
  local rc=$?
  [ "$rc" -eq 0 ] || { tail -5 "$tmp/hf.log"; fail "reference evaluator on $1: exit $rc"; }
}

# The longest prompt, from the prompts themselves (dumping them runs no model).
mistral "$tmp/m" 1000000
"${mpi[@]}" -np 1 "$eval_exe" --model "$tmp/m" --data "$data" --limit 24 \
  --dump-prompts "$tmp/prompts.jsonl" >"$tmp/log" 2>&1
rc=$?
[ "$rc" -eq 0 ] || { cat "$tmp/log"; fail "--dump-prompts: exit $rc"; }
longest=$("$python" -c 'import json, sys; print(max(len(json.loads(l)["ids"]) for l in open(sys.argv[1])))' \
  "$tmp/prompts.jsonl")
[ "${longest:-0}" -gt 100 ] || fail "longest prompt: '$longest' tokens"

window=$((longest / 4))
mistral "$tmp/windowed" "$window"
reference "$tmp/windowed" "$tmp/hf.json"
run() {  # run NAME NP TP [options]: the job on the windowed model
  local name=$1 np=$2 tp=$3
  shift 3
  "${mpi[@]}" -np "$np" "$eval_exe" --model "$tmp/windowed" --data "$data" --limit 24 --tp "$tp" \
    --progress none --out "$tmp/$name.h5" "$@" >"$tmp/log" 2>&1
  local rc=$?
  [ "$rc" -eq 0 ] || { tail -5 "$tmp/log"; fail "$name: exit $rc"; }
}
run reuse 2 2
run no-reuse 2 1 --no-prefix-reuse
"$python" "$repo/tests/e2e/compare_results.py" "$tmp/hf.json" "$tmp/reuse.h5" "$tmp/no-reuse.h5" ||
  fail "window $window: results differ from transformers"

# What the window changes: the same weights attending to every earlier token.
mistral "$tmp/full" 0
"${mpi[@]}" -np 1 "$eval_exe" --model "$tmp/full" --data "$data" --limit 24 --progress none \
  --out "$tmp/full.h5" >"$tmp/log" 2>&1
rc=$?
[ "$rc" -eq 0 ] || { tail -5 "$tmp/log"; fail "no window: exit $rc"; }
if "$python" "$repo/tests/e2e/compare_results.py" "$tmp/hf.json" "$tmp/full.h5" >/dev/null 2>&1; then
  fail "transformers with window $window gave full attention's results"
fi

[ "$failed" -eq 0 ] &&
  echo "sliding window: all checks passed (window $window, longest prompt $longest tokens)"
exit "$failed"
