#!/usr/bin/env bash
# Interrupted runs under mpirun, each compared with one never interrupted:
#   SIGTERM to every rank (as SLURM sends it)  -> exit 75, partial results kept, no results file
#   SIGUSR1 to mpirun (it forwards it)          -> exit 75
#   SIGKILL of one rank                          -> non-zero exit, mpirun names the rank and host
#   SIGSTOP of one rank (a hang), at tp 2        -> exit within --stall-timeout + a few seconds,
#                                                   naming this rank, its host and its peers, and
#                                                   the stopped rank naming itself
#   the same at tp 1                             -> exit 4 within twice --stall-timeout + a few
#                                                   seconds, its ring neighbour naming it
#   a partial file cut mid-block                 -> the torn block is dropped with a warning
# then `--resume` finishes each, and the results are identical (predictions and log-probabilities
# bitwise). Also: leftover partial results are not silently buried, and a resume under another
# layout keeps them with a warning.
# Usage: resume_test.sh MMLU_EVAL REPO MPIRUN PYTHON
set -u
eval_exe=$1 repo=$2 mpirun=$3 python=$4
tmp=$(mktemp -d)
# Ranks are found by a variable of their environment, never by name: other tests may be running
# the same program.
tag="resume-test-$$"
ranks_of() {  # ranks_of [RANK]: this test's rank processes (all, or the one of that world rank)
  for p in $(pgrep -f "^$eval_exe"); do
    env=$(tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null)
    grep -qx "MMLU_TEST_RUN=$tag" <<<"$env" || continue
    [ -z "${1:-}" ] || grep -qx "OMPI_COMM_WORLD_RANK=$1" <<<"$env" || continue
    echo "$p"
  done
}
trap 'kill -KILL $(ranks_of) 2>/dev/null; rm -rf "$tmp"' EXIT
failed=0
fail() { echo "FAIL $*"; failed=1; }
source "$repo/tests/e2e/run_logged.sh"
# The embedded model on a synthetic MMLU-shaped workload: long enough (about 6 s on 2 cores) to
# interrupt, and a save after every batch.
args=(--model "$repo/configs/embedded/model" --synthetic-data --limit 12 --progress none
      --flush-every 1)
launch() {  # launch NP OUT [mmlu_eval options...]: in the background, $! is mpirun
  local np=$1 out=$2
  shift 2
  MMLU_TEST_RUN=$tag "$mpirun" --oversubscribe --bind-to none -x MMLU_TEST_RUN -np "$np" \
    "$eval_exe" "${args[@]}" --out "$out" "$@" >"$out.log" 2>&1 &
}
finish() {  # finish NP OUT [options...]: runs to the end, must succeed
  local np=$1 out=$2
  shift 2
  run_logged "$out.log" "$out" timeout 300 "$mpirun" -q --oversubscribe --bind-to none \
    -np "$np" "$eval_exe" "${args[@]}" --out "$out" "$@"
}
source "$repo/tests/e2e/partial_helpers.sh"
expect_exit() {  # expect_exit PID CODE WHAT
  wait "$1"
  local rc=$?
  [ "$rc" -eq "$2" ] || { cat "$tmp/$3.h5.log"; fail "$3: exit $rc, expected $2"; }
}

# Uninterrupted references, one per layout used below.
finish 2 "$tmp/full_tp1.h5" --tp 1
finish 2 "$tmp/full_tp2.h5" --tp 2

# SIGTERM to every rank, as slurmstepd delivers it.
launch 2 "$tmp/term.h5" --tp 1
pid=$!
wait_for_saves "$tmp/term.h5"
kill -TERM $(ranks_of)
expect_exit $pid 75 term
grep -q "stopped by SIGTERM: .* saved in .*term.h5.partial; rerun with --resume" "$tmp/term.h5.log" ||
  fail "term: no stop message"
[ ! -e "$tmp/term.h5" ] || fail "term: a results file appeared"
finish 2 "$tmp/term.h5" --tp 1 --resume
grep -q "^resume .*questions finished by earlier attempts" "$tmp/term.h5.log" ||
  fail "term: resume did not report finished questions"
[ ! -e "$tmp/term.h5.partial" ] || fail "term: partial results left after the final file"
same "$tmp/full_tp1.h5" "$tmp/term.h5" "SIGTERM then --resume differs from an uninterrupted run"

# SIGUSR1 to mpirun, which forwards it to the ranks.
launch 2 "$tmp/usr1.h5" --tp 2
pid=$!
wait_for_saves "$tmp/usr1.h5"
kill -USR1 $pid
expect_exit $pid 75 usr1
grep -q "stopped by SIGUSR1" "$tmp/usr1.h5.log" || fail "usr1: no stop message"
finish 2 "$tmp/usr1.h5" --tp 2 --resume
same "$tmp/full_tp2.h5" "$tmp/usr1.h5" "SIGUSR1 then --resume differs"

