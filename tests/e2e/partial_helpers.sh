# Shared by the tests that interrupt runs (tests/e2e/resume_test.sh, tests/slurm/slurm_test.sh).
# Source it after defining fail() and $python and $repo.

wait_for_saves() {  # wait_for_saves OUT [SECONDS]: until OUT.partial/ holds some saved blocks
  local tries=$((${2:-30} * 20))
  for _ in $(seq "$tries"); do
    [ "$(cat "$1".partial/*.bin 2>/dev/null | wc -c)" -gt 4000 ] && return 0
    sleep 0.05
  done
  fail "$1: no partial results appeared"
}

same() {  # same A B WHAT: identical predictions and log-probabilities, or fail WHAT
  "$python" "$repo/tests/e2e/compare_results.py" "$1" "$2" --tolerance 0 || fail "$3"
}
