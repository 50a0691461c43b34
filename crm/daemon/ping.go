package daemon

import (
	"context"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"

	"github.com/baton-ha/baton/crm/config"
)

// pinger turns the reachability of ping hosts into a node attribute, as
// ocf:pacemaker:ping does: multiplier x the number of hosts that answered.
// Location rules on that attribute keep resources off a node that lost its
// uplink.
type pinger struct {
	cfg config.Ping
	set func(name, value string)
	log *slog.Logger
	// first, when set, is closed once the attribute has its first value.
	first chan struct{}
}

func (p *pinger) run(ctx context.Context) error {
	conn, err := icmp.ListenPacket("ip4:icmp", "0.0.0.0")
	if err != nil {
		// Unprivileged ICMP sockets as a fallback (net.ipv4.ping_group_range).
		conn, err = icmp.ListenPacket("udp4", "0.0.0.0")
		if err != nil {
			return err
		}
	}
	defer conn.Close()
	var mu sync.Mutex
	replies := map[string]int{} // host -> last seq answered
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := conn.ReadFrom(buf)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				continue
			}
			m, err := icmp.ParseMessage(1, buf[:n])
			if err != nil || m.Type != ipv4.ICMPTypeEchoReply {
				continue
			}
			echo, ok := m.Body.(*icmp.Echo)
			if !ok || echo.ID != os.Getpid()&0xffff {
				continue
			}
			host, _, _ := net.SplitHostPort(from.String())
			if host == "" {
				host = from.String()
			}
			mu.Lock()
			replies[host] = echo.Seq
			mu.Unlock()
		}
	}()
	t := time.NewTicker(p.cfg.Interval.Duration)
	defer t.Stop()
	seq := 0
	last := ""
	for {
		seq = (seq + 1) & 0xffff
		for _, h := range p.cfg.Hosts {
			msg := icmp.Message{Type: ipv4.ICMPTypeEcho, Body: &icmp.Echo{ID: os.Getpid() & 0xffff, Seq: seq, Data: []byte("baton")}}
			b, _ := msg.Marshal(nil)
			var dst net.Addr = &net.IPAddr{IP: net.ParseIP(h)}
			if _, ok := conn.LocalAddr().(*net.UDPAddr); ok {
				dst = &net.UDPAddr{IP: net.ParseIP(h)}
			}
			_, _ = conn.WriteTo(b, dst)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(p.cfg.Timeout.Duration):
		}
		up := 0
		mu.Lock()
		for _, h := range p.cfg.Hosts {
			if replies[h] == seq {
				up++
			}
		}
		mu.Unlock()
		v := strconv.Itoa(up * p.cfg.Multiplier)
		if v != last {
			p.log.Info("ping hosts reachable", "count", up, "attribute", p.cfg.Attribute, "value", v)
			last = v
		}
		p.set(p.cfg.Attribute, v)
		if p.first != nil {
			close(p.first)
			p.first = nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
