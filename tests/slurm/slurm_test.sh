#!/usr/bin/env bash
# mmlu_eval under a real SLURM (a one-node cluster on localhost, CPU only), each run compared
# with an uninterrupted mpirun run of the same layout (identical predictions and log-probs):
#   1. slurm/mmlu_eval.sbatch as written, on the embedded model, launched by srun and by mpirun;
#   2. a two-checkpoint sweep (slurm/sweep.sh, run from another directory with relative paths)
#      and its summary job: tables, plot, and exit 3 for the checkpoint that regresses;
#   3. one rank killed mid-run: the job fails naming the task and host, a resubmission resumes;
#   4. SIGTERM to the tasks mid-run (scancel --signal=TERM): exit 75, a resubmission resumes;
#   5. the time limit's warning (SIGUSR1 to the batch shell): the job saves, requeues itself and
#      finishes on its own.
# Exits 77 (skipped) without root or without slurm-wlm and munge.
# Usage: slurm_test.sh REPO BIN_DIR MPIRUN PYTHON
set -u
repo=$1 bin=$2 mpirun=$3 python=$4
[ "$(id -u)" -eq 0 ] || { echo "skipped: a test cluster needs root"; exit 77; }
command -v sbatch >/dev/null && [ -x /usr/sbin/slurmctld ] && [ -x /usr/sbin/munged ] ||
  { echo "skipped: slurm-wlm and munge are not installed"; exit 77; }
tmp=$(mktemp -d)
cluster="$repo/tests/slurm/localhost_cluster.sh"
trap 'bash "$cluster" stop "$tmp/cluster"; rm -rf "$tmp"' EXIT
bash "$cluster" start "$tmp/cluster" || exit 1
export SLURM_CONF=$tmp/cluster/slurm.conf
failed=0
fail() { echo "FAIL $*"; failed=1; }
cd "$repo"
export MMLU_EVAL=$bin/mmlu_eval MMLU_REPORT=$bin/mmlu_report PYTHON=$python
export DATA=$repo/configs/embedded/data
# Two tasks of one CPU each; the template's GPU request is met by the cluster's count-only GRES.
ranks=(--ntasks-per-node=2 --cpus-per-task=1)

job_field() {  # job_field JOB FIELD: from scontrol (jobs stay listed for MinJobAge)
  scontrol show job "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1
}
wait_job() {  # wait_job JOB [SECONDS]: until it is no longer pending or running
  for _ in $(seq $((${2:-300} * 5))); do
    case "$(job_field "$1" JobState)" in PENDING | RUNNING | CONFIGURING | COMPLETING | REQUEUED | "") ;; *) return 0 ;; esac
    sleep 0.2
  done
  fail "job $1 did not end in ${2:-300} s"
}
source "$repo/tests/e2e/partial_helpers.sh"
reference() {  # reference OUT [mmlu_eval options]: uninterrupted, under mpirun
  local out=$1
  shift
  timeout 300 "$mpirun" -q --oversubscribe --bind-to none -np 2 "$MMLU_EVAL" --progress none \
    --out "$out" "$@" >"$out.log" 2>&1 || { cat "$out.log"; fail "reference $out"; }
}
submit() {  # submit OUT [mmlu_eval options]: the template as a user submits it; prints the job id
  local out=$1
  shift
  OUT=$out MODEL=$repo/configs/embedded/model sbatch --parsable "${ranks[@]}" \
    --output="$out.job-%j.out" slurm/mmlu_eval.sbatch "$@"
}

# 1. The template on the embedded model.
reference "$tmp/ref_embedded.h5" --model configs/embedded/model --data "$DATA"
job=$(submit "$tmp/embedded.h5")
wait_job "$job"
[ "$(job_field "$job" JobState)" = COMPLETED ] || { cat "$tmp"/embedded.h5.job-*.out; fail "template job $job: $(job_field "$job" JobState)"; }
same "$tmp/ref_embedded.h5" "$tmp/embedded.h5" "template job differs from mpirun"
# The documented mpirun form of the template, inside the allocation.
job=$(LAUNCHER=mpirun submit "$tmp/embedded_mpirun.h5")
wait_job "$job"
[ "$(job_field "$job" JobState)" = COMPLETED ] ||
  { cat "$tmp"/embedded_mpirun.h5.job-*.out; fail "template job with mpirun: $(job_field "$job" JobState)"; }
same "$tmp/ref_embedded.h5" "$tmp/embedded_mpirun.h5" "template job under mpirun differs"

# 2. A sweep over the embedded model and a damaged copy of it, started from another directory
#    with every path relative to it (the list, its checkpoints, --dir, DATA).
"$python" tests/slurm/make_worse_checkpoint.py configs/embedded/model "$tmp/worse"
printf '# name path\nembedded %s\nworse worse\n' \
  "$(realpath --relative-to="$tmp" configs/embedded/model)" >"$tmp/list"
(cd "$tmp" && DATA=$(realpath --relative-to="$tmp" "$DATA") SWEEP_WAIT=1 timeout 600 \
  bash "$repo/slurm/sweep.sh" list --dir sweep -- "${ranks[@]}") >"$tmp/sweep.log" 2>&1
