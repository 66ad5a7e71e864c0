#!/usr/bin/env bash
# mmlu_tasks: the built-in tasks listed; requests printed for hub-layout data equal to lm-eval's
# own (tests/fixtures/tasks/requests.json), tags and groups expanded in order; and the task
# layer's bad inputs (task files, group names, parquet and JSON Lines data, labels and choices):
# each exits 2 with one stderr line naming the file (row, field) and the problem.
# Usage: mmlu_tasks_cli_test.sh MMLU_TASKS REPO PYTHON
set -u
exe=$1 repo=$2 python=$3
hub=$repo/tests/fixtures/tasks/hub
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0 cases=0
fail() { echo "FAIL $*"; failed=1; }

# --- listing
"$exe" --list >"$tmp/list" || fail "--list: exit $?"
grep -q '^tasks (187):' "$tmp/list" || fail "--list: not 187 tasks: $(head -1 "$tmp/list")"
for name in arc_easy hellaswag winogrande truthfulqa_mc2 leaderboard_mmlu_pro mmlu_anatomy \
  cmmlu_agronomy ceval-valid_accountant; do
  grep -q "^  $name " "$tmp/list" || fail "--list lacks $name"
done
grep -q '^  mmlu$' "$tmp/list" || fail "--list lacks the group mmlu"

