// Package membership decides which cluster nodes are alive, from
// authenticated UDP heartbeats sent on every link (typically a dedicated
// heartbeat NIC and the service NIC).
//
// Each node sends a heartbeat to each peer on each link every keepalive
// interval. A link to a peer is warned about when it has been silent for
// warntime and is down after deadtime; the peer is dead only when every link
// to it is down. Heartbeats carry an HMAC-SHA256 over the whole packet with
// the cluster's shared key, a per-process incarnation, a sequence number,
// the sender's clock and the echo of the receiver's incarnation. A peer
// counts as alive only on packets that echo this process's incarnation (a
// per-boot challenge), come from its configured address and carry a time
// near this node's clock, so forged packets are dropped and no recording,
// replayed before or after a restart of either node, keeps a dead peer
// alive (docs/membership.md).
package membership
