package tickle

import (
	"fmt"
	"net/netip"

	"golang.org/x/sys/unix"
)

// Sender sends tickle ACKs from one local address through a raw TCP socket.
// The socket is created by Open, so a caller that switched its thread into
// another network namespace can send from any goroutine afterwards.
type Sender struct {
	fd    int
	local netip.Addr
}

// Open creates the raw socket, bound to local so that the kernel puts the
// floating address in the IP header whatever the routing table prefers.
func Open(local netip.Addr) (*Sender, error) {
	local = local.Unmap().WithZone("")
	family := unix.AF_INET6
	if local.Is4() {
		family = unix.AF_INET
	}
	fd, err := unix.Socket(family, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
	if err != nil {
		return nil, fmt.Errorf("open raw TCP socket for tickle ACKs: %w (is this root?)", err)
	}
	// Nothing is read from this socket, but a raw TCP socket receives a
	// copy of every TCP segment: keep its buffer small.
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 256)
	if err := unix.Bind(fd, sockaddr(local)); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("bind tickle socket to %s: %w (is the address configured here?)", local, err)
	}
	return &Sender{fd: fd, local: local}, nil
}

// Send sends one tickle ACK to c.Remote from c.Local. Connections of the
// other address family, or from another local address, are skipped.
func (s *Sender) Send(c Conn) error {
	if c.Local.Addr().Unmap() != s.local {
		return nil
	}
	seg := Segment(c.Local, c.Remote, 0, 0)
	if err := unix.Sendto(s.fd, seg, 0, sockaddr(c.Remote.Addr().Unmap())); err != nil {
		return fmt.Errorf("send tickle ACK to %s: %w", c.Remote, err)
	}
	return nil
}

// Close releases the socket.
func (s *Sender) Close() error { return unix.Close(s.fd) }

func sockaddr(a netip.Addr) unix.Sockaddr {
	if a.Is4() {
		return &unix.SockaddrInet4{Addr: a.As4()}
	}
	return &unix.SockaddrInet6{Addr: a.As16()}
}
