// Package membership decides which cluster nodes are alive, from
// authenticated UDP heartbeats sent on every link (typically a dedicated
// heartbeat NIC and the service NIC).
//
// Each node sends a heartbeat to each peer on each link every keepalive
// interval. A link to a peer is warned about when it has been silent for
// warntime and is down after deadtime; the peer is dead only when every link
// to it is down. Heartbeats carry an HMAC-SHA256 over the whole packet with
// the cluster's shared key, a per-process incarnation and a sequence number,
// so forged packets are dropped and a restarted peer is told apart from a
// replay of its old traffic.
package membership
