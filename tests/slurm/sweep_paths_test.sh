#!/usr/bin/env bash
# slurm/sweep.sh run from another directory, with a fake sbatch on PATH that records where it was
# called from, its arguments and the variables the jobs inherit: LIST, the checkpoint paths in
# it, --dir, DATA, CONFIG and the programs are resolved against the caller's directory and reach
# the jobs absolute, while the jobs are still submitted from the repository. Needs no SLURM.
# Usage: sweep_paths_test.sh REPO
set -u
# The sweep's own variables come from the calls below only (env -u): a CI job that sets
# SWEEP_WAIT for its real sweeps must not make this one wait for a fake summary job.
repo=$(cd "$1" && pwd)
tmp=$(cd "$(mktemp -d)" && pwd -P)  # no symlinks: sweep.sh realpaths the checkpoints
trap 'rm -rf "$tmp"' EXIT
failed=0
fail() { echo "FAIL $*"; failed=1; }

mkdir -p "$tmp/bin" "$tmp/caller/ckpt/a" "$tmp/caller/ckpt/b" "$tmp/caller/mmlu"
echo '{}' >"$tmp/caller/ckpt/a/config.json"
echo '{}' >"$tmp/caller/ckpt/b/config.json"
cat >"$tmp/bin/sbatch" <<'EOF'
#!/usr/bin/env bash
# One "key=value" line per fact, a blank line after each call; answers "JOBID;cluster".
{
  echo "pwd=$PWD"
  printf 'arg=%s\n' "$@"
  for v in DATA CONFIG MMLU_EVAL MMLU_REPORT PYTHON; do echo "$v=${!v-(unset)}"; done
  echo
} >>"$SBATCH_LOG"
echo "$((100 + $(grep -c '^pwd=' "$SBATCH_LOG")));cluster"
EOF
chmod +x "$tmp/bin/sbatch"
caller=$tmp/caller
printf '# relative to the caller\nfirst ckpt/a\nsecond ./ckpt/b\n' >"$caller/list.txt"

(cd "$caller" && env -u SWEEP_WAIT -u CONFIG -u LAUNCHER PATH=$tmp/bin:$PATH SBATCH_LOG=$tmp/log DATA=mmlu CONFIG=run.ini \
  MMLU_EVAL=tools/mmlu_eval MMLU_REPORT=mmlu_report PYTHON=python3 \
  bash "$repo/slurm/sweep.sh" list.txt --dir out/sweep --baseline second -- --time=01:00:00) \
  >"$tmp/out" 2>&1
rc=$?
[ "$rc" -eq 0 ] || { cat "$tmp/out"; fail "sweep.sh: exit $rc"; }
touch "$tmp/log"
[ "$(grep -c '^pwd=' "$tmp/log")" -eq 2 ] || fail "expected 2 sbatch calls"
while IFS= read -r line; do
  case "$line" in
    pwd=*) [ "$line" = "pwd=$repo" ] || fail "submitted from ${line#pwd=}, not the repository" ;;
    DATA=*) [ "$line" = "DATA=$caller/mmlu" ] || fail "$line" ;;
    CONFIG=*) [ "$line" = "CONFIG=$caller/run.ini" ] || fail "$line" ;;
    MMLU_EVAL=*) [ "$line" = "MMLU_EVAL=$caller/tools/mmlu_eval" ] || fail "$line" ;;
    # A program name without a '/' stays a name: PATH finds it.
    MMLU_REPORT=*) [ "$line" = "MMLU_REPORT=mmlu_report" ] || fail "$line" ;;
    PYTHON=*) [ "$line" = "PYTHON=python3" ] || fail "$line" ;;
  esac
done <"$tmp/log"
dir=$caller/out/sweep
grep -qx "arg=--output=$dir/%x-%A_%a.out" "$tmp/log" || fail "array output not in $dir"
grep -qx "arg=--export=ALL,SWEEP_LIST=$dir/checkpoints.txt,SWEEP_DIR=$dir" "$tmp/log" ||
  fail "array not given $dir"
grep -qx "arg=--export=ALL,SWEEP_DIR=$dir,BASELINE=second,FAIL_BELOW=" "$tmp/log" ||
  fail "summary not given $dir"
grep -qx "arg=--time=01:00:00" "$tmp/log" || fail "sbatch options not passed"
printf 'first %s\nsecond %s\n' "$caller/ckpt/a" "$caller/ckpt/b" | cmp -s - "$dir/checkpoints.txt" ||
  { cat "$dir/checkpoints.txt"; fail "checkpoints.txt: paths not resolved against the caller"; }

# A path that names a checkpoint only relative to the repository is not one from the caller's
# directory: refused before anything is queued.
printf 'x configs/embedded/model\n' >"$caller/repo-relative.txt"
(cd "$caller" && env -u SWEEP_WAIT -u CONFIG -u LAUNCHER PATH=$tmp/bin:$PATH SBATCH_LOG=$tmp/log2 DATA=mmlu \
  bash "$repo/slurm/sweep.sh" repo-relative.txt --dir out/refused) >"$tmp/out2" 2>&1
rc=$?
[ "$rc" -eq 2 ] || fail "a repository-relative checkpoint: exit $rc, expected 2"
grep -q "repo-relative.txt:1: configs/embedded/model: no config.json" "$tmp/out2" ||
  { cat "$tmp/out2"; fail "a repository-relative checkpoint: not refused naming it"; }
[ ! -e "$tmp/log2" ] || fail "a refused list queued jobs"

[ "$failed" -eq 0 ] && echo "sweep.sh: paths resolved against the caller's directory"
exit "$failed"