# A rank dies: mpirun ends the job and names it; what was saved survives.
launch 2 "$tmp/kill.h5" --tp 2
pid=$!
wait_for_saves "$tmp/kill.h5"
start=$(date +%s)
kill -KILL "$(ranks_of 1)"
wait $pid
rc=$?
[ "$rc" -ne 0 ] || fail "kill: exit 0 after a rank was killed"
[ $(($(date +%s) - start)) -le 30 ] || fail "kill: took more than 30 s to end"
grep -q "rank 1 .* on node $(hostname)" "$tmp/kill.h5.log" || { cat "$tmp/kill.h5.log"; fail "kill: rank and host not named"; }
finish 2 "$tmp/kill.h5" --tp 2 --resume
same "$tmp/full_tp2.h5" "$tmp/kill.h5" "a killed rank then --resume differs"

stop_rank_1() {  # stop_rank_1 OUT TP: SIGSTOP rank 1 mid-run (--stall-timeout 3); sets rc, elapsed
  launch 2 "$1" --tp "$2" --stall-timeout 3
  local pid=$! start hung
  wait_for_saves "$1"
  start=$(date +%s)
  hung=$(ranks_of 1)
  kill -STOP "$hung"
  wait "$pid"
  rc=$?
  elapsed=$(($(date +%s) - start))
  kill -KILL "$hung" 2>/dev/null
}

# A rank hangs: its peer's watchdog ends the job in bounded time, naming who it waits for.
stop_rank_1 "$tmp/hang.h5" 2
[ "$rc" -ne 0 ] || fail "hang: exit 0"
[ "$elapsed" -le 20 ] || fail "hang: took $elapsed s to end"
grep -q "rank 0 on $(hostname) (tensor-parallel peers: rank 1 on $(hostname)): no progress for 3 s" \
  "$tmp/hang.h5.log" || { cat "$tmp/hang.h5.log"; fail "hang: watchdog message"; }
# Continued by the launcher as it ends the job, the stopped rank names itself.
grep -q "rank 1 on $(hostname) (tensor-parallel peers: rank 0 on $(hostname)): this rank did not run" \
  "$tmp/hang.h5.log" || { cat "$tmp/hang.h5.log"; fail "hang: the stopped rank is not named"; }
finish 2 "$tmp/hang.h5" --tp 2 --resume
same "$tmp/full_tp2.h5" "$tmp/hang.h5" "a hung rank then --resume differs"

# The same at tp 1: no collective joins the two data-parallel groups, so the ring of heartbeats
# catches it (after twice --stall-timeout of silence), naming the stopped rank.
stop_rank_1 "$tmp/hang1.h5" 1
[ "$rc" -eq 4 ] || { cat "$tmp/hang1.h5.log"; fail "hang at tp 1: exit $rc, expected 4"; }
echo "a rank stopped at tp 1 ended the job in $elapsed s (--stall-timeout 3)"
[ "$elapsed" -le 20 ] || fail "hang at tp 1: took $elapsed s to end"
grep -q "rank 0 on $(hostname): rank 1 on $(hostname) has not been heard from for [0-9]* s" \
  "$tmp/hang1.h5.log" || { cat "$tmp/hang1.h5.log"; fail "hang at tp 1: the stopped rank is not named"; }
finish 2 "$tmp/hang1.h5" --tp 1 --resume
same "$tmp/full_tp1.h5" "$tmp/hang1.h5" "a rank hung at tp 1 then --resume differs"

