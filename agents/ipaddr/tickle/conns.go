// Package tickle implements CTDB-style "tickle ACKs". The owner of a floating
// address records the TCP connections clients hold to it; after a takeover
// the new owner sends each of those clients a bogus ACK from the address. The
// client answers with an ACK of its own, the new owner's stack (which has no
// such connection) answers that with a RST, and the client drops the
// connection and reconnects at once instead of waiting out its
// retransmission backoff.
package tickle

import (
	"net/netip"
	"sort"
)

// Conn is one TCP connection as the server sees it.
type Conn struct {
	Local  netip.AddrPort // the floating address and the service port
	Remote netip.AddrPort // the client
}

func (c Conn) String() string { return c.Local.String() + " " + c.Remote.String() }

// Sort orders connections by local then remote address, so that records
// are stable and comparable.
func Sort(cs []Conn) {
	sort.Slice(cs, func(i, j int) bool {
		if c := cs[i].Local.Compare(cs[j].Local); c != 0 {
			return c < 0
		}
		return cs[i].Remote.Compare(cs[j].Remote) < 0
	})
}
