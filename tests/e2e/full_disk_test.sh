#!/usr/bin/env bash
# A disk that fills while results are written, as a file-size limit makes it (ulimit -f on each
# rank: the write fails with EFBIG as it fails with ENOSPC on a full disk):
#   - mmlu_eval exits 1 with one line naming the results file and the system's reason, leaves no
#     OUT or OUT.tmp and keeps its partial results; --resume without the limit then writes the
#     results of an uninterrupted run, bit for bit;
#   - mmlu_report --sweep exits 1 the same way for its --h5 and --csv summaries.
# Before, HDF5 left the failed file open and crashed in its exit-time cleanup (exit 139).
# Usage: full_disk_test.sh MMLU_EVAL REPO MPIRUN PYTHON
set -u
eval_exe=$1 repo=$2 mpirun=$3 python=$4
report=$(dirname "$eval_exe")/mmlu_report
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
fail() { echo "FAIL $*"; failed=1; }
source "$repo/tests/e2e/run_logged.sh"
# No shared-memory transport: its backing files would meet the limit first.
mpi=("$mpirun" -q --oversubscribe --mca btl self,tcp --mca btl_tcp_if_include lo
     --mca oob_tcp_if_include lo -np 2)
job=(--config "$repo/configs/default.ini" --tp 1 --progress none --flush-every 1)
# limited KIB COMMAND...: COMMAND with its files limited to KIB KiB (a program mpirun can start).
limited=(bash -c 'ulimit -f "$1"; shift; exec "$@"' _)
one_line() {  # one_line STDERR PATTERN WHAT: exactly one stderr line, matching PATTERN
  local lines
  lines=$(grep -c . "$1")
  { [ "$lines" -eq 1 ] && grep -Eq "$2" "$1"; } || fail "$3: $lines stderr lines: $(head -3 "$1")"
}

run_logged "$tmp/full.log" "uninterrupted run" "${mpi[@]}" "$eval_exe" "${job[@]}" \
  --out "$tmp/full.h5"

# The results file (24 KiB) does not fit in 20 KiB; the partial files (4 KiB each) do.
"${mpi[@]}" "${limited[@]}" 20 "$eval_exe" "${job[@]}" --out "$tmp/r.h5" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 1 ] || fail "results file past the limit: exit $rc, expected 1"
one_line "$tmp/err" "^mmlu_eval: $tmp/r.h5.tmp: cannot be written \\(File too large\\)$" \
  "results file past the limit"
[ ! -e "$tmp/r.h5" ] && [ ! -e "$tmp/r.h5.tmp" ] || fail "a results or temporary file was left"
ls "$tmp"/r.h5.partial/*.bin >/dev/null 2>&1 || fail "the partial results were not kept"
run_logged "$tmp/resume.log" "resume without the limit" "${mpi[@]}" "$eval_exe" "${job[@]}" \
  --out "$tmp/r.h5" --resume
grep -q "^resume .*: 120 of 120 questions finished by earlier attempts" "$tmp/resume.log" ||
  fail "the resumed run did not find every question saved: $(grep '^resume' "$tmp/resume.log")"
"$python" "$repo/tests/e2e/compare_results.py" "$tmp/full.h5" "$tmp/r.h5" --tolerance 0 ||
  fail "resumed after a full disk, the results differ from an uninterrupted run's"

# mmlu_report's summaries of a sweep.
printf 'full %s\nresumed %s\n' /ckpt/a /ckpt/b >"$tmp/sweep.txt"
cp "$tmp/r.h5" "$tmp/resumed.h5"
for kind in h5 csv; do
  # Its stderr through a pipe, which no file-size limit applies to.
  { "${limited[@]}" 0 "$report" --sweep "$tmp/sweep.txt" --"$kind" "$tmp/summary.$kind" \
      >/dev/null; } 2>&1 | cat >"$tmp/err"
  rc=${PIPESTATUS[0]}
  [ "$rc" -eq 1 ] || fail "sweep --$kind past the limit: exit $rc, expected 1"
  one_line "$tmp/err" "^mmlu_report: $tmp/summary.$kind.tmp: cannot be written \\(File too large\\)$" \
    "sweep --$kind past the limit"
  [ ! -e "$tmp/summary.$kind" ] && [ ! -e "$tmp/summary.$kind.tmp" ] ||
    fail "sweep --$kind: a summary or temporary file was left"
done

[ "$failed" -eq 0 ] && echo "full disk: all checks passed"
exit "$failed"
