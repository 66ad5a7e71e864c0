#!/usr/bin/env bash
# A one-node SLURM cluster on localhost for tests: munged, slurmctld and slurmd with every file
# (key, sockets, state, spool, logs) under one scratch folder and nothing in /etc. Needs root
# and Debian's slurm-wlm and munge. Settings follow ../shared/reference-facts.md: no cgroups or
# systemd here, so linuxproc process tracking and no task plugin; pmix for Open MPI.
#   localhost_cluster.sh start DIR   starts it and waits until the node is idle; then
#                                    `export SLURM_CONF=DIR/slurm.conf` for client commands
#   localhost_cluster.sh stop DIR    cancels every job and stops the daemons
# The node claims 8 CPUs and 4 GPUs (count-only GRES, no devices) whatever the machine has, so
# templates written for GPU nodes are accepted as they are; jobs here run on CPUs.
set -euo pipefail
command=$1 dir=$(realpath -m "$2")
host=$(hostname -s)

stop() {
  export SLURM_CONF=$dir/slurm.conf
  if [ -f "$dir/slurm.conf" ]; then
    # Stopping slurmd does not end running jobs: cancel them first.
    scancel --full --quiet --user=root 2>/dev/null || true
    for _ in $(seq 50); do
      [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
      sleep 0.2
    done
  fi
  for pidfile in slurmd.pid slurmctld.pid munged.pid; do
    [ -f "$dir/$pidfile" ] || continue
    pid=$(cat "$dir/$pidfile")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$dir/$pidfile"
  done
}

start() {
  [ "$(id -u)" -eq 0 ] || { echo "localhost_cluster: needs root" >&2; exit 77; }
  for exe in munged slurmctld slurmd sbatch; do
    command -v "$exe" >/dev/null || [ -x "/usr/sbin/$exe" ] ||
      { echo "localhost_cluster: $exe not installed (apt-get install slurm-wlm munge)" >&2; exit 77; }
  done
  mkdir -p "$dir"/{munge,state,spool,log}
  chmod 755 "$dir/munge"  # munged refuses a socket folder of mode 700
  [ -f "$dir/munge.key" ] || { dd if=/dev/urandom of="$dir/munge.key" bs=1024 count=1 2>/dev/null; }
  chmod 600 "$dir/munge.key"
  /usr/sbin/munged --force --key-file="$dir/munge.key" --socket="$dir/munge/munge.socket" \
    --pid-file="$dir/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/seed"
  cat >"$dir/slurm.conf" <<CONF
ClusterName=mmlutest
SlurmctldHost=$host(127.0.0.1)
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket,cred_expire=30
SlurmUser=root
SlurmdUser=root
SlurmctldPort=16817
SlurmdPort=16818
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=pmix
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
MailProg=/bin/true
ReturnToService=2
DependencyParameters=kill_invalid_depend
SlurmdParameters=config_overrides
KillWait=10
GresTypes=gpu
NodeName=$host NodeAddr=127.0.0.1 CPUs=8 RealMemory=8000 Gres=gpu:4 State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
  # Device files need only exist: nothing opens them.
  touch "$dir"/gpu{0,1,2,3}
  echo "NodeName=$host Name=gpu File=$dir/gpu[0-3]" >"$dir/gres.conf"
  export SLURM_CONF=$dir/slurm.conf
  /usr/sbin/slurmctld -f "$SLURM_CONF"
  /usr/sbin/slurmd -f "$SLURM_CONF"
  for _ in $(seq 100); do
    state=$(sinfo -h -N -o %t 2>/dev/null | head -1)
    case "$state" in idle | mix | alloc) return 0 ;; esac
    sleep 0.2
  done
  echo "localhost_cluster: the node did not come up (state '${state:-none}'); logs in $dir/log" >&2
  tail -n 5 "$dir"/log/*.log >&2
  exit 1
}

case "$command" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: localhost_cluster.sh start|stop DIR" >&2; exit 2 ;;
esac
