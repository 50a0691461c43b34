package ipaddr

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// memRtnl is an in-memory routing table: links, their addresses and the
// main table's routes, with the kernel's answers to the calls the agent
// makes (EEXIST, EADDRNOTAVAIL). dadFails marks IPv6 addresses added
// without NODAD as duplicates, as the kernel does when a neighbour answers.
type memRtnl struct {
	links    []*netlink.Device
	addrs    []netlink.Addr
	routes   []netlink.Route
	dadFails bool
}

func (m *memRtnl) open() (Rtnetlink, error) { return m, nil }

func (m *memRtnl) addLink(index int, name string, flags net.Flags, oper netlink.LinkOperState) *netlink.Device {
	l := &netlink.Device{LinkAttrs: netlink.LinkAttrs{Index: index, Name: name, Flags: flags, OperState: oper,
		HardwareAddr: net.HardwareAddr{2, 0, 0, 0, 0, byte(index)}, MTU: 1500}}
	m.links = append(m.links, l)
	return l
}

// route adds a directly connected route to prefix on the link.
func (m *memRtnl) route(index int, prefix string) {
	p := netip.MustParsePrefix(prefix)
	scope := netlink.SCOPE_LINK
	if p.Addr().Is6() {
		scope = netlink.SCOPE_UNIVERSE
	}
	m.routes = append(m.routes, netlink.Route{LinkIndex: index, Scope: scope,
		Dst: &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}})
}

func (m *memRtnl) LinkByName(name string) (netlink.Link, error) {
	for _, l := range m.links {
		if l.Name == name {
			return l, nil
		}
	}
	return nil, netlink.LinkNotFoundError{}
}

func (m *memRtnl) LinkByIndex(index int) (netlink.Link, error) {
	for _, l := range m.links {
		if l.Index == index {
			return l, nil
		}
	}
	return nil, netlink.LinkNotFoundError{}
}

func (m *memRtnl) LinkSetUp(link netlink.Link) error {
	link.Attrs().Flags |= net.FlagUp
	link.Attrs().OperState = netlink.OperUp
	return nil
}

func famOf(ip net.IP) int {
	if ip.To4() != nil {
		return netlink.FAMILY_V4
	}
	return netlink.FAMILY_V6
}

func (m *memRtnl) AddrList(link netlink.Link, family int) ([]netlink.Addr, error) {
	var out []netlink.Addr
	for _, a := range m.addrs {
		if (link == nil || a.LinkIndex == link.Attrs().Index) && famOf(a.IP) == family {
			out = append(out, a)
		}
	}
	return out, nil
}

func (m *memRtnl) AddrAdd(link netlink.Link, addr *netlink.Addr) error {
	for _, a := range m.addrs {
		if a.LinkIndex == link.Attrs().Index && a.IP.Equal(addr.IP) {
			return unix.EEXIST
		}
	}
	a := *addr
	a.LinkIndex = link.Attrs().Index
	if famOf(a.IP) == netlink.FAMILY_V6 && a.Flags&unix.IFA_F_NODAD == 0 && m.dadFails {
		a.Flags |= unix.IFA_F_DADFAILED | unix.IFA_F_TENTATIVE
	}
	m.addrs = append(m.addrs, a)
	return nil
}

func (m *memRtnl) AddrDel(link netlink.Link, addr *netlink.Addr) error {
	for i, a := range m.addrs {
		if a.LinkIndex == link.Attrs().Index && a.IP.Equal(addr.IP) {
			m.addrs = append(m.addrs[:i], m.addrs[i+1:]...)
			return nil
		}
	}
	return unix.EADDRNOTAVAIL
}

func (m *memRtnl) RouteList(_ netlink.Link, family int) ([]netlink.Route, error) {
	var out []netlink.Route
	for _, r := range m.routes {
		if famOf(r.Dst.IP) == family {
			out = append(out, r)
		}
	}
	return out, nil
}

func (m *memRtnl) Close() {}

// has reports the addresses on the link, as "ip/prefix".
func (m *memRtnl) has(index int) []string {
	var out []string
	for _, a := range m.addrs {
		if a.LinkIndex == index {
			ones, _ := a.Mask.Size()
			out = append(out, fmt.Sprintf("%s/%d", a.IP, ones))
		}
	}
	return out
}
