#!/usr/bin/env bash
# mmlu_eval as users launch it (mpirun, 4 ranks on this machine): plans that work print the
# per-rank table and exit 0; inputs that cannot work print exactly one line on stderr naming the
# option or file, exit 2, and leave no rank running (mpirun returns before the timeout).
# Usage: mmlu_eval_cli_test.sh MMLU_EVAL REPO MPIRUN
set -u
exe=$1 repo=$2 mpirun=${3:-mpirun}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

run() {  # run NP ARGS...: sets rc, out, err
  local np=$1
  shift
  timeout 120 "$mpirun" -q --oversubscribe --mca btl self,vader,tcp --mca btl_tcp_if_include lo \
    --mca oob_tcp_if_include lo -np "$np" "$exe" "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  out=$(cat "$tmp/out")
  err=$(cat "$tmp/err")
}

check() {  # check NAME CONDITION-EXIT-STATUS
  if [ "$2" -eq 0 ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    printf 'FAIL %s\n  rc=%s\n  stdout: %s\n  stderr: %s\n' "$1" "$rc" "$out" "$err"
  fi
}

expect_ok() {  # expect_ok NAME NP PATTERN ARGS...: exit 0 and stdout matches PATTERN
  local name=$1 np=$2 pattern=$3
  shift 3
  run "$np" "$@"
  [ "$rc" -eq 0 ] && grep -Eq -- "$pattern" <<<"$out"
  check "$name" $?
}

expect_refusal() {  # expect_refusal NAME NP PATTERN ARGS...: exit 2, one stderr line matching
  local name=$1 np=$2 pattern=$3
  shift 3
  run "$np" "$@"
  [ "$rc" -eq 2 ] && [ "$(grep -c . <<<"$err")" -eq 1 ] &&
    grep -Eq -- "^mmlu_eval: .*$pattern" <<<"$err"
  check "$name" $?
}

# The embedded default's plan.
expect_ok "bare run plans the embedded model" 4 'layout +tp=1 dp=4' --plan
[ "$(grep -cE '^[0-3] +[^ ]+ +[0-3] +cpu +0 +[0-3] ' <<<"$out")" -eq 4 ]
check "bare run lists four ranks" $?

expect_ok "--plan with explicit tp" 4 'layout +tp=2 dp=2' --plan --tp 2
grep -Eq '^3 +[^ ]+ +3 +cpu +1 +1 ' <<<"$out"
check "rank 3 is tp_rank 1 of dp group 1" $?
grep -q 'warning: --tp 2 over-partitions the model.*--tp 1 (dp=4)' <<<"$err"
check "over-partitioning warns with the recommended layout" $?

expect_ok "GQA: tp 4 beyond 2 kv heads replicates them" 4 'layout +tp=4 dp=1' --plan --tp 4
expect_ok "--help lists options" 1 '--device-memory' --help

expect_refusal "tp not dividing the world" 4 '--tp 3 does not divide the world size 4; nearest valid choices: 2, 4' --tp 3
expect_refusal "unknown option" 4 "unrecognised option '--batch'" --batch 8
expect_refusal "bad option value" 2 "--tp: expected a positive integer or 'auto'" --tp x
expect_refusal "bad memory size" 2 "--device-memory: expected a size" --device-memory lots
expect_refusal "model that fits nowhere" 2 "the model does not fit" --device-memory 64MiB
expect_refusal "missing model directory" 4 "$tmp/none: model directory not found" --model "$tmp/none"

mkdir -p "$tmp/broken"
printf '{"architectures": ["LlamaForCausalLM"], "hidden_size": 64,,}' >"$tmp/broken/config.json"
expect_refusal "malformed config.json" 4 "$tmp/broken/config.json: malformed JSON at byte" --model "$tmp/broken"

mkdir -p "$tmp/gpt2"
printf '{"architectures": ["GPT2LMHeadModel"]}' >"$tmp/gpt2/config.json"
expect_refusal "other architecture" 2 "architecture 'GPT2LMHeadModel' is not supported" --model "$tmp/gpt2"

printf 'model = %s\nbatchsize = 5\n' "$repo/configs/embedded/model" >"$tmp/bad.ini"
expect_refusal "unknown INI key" 2 "$tmp/bad.ini: unknown key 'batchsize'" --config "$tmp/bad.ini"

printf 'model = %s\ntp = 2\n' "$repo/configs/embedded/model" >"$tmp/good.ini"
expect_ok "INI file read" 2 'layout +tp=2 dp=1' --config "$tmp/good.ini" --plan
expect_ok "command line wins over INI" 2 'layout +tp=1 dp=2' --config "$tmp/good.ini" --plan --tp 1

# A whole run on the embedded default, writing where told.
expect_ok "embedded run writes its results" 4 "wrote $tmp/run.h5: 120 questions" --out "$tmp/run.h5"
[ -f "$tmp/run.h5" ] && ! ls "$tmp"/*.tmp >/dev/null 2>&1
check "results file in place, no temporary left" $?

# A dangling shard link beside the checkpoint (as Hugging Face cache snapshots leave) is ignored.
mkdir -p "$tmp/linked" && cp "$repo/configs/embedded/model/"* "$tmp/linked/"
ln -s "$tmp/gone.safetensors" "$tmp/linked/old.safetensors"
expect_ok "dangling .safetensors link" 2 "wrote $tmp/linked.h5" --model "$tmp/linked" \
  --data "$repo/configs/embedded/data" --limit 2 --out "$tmp/linked.h5" --progress none

# Benchmark modes: random weights of a config's shape, an MMLU-shaped random-token workload.
expect_ok "synthetic weights and data" 2 "wrote $tmp/syn.h5: 114 questions" \
  --model "$repo/configs/embedded/model" --synthetic-weights --synthetic-data --limit 2 \
  --out "$tmp/syn.h5" --progress none
expect_ok "prompts dumped" 1 "data .* 120 test questions" --dump-prompts "$tmp/prompts.jsonl" \
  --out "$tmp/never.h5"
[ "$(grep -c '"ids":\[' "$tmp/prompts.jsonl")" -eq 120 ] && [ ! -e "$tmp/never.h5" ]
check "--dump-prompts writes one line per question and no results" $?
# It writes no results, so an existing results file (say the default one) is no obstacle.
expect_ok "prompts dumped beside an existing results file" 1 "data .* 120 test questions" \
  --dump-prompts "$tmp/prompts2.jsonl" --out "$tmp/syn.h5"

# A trace of rank 0's batches 3 to 5, under tensor parallelism, and its summary.
expect_ok "--profile writes a trace" 2 "wrote the trace $tmp/trace.json" --tp 2 --limit 4 \
  --max-batch-tokens 256 --profile "$tmp/trace.json" --profile-batches 3 --out "$tmp/traced.h5" \
  --progress none
python3 - "$tmp/trace.json" <<'PY'
import json, sys
events = json.load(open(sys.argv[1]))["traceEvents"]
ops = {e["name"] for e in events if e.get("cat") == "cpu_op"}
sys.exit(0 if {"aten::mm", "aten::lerp"} <= ops else f"operators recorded: {sorted(ops)[:20]}")
PY
check "the trace holds the forward pass's operators" $?
python3 "$repo/scripts/trace_summary.py" "$tmp/trace.json" >"$tmp/summary" &&
  grep -Eq '^gemm +[0-9.]+ +[0-9.]+% ' "$tmp/summary" && grep -q 'aten::mm' "$tmp/summary"
check "trace_summary.py classes the operators" $?
# Two batches: the window would open after the last one.
expect_ok "a run no longer than the trace's warm-up" 1 "wrote $tmp/short.h5" --limit 1 \
  --subjects philosophy,miscellaneous --profile "$tmp/short.json" --out "$tmp/short.h5" --progress none
grep -q "warning: no trace: rank 0 ran no more than 2 batches" <<<"$err" &&
  ! ls "$tmp"/short.json* >/dev/null 2>&1
check "no trace file, and a warning" $?
expect_refusal "--profile into a missing directory" 1 \
  "$tmp/nodir/t.json: cannot write the trace: $tmp/nodir is not a writable directory" \
  --profile "$tmp/nodir/t.json" --out "$tmp/never.h5"

# Bad data, tokenizer and output: one line, exit 2, and no results file created or replaced.
model=$repo/configs/embedded/model
data=$repo/configs/embedded/data
make_data() {  # a writable copy of the embedded data in $tmp/$1
  rm -rf "${tmp:?}/$1" && cp -r "$data" "$tmp/$1"
}
refuse_eval() {  # refuse_eval NAME PATTERN ARGS...: refusal, and $tmp/out.h5 never appears
  local name=$1 pattern=$2
  shift 2
  expect_refusal "$name" 2 "$pattern" --model "$model" --out "$tmp/out.h5" "$@"
  [ ! -e "$tmp/out.h5" ] && [ ! -e "$tmp/out.h5.tmp" ]
  check "$name: no results file" $?
}
make_data quote
printf 'ok,a,b,c,d,A\n"never closed,a,b,c,d,B\n' >"$tmp/quote/test/philosophy_test.csv"
refuse_eval "unterminated quote" "$tmp/quote/test/philosophy_test.csv:2: unterminated quoted field" --data "$tmp/quote"
make_data fields
printf 'q,a,b,c,d,A\nq,a,b,c,A\n' >"$tmp/fields/test/miscellaneous_test.csv"
refuse_eval "row with five fields" "$tmp/fields/test/miscellaneous_test.csv:2: expected 6 fields" --data "$tmp/fields"
make_data answer
printf 'q,a,b,c,d,F\n' >"$tmp/answer/test/miscellaneous_test.csv"
refuse_eval "answer outside A-D" 'answer "F" is not one of A, B, C, D' --data "$tmp/answer"
make_data nodev
rm "$tmp/nodev/dev/philosophy_dev.csv"
refuse_eval "missing dev file" "$tmp/nodev/dev/philosophy_dev.csv: no such file" --data "$tmp/nodev"
make_data utf8
printf 'caf\xe9,a,b,c,d,A\n' >"$tmp/utf8/test/philosophy_test.csv"
refuse_eval "not UTF-8" "$tmp/utf8/test/philosophy_test.csv:1: not valid UTF-8" --data "$tmp/utf8"
refuse_eval "unknown subject" "no subject astrology in the test split \(available: elementary_mathematics, " --data "$data" --subjects astrology
refuse_eval "missing data" "$tmp/nodata: no such file or directory" --data "$tmp/nodata"
mkdir -p "$tmp/notok"
cp "$model/config.json" "$model/model.safetensors" "$tmp/notok/"
expect_refusal "missing tokenizer" 2 "$tmp/notok: no tokenizer \(looked for tokenizer.json and tokenizer.model\)" --model "$tmp/notok" --data "$data" --out "$tmp/out.h5"
expect_refusal "output directory missing" 2 "$tmp/nodir/r.h5: no directory" --data "$data" --out "$tmp/nodir/r.h5"
printf 'precious' >"$tmp/exists.h5"
expect_refusal "existing output without --overwrite" 2 "$tmp/exists.h5: exists \(pass --overwrite" --data "$data" --out "$tmp/exists.h5"
[ "$(cat "$tmp/exists.h5")" = precious ]
check "existing output untouched" $?
expect_refusal "bad --split" 2 "--split: expected test or val" --split train

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
