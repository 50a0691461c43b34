package ping

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"net"
	"time"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"

	"github.com/baton-ha/baton/ocf"
)

// Echo sends host up to attempts ICMP echo requests, waiting up to wait for
// an answer to each, and reports whether one came. It uses a raw ICMP
// socket (the agent runs as root) or, failing that, an unprivileged ping
// socket (net.ipv4.ping_group_range). Each call has its own socket and a
// random identifier, and only an echo reply from host with that identifier
// and a sequence number of this call counts.
func Echo(ctx context.Context, host string, attempts int, wait time.Duration) bool {
	ip, err := resolve(ctx, host)
	if err != nil {
		return false
	}
	v4 := ip.To4() != nil
	network, unpriv, listen, proto := "ip4:icmp", "udp4", "0.0.0.0", 1
	var reqType, replyType icmp.Type = ipv4.ICMPTypeEcho, ipv4.ICMPTypeEchoReply
	if !v4 {
		network, unpriv, listen, proto = "ip6:ipv6-icmp", "udp6", "::", 58
		reqType, replyType = ipv6.ICMPTypeEchoRequest, ipv6.ICMPTypeEchoReply
	}
	conn, err := icmp.ListenPacket(network, listen)
	var dst net.Addr = &net.IPAddr{IP: ip}
	if err != nil {
		if conn, err = icmp.ListenPacket(unpriv, listen); err != nil {
			return false
		}
		dst = &net.UDPAddr{IP: ip}
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.SetReadDeadline(time.Now()) })
	defer stop()
	var idb [2]byte
	_, _ = rand.Read(idb[:])
	id := int(binary.BigEndian.Uint16(idb[:]))
	buf := make([]byte, 1500)
	for seq := 1; seq <= attempts && ctx.Err() == nil; seq++ {
		msg := icmp.Message{Type: reqType, Body: &icmp.Echo{ID: id, Seq: seq, Data: []byte("baton-ping")}}
		b, err := msg.Marshal(nil)
		if err != nil {
			return false
		}
		if _, err := conn.WriteTo(b, dst); err != nil {
			// No route (the service network is gone): this attempt is
			// lost; wait it out so attempts keep their spacing.
			if !ocf.Sleep(ctx, wait) {
				return false
			}
			continue
		}
		deadline := time.Now().Add(wait)
		_ = conn.SetReadDeadline(deadline)
		for {
			n, from, err := conn.ReadFrom(buf)
			if err != nil {
				break // this attempt timed out
			}
			if !sameHost(from, ip) {
				continue
			}
			m, err := icmp.ParseMessage(proto, buf[:n])
			if err != nil || m.Type != replyType {
				continue
			}
			e, ok := m.Body.(*icmp.Echo)
			// Ping sockets rewrite the identifier: only the sequence can
			// be checked there.
			if ok && e.Seq >= 1 && e.Seq <= seq && (e.ID == id || unprivileged(dst)) {
				return true
			}
		}
	}
	return false
}

func unprivileged(dst net.Addr) bool {
	_, ok := dst.(*net.UDPAddr)
	return ok
}

func sameHost(from net.Addr, ip net.IP) bool {
	switch a := from.(type) {
	case *net.IPAddr:
		return a.IP.Equal(ip)
	case *net.UDPAddr:
		return a.IP.Equal(ip)
	}
	return false
}
