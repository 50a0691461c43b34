package hostsys

import (
	"net"
	"net/netip"
)

// LocalAddrs lists the addresses of this node's (network namespace's)
// interfaces, loopback first, without link-local ones (an NFS client or a
// floating address is never one of those).
func LocalAddrs() ([]netip.Addr, error) {
	ifaddrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, err
	}
	var lo, other []netip.Addr
	for _, ia := range ifaddrs {
		n, ok := ia.(*net.IPNet)
		if !ok {
			continue
		}
		a, ok := netip.AddrFromSlice(n.IP)
		if !ok || a.IsLinkLocalUnicast() {
			continue
		}
		if a = a.Unmap(); a.IsLoopback() {
			lo = append(lo, a)
		} else {
			other = append(other, a)
		}
	}
	return append(lo, other...), nil
}
