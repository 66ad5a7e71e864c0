#!/usr/bin/env bash
# A stop requested at start-up is a clean stop. Two moments, each in its own run:
#  - 'caught': SIGTERM to each rank the moment it can catch it (its handler is installed first
#    thing, before MPI starts, which takes seconds);
#  - 'pending': SIGTERM to each rank while it holds SIGTERM blocked, which is while it
#    re-executes itself with OpenMP's passive waiting (parallel/openmp_waiting.hpp) and loads
#    its libraries again: the signal stays pending across the exec and the new image handles it.
# Each ends the job with exit 75 and the usual 'stopped by SIGTERM' line, and --resume then gives
# the results of an uninterrupted run. Prints how long after launch the ranks got SIGTERM.
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
in_mask() {  # in_mask FIELD PID: SIGTERM (15) is in FIELD of /proc/PID/status (no fork: fast)
  local key value
  while read -r key value; do
    [ "$key" = "$1:" ] && { (((0x$value >> 14) & 1)); return; }
  done <"/proc/$2/status" 2>/dev/null
  return 1
}
caught() { in_mask SigCgt "$1"; }
pending() { in_mask SigBlk "$1"; }
trap 'kill -KILL $(ranks) 2>/dev/null; rm -rf "$tmp"' EXIT
failed=0
fail() { echo "FAIL $*"; failed=1; }
source "$repo/tests/e2e/run_logged.sh"
args=(--config "$repo/configs/default.ini" --tp 1 --progress none)
mpi=("$mpirun" -q --oversubscribe --bind-to none)

run_logged "$tmp/full.log" "uninterrupted run" "${mpi[@]}" -np 2 "$eval_exe" "${args[@]}" \
  --out "$tmp/full.h5"

stop_at_start() {  # stop_at_start MOMENT: SIGTERM to each rank when MOMENT PID holds for it
  local moment=$1 out="$tmp/$1.h5" log="$tmp/$1.log" started launcher p rc
  local -A signalled=()
  started=$(date +%s%N)
  MMLU_TEST_RUN=$tag "${mpi[@]}" -x MMLU_TEST_RUN -np 2 "$eval_exe" "${args[@]}" \
    --out "$out" >"$log" 2>&1 &
  launcher=$!
  # The ranks keep their process ids across the re-exec: find them once, then watch them closely
  # (the window of blocked SIGTERM is the few hundred milliseconds of the second library load).
  local pids=()
  for _ in $(seq 2000); do
    mapfile -t pids < <(ranks)
    [ "${#pids[@]}" -eq 2 ] && break
    sleep 0.005
  done
  while [ "${#signalled[@]}" -lt 2 ] && kill -0 "$launcher" 2>/dev/null; do
    for p in "${pids[@]}"; do
      [ -z "${signalled[$p]:-}" ] && "$moment" "$p" && kill -TERM "$p" &&
        signalled[$p]=$((($(date +%s%N) - started) / 1000000))
    done
    sleep 0.001
  done
  [ "${#signalled[@]}" -eq 2 ] ||
    fail "$moment: SIGTERM reached ${#signalled[@]} of 2 ranks in that state"
  wait "$launcher"
  rc=$?
  echo "$moment: SIGTERM sent ${signalled[*]} ms after launch"
  [ "$rc" -eq 75 ] || { cat "$log"; fail "$moment: SIGTERM at start-up: exit $rc, expected 75"; }
  grep -q "stopped by SIGTERM: [0-9]* of 120 questions are saved" "$log" ||
    { cat "$log"; fail "$moment: SIGTERM at start-up: no 'stopped by SIGTERM' line"; }
  run_logged "$tmp/$moment-resume.log" "$moment: resume" "${mpi[@]}" -np 2 "$eval_exe" \
    "${args[@]}" --out "$out" --resume
  "$python" "$repo/tests/e2e/compare_results.py" "$tmp/full.h5" "$out" --tolerance 0 ||
    fail "$moment: stopped at start-up and resumed, the results differ from an uninterrupted run's"
}
stop_at_start caught
stop_at_start pending

[ "$failed" -eq 0 ] && echo "early signal: all checks passed"
exit "$failed"
