# /etc/ha.d/ha.cf on M2.redhat.sx
#
debugfile /var/log/ha-debug
logfile /var/log/ha-log
logfacility local0
keepalive 2
deadtime 30
warntime 10
initdead 120
udpport 694
# heartbeats over the crossover cable and the public network
ucast em2 10.0.0.1
ucast em1 192.168.0.217
auto_failback on
node M1.redhat.sx
node M2.redhat.sx
ping 192.168.0.1
respawn hacluster /usr/lib/heartbeat/ipfail
