package announce

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/mdlayher/arp"
	"github.com/mdlayher/ethernet"
	"github.com/mdlayher/packet"
)

// etherTypeARP is the protocol number the packet socket is opened for.
const etherTypeARP = 0x0806

type arpAnnouncer struct {
	conn   *packet.Conn
	frames [][]byte
}

// GratuitousFrames returns the Ethernet frames of one announcement round:
// broadcast frames whose sender and target protocol address are both addr
// and whose sender hardware address is hw. A request leaves the target
// hardware address zero (RFC 5227 style). A reply repeats hw there, as
// arping -A does: Linux treats a reply as gratuitous, and lets it override
// an entry it updated less than locktime (1 s) ago, only when target and
// sender hardware addresses are equal.
func GratuitousFrames(hw net.HardwareAddr, addr netip.Addr, mode Mode) ([][]byte, error) {
	var ops []arp.Operation
	switch mode {
	case Request, "":
		ops = []arp.Operation{arp.OperationRequest}
	case Reply:
		ops = []arp.Operation{arp.OperationReply}
	case Both:
		ops = []arp.Operation{arp.OperationRequest, arp.OperationReply}
	default:
		return nil, fmt.Errorf("unknown arp mode %q", mode)
	}
	var out [][]byte
	for _, op := range ops {
		target := net.HardwareAddr{0, 0, 0, 0, 0, 0}
		if op == arp.OperationReply {
			target = hw
		}
		p, err := arp.NewPacket(op, hw, addr, target, addr)
		if err != nil {
			return nil, fmt.Errorf("build ARP packet for %s: %w", addr, err)
		}
		pb, err := p.MarshalBinary()
		if err != nil {
			return nil, err
		}
		f := &ethernet.Frame{Destination: ethernet.Broadcast, Source: hw, EtherType: ethernet.EtherTypeARP, Payload: pb}
		fb, err := f.MarshalBinary()
		if err != nil {
			return nil, err
		}
		out = append(out, fb)
	}
	return out, nil
}

func openARP(ifi *net.Interface, addr netip.Addr, mode Mode) (*arpAnnouncer, error) {
	frames, err := GratuitousFrames(ifi.HardwareAddr, addr, mode)
	if err != nil {
		return nil, err
	}
	// A datagram-less raw socket bound to ARP only: it never receives
	// anything else, and what it receives is never read.
	c, err := packet.Listen(ifi, packet.Raw, etherTypeARP, nil)
	if err != nil {
		return nil, fmt.Errorf("open packet socket on %s for gratuitous ARP: %w (is this root?)", ifi.Name, err)
	}
	return &arpAnnouncer{conn: c, frames: frames}, nil
}

func (a *arpAnnouncer) Announce() error {
	for _, f := range a.frames {
		if _, err := a.conn.WriteTo(f, &packet.Addr{HardwareAddr: ethernet.Broadcast}); err != nil {
			return fmt.Errorf("send gratuitous ARP: %w", err)
		}
	}
	return nil
}

func (a *arpAnnouncer) Close() error { return a.conn.Close() }
