#!/usr/bin/env bash
# Multi-node results on simulated hosts (tests/mpi/simulated_host_rsh.sh: one UTS namespace per
# host name): mmlu_eval over 2 and 3 hosts (ranks dealt by slot and by node) writes the
# same results file (identical predictions and log-probabilities) as a single-host run of the same
# layout, and records the hosts. Exits 77 where UTS namespaces need root.
# Usage: simulated_hosts_results_test.sh MMLU_EVAL REPO MPIRUN PYTHON
set -u
eval_exe=$1 repo=$2 mpirun=$3 python=$4
unshare --uts true 2>/dev/null || { echo "skipped: unshare --uts needs root"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
fail() { echo "FAIL $*"; failed=1; }
source "$repo/tests/e2e/run_logged.sh"
args=(--model "$repo/configs/embedded/model" --data "$repo/configs/embedded/data" --limit 13
      --tp 2 --progress none)

single() {  # single NP OUT
  run_logged "$tmp/log" "single host np=$1" timeout 300 "$mpirun" -q --oversubscribe \
    --mca btl self,vader,tcp --mca btl_tcp_if_include lo --mca oob_tcp_if_include lo -np "$1" \
    "$eval_exe" "${args[@]}" --out "$2"
}
hosts() {  # hosts HOSTS MAP_BY NP OUT
  run_logged "$tmp/log" "$1 by $2" timeout 300 sh "$repo/tests/mpi/run_on_simulated_hosts.sh" \
    "$mpirun" "$1" "$2" "$3" -q --oversubscribe "$eval_exe" "${args[@]}" --out "$4"
}

single 4 "$tmp/single4.h5"
hosts nodea:2,nodeb:2 slot 4 "$tmp/two_by_slot.h5"
hosts nodea:2,nodeb:2 node 4 "$tmp/two_by_node.h5"
"$python" "$repo/tests/e2e/compare_results.py" "$tmp/single4.h5" "$tmp/two_by_slot.h5" \
  "$tmp/two_by_node.h5" --tolerance 0 || fail "2 hosts differ from one"
single 6 "$tmp/single6.h5"
hosts nodea:2,nodeb:2,nodec:2 slot 6 "$tmp/three_by_slot.h5"
hosts nodea:2,nodeb:2,nodec:2 node 6 "$tmp/three_by_node.h5"
"$python" "$repo/tests/e2e/compare_results.py" "$tmp/single6.h5" "$tmp/three_by_slot.h5" \
  "$tmp/three_by_node.h5" --tolerance 0 || fail "3 hosts differ from one"
"$python" - "$tmp/three_by_node.h5" <<'PY' || fail "hosts attribute"
import sys, h5py
with h5py.File(sys.argv[1]) as f:
    hosts = f.attrs["hosts"]
    print("hosts:", hosts, "dp:", f.attrs["dp"])
    sys.exit(0 if sorted(hosts.split(",")) == ["nodea", "nodeb", "nodec"] and f.attrs["dp"] == 3 else 1)
PY
[ "$failed" -eq 0 ] && echo "simulated hosts: all checks passed"
exit "$failed"
