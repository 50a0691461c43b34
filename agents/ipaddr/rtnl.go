package ipaddr

import (
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Rtnetlink is the part of the kernel's routing netlink interface the agent
// uses: the links, their addresses and the routes of the network namespace
// it was opened in. *netlink.Handle implements it; tests pass an in-memory
// table, so that the agent's choices (which interface, which prefix, when
// an address counts as present, DAD) are checked without root.
type Rtnetlink interface {
	LinkByName(name string) (netlink.Link, error)
	LinkByIndex(index int) (netlink.Link, error)
	LinkSetUp(link netlink.Link) error
	// AddrList lists the addresses of link (every link when nil) of one
	// family (netlink.FAMILY_V4 or FAMILY_V6).
	AddrList(link netlink.Link, family int) ([]netlink.Addr, error)
	// AddrAdd fails with EEXIST when the address is there already.
	AddrAdd(link netlink.Link, addr *netlink.Addr) error
	// AddrDel fails with EADDRNOTAVAIL when the address is not there.
	AddrDel(link netlink.Link, addr *netlink.Addr) error
	// RouteList lists the main table's routes of one family.
	RouteList(link netlink.Link, family int) ([]netlink.Route, error)
	Close()
}

// openRtnetlink opens a handle in the calling thread's network namespace.
func openRtnetlink() (Rtnetlink, error) {
	return netlink.NewHandle(unix.NETLINK_ROUTE)
}
