#!/usr/bin/env bash
# A stop requested at start-up is a clean stop: SIGTERM to every rank the moment each one can
# catch it (its handler is installed first thing, before MPI starts, which takes seconds) ends
# the job with exit 75 and the usual 'stopped by SIGTERM' line, and --resume then gives the
# results of an uninterrupted run. Prints how long after launch the ranks caught SIGTERM.
# Usage: early_signal_test.sh MMLU_EVAL REPO MPIRUN PYTHON
set -u
eval_exe=$1 repo=$2 mpirun=$3 python=$4
tmp=$(mktemp -d)
tag="early-signal-$$"
exe=$(readlink -f "$eval_exe")
ranks() {  # this run's rank processes, found through /proc
  for d in /proc/[0-9]*; do
    [ "$(readlink "$d/exe" 2>/dev/null)" = "$exe" ] || continue
    tr '\0' '\n' <"$d/environ" 2>/dev/null | grep -qx "MMLU_TEST_RUN=$tag" && echo "${d#/proc/}"
  done
}
catches_sigterm() {  # catches_sigterm PID: SIGTERM (15) is in the process's caught mask
  local mask
  mask=$(awk '/^SigCgt:/ {print $2}' "/proc/$1/status" 2>/dev/null)
  [ -n "$mask" ] && (((0x$mask >> 14) & 1))
}
trap 'kill -KILL $(ranks) 2>/dev/null; rm -rf "$tmp"' EXIT
failed=0
fail() { echo "FAIL $*"; failed=1; }
source "$repo/tests/e2e/run_logged.sh"
args=(--config "$repo/configs/default.ini" --tp 1 --progress none)
mpi=("$mpirun" -q --oversubscribe --bind-to none)

run_logged "$tmp/full.log" "uninterrupted run" "${mpi[@]}" -np 2 "$eval_exe" "${args[@]}" \
  --out "$tmp/full.h5"

started=$(date +%s%N)
MMLU_TEST_RUN=$tag "${mpi[@]}" -x MMLU_TEST_RUN -np 2 "$eval_exe" "${args[@]}" \
  --out "$tmp/r.h5" >"$tmp/r.log" 2>&1 &
launcher=$!
signalled=0
for _ in $(seq 3000); do
  pids=$(ranks)
  ready=0
  for p in $pids; do catches_sigterm "$p" && ready=$((ready + 1)); done
  if [ "$ready" -eq 2 ]; then
    kill -TERM $pids
    signalled=$(date +%s%N)
    break
  fi
  sleep 0.005
done
[ "$signalled" -gt 0 ] || fail "the ranks never caught SIGTERM"
wait "$launcher"
rc=$?
echo "SIGTERM sent $(((signalled - started) / 1000000)) ms after launch"
[ "$rc" -eq 75 ] || { cat "$tmp/r.log"; fail "SIGTERM at start-up: exit $rc, expected 75"; }
grep -q "stopped by SIGTERM: [0-9]* of 120 questions are saved" "$tmp/r.log" ||
  { cat "$tmp/r.log"; fail "SIGTERM at start-up: no 'stopped by SIGTERM' line"; }
run_logged "$tmp/resume.log" "resume" "${mpi[@]}" -np 2 "$eval_exe" "${args[@]}" \
  --out "$tmp/r.h5" --resume
"$python" "$repo/tests/e2e/compare_results.py" "$tmp/full.h5" "$tmp/r.h5" --tolerance 0 ||
  fail "stopped at start-up and resumed, the results differ from an uninterrupted run's"

[ "$failed" -eq 0 ] && echo "early signal: all checks passed"
exit "$failed"
