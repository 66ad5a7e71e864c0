#!/usr/bin/env bash
# mmlu_eval end to end on the embedded model and data (95 questions: --limit 24, which no layout
# divides evenly), against the Hugging Face reference evaluator:
#   - layouts np=1; np=2 tp=2; np=2 tp=1; np=4 tp=2, and np=2 without prefix reuse, give identical
#     predictions and log-probabilities within 1e-4 of each other and of transformers
#     (bench/hf_reference_eval.py);
#   - the same questions as JSON Lines give the same results as the CSV layout;
#   - mmlu_report prints a file, compares two, and exits 3 on a regression beyond --fail-below.
# Usage: mmlu_eval_e2e_test.sh MMLU_EVAL MMLU_REPORT REPO MPIRUN PYTHON
set -u
eval_exe=$1 report=$2 repo=$3 mpirun=$4 python=$5
model=$repo/configs/embedded/model data=$repo/configs/embedded/data
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
fail() { echo "FAIL $*"; failed=1; }
source "$repo/tests/e2e/run_logged.sh"

run_eval() {  # run_eval NP TP OUT [ARGS...]
  local np=$1 tp=$2 out=$3
  shift 3
  run_logged "$tmp/log" "np=$np tp=$tp" timeout 300 "$mpirun" -q --oversubscribe \
    --mca btl self,vader,tcp --mca btl_tcp_if_include lo --mca oob_tcp_if_include lo -np "$np" \
    "$eval_exe" --model "$model" --tp "$tp" --limit 24 --progress none --out "$out" "$@"
}

# Everything below compares with the reference: without it there is nothing to check.
run_logged "$tmp/hf.log" "reference evaluator" "$python" "$repo/bench/hf_reference_eval.py" \
  --model "$model" --data "$data" --limit 24 --out "$tmp/hf.json" || exit 1
tail -1 "$tmp/hf.log"

for layout in "1 1" "2 2" "2 1" "4 2"; do
  set -- $layout
  run_eval "$1" "$2" "$tmp/np$1_tp$2.h5" --data "$data"
done
# Each prompt computed whole, no shared prefix: the same answers.
run_eval 2 1 "$tmp/np2_tp1_whole.h5" --data "$data" --no-prefix-reuse
# The other suffix-attention path: one masked attention over concatenated keys.
run_eval 2 2 "$tmp/np2_tp2_concat.h5" --data "$data" --prefix-attention concat
"$python" "$repo/tests/e2e/compare_results.py" "$tmp/hf.json" "$tmp"/np*.h5 ||
  fail "layouts or prefix reuse differ from each other or from transformers"

# The same questions as one JSON Lines file.
"$python" - "$data" "$tmp/data.jsonl" <<'PY'
import csv, json, pathlib, sys
data, out = pathlib.Path(sys.argv[1]), open(sys.argv[2], "w")
for split in ("dev", "test"):
    for path in sorted((data / split).glob("*.csv")):
        subject = path.name[: -len(f"_{split}.csv")]
        for row in csv.reader(open(path, newline="", encoding="utf-8")):
            out.write(json.dumps({"subject": subject, "split": split, "question": row[0],
                                  "choices": row[1:5], "answer": row[5]}) + "\n")
PY
run_eval 1 1 "$tmp/jsonl.h5" --data "$tmp/data.jsonl"
"$python" "$repo/tests/e2e/compare_results.py" "$tmp/np1_tp1.h5" "$tmp/jsonl.h5" --tolerance 0 ||
  fail "JSON Lines results differ from the CSV layout's"

# The report tool.
"$report" "$tmp/np1_tp1.h5" >"$tmp/report" || fail "mmlu_report FILE: exit $?"
grep -q "all questions (micro) *95" "$tmp/report" || { cat "$tmp/report"; fail "report lacks the total"; }
grep -q "model_sha256: [0-9a-f]\{64\}" "$tmp/report" || fail "report lacks provenance"
"$report" "$tmp/np1_tp1.h5" "$tmp/np4_tp2.h5" --fail-below 0 >"$tmp/compare" ||
  fail "identical runs compared as a regression"
