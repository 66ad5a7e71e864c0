#!/bin/sh
# Open MPI's plm_rsh_agent for simulated hosts: instead of ssh-ing to HOST, run the daemon
# command here, in a UTS namespace whose hostname is HOST. Open MPI then treats every host name
# as a separate node (shared memory and MPI_Comm_split_type follow the daemons).
# Called as: simulated_host_rsh.sh [ssh options] HOST COMMAND...
while [ $# -gt 0 ]; do
  case "$1" in
    -l | -p | -o | -i | -F) shift 2 ;;
    -*) shift ;;
    *) break ;;
  esac
done
host=$1
shift
exec unshare --uts /bin/sh -c 'hostname "$1" && shift && exec /bin/sh -c "$*"' sh "$host" "$@"
