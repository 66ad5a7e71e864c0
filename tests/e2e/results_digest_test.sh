#!/usr/bin/env bash
# The results of the embedded default, bit for bit, against digests stored in the repository
# (tests/e2e/embedded_results.sha256): np 1 (tp 1) and np 4 (tp 2), every question's prediction
# and log-probabilities. A change that is meant to leave results alone (a refactoring, a new
# option) must keep them; one that is meant to change them says so by updating the file:
#   results_digest_test.sh MMLU_EVAL REPO MPIRUN PYTHON --update
# Floating-point results depend on the CPU's instruction set, so the runs pin the portable code
# paths: ATen's default kernels and MKL's compatible mode (results reproducible on any x86-64).
# Usage: results_digest_test.sh MMLU_EVAL REPO MPIRUN PYTHON [--update]
set -u
eval_exe=$1 repo=$2 mpirun=$3 python=$4 update=${5:-}
stored=$repo/tests/e2e/embedded_results.sha256
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
fail() { echo "FAIL $*"; failed=1; }
export ATEN_CPU_CAPABILITY=default MKL_CBWR=COMPATIBLE

layouts=("1 1" "4 2")
for layout in "${layouts[@]}"; do
  set -- $layout
  timeout 300 "$mpirun" -q --oversubscribe --mca btl self,vader,tcp --mca btl_tcp_if_include lo \
    --mca oob_tcp_if_include lo -x ATEN_CPU_CAPABILITY -x MKL_CBWR -np "$1" "$eval_exe" \
    --config "$repo/configs/default.ini" --tp "$2" --progress none --out "$tmp/np$1_tp$2.h5" \
    >"$tmp/log" 2>&1
  rc=$?
  [ "$rc" -eq 0 ] || { cat "$tmp/log"; fail "np=$1 tp=$2: exit $rc"; }
done
"$python" "$repo/tests/e2e/results_digest.py" "$tmp"/np*.h5 >"$tmp/digests" ||
  fail "results_digest.py: exit $?"
sed -i "s#$tmp/##" "$tmp/digests"
if [ "$update" = --update ]; then
  [ "$failed" -eq 0 ] && cp "$tmp/digests" "$stored" && echo "updated $stored" && cat "$stored"
  exit "$failed"
fi
checked=0
while read -r digest file; do
  want=$(awk -v f="$file" '$2 == f {print $1}' "$stored")
  [ -n "$want" ] || { fail "$file: no stored digest"; continue; }
  checked=$((checked + 1))
  [ "$digest" = "$want" ] || fail "$file: results differ from the stored digest ($digest, stored $want)"
done <"$tmp/digests"
[ "$checked" -eq "${#layouts[@]}" ] || fail "checked $checked of ${#layouts[@]} layouts"
[ "$failed" -eq 0 ] && echo "results digests: $checked layouts bit for bit as stored"
exit "$failed"