# A kill in the middle of a write: the torn block is dropped, its questions run again.
launch 2 "$tmp/torn.h5" --tp 1
pid=$!
wait_for_saves "$tmp/torn.h5"
kill -TERM $(ranks_of)
expect_exit $pid 75 torn
part=$(ls "$tmp"/torn.h5.partial/*.bin | head -1)
truncate -s -30 "$part"
finish 2 "$tmp/torn.h5" --tp 1 --resume
grep -q "dropped an incomplete block" "$tmp/torn.h5.log" || fail "torn: no warning"
same "$tmp/full_tp1.h5" "$tmp/torn.h5" "a torn partial file then --resume differs"

# Leftover partial results are neither resumed nor discarded unasked.
launch 2 "$tmp/left.h5" --tp 1
pid=$!
wait_for_saves "$tmp/left.h5"
kill -TERM $(ranks_of)
expect_exit $pid 75 left
timeout 60 "$mpirun" -q --oversubscribe -np 1 "$eval_exe" "${args[@]}" --out "$tmp/left.h5" \
  >"$tmp/left.log" 2>&1
rc=$?
[ "$rc" -eq 2 ] && grep -q "left.h5.partial: holds partial results of an interrupted run; pass --resume" \
  "$tmp/left.log" || { cat "$tmp/left.log"; fail "left: not refused (exit $rc)"; }
# Resumed under another layout (tp 2 instead of 1): kept, with a warning, and the same answers.
finish 2 "$tmp/left.h5" --tp 2 --resume
grep -q "written under another layout" "$tmp/left.h5.log" || fail "left: no layout warning"
"$python" "$repo/tests/e2e/compare_results.py" "$tmp/full_tp1.h5" "$tmp/left.h5" \
  --tolerance 1e-4 || fail "resume under another layout differs beyond 1e-4"

# A job requeued after it finished finds its own results: nothing to do. Another run's are refused.
cp "$tmp/full_tp1.h5" "$tmp/done.h5"
finish 2 "$tmp/done.h5" --tp 1 --resume
grep -q "done.h5: already complete" "$tmp/done.h5.log" || fail "done: not recognised as complete"
same "$tmp/full_tp1.h5" "$tmp/done.h5" "a complete results file was changed"
timeout 60 "$mpirun" -q --oversubscribe -np 1 "$eval_exe" "${args[@]}" --shots 4 \
  --out "$tmp/done.h5" --resume >"$tmp/other.log" 2>&1
rc=$?
[ "$rc" -eq 2 ] && grep -q "done.h5: exists and holds another run's results" "$tmp/other.log" ||
  { cat "$tmp/other.log"; fail "another run's results file: exit $rc"; }

refused() {  # refused LOG WHAT: exit 2 with "holds another run's results", else fail WHAT
  local rc=$1
  [ "$rc" -eq 2 ] && grep -q "exists and holds another run's results" "$2" ||
    { cat "$2"; fail "$3: exit $rc"; }
}
# A checkpoint re-saved with new weights keeps its headers, so its fingerprint: the results of the
# old weights are not this run's. Here a copy's safetensors file gets a new modification time.
cp -r "$repo/configs/embedded/model" "$tmp/model"
copy_args=(--model "$tmp/model" "${args[@]:2}")
run_logged "$tmp/copy.log" "copy" timeout 60 "$mpirun" -q -np 1 "$eval_exe" "${copy_args[@]}" \
  --out "$tmp/copy.h5"
touch -d "+1 minute" "$tmp"/model/*.safetensors
timeout 60 "$mpirun" -q -np 1 "$eval_exe" "${copy_args[@]}" --out "$tmp/copy.h5" --resume \
  >"$tmp/copy-retrained.log" 2>&1
refused $? "$tmp/copy-retrained.log" "results of other weights with the same headers"
# Nor when the new weights keep the old size and modification time too (rewritten in place, then
# touch -r): the sample of the tensor bytes in the run key differs.
cp -r "$repo/configs/embedded/model" "$tmp/model2"
copy2_args=(--model "$tmp/model2" "${args[@]:2}")
run_logged "$tmp/copy2.log" "copy" timeout 60 "$mpirun" -q -np 1 "$eval_exe" "${copy2_args[@]}" \
  --out "$tmp/copy2.h5"
touch -r "$tmp/model2/model.safetensors" "$tmp/stamp"
"$python" - "$tmp/model2/model.safetensors" <<'PY'
import struct, sys
raw = bytearray(open(sys.argv[1], "rb").read())
begin = 8 + struct.unpack("<Q", raw[:8])[0]
raw[begin:] = bytes(b ^ 0x5A for b in raw[begin:])  # every weight changes, header and size do not
open(sys.argv[1], "r+b").write(raw)
PY
touch -r "$tmp/stamp" "$tmp/model2/model.safetensors"
timeout 60 "$mpirun" -q -np 1 "$eval_exe" "${copy2_args[@]}" --out "$tmp/copy2.h5" --resume \
  >"$tmp/copy2-rewritten.log" 2>&1
refused $? "$tmp/copy2-rewritten.log" "results of weights rewritten with the same size and time"
# ... nor are those of another subject of one JSONL file (the file's hash is the same).
"$python" - "$repo/configs/embedded/data" "$tmp/data.jsonl" <<'PY'
import csv, json, pathlib, sys
root, out = pathlib.Path(sys.argv[1]), open(sys.argv[2], "w")
for split in ("dev", "test"):
    for path in sorted((root / split).glob("*.csv")):
        subject = path.name[: -len(f"_{split}.csv")]
        for q, a, b, c, d, answer in csv.reader(open(path, newline="")):
            row = {"subject": subject, "split": split, "question": q, "choices": [a, b, c, d],
                   "answer": answer}
            out.write(json.dumps(row) + "\n")
PY
jsonl=(--model "$repo/configs/embedded/model" --data "$tmp/data.jsonl" --limit 2 --progress none)
run_logged "$tmp/jsonl.log" "jsonl" timeout 60 "$mpirun" -q -np 1 "$eval_exe" "${jsonl[@]}" \
  --subjects philosophy --out "$tmp/jsonl.h5"
timeout 60 "$mpirun" -q -np 1 "$eval_exe" "${jsonl[@]}" --subjects miscellaneous \
  --out "$tmp/jsonl.h5" --resume >"$tmp/jsonl-other.log" 2>&1
refused $? "$tmp/jsonl-other.log" "results of another subject of the same JSONL file"

# A run killed while publishing leaves OUT.tmp: the next run replaces it, it does not lock out.
echo "half-written" >"$tmp/stale.h5.tmp"
finish 2 "$tmp/stale.h5" --tp 1 --resume
same "$tmp/full_tp1.h5" "$tmp/stale.h5" "a run after a stale OUT.tmp"
[ ! -e "$tmp/stale.h5.tmp" ] || fail "the stale OUT.tmp was left behind"

[ "$failed" -eq 0 ] && echo "resume: all interruptions resumed to identical results"
exit "$failed"
