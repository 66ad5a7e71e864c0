#!/usr/bin/env bash
# Mistral's sliding window, on the embedded model made Mistral-shaped, against transformers:
#   - a window as long as the longest prompt changes nothing: the job runs (np 2, tp 2) and
#     matches transformers (same predictions, log-probabilities within 1e-4);
#   - one token shorter, the job refuses: exit 2, one line naming config.json's sliding_window,
#     no results file;
#   - the refusal is needed: with a quarter of that window transformers' results differ from the
#     job's full attention.
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

mistral() {  # mistral DIR WINDOW: the embedded model as MistralForCausalLM with this window
  rm -rf "$1" && cp -r "$model" "$1"
  "$python" - "$1/config.json" "$2" <<'PY'
import json, sys
path, window = sys.argv[1], int(sys.argv[2])
config = json.load(open(path))
for llama_only in ("attention_bias", "mlp_bias", "pretraining_tp"):
    config.pop(llama_only, None)
config.update(architectures=["MistralForCausalLM"], model_type="mistral", sliding_window=window)
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

# A window exactly as long as the longest prompt: runs, and matches transformers.
mistral "$tmp/fits" "$longest"
"${mpi[@]}" -np 2 "$eval_exe" --model "$tmp/fits" --data "$data" --limit 24 --tp 2 \
  --progress none --out "$tmp/fits.h5" >"$tmp/log" 2>&1
rc=$?
[ "$rc" -eq 0 ] || { cat "$tmp/log"; fail "window $longest: exit $rc"; }
reference "$tmp/fits" "$tmp/hf_fits.json"
"$python" "$repo/tests/e2e/compare_results.py" "$tmp/hf_fits.json" "$tmp/fits.h5" ||
  fail "a window as long as every prompt: results differ from transformers"

# One token shorter: refused before anything loads.
mistral "$tmp/short" $((longest - 1))
"${mpi[@]}" -np 2 "$eval_exe" --model "$tmp/short" --data "$data" --limit 24 \
  --progress none --out "$tmp/short.h5" >"$tmp/log" 2>"$tmp/err"
rc=$?
lines=$(grep -c . "$tmp/err")
{ [ "$rc" -eq 2 ] && [ "$lines" -eq 1 ] && [ ! -e "$tmp/short.h5" ] &&
  grep -q "^mmlu_eval: $tmp/short/config.json: sliding_window $((longest - 1)) with prompts up to $longest tokens is not supported" "$tmp/err"; } ||
  fail "window $((longest - 1)): exit $rc, $lines stderr lines: $(head -3 "$tmp/err")"

# What the refusal prevents: transformers does apply a shorter window.
mistral "$tmp/quarter" $((longest / 4))
reference "$tmp/quarter" "$tmp/hf_quarter.json"
if "$python" "$repo/tests/e2e/compare_results.py" "$tmp/hf_quarter.json" "$tmp/fits.h5" \
  >/dev/null 2>&1; then
  fail "transformers with window $((longest / 4)) gave full attention's results"
fi

[ "$failed" -eq 0 ] && echo "sliding window: all checks passed (longest prompt $longest tokens)"
exit "$failed"