# --- requests equal lm-eval's, through the program
for spec in arc_easy:5 winogrande:5 hellaswag:0 truthfulqa_mc2:0 mmlu_anatomy:5; do
  task=${spec%:*} shots=${spec#*:}
  "$exe" --tasks "$task" --data "$hub" --num-fewshot "$shots" >"$tmp/$task.jsonl" ||
    fail "$task: exit $?"
  "$python" - "$repo/tests/fixtures/tasks/requests.json" "$task" "$shots" "$tmp/$task.jsonl" <<'PY' ||
import json, sys
cases = json.load(open(sys.argv[1], encoding="utf-8"))
want = next(c for c in cases if c["task"] == sys.argv[2] and c["shots"] == int(sys.argv[3]))
got = [json.loads(line) for line in open(sys.argv[4], encoding="utf-8")]
assert len(got) == len(want["docs"]), (len(got), len(want["docs"]))
for g, w in zip(got, want["docs"]):
    assert g["doc_id"] == w["doc_id"] and g["target"] == w["target"], (g["doc_id"], g["target"])
    assert g["requests"] == [[w["contexts"][i], c] for i, c in w["requests"]], g["doc_id"]
PY
    fail "$task $shots-shot: requests differ from lm-eval's"
done
# A tag expands to its tasks in name order; a task named twice runs once.
"$exe" --tasks ai2_arc,arc_easy --data "$hub" | "$python" -c '
import json, sys
tasks = [json.loads(l)["task"] for l in sys.stdin]
assert tasks == ["arc_challenge"] * 8 + ["arc_easy"] * 8, tasks' || fail "tag ai2_arc: wrong order"
# --limit cuts the evaluated documents only; with tokens, each request carries lm-eval's split.
"$exe" --tasks boolq --data "$hub" --limit 3 --tokenizer "$repo/tests/fixtures/tasks/models/llama_spm" |
  "$python" -c '
import json, sys
docs = [json.loads(l) for l in sys.stdin]
assert [d["doc_id"] for d in docs] == [0, 1, 2]
assert all(len(d["tokens"]) == 2 and all(len(c) >= 1 for _, c in d["tokens"]) for d in docs)' ||
  fail "--limit / --tokenizer"

# --- bad inputs
refuse() { # refuse NAME PATTERN ARGS...: exit 2, one stderr line matching PATTERN
  local name=$1 pattern=$2
  shift 2
  cases=$((cases + 1))
  "$exe" "$@" >/dev/null 2>"$tmp/err"
  local rc=$?
  if [ "$rc" -ne 2 ] || [ "$(grep -c . "$tmp/err")" -ne 1 ] ||
    ! grep -Eq -- "^mmlu_tasks: .*$pattern" "$tmp/err"; then
    fail "$name: rc=$rc stderr: $(head -3 "$tmp/err")"
  fi
}
task_file() { # task_file NAME JSON-EDIT: arc_easy.json with a Python edit applied to `t`
  "$python" - "$repo/tasks/arc_easy.json" "$tmp/$1.json" "$2" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(t, open(sys.argv[2], "w"))
PY
}
refuse "no --tasks" "--tasks is required" --data "$hub"
refuse "unknown task" "--tasks: no task, group or tag 'arc_hard'" --tasks arc_hard --data "$hub"
refuse "no dataset" "no dataset allenai/ai2_arc" --tasks arc_easy --data "$tmp"
refuse "shots out of range" "--num-fewshot must be in 0..1000" \
  --tasks arc_easy --data "$hub" --num-fewshot 2147483647
task_file unknown_key 't["filter_list"] = []'
refuse "unknown key" "$tmp/unknown_key.json: filter_list: not implemented" \
  --tasks "$tmp/unknown_key.json" --data "$hub"
task_file bad_template 't["doc_to_text"] = "{% if question %}{{question}}{% endif %}"'
refuse "template block" "$tmp/bad_template.json: doc_to_text: \{% \.\.\. %\} blocks" \
  --tasks "$tmp/bad_template.json" --data "$hub"
task_file missing_field 't["doc_to_text"] = "{{stem}}"'
refuse "missing field" "ARC-Easy/test-00000-of-00001.parquet: row 0: doc_to_text \(\{\{stem\}\}\): no field 'stem'" \
  --tasks "$tmp/missing_field.json" --data "$hub"
task_file no_split 't["test_split"] = "holdout"'
refuse "missing split" "README.md: config ARC-Easy has no split holdout \(it has train, validation, test\)" \
  --tasks "$tmp/no_split.json" --data "$hub"
mkdir -p "$tmp/tasks_dup" && cp "$repo/tasks/arc_easy.json" "$tmp/tasks_dup/a.json" &&
  cp "$repo/tasks/arc_easy.json" "$tmp/tasks_dup/b.json"
refuse "task defined twice" "b.json: 'arc_easy' is already defined by .*a.json" \
  --tasks arc_easy --data "$hub" --tasks-dir "$tmp/tasks_dup"

# Data: copies of the PIQA fixture (no README configs) with one thing broken.
piqa() { # piqa NAME PYTHON-EDIT: rows of the validation split edited, written as NAME's parquet
  rm -rf "${tmp:?}/$1" && mkdir -p "$tmp/$1/baber/piqa/data"
  cp "$hub/baber/piqa/data/train-00000-of-00001.parquet" "$tmp/$1/baber/piqa/data/"
  "$python" - "$hub/baber/piqa/data/validation-00000-of-00001.parquet" \
    "$tmp/$1/baber/piqa/data/validation-00000-of-00001.parquet" "$2" <<'PY'
import sys
import pyarrow as pa, pyarrow.parquet as pq
rows = pq.read_table(sys.argv[1]).to_pylist()
exec(sys.argv[3])
pq.write_table(pa.Table.from_pylist(rows), sys.argv[2])
PY
}
piqa label 'rows[2]["label"] = 5'
refuse "label out of range" "validation-00000-of-00001.parquet: row 2: doc_to_target 5 is beyond its 2 choices" \
  --tasks piqa --data "$tmp/label"
piqa column 'rows = [{k: v for k, v in r.items() if k != "sol2"} for r in rows]'
refuse "missing column" "validation-00000-of-00001.parquet: row 0: doc_to_choice \(\{\{\[sol1, sol2\]\}\}\): no field 'sol2'" \
  --tasks piqa --data "$tmp/column"
piqa truncated 'pass'
head -c 300 "$tmp/truncated/baber/piqa/data/validation-00000-of-00001.parquet" >"$tmp/cut" &&
  mv "$tmp/cut" "$tmp/truncated/baber/piqa/data/validation-00000-of-00001.parquet"
refuse "truncated parquet" "validation-00000-of-00001.parquet: not a readable parquet file" \
  --tasks piqa --data "$tmp/truncated"
# An empty choice list (SciQ-shaped task reading its choices from a list column).
mkdir -p "$tmp/empty/o/r/data"
printf '{"q": "x", "opts": [], "answer": 0}\n' >"$tmp/empty/o/r/data/test.jsonl"
task_file empty_choices 't.update(dataset_path="o/r", dataset_name=None, training_split=None, validation_split=None, doc_to_text="{{q}}", doc_to_choice="opts", doc_to_target="answer")'
refuse "empty choices" "data/test.jsonl: row 0: doc_to_choice gives an empty list of choices" \
  --tasks "$tmp/empty_choices.json" --data "$tmp/empty"
printf '{"q": "x", "opts": ["a"], "answer": 0}\n{"q": \n' >"$tmp/empty/o/r/data/test.jsonl"
refuse "malformed JSON Lines" "data/test.jsonl: line 2: malformed JSON" \
  --tasks "$tmp/empty_choices.json" --data "$tmp/empty"

echo "mmlu_tasks: $cases refusal cases"
[ "$cases" -eq 14 ] || fail "expected 14 refusal cases, ran $cases"
exit $failed
