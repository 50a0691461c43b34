package faults

import (
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/mdlayher/arp"

	bnetns "github.com/baton-ha/baton/tests/harness/netns"
)

// arpProbe asks "who has VIP" on the client's interface and records which
// hardware addresses answer. Two answers to one question are two owners on
// the wire, whatever the nodes' own tables say.
type arpProbe struct {
	c   *arp.Client
	vip netip.Addr

	mu      sync.Mutex
	replies map[string]time.Time // sender MAC -> last reply for the VIP
	done    chan struct{}
}

// newARPProbe opens an ARP socket on ifname inside the network namespace
// ns. The socket keeps its namespace after the thread leaves it.
func newARPProbe(ns, ifname, vip string) (*arpProbe, error) {
	addr, err := netip.ParseAddr(vip)
	if err != nil {
		return nil, err
	}
	var c *arp.Client
	err = bnetns.Do(ns, func() error {
		ifi, err := net.InterfaceByName(ifname)
		if err != nil {
			return err
		}
		if c, err = arp.Dial(ifi); err != nil {
			return fmt.Errorf("ARP socket on %s in %s: %v", ifname, ns, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	p := &arpProbe{c: c, vip: addr, replies: map[string]time.Time{}, done: make(chan struct{})}
	go p.read()
	return p, nil
}

func (p *arpProbe) read() {
	defer close(p.done)
	for {
		pkt, _, err := p.c.Read()
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				continue
			}
			return // closed
		}
		// Only answers to a question: an owner's gratuitous announcement
		// (target = the VIP itself) says nothing about a second owner.
		if pkt.Operation == arp.OperationReply && pkt.SenderIP == p.vip && pkt.TargetIP != p.vip {
			p.mu.Lock()
			p.replies[pkt.SenderHardwareAddr.String()] = time.Now()
			p.mu.Unlock()
		}
	}
}

// ask sends one request for the VIP.
func (p *arpProbe) ask() error { return p.c.Request(p.vip) }

// answeredWithin returns the hardware addresses that answered for the VIP
// between from and to.
func (p *arpProbe) answeredWithin(from, to time.Time) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for mac, at := range p.replies {
		if at.After(from) && !at.After(to) {
			out = append(out, mac)
		}
	}
	return out
}

func (p *arpProbe) close() {
	p.c.Close()
	<-p.done
}
