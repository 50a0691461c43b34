package tickle

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// SockDiag lists TCP connections through the kernel's sock_diag netlink
// interface: one dump per family, without reading and parsing the text
// tables of proc. It lists the network namespace it was opened in.
type SockDiag struct {
	h *netlink.Handle
}

// OpenSockDiag opens the interface in the calling thread's network
// namespace.
func OpenSockDiag() (*SockDiag, error) {
	h, err := netlink.NewHandle(unix.NETLINK_INET_DIAG)
	if err != nil {
		return nil, fmt.Errorf("open sock_diag: %w", err)
	}
	return &SockDiag{h: h}, nil
}

// Close releases the netlink socket.
func (s *SockDiag) Close() { s.h.Close() }

// Established returns the established TCP connections whose local address
// is addr, sorted. IPv4 connections accepted by dual-stack sockets are
// reported as IPv4, as Established does for proc.
func (s *SockDiag) Established(addr netip.Addr) ([]Conn, error) {
	addr = addr.Unmap().WithZone("")
	var out []Conn
	seen := map[Conn]bool{}
	for _, fam := range []uint8{unix.AF_INET, unix.AF_INET6} {
		socks, err := s.h.SocketDiagTCP(fam)
		if errors.Is(err, netlink.ErrDumpInterrupted) {
			// The table changed during the dump: ask again once rather
			// than record a list that may miss a connection.
			socks, err = s.h.SocketDiagTCP(fam)
		}
		if err != nil {
			if fam == unix.AF_INET6 && errors.Is(err, unix.ENOENT) {
				continue // IPv6 disabled
			}
			return nil, fmt.Errorf("list TCP connections (sock_diag): %w", err)
		}
		for _, sk := range socks {
			if sk.State != tcpEstablished {
				continue
			}
			l, ok1 := netip.AddrFromSlice(sk.ID.Source)
			r, ok2 := netip.AddrFromSlice(sk.ID.Destination)
			if !ok1 || !ok2 || l.Unmap() != addr {
				continue
			}
			c := Conn{Local: netip.AddrPortFrom(l.Unmap(), sk.ID.SourcePort), Remote: netip.AddrPortFrom(r.Unmap(), sk.ID.DestinationPort)}
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	Sort(out)
	return out, nil
}
