#!/usr/bin/env bash
# How a CPU rank's idle OpenMP threads should wait when the machine's cores are shared (a login
# node, a CI box). One rank (np 1, --bind-to none: one intra-op thread per core) on an idle
# machine, then with half the cores and with all of them kept busy by spinning processes, each
# way of waiting in the same run:
#   passive   what mmlu_eval runs with unless OMP_WAIT_POLICY or GOMP_SPINCOUNT is set;
#   spinning  libgomp's own default (300,000 polls before sleeping), what it ran with before;
#   1 thread  --bind-to core: the other remedy, as if threads were chosen from the free cores.
# Prints the median evaluation seconds of R runs and each against passive, for the embedded
# model (3 synthetic questions of each of 57 subjects) and the 101.6 M-parameter Llama of
# bench/make_bench_model.py (2 of each of 10 subjects).
# Usage: bench/busy_cores.sh [R]   (default 3)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
[ "$(id -u)" -ne 0 ] || export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
runs=${1:-3}
big=/tmp/mmlu-bench-100m
[ -f "$big/config.json" ] || .venv/bin/python bench/make_bench_model.py "$big" >/dev/null 2>&1
tmp=$(mktemp -d)
spinners=()
stop_spinners() {
  [ ${#spinners[@]} -eq 0 ] || kill "${spinners[@]}" 2>/dev/null || true
  spinners=()
}
trap 'stop_spinners; rm -rf "$tmp"' EXIT

one() {  # one MODEL_ARGS WAIT: eval seconds of one run
  local model=$1 wait=$2 env=() bind=none
  case $wait in
    spinning) env=(GOMP_SPINCOUNT=300000) ;;  # libgomp's default number of polls
    passive) ;;
    "1 thread") bind=core ;;
  esac
  # shellcheck disable=SC2086
  env "${env[@]}" mpirun -q -np 1 --bind-to "$bind" build/bin/mmlu_eval $model --synthetic-data \
    --progress none --overwrite --out "$tmp/r.h5" >"$tmp/log" 2>&1 || { cat "$tmp/log"; exit 1; }
  .venv/bin/python -c 'import h5py, sys; print(h5py.File(sys.argv[1]).attrs["eval_seconds"])' \
    "$tmp/r.h5"
}
median() { sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

subjects=abstract_algebra,anatomy,astronomy,business_ethics,college_biology,college_chemistry
subjects+=,college_physics,econometrics,global_facts,virology
cores=$(nproc)
printf '%d cores; "half": %d of them run a spinning process, "all": %d; median of %d runs\n\n' \
  "$cores" $(((cores + 1) / 2)) "$cores" "$runs"
printf '%-18s %-5s %-9s %10s %12s\n' model load waiting "eval (s)" "vs passive"
for model in embedded 100M; do
  case $model in
    embedded) args="--config configs/default.ini --limit 3" ;;
    100M) args="--model $big --subjects $subjects --limit 2" ;;
  esac
  for load in idle half all; do
    case $load in
      idle) busy=0 ;;
      half) busy=$(((cores + 1) / 2)) ;;
      all) busy=$cores ;;
    esac
    if [ "$busy" -gt 0 ]; then
      for _ in $(seq "$busy"); do
        sh -c 'while :; do :; done' &
        spinners+=($!)
      done
    fi
    declare -A seconds=()
    for wait in passive spinning "1 thread"; do
      seconds[$wait]=$(for _ in $(seq "$runs"); do one "$args" "$wait"; done | median)
    done
    stop_spinners
    for wait in passive spinning "1 thread"; do
      printf '%-18s %-5s %-9s %10.2f %11.2fx\n' "$model" "$load" "$wait" "${seconds[$wait]}" \
        "$(awk -v a="${seconds[$wait]}" -v b="${seconds[passive]}" 'BEGIN {print a / b}')"
    done
    unset seconds
  done
done
