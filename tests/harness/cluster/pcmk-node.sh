#!/bin/bash
# Runs inside a test node's namespaces (entered with nsenter): gives
# Pacemaker and Corosync private copies of the directories they write, the
# test's OCF tree, then starts both daemons in the background and returns.
# Arguments: STATE_DIR [FENCE_DIR]. FENCE_DIR, when given, holds fence agents
# laid over /usr/sbin (read-only overlay), the only directory
# pacemaker-fenced runs fence_* agents from. Only paths the harness created
# are passed.
set -eu
state=$1
fence=${2:-}
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mkdir -p /run/crm /run/lock
chown hacluster:haclient /run/crm
chmod 750 /run/crm
for d in /var/lib/pacemaker/cib /var/lib/pacemaker/pengine /var/lib/pacemaker/blackbox \
         /var/lib/pacemaker/cores /var/lib/corosync /var/log /etc/corosync /usr/lib/ocf/resource.d; do
  mount --bind "$state$d" "$d"
done
if [ -n "$fence" ]; then
  mount -t overlay overlay -o "lowerdir=$fence:/usr/sbin" /usr/sbin
fi
setsid corosync -f -c /etc/corosync/corosync.conf </dev/null >"$state/corosync.out" 2>&1 &
for _ in $(seq 50); do
  corosync-quorumtool -s >/dev/null 2>&1 && break
  sleep 0.2
done
PCMK_logfile=/var/log/pacemaker.log setsid /usr/sbin/pacemakerd </dev/null >"$state/pacemakerd.out" 2>&1 &
