#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for the tests and CI (docs/guide/cluster.md).
#
# Run as root on Debian or Ubuntu with the packages installed:
#   apt-get install -y slurm-wlm munge
#   bash scripts/cluster/slurm-one-node.sh
#
# It writes a minimal /etc/slurm/slurm.conf (this host is the controller and the only compute
# node, partition `debug`, no cgroups, no accounting, controller and node on 127.0.0.1), makes
# a munge key if there is none, starts munged, slurmctld and slurmd as plain daemons (no
# systemd), and waits until `sinfo` shows the node idle. Running it again is harmless: what
# is running is left running, and a daemon is restarted only when the file changed.
#
# It refuses to overwrite a slurm.conf it did not write (a real cluster's); set
# SLURM_ONE_NODE_FORCE=1 to replace it anyway. SLURM_ONE_NODE_TIMEOUT (seconds, default 60)
# bounds the wait for the idle node.
set -euo pipefail

timeout_s=${SLURM_ONE_NODE_TIMEOUT:-60}
conf_dir=/etc/slurm
conf=$conf_dir/slurm.conf
marker="# Written by coldtray scripts/cluster/slurm-one-node.sh"

die() { echo "slurm-one-node: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (it writes $conf and starts the daemons)"
for prog in munged slurmctld slurmd sinfo scontrol; do
  command -v "$prog" >/dev/null 2>&1 ||
    die "$prog not found: install the packages first (apt-get install -y slurm-wlm munge)"
done

# The node's name and real size, as slurmd itself sees them (its short host name; CPUs,
# sockets, cores, threads, memory), so that slurmd finds itself in the file and the controller
# does not drain the node for having less than configured.
node_line=$(slurmd -C | head -n 1)
case $node_line in
  NodeName=*) ;;
  *) die "slurmd -C did not describe this node: $node_line" ;;
esac
host=${node_line%% *}
host=${host#NodeName=}
[ "$host" = "$(hostname -s)" ] || echo "slurm-one-node: note: slurmd calls this host $host, hostname -s says $(hostname -s)" >&2
node_hw=${node_line#NodeName=* }

mkdir -p "$conf_dir" /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/slurm
new_conf=$(cat <<EOF
$marker; rerun it to update.
# One node: this host is both the controller and the only compute node, on 127.0.0.1.
ClusterName=coldtray-one-node
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MailProg=/bin/true
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurm/slurmctld.pid
SlurmdPidFile=/run/slurm/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName=$host NodeAddr=127.0.0.1 $node_hw State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
)

changed=0
if [ -f "$conf" ]; then
  if ! grep -qF "$marker" "$conf" && [ "${SLURM_ONE_NODE_FORCE:-0}" != 1 ]; then
    die "$conf exists and was not written by this script; set SLURM_ONE_NODE_FORCE=1 to replace it"
  fi
  [ "$(cat "$conf")" = "$new_conf" ] || changed=1
else
  changed=1
fi
if [ "$changed" = 1 ]; then
  printf '%s\n' "$new_conf" >"$conf.tmp"
  mv "$conf.tmp" "$conf"
  echo "slurm-one-node: wrote $conf"
fi

# munge: a key shared by the daemons and the clients (one machine, so any random key).
if [ ! -s /etc/munge/munge.key ]; then
  mkdir -p /etc/munge
  if command -v mungekey >/dev/null 2>&1; then
    mungekey --create --keyfile=/etc/munge/munge.key
  else
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  fi
  echo "slurm-one-node: created /etc/munge/munge.key"
fi
chown munge:munge /etc/munge/munge.key
chmod 0400 /etc/munge/munge.key
mkdir -p /run/munge /var/log/munge /var/lib/munge
chown munge:munge /run/munge /var/log/munge /var/lib/munge
chmod 0755 /run/munge

# Whether daemon $2 runs under the pid in its pid file $1 (a stale file left by a machine
# restart may name another process by now).
alive() { [ -s "$1" ] && [ "$(cat "/proc/$(cat "$1")/comm" 2>/dev/null)" = "$2" ]; }
# Stops daemon $2 of pid file $1 (the one this script started) and waits for it to go.
stop() {
  if alive "$1" "$2"; then
    kill "$(cat "$1")"
    for _ in $(seq 100); do alive "$1" "$2" || return 0; sleep 0.1; done
    die "$2 (pid $(cat "$1")) did not stop within 10 s"
  fi
}

if ! munge -n </dev/null >/dev/null 2>&1; then
  runuser -u munge -- munged
  for _ in $(seq 50); do munge -n </dev/null >/dev/null 2>&1 && break; sleep 0.1; done
  munge -n </dev/null >/dev/null 2>&1 || die "munged did not start (see /var/log/munge/munged.log)"
  echo "slurm-one-node: started munged"
fi

if [ "$changed" = 1 ]; then
  stop /run/slurm/slurmd.pid slurmd
  stop /run/slurm/slurmctld.pid slurmctld
fi
if ! alive /run/slurm/slurmctld.pid slurmctld; then
  slurmctld
  echo "slurm-one-node: started slurmctld"
fi
if ! alive /run/slurm/slurmd.pid slurmd; then
  slurmd
  echo "slurm-one-node: started slurmd"
fi

# Wait for the node to register and be idle (ReturnToService=2 brings a node that was down
# back by itself once it registers with a valid configuration).
state=""
for _ in $(seq $((timeout_s * 2))); do
  state=$(sinfo --noheader --nodes="$host" --format=%T 2>/dev/null | head -n 1 || true)
  case $state in
    idle | mixed | allocated) break ;;
    drained | draining | down* | drain*)
      scontrol update NodeName="$host" State=RESUME >/dev/null 2>&1 || true ;;
  esac
  sleep 0.5
done
case $state in
  idle | mixed | allocated)
    echo "slurm-one-node: node $host is $state (partition debug)" ;;
  *)
    echo "slurm-one-node: node $host is not idle after ${timeout_s} s (state: ${state:-no answer})" >&2
    echo "  slurmctld log: /var/log/slurm/slurmctld.log; slurmd log: /var/log/slurm/slurmd.log" >&2
    tail -n 5 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2 2>/dev/null || true
    exit 1 ;;
esac
