# Sourced by the end-to-end tests, after they define fail().
# run_logged LOG WHAT COMMAND...: runs COMMAND with its output in LOG. When it fails, prints LOG
# and calls fail with COMMAND's own exit status (never that of whatever printed the log), and
# returns that status.
run_logged() {
  local log=$1 what=$2 rc
  shift 2
  "$@" >"$log" 2>&1
  rc=$?
  [ "$rc" -eq 0 ] && return 0
  cat "$log"
  fail "$what: exit $rc"
  return "$rc"
}
