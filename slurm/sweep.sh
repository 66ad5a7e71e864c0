#!/usr/bin/env bash
# Evaluates many checkpoints as one SLURM job array, then summarises them against a baseline.
#
#   DATA=/data/mmlu slurm/sweep.sh LIST [--baseline NAME] [--fail-below POINTS] [--dir DIR]
#                                  [-- SBATCH_OPTIONS...]
#
# LIST has one checkpoint per line, "NAME PATH" (# comments and blank lines skipped); NAME is
# letters, digits, '.', '_' or '-'. Every array task runs slurm/mmlu_eval.sbatch on one
# checkpoint and writes DIR/NAME.h5 (DIR defaults to results/sweep-DATE-TIME). A summary job
# runs after all of them, failed ones included (afterany), and writes DIR/summary.{txt,csv,h5,png};
# it exits 3 when a checkpoint is more than POINTS (default 1) percentage points below the
# baseline (default: LIST's first line), 4 when one has no usable results. SBATCH_OPTIONS go to the
# array (--nodes, --ntasks-per-node, --partition, --time, ...). Variables of mmlu_eval.sbatch
# (DATA, CONFIG, MMLU_EVAL, LAUNCHER) pass through; MMLU_REPORT and PYTHON to the summary.
# Prints the two job ids; with SWEEP_WAIT=1 it waits for the summary and exits with its code.
#
# Relative paths (LIST, the PATHs in it, --dir, DATA, CONFIG, and MMLU_EVAL, MMLU_REPORT or PYTHON
# when they hold a '/') are relative to the directory sweep.sh is run from; the jobs get them
# absolute. The default DIR and the programs' defaults are in this repository.
set -euo pipefail
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 1 ] || usage
list=$1
shift
baseline="" fail_below="" dir=""
sbatch_options=()
while [ $# -gt 0 ]; do
  case "$1" in
    --baseline) baseline=${2:?--baseline needs a NAME}; shift 2 ;;
    --fail-below) fail_below=${2:?--fail-below needs POINTS}; shift 2 ;;
    --dir) dir=${2:?--dir needs a folder}; shift 2 ;;
    --) shift; sbatch_options=("$@"); break ;;
    -h | --help) usage ;;
    *) echo "sweep.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${DATA:?set DATA to an MMLU directory or JSONL file}"
