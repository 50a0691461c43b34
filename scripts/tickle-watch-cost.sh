#!/bin/sh
# Measures the CPU and memory of IPaddr's tickle-record watcher (the
# background process start leaves running with tickle_dir): N client
# connections on 127.0.0.1, the watcher run for 30 s on that address.
# Usage: scripts/tickle-watch-cost.sh [N]   (after make build; no root)
set -eu
n=${1:-10}
dir=$(mktemp -d /tmp/baton-tickle-cost.XXXXXX)
trap 'kill $wpid $cpid 2>/dev/null; rm -rf "$dir"' EXIT
python3 - "$n" >/dev/null <<'PY' &
import socket, sys, time
ls = socket.socket(); ls.bind(("127.0.0.1", 0)); ls.listen(1024)
keep = []
for _ in range(int(sys.argv[1])):
    c = socket.create_connection(ls.getsockname()); s, _ = ls.accept(); keep += [c, s]
time.sleep(3600)
PY
cpid=$!
sleep 1
BATON_IPADDR_PLAN="{\"addr\":\"127.0.0.1\",\"pidfile\":\"$dir/pid\",\"tickle_dir\":\"$dir\"}" \
	HA_LOGFACILITY=none bin/baton ipaddr-announce 127.0.0.1 2>/dev/null &
wpid=$!
sleep 2
set -- $(cut -d' ' -f14,15 /proc/$wpid/stat); t0=$(($1 + $2)); s0=$(date +%s%N)
sleep 30
set -- $(cut -d' ' -f14,15 /proc/$wpid/stat); t1=$(($1 + $2)); s1=$(date +%s%N)
rss=$(awk '/VmRSS/ {print $2}' /proc/$wpid/status)
hz=$(getconf CLK_TCK)
cpu=$(awk -v t="$((t1 - t0))" -v hz="$hz" -v ns="$((s1 - s0))" 'BEGIN { printf "%.2f", 100 * t / hz / (ns / 1e9) }')
echo "connections=$n cpu=${cpu}% rss=${rss}kB records=$(grep -vc '^#' "$dir"/baton-tickle-127.0.0.1)"