rc=$?
cat "$tmp/sweep.log"
[ "$rc" -eq 3 ] || { cat "$tmp"/sweep/*.out; fail "sweep: exit $rc, expected 3 (worse regresses)"; }
for f in embedded.h5 worse.h5 summary.csv summary.h5 summary.png summary.txt; do
  [ -s "$tmp/sweep/$f" ] || fail "sweep: no $f"
done
same "$tmp/ref_embedded.h5" "$tmp/sweep/embedded.h5" "sweep's embedded results differ"
grep -q '^worse,all,regressed,120,' "$tmp/sweep/summary.csv" || fail "sweep: worse not flagged"
grep -q '^embedded,all,baseline,120,' "$tmp/sweep/summary.csv" || fail "sweep: no baseline row"
"$python" - "$tmp/sweep/summary.h5" "$tmp/sweep/summary.png" <<'PY' || fail "sweep: summary.h5 or png"
import sys, h5py
with h5py.File(sys.argv[1]) as f:
    rows = f["rows"]
    status = [s.decode() for s in rows["status"][:]]
    scope = [s.decode() for s in rows["scope"][:]]
    checkpoint = [s.decode() for s in rows["checkpoint"][:]]
    overall = {c: s for c, s, sc in zip(checkpoint, status, scope) if sc == "all"}
    assert f.attrs["baseline"] in ("embedded", b"embedded"), f.attrs["baseline"]
    assert overall == {"embedded": "baseline", "worse": "regressed"}, overall
    assert len(rows["accuracy"]) == len(status) and "STEM" in scope
assert open(sys.argv[2], "rb").read(8) == b"\x89PNG\r\n\x1a\n"
PY
# The same table judged against the damaged copy: nothing regresses.
"$MMLU_REPORT" --sweep "$tmp/sweep/checkpoints.txt" --baseline worse >/dev/null ||
  fail "sweep against worse: exit $?, expected 0"

# 3-5 run long enough to interrupt: the synthetic workload, a save after every batch, tp 2.
long=(--model configs/embedded/model --synthetic-data --limit 12 --tp 2 --flush-every 1)
reference "$tmp/ref_long.h5" "${long[@]}"
long_job=(--synthetic-data --limit 12 --tp 2 --flush-every 1)

# 3. A rank dies: srun ends the step (--kill-on-bad-exit) and names the task and host.
job=$(submit "$tmp/kill.h5" "${long_job[@]}")
wait_for_saves "$tmp/kill.h5" 60
victim=""
for p in $(pgrep -f "^$MMLU_EVAL"); do
  env=$(tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null)
  grep -qx "SLURM_CONF=$SLURM_CONF" <<<"$env" && grep -qx "SLURM_PROCID=1" <<<"$env" && victim=$p
done
[ -n "$victim" ] && kill -KILL "$victim" || fail "kill: no task 1 found"
start=$(date +%s)
wait_job "$job" 60
[ $(($(date +%s) - start)) -le 60 ] || fail "kill: the job took over 60 s to end"
[ "$(job_field "$job" JobState)" = FAILED ] || fail "kill: job state $(job_field "$job" JobState)"
grep -Eq "$(hostname -s): task 1: Killed" "$tmp"/kill.h5.job-"$job".out ||
  { cat "$tmp"/kill.h5.job-"$job".out; fail "kill: task and host not named"; }
[ ! -e "$tmp/kill.h5" ] && [ -d "$tmp/kill.h5.partial" ] || fail "kill: partial results not kept"
job=$(submit "$tmp/kill.h5" "${long_job[@]}")
wait_job "$job"
[ "$(job_field "$job" JobState)" = COMPLETED ] || fail "kill: resumed job $(job_field "$job" JobState)"
grep -q "^resume .* finished by earlier attempts" "$tmp"/kill.h5.job-"$job".out || fail "kill: did not resume"
same "$tmp/ref_long.h5" "$tmp/kill.h5" "killed rank then resume differs"

# 4. SIGTERM to the tasks, as a preemption sends it.
job=$(submit "$tmp/term.h5" "${long_job[@]}")
wait_for_saves "$tmp/term.h5" 60
scancel --signal=TERM "$job"
wait_job "$job" 60
[ "$(job_field "$job" ExitCode)" = "75:0" ] ||
  { cat "$tmp"/term.h5.job-"$job".out; fail "term: exit $(job_field "$job" ExitCode), expected 75"; }
grep -q "stopped by SIGTERM" "$tmp"/term.h5.job-"$job".out || fail "term: no stop message"
job=$(submit "$tmp/term.h5" "${long_job[@]}")
wait_job "$job"
[ "$(job_field "$job" JobState)" = COMPLETED ] || fail "term: resumed job $(job_field "$job" JobState)"
same "$tmp/ref_long.h5" "$tmp/term.h5" "SIGTERM then resume differs"

# 5. The time limit's warning goes to the batch shell (--signal=B:USR1@120): it saves, requeues
#    itself, and the requeued job resumes and finishes with nobody resubmitting.
job=$(submit "$tmp/limit.h5" "${long_job[@]}")
wait_for_saves "$tmp/limit.h5" 60
scancel --batch --signal=USR1 "$job"
wait_job "$job" 400
[ "$(job_field "$job" JobState)" = COMPLETED ] && [ "$(job_field "$job" Restarts)" = 1 ] ||
  { cat "$tmp"/limit.h5.job-*.out; fail "limit: state $(job_field "$job" JobState), restarts $(job_field "$job" Restarts)"; }
grep -q "requeueing job $job" "$tmp"/limit.h5.job-"$job".out || fail "limit: no requeue message"
same "$tmp/ref_long.h5" "$tmp/limit.h5" "requeued run differs"

[ "$failed" -eq 0 ] && echo "slurm: template, sweep, killed rank, SIGTERM and requeue all passed"
exit "$failed"
