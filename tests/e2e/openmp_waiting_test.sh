#!/usr/bin/env bash
# Idle intra-op threads wait passively unless the user chose (parallel/openmp_waiting.hpp):
#   - by default every rank re-executes itself with OMP_WAIT_POLICY=passive: the environment its
#     image started with (/proc/PID/environ, what the OpenMP runtime read) holds it, the load
#     report names it for each rank, and the results file records it;
#   - OMP_WAIT_POLICY or GOMP_SPINCOUNT set by the user is kept, and recorded;
#   - the way of waiting does not change a single bit of the results.
# Usage: openmp_waiting_test.sh MMLU_EVAL REPO MPIRUN PYTHON
set -u
eval_exe=$1 repo=$2 mpirun=$3 python=$4
tmp=$(mktemp -d)
tag="openmp-waiting-$$"
exe=$(readlink -f "$eval_exe")
trap 'rm -rf "$tmp"' EXIT
failed=0
fail() { echo "FAIL $*"; failed=1; }
source "$repo/tests/e2e/run_logged.sh"
mpi=("$mpirun" -q --oversubscribe --bind-to none)
args=(--config "$repo/configs/default.ini" --tp 1 --progress none)

recorded() {  # recorded FILE: the omp_wait_policy attribute of a results file
  "$python" -c 'import h5py, sys; print(h5py.File(sys.argv[1]).attrs["omp_wait_policy"])' "$1"
}
check() {  # check NAME EXPECTED: the load report of every rank and the results file name it
  local name=$1 expected=$2 lines
  lines=$(grep -c "CPU threads (OpenMP waits: $expected)" "$tmp/$name.log")
  [ "$lines" -eq 2 ] || { cat "$tmp/$name.log"; fail "$name: $lines of 2 ranks report '$expected'"; }
  [ "$(recorded "$tmp/$name.h5")" = "$expected" ] ||
    fail "$name: the results file records '$(recorded "$tmp/$name.h5")', not '$expected'"
}

# Default: watch the ranks' starting environments while the job runs.
env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT MMLU_TEST_RUN="$tag" "${mpi[@]}" -x MMLU_TEST_RUN \
  -np 2 "$eval_exe" "${args[@]}" --out "$tmp/default.h5" >"$tmp/default.log" 2>&1 &
launcher=$!
declare -A passive=()
while kill -0 "$launcher" 2>/dev/null; do
  for d in /proc/[0-9]*; do
    [ "$(readlink "$d/exe" 2>/dev/null)" = "$exe" ] || continue
    env=$(tr '\0' '\n' <"$d/environ" 2>/dev/null)
    grep -qx "MMLU_TEST_RUN=$tag" <<<"$env" && grep -qx "OMP_WAIT_POLICY=passive" <<<"$env" &&
      passive[${d#/proc/}]=1
  done
  sleep 0.01
done
wait "$launcher"
rc=$?
[ "$rc" -eq 0 ] || { cat "$tmp/default.log"; fail "default: exit $rc"; }
[ "${#passive[@]}" -eq 2 ] ||
  fail "default: ${#passive[@]} of 2 ranks started an image with OMP_WAIT_POLICY=passive"
check default passive

run_logged "$tmp/active.log" "OMP_WAIT_POLICY=active" "${mpi[@]}" -x OMP_WAIT_POLICY=active \
  -np 2 "$eval_exe" "${args[@]}" --out "$tmp/active.h5"
check active active
run_logged "$tmp/spincount.log" "GOMP_SPINCOUNT=1000" "${mpi[@]}" -x GOMP_SPINCOUNT=1000 \
  -np 2 "$eval_exe" "${args[@]}" --out "$tmp/spincount.h5"
check spincount GOMP_SPINCOUNT=1000

for other in active spincount; do
  "$python" "$repo/tests/e2e/compare_results.py" "$tmp/default.h5" "$tmp/$other.h5" \
    --tolerance 0 || fail "$other: results differ from passive waiting's"
done

[ "$failed" -eq 0 ] && echo "openmp waiting: all checks passed"
exit "$failed"
