#!/bin/sh
# Runs an MPI program over several simulated hosts on this machine (see simulated_host_rsh.sh).
# Usage: run_on_simulated_hosts.sh MPIRUN HOSTS MAP_BY NP PROGRAM [ARGS...]
#   HOSTS like nodea:2,nodeb:2; MAP_BY slot or node. Exits 77 (skipped) where this machine
#   cannot make UTS namespaces (not root).
mpirun=$1 hosts=$2 map_by=$3 np=$4
shift 4
unshare --uts true 2>/dev/null || { echo "skipped: unshare --uts needs root"; exit 77; }
agent=$(cd "$(dirname "$0")" && pwd)/simulated_host_rsh.sh
exec "$mpirun" --mca plm_rsh_agent "$agent" --mca oob_tcp_if_include lo \
  --mca btl self,vader,tcp --mca btl_tcp_if_include lo \
  -H "$hosts" -np "$np" --map-by "$map_by" "$@"