# The jobs start in the repository (their defaults live there), so every path the caller gave is
# made absolute here, against the caller's directory, before anything changes directory.
absolute() { case "$1" in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$PWD/$1" ;; esac; }
DATA=$(absolute "$DATA")
[ -z "${CONFIG:-}" ] || CONFIG=$(absolute "$CONFIG")
# A program name without a '/' is looked up on PATH, as a shell does.
for program in MMLU_EVAL MMLU_REPORT PYTHON; do
  [[ "${!program:-}" != */* ]] || printf -v "$program" '%s' "$(absolute "${!program}")"
done
[ -r "$list" ] || { echo "sweep.sh: $list: cannot be read" >&2; exit 2; }

# Check the list here, before anything is queued: a bad line would otherwise fail one task
# hours later.
names=() paths=()
number=0
while IFS= read -r line || [ -n "$line" ]; do
  number=$((number + 1))
  [[ "$line" =~ ^[[:space:]]*(#|$) ]] && continue
  if ! [[ "$line" =~ ^[[:space:]]*([A-Za-z0-9._-]+)[[:space:]]+(.*[^[:space:]])[[:space:]]*$ ]]; then
    echo "sweep.sh: $list:$number: expected 'NAME PATH'" >&2
    exit 2
  fi
  name=${BASH_REMATCH[1]} path=${BASH_REMATCH[2]}
  for seen in ${names[@]+"${names[@]}"}; do
    [ "$seen" != "$name" ] || { echo "sweep.sh: $list:$number: name $name is used twice" >&2; exit 2; }
  done
  [ -f "$path/config.json" ] ||
    { echo "sweep.sh: $list:$number: $path: no config.json (not a checkpoint directory)" >&2; exit 2; }
  names+=("$name")
  paths+=("$(realpath "$path")")
done <"$list"
[ ${#names[@]} -gt 0 ] || { echo "sweep.sh: $list: lists no checkpoints" >&2; exit 2; }
if [ -n "$baseline" ]; then
  [[ " ${names[*]} " == *" $baseline "* ]] ||
    { echo "sweep.sh: --baseline $baseline is not in $list" >&2; exit 2; }
fi

dir=${dir:-$repo/results/sweep-$(date +%Y%m%d-%H%M%S)}
# A folder of an earlier sweep would mix its results files into this one's summary.
[ ! -e "$dir/checkpoints.txt" ] && ! compgen -G "$dir/*.h5" >/dev/null ||
  { echo "sweep.sh: $dir holds an earlier sweep; choose another --dir" >&2; exit 2; }
mkdir -p "$dir"
dir=$(realpath "$dir")
# The tasks read this copy (absolute paths), so editing LIST later changes nothing queued.
: >"$dir/checkpoints.txt"
for i in "${!names[@]}"; do printf '%s %s\n' "${names[$i]}" "${paths[$i]}" >>"$dir/checkpoints.txt"; done

# Submitted from the repository: the jobs start in SLURM_SUBMIT_DIR and find their programs there.
cd "$repo"
array=$(sbatch --parsable --array="0-$((${#names[@]} - 1))" --job-name=mmlu-sweep \
  --output="$dir/%x-%A_%a.out" \
  --export="ALL,SWEEP_LIST=$dir/checkpoints.txt,SWEEP_DIR=$dir" \
  ${sbatch_options[@]+"${sbatch_options[@]}"} slurm/mmlu_eval.sbatch)
array=${array%%;*}
echo "sweep: array job $array queued"
summary=$(sbatch --parsable --dependency="afterany:$array" --output="$dir/summary-%j.out" \
  --export="ALL,SWEEP_DIR=$dir,BASELINE=$baseline,FAIL_BELOW=$fail_below" \
  slurm/sweep_summary.sbatch) || {
  echo "sweep.sh: the summary job was not accepted; the array $array runs without it (cancel it with scancel $array, or submit slurm/sweep_summary.sbatch with SWEEP_DIR=$dir yourself)" >&2
  exit 1
}
summary=${summary%%;*}
echo "sweep: ${#names[@]} checkpoints in array job $array; summary job $summary; results in $dir"

if [ "${SWEEP_WAIT:-0}" = 1 ]; then
  # Until the summary job is in a final state; a passing squeue glitch must not end the wait.
  while :; do
    # "|| true" throughout: under set -e a failing scontrol or sacct would end the wait.
    state=$({ scontrol show job "$summary" 2>/dev/null || true; } | tr ' ' '\n' |
      sed -n 's/^JobState=//p')
    case "$state" in
      COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE) break ;;
      "") # forgotten by the controller (MinJobAge): ask accounting, if there is any
        state=$({ sacct -n -X -j "$summary" -o State 2>/dev/null || true; } | head -1 | tr -d ' ')
        [[ "$state" =~ ^[A-Z_]+$ ]] && [[ ! "$state" =~ ^(PENDING|RUNNING|REQUEUED)$ ]] && break ;;
    esac
    sleep 2
  done
  code=$({ scontrol show job "$summary" 2>/dev/null || true; } |
    sed -n 's/.*[^a-zA-Z]ExitCode=\([0-9]*\):.*/\1/p')
  [[ "$code" =~ ^[0-9]+$ ]] ||
    code=$({ sacct -n -X -j "$summary" -o ExitCode 2>/dev/null || true; } | head -1 | cut -d: -f1 |
      tr -d ' ')
  [[ "$code" =~ ^[0-9]+$ ]] || code=1
  echo "sweep: summary job $summary ended $state, exit $code"
  exit "$code"
fi
