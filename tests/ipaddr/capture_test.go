package ipaddr_test

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/mdlayher/arp"
	"github.com/mdlayher/ethernet"
	"github.com/mdlayher/ndp"
	"github.com/mdlayher/packet"

	bnetns "github.com/baton-ha/baton/tests/harness/netns"
)

// seen is one captured announcement of the floating address.
type seen struct {
	at       time.Time
	kind     string // "request", "reply" or "na"
	sender   string // the link-layer address announced
	override bool   // NA override flag
}

// capture listens on eth0 in namespace ns for gratuitous ARP and
// neighbour advertisements about vip, for d, and delivers what it saw.
func capture(t *testing.T, ns string, vip netip.Addr, d time.Duration) <-chan []seen {
	t.Helper()
	ifi := interfaceIn(t, ns)
	var c *packet.Conn
	if err := bnetns.Do(ns, func() (err error) {
		const ethPAll = 0x0003
		c, err = packet.Listen(ifi, packet.Raw, ethPAll, nil)
		return err
	}); err != nil {
		t.Fatalf("capture socket in %s: %v", ns, err)
	}
	out := make(chan []seen, 1)
	go func() {
		defer c.Close()
		var got []seen
		buf := make([]byte, 2048)
		end := time.Now().Add(d)
		_ = c.SetReadDeadline(end)
		for {
			n, _, err := c.ReadFrom(buf)
			if errors.Is(err, os.ErrDeadlineExceeded) || time.Now().After(end) {
				break
			}
			if err != nil {
				// Not expected, but a lost frame must show as such, not
				// as a capture that ended early: the error becomes an
				// entry, which fails any count.
				got = append(got, seen{at: time.Now(), kind: "capture error: " + err.Error()})
				time.Sleep(10 * time.Millisecond)
				continue
			}
			if s, ok := classify(buf[:n], vip); ok {
				s.at = time.Now()
				got = append(got, s)
			}
		}
		out <- got
	}()
	return out
}

func classify(b []byte, vip netip.Addr) (seen, bool) {
	var f ethernet.Frame
	if err := f.UnmarshalBinary(b); err != nil {
		return seen{}, false
	}
	switch f.EtherType {
	case ethernet.EtherTypeARP:
		var p arp.Packet
		if err := p.UnmarshalBinary(f.Payload); err != nil || p.SenderIP != vip || p.TargetIP != vip {
			return seen{}, false
		}
		kind := "request"
		if p.Operation == arp.OperationReply {
			kind = "reply"
		}
		return seen{kind: kind, sender: p.SenderHardwareAddr.String()}, true
	case ethernet.EtherTypeIPv6:
		const ipv6Header, nextHeaderICMPv6 = 40, 58
		if len(f.Payload) < ipv6Header || f.Payload[6] != nextHeaderICMPv6 {
			return seen{}, false
		}
		m, err := ndp.ParseMessage(f.Payload[ipv6Header:])
		if err != nil {
			return seen{}, false
		}
		na, ok := m.(*ndp.NeighborAdvertisement)
		if !ok || na.TargetAddress != vip || na.Solicited {
			return seen{}, false
		}
		s := seen{kind: "na", override: na.Override}
		for _, o := range na.Options {
			if lla, ok := o.(*ndp.LinkLayerAddress); ok && lla.Direction == ndp.Target {
				s.sender = net.HardwareAddr(lla.Addr).String()
			}
		}
		return s, true
	}
	return seen{}, false
}
