package ipaddr

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/baton-ha/baton/ocf"
)

// Everything here talks to the kernel through one rtnetlink handle, opened
// in the network namespace the agent works in; no ip(8) process is run.

const forever = 0xffffffff

func family(a netip.Addr) int {
	if a.Is4() {
		return netlink.FAMILY_V4
	}
	return netlink.FAMILY_V6
}

// errNoInterface says that no interface could be found for the address:
// the caller decides what that means for its action.
var errNoInterface = errors.New("no interface found")

// findInterface fills in s.nic and s.prefix from the routing table when the
// parameters leave them open: the most specific directly connected route
// (scope link for IPv4) that covers the address, restricted to nic when it
// is given. This is what IPaddr2's findif does with "ip route list match".
func findInterface(h Rtnetlink, s *spec) error {
	if s.nic != "" && s.prefix >= 0 {
		return nil
	}
	var nicIndex int
	if s.nic != "" {
		l, err := h.LinkByName(s.nic)
		if err != nil {
			return fmt.Errorf("%w: interface %s: %v", errNoInterface, s.nic, err)
		}
		nicIndex = l.Attrs().Index
	}
	routes, err := h.RouteList(nil, family(s.addr))
	if err != nil {
		return fmt.Errorf("list routes: %w", err)
	}
	best := -1
	var bestLink int
	for _, rt := range routes {
		if rt.Dst == nil || (s.addr.Is4() && rt.Scope != netlink.SCOPE_LINK) {
			continue
		}
		if nicIndex != 0 && rt.LinkIndex != nicIndex {
			continue
		}
		ones, _ := rt.Dst.Mask.Size()
		dst, ok := netip.AddrFromSlice(rt.Dst.IP)
		if !ok || ones == 0 {
			continue
		}
		pfx := netip.PrefixFrom(dst.Unmap(), ones)
		if !pfx.Contains(s.addr) || (s.prefix >= 0 && ones > s.prefix) {
			continue
		}
		if ones >= best {
			best, bestLink = ones, rt.LinkIndex
		}
	}
	if best < 0 {
		what := "directly connected route covers " + s.addr.String()
		if s.nic != "" {
			what += " on " + s.nic
		}
		return fmt.Errorf("%w: no %s (set nic and cidr_netmask, or give the interface a fixed address in that subnet)", errNoInterface, what)
	}
	if s.nic == "" {
		l, err := h.LinkByIndex(bestLink)
		if err != nil {
			return fmt.Errorf("interface of the route to %s: %w", s.addr, err)
		}
		s.nic = l.Attrs().Name
		if s.label != "" {
			// newSpec kept the bare label until the interface was known.
			s.label = s.nic + ":" + s.label
		}
		if len(s.label) > 15 {
			return ocf.Errorf(ocf.ErrConfigured, "interface label %s is longer than 15 characters", s.label)
		}
	}
	if s.prefix < 0 {
		s.prefix = best
	}
	return nil
}

// lookup returns the link and the address as configured on it (nil when
// absent).
func lookup(h Rtnetlink, s *spec) (netlink.Link, *netlink.Addr, error) {
	link, err := h.LinkByName(s.nic)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: interface %s: %v", errNoInterface, s.nic, err)
	}
	addrs, err := h.AddrList(link, family(s.addr))
	if err != nil {
		return link, nil, fmt.Errorf("list addresses of %s: %w", s.nic, err)
	}
	for i := range addrs {
		if a, ok := netip.AddrFromSlice(addrs[i].IP); ok && a.Unmap() == s.addr {
			return link, &addrs[i], nil
		}
	}
	return link, nil, nil
}

// locate finds the address where it is configured: on s.nic when that is
// set, else on whichever interface has it (a non-loopback one preferred),
// filling in s.nic. It needs no route, so that monitor and stop work when
// the link is down and its connected routes are gone, and costs one address
// dump. The address is nil when it is not configured.
func locate(h Rtnetlink, s *spec) (netlink.Link, *netlink.Addr, error) {
	if s.nic != "" {
		return lookup(h, s)
	}
	addrs, err := h.AddrList(nil, family(s.addr))
	if err != nil {
		return nil, nil, fmt.Errorf("list addresses: %w", err)
	}
	var link netlink.Link
	var found *netlink.Addr
	for i := range addrs {
		a, ok := netip.AddrFromSlice(addrs[i].IP)
		if !ok || a.Unmap() != s.addr {
			continue
		}
		l, err := h.LinkByIndex(addrs[i].LinkIndex)
		if err != nil {
			continue // vanished meanwhile
		}
		if found == nil || isLoopback(link) {
			link, found = l, &addrs[i]
		}
	}
	if found != nil {
		s.nic = link.Attrs().Name
	}
	return link, found, nil
}

// linkDown reports whether traffic cannot flow on the link: administratively
// down, or operationally down or without carrier below it.
func linkDown(l netlink.Link) bool {
	a := l.Attrs()
	if a.Flags&net.FlagUp == 0 {
		return true
	}
	switch a.OperState {
	case netlink.OperDown, netlink.OperLowerLayerDown, netlink.OperNotPresent:
		return true
	}
	return false
}

// netlinkAddr is the address to add, with IPaddr2's options.
func netlinkAddr(s *spec) (*netlink.Addr, error) {
	bits := s.addr.BitLen()
	a := &netlink.Addr{IPNet: &net.IPNet{IP: s.addr.AsSlice(), Mask: net.CIDRMask(s.prefix, bits)}}
	if s.addr.Is4() {
		a.Label = s.label
		switch s.broadcast {
		case "":
		case "+", "-":
			pfx := netip.PrefixFrom(s.addr, s.prefix).Masked().Addr().As4()
			if s.broadcast == "+" {
				m := net.CIDRMask(s.prefix, 32)
				for i := range pfx {
					pfx[i] |= ^m[i]
				}
			}
			a.Broadcast = net.IP(pfx[:])
		default:
			b, err := netip.ParseAddr(s.broadcast)
			if err != nil {
				return nil, err
			}
			a.Broadcast = b.AsSlice()
		}
	} else {
		if s.nodad {
			a.Flags |= unix.IFA_F_NODAD
		}
		a.ValidLft = forever
		a.PreferedLft = forever
		if s.preferredLft >= 0 {
			a.PreferedLft = s.preferredLft
		}
	}
	if s.noPrefixRoute {
		a.Flags |= unix.IFA_F_NOPREFIXROUTE
	}
	return a, nil
}

// flushRouteCache does what "ip route flush cache" does on current kernels.
func flushRouteCache(procSys string) error {
	var errs []error
	for _, f := range []string{"net/ipv4/route/flush", "net/ipv6/route/flush"} {
		err := os.WriteFile(procSys+"/"+f, []byte("1\n"), 0)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// interfaceOf converts a netlink link to the net.Interface that the packet
// libraries take, without another lookup by name.
func interfaceOf(l netlink.Link) (*net.Interface, error) {
	a := l.Attrs()
	if a == nil {
		return nil, errors.New("link without attributes")
	}
	return &net.Interface{Index: a.Index, MTU: a.MTU, Name: a.Name, HardwareAddr: a.HardwareAddr, Flags: a.Flags}, nil
}
