#!/bin/bash
# Runs inside fresh network, mount and UTS namespaces (see pacemaker.go):
# gives Pacemaker and Corosync a private copy of every directory they write,
# installs the test's agents as the OCF tree, then starts both daemons and
# waits. Arguments: STATE_DIR NODE_NAME PID_FILE. Nothing here is built from
# untrusted input: the harness passes paths it created.
set -eu
state=$1 node=$2 pidfile=$3

hostname "$node"
ip link set lo up
mount --make-rprivate /
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs tmpfs /run
mkdir -p /run/crm /run/lock
chown hacluster:haclient /run/crm
chmod 750 /run/crm
for d in /var/lib/pacemaker/cib /var/lib/pacemaker/pengine /var/lib/pacemaker/blackbox \
         /var/lib/pacemaker/cores /var/lib/corosync /var/log /etc/corosync /usr/lib/ocf/resource.d; do
  mkdir -p "$d"
  mount --bind "$state$d" "$d"
done
echo $$ > "$pidfile"
corosync -f -c /etc/corosync/corosync.conf &
# pacemakerd refuses to start before corosync answers.
for _ in $(seq 50); do
  corosync-quorumtool -s >/dev/null 2>&1 && break
  sleep 0.2
done
PCMK_logfile=/var/log/pacemaker.log /usr/sbin/pacemakerd &
wait