grep -q "paired questions: 95; right only in base: 0, right only in new: 0" "$tmp/compare" ||
  { cat "$tmp/compare"; fail "comparison of identical runs"; }
cp "$tmp/np1_tp1.h5" "$tmp/worse.h5"
"$python" - "$tmp/worse.h5" <<'PY'
import sys, h5py
with h5py.File(sys.argv[1], "r+") as f:
    gold, pred = f["questions/gold"][:], f["questions/pred"][:]
    right = (gold == pred).nonzero()[0][:10]
    pred[right] = (gold[right] + 1) % 4
    f["questions/pred"][:] = pred
PY
"$report" "$tmp/np1_tp1.h5" "$tmp/worse.h5" --fail-below 5 >"$tmp/compare"
rc=$?
[ "$rc" -eq 3 ] || { cat "$tmp/compare"; fail "a 10.5-point regression gave exit $rc, not 3"; }
grep -q "right only in base: 10, right only in new: 0" "$tmp/compare" || fail "paired counts"
"$report" "$tmp/np1_tp1.h5" "$tmp/worse.h5" --fail-below 20 >/dev/null ||
  fail "a regression within --fail-below gave exit $?"

# A hostile results file (a 2-D column, an array attribute) is bad input, not a crash.
"$python" - "$tmp/hostile.h5" <<'PY'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "w") as f:
    f.attrs["model_path"] = np.arange(10.0)
    f.create_dataset("subjects/name", data=[b"anatomy"])
    q = f.create_group("questions")
    q["subject"] = np.zeros((4, 3), dtype=np.int32)
PY
"$report" "$tmp/hostile.h5" >/dev/null 2>"$tmp/err"
rc=$?
{ [ "$rc" -eq 2 ] && grep -q "hostile.h5: not a results file" "$tmp/err"; } ||
  fail "hostile results file: exit $rc, $(cat "$tmp/err")"

# A sweep summarises every readable checkpoint; a broken file is "unusable" (exit 4), and a
# regression elsewhere still wins (exit 3).
printf 'np1_tp1 /ckpt/a\nhostile /ckpt/b\nnp4_tp2 /ckpt/c\n' >"$tmp/sweep.txt"
"$report" --sweep "$tmp/sweep.txt" --csv "$tmp/sweep.csv" >"$tmp/sweep.out" 2>&1
rc=$?
{ [ "$rc" -eq 4 ] && grep -q "^UNUSABLE: hostile: .*hostile.h5: not a results file" "$tmp/sweep.out" &&
  grep -q "^np4_tp2,all,ok,95," "$tmp/sweep.csv" && grep -q "^hostile,all,unusable," "$tmp/sweep.csv"; } ||
  { cat "$tmp/sweep.out"; fail "sweep with an unusable file: exit $rc"; }
printf 'np1_tp1 /ckpt/a\nhostile /ckpt/b\nworse /ckpt/c\n' >"$tmp/sweep.txt"
"$report" --sweep "$tmp/sweep.txt" --fail-below 5 >"$tmp/sweep.out" 2>&1
rc=$?
{ [ "$rc" -eq 3 ] && grep -q "^UNUSABLE: hostile: " "$tmp/sweep.out"; } ||
  { cat "$tmp/sweep.out"; fail "sweep with a regression and an unusable file: exit $rc"; }
"$report" --sweep "$tmp/sweep.txt" --results-dir "$tmp/nowhere" >/dev/null 2>"$tmp/err"
rc=$?
{ [ "$rc" -eq 2 ] && grep -q "results-dir .*nowhere: no such directory" "$tmp/err"; } ||
  fail "sweep with a missing --results-dir: exit $rc, $(cat "$tmp/err")"

[ "$failed" -eq 0 ] && echo "mmlu_eval end to end: all checks passed"
exit "$failed"
