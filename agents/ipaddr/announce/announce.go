// Package announce tells a link's neighbours that an address has moved to
// this host: gratuitous ARP for IPv4, unsolicited neighbour advertisements
// for IPv6. Frames are built by mdlayher/arp and mdlayher/ndp and sent through
// AF_PACKET and ICMPv6 sockets; no arping or send_arp process is involved.
package announce

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// Mode says which kind of gratuitous ARP to send. Some switches and routers
// learn only from replies, others only from requests, hence the choice.
type Mode string

const (
	Request Mode = "request"
	Reply   Mode = "reply"
	Both    Mode = "both"
)

// ParseMode reads an arp_mode value.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(strings.ToLower(strings.TrimSpace(s))); m {
	case Request, Reply, Both:
		return m, nil
	case "":
		return Request, nil
	}
	return "", fmt.Errorf("arp mode %q is not request, reply or both", s)
}

// Announcer sends one round of announcements for an address. A round is one
// frame, or for Mode Both a request and a reply. Implementations own a
// socket: Close releases it.
type Announcer interface {
	Announce() error
	Close() error
}

// Open returns the announcer for addr on ifi: ARP for IPv4, neighbour
// advertisements for IPv6. The sockets are created here, so a caller that
// switched the thread into another network namespace may send from any
// goroutine afterwards.
func Open(ifi *net.Interface, addr netip.Addr, mode Mode) (Announcer, error) {
	if len(ifi.HardwareAddr) != 6 {
		return nil, fmt.Errorf("interface %s has no Ethernet address (hardware address %q): only Ethernet-like links can be announced", ifi.Name, ifi.HardwareAddr)
	}
	if addr.Is4() || addr.Is4In6() {
		return openARP(ifi, addr.Unmap(), mode)
	}
	return openNA(ifi, addr)
}
