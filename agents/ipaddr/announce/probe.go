package announce

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"

	"github.com/mdlayher/arp"
	"github.com/mdlayher/ethernet"
	"github.com/mdlayher/packet"
)

// Probe asks the link whether another host already uses addr, with count
// ARP probes (sender address 0.0.0.0, RFC 5227) gap apart, and listens
// until gap after the last. It returns the hardware address of a host that
// claimed addr, or nil when none did.
func Probe(ctx context.Context, ifi *net.Interface, addr netip.Addr, count int, gap time.Duration) (net.HardwareAddr, error) {
	if len(ifi.HardwareAddr) != 6 {
		return nil, fmt.Errorf("interface %s is not Ethernet-like", ifi.Name)
	}
	c, err := packet.Listen(ifi, packet.Raw, etherTypeARP, nil)
	if err != nil {
		return nil, fmt.Errorf("open packet socket on %s: %w", ifi.Name, err)
	}
	defer c.Close()
	p, err := arp.NewPacket(arp.OperationRequest, ifi.HardwareAddr, netip.IPv4Unspecified(),
		net.HardwareAddr{0, 0, 0, 0, 0, 0}, addr)
	if err != nil {
		return nil, err
	}
	pb, err := p.MarshalBinary()
	if err != nil {
		return nil, err
	}
	f := &ethernet.Frame{Destination: ethernet.Broadcast, Source: ifi.HardwareAddr, EtherType: ethernet.EtherTypeARP, Payload: pb}
	frame, err := f.MarshalBinary()
	if err != nil {
		return nil, err
	}
	buf := make([]byte, 1500)
	for i := 0; i < count; i++ {
		if _, err := c.WriteTo(frame, &packet.Addr{HardwareAddr: ethernet.Broadcast}); err != nil {
			return nil, fmt.Errorf("send ARP probe: %w", err)
		}
		until := time.Now().Add(gap)
		if dl, ok := ctx.Deadline(); ok && dl.Before(until) {
			until = dl
		}
		for {
			_ = c.SetReadDeadline(until)
			n, _, err := c.ReadFrom(buf)
			if errors.Is(err, os.ErrDeadlineExceeded) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("read ARP: %w", err)
			}
			if hw := claimant(buf[:n], ifi.HardwareAddr, addr); hw != nil {
				return hw, nil
			}
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	return nil, nil
}

// claimant returns the sender of frame when it is an ARP packet from
// another host that says it has addr.
func claimant(frame []byte, own net.HardwareAddr, addr netip.Addr) net.HardwareAddr {
	var f ethernet.Frame
	if err := f.UnmarshalBinary(frame); err != nil || f.EtherType != ethernet.EtherTypeARP {
		return nil
	}
	var p arp.Packet
	if err := p.UnmarshalBinary(f.Payload); err != nil {
		return nil
	}
	if p.SenderIP == addr && !bytes.Equal(p.SenderHardwareAddr, own) {
		return p.SenderHardwareAddr
	}
	return nil
}
