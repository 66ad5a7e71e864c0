#!/usr/bin/env bash
# slurm/mmlu_eval.sbatch run as a plain script (LAUNCHER=mpirun, two tasks; no SLURM needed):
# with --synthetic-data, on its command line or in CONFIG, it needs no DATA and runs; without
# it, a missing DATA is refused naming the variable, before anything starts.
# Usage: template_test.sh REPO MMLU_EVAL
set -u
repo=$(cd "$1" && pwd)
eval_exe=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
fail() { echo "FAIL $*"; failed=1; }
template() {  # template LOG [VAR=VALUE...] -- [mmlu_eval options...]
  local log=$1
  shift
  local vars=()
  while [ "$1" != -- ]; do vars+=("$1"); shift; done
  shift
  (cd "$repo" && env -u DATA -u CONFIG -u SLURM_JOB_ID LAUNCHER=mpirun SLURM_NTASKS=2 \
    SLURM_NTASKS_PER_NODE=2 MMLU_EVAL="$eval_exe" MODEL="$repo/configs/embedded/model" \
    "${vars[@]}" bash slurm/mmlu_eval.sbatch --limit 1 "$@") >"$log" 2>&1
}

template "$tmp/cli.log" OUT="$tmp/cli.h5" -- --synthetic-data
rc=$?
{ [ "$rc" -eq 0 ] && [ -f "$tmp/cli.h5" ]; } ||
  { cat "$tmp/cli.log"; fail "--synthetic-data without DATA: exit $rc"; }

printf 'synthetic-data = true\n' >"$tmp/synthetic.ini"
template "$tmp/ini.log" OUT="$tmp/ini.h5" CONFIG="$tmp/synthetic.ini" --
rc=$?
{ [ "$rc" -eq 0 ] && [ -f "$tmp/ini.h5" ]; } ||
  { cat "$tmp/ini.log"; fail "synthetic-data in CONFIG without DATA: exit $rc"; }

template "$tmp/none.log" OUT="$tmp/none.h5" --
rc=$?
{ [ "$rc" -ne 0 ] && grep -q "DATA: set DATA to an MMLU directory" "$tmp/none.log" &&
  [ ! -e "$tmp/none.h5" ]; } || { cat "$tmp/none.log"; fail "no DATA, no --synthetic-data: exit $rc"; }

[ "$failed" -eq 0 ] && echo "sbatch template without SLURM: all checks passed"
exit "$failed"
