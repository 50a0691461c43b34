package announce

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/mdlayher/ndp"
)

type naAnnouncer struct {
	conn *ndp.Conn
	msg  *ndp.NeighborAdvertisement
	dst  netip.Addr
}

// Advertisement returns the unsolicited neighbour advertisement for addr:
// not solicited, override set so that receivers replace the link-layer
// address they cache, and the target link-layer address option carrying hw
// (RFC 4861 section 7.2.6).
func Advertisement(hw net.HardwareAddr, addr netip.Addr) *ndp.NeighborAdvertisement {
	return &ndp.NeighborAdvertisement{
		Override:      true,
		TargetAddress: addr,
		Options:       []ndp.Option{&ndp.LinkLayerAddress{Direction: ndp.Target, Addr: hw}},
	}
}

func openNA(ifi *net.Interface, addr netip.Addr) (*naAnnouncer, error) {
	// Bound to the address itself, so that the advertisement's source is
	// the moved address; this requires DAD to have finished.
	c, _, err := ndp.Listen(ifi, ndp.Addr(addr.WithZone("").String()))
	if err != nil {
		return nil, fmt.Errorf("open ICMPv6 socket on %s from %s: %w (is the address configured and past DAD?)", ifi.Name, addr, err)
	}
	return &naAnnouncer{
		conn: c,
		msg:  Advertisement(ifi.HardwareAddr, addr.WithZone("")),
		dst:  netip.IPv6LinkLocalAllNodes().WithZone(ifi.Name),
	}, nil
}

func (a *naAnnouncer) Announce() error {
	if err := a.conn.WriteTo(a.msg, nil, a.dst); err != nil {
		return fmt.Errorf("send unsolicited neighbour advertisement: %w", err)
	}
	return nil
}

func (a *naAnnouncer) Close() error { return a.conn.Close() }
