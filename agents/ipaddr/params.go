package ipaddr

import (
	"errors"
	"strconv"
	"strings"

	"github.com/baton-ha/baton/ocf"
)

// params declares every parameter of ocf:heartbeat:IPaddr2 under its own
// name, plus Baton's arp_mode and tickle_dir. docs/compat/IPaddr.md says
// what each does here compared with IPaddr2.
func params() []ocf.Param {
	return []ocf.Param{
		{Name: "ip", Required: true, UniqueGroup: "ip", Check: checkIP,
			Shortdesc: "IPv4 or IPv6 address",
			Longdesc:  "The floating address, IPv4 in dotted-quad form (192.0.2.10) or IPv6 (2001:db8::10)."},
		{Name: "nic", Check: checkNic,
			Shortdesc: "Network interface",
			Longdesc: `The interface to put the address on. When empty, Baton picks the interface
of the most specific directly connected route covering the address, as
IPaddr2 does; such a route exists when the interface already has a fixed
address in that subnet. The old "eth0:label" form is accepted and sets the
label.`},
		{Name: "cidr_netmask", Check: checkNetmask,
			Shortdesc: "CIDR netmask",
			Longdesc: `The prefix length of the address (24, not 255.255.255.0; a dotted quad is
converted with a warning). When empty, the prefix length of the route the
interface was found from is used.`},
		{Name: "netmask", Deprecated: true, ReplacedWith: "cidr_netmask", Check: checkNetmask,
			Shortdesc: "Old name of cidr_netmask",
			Longdesc:  "Accepted because early IPaddr2 versions used it; use cidr_netmask."},
		{Name: "broadcast", Check: checkBroadcast,
			Shortdesc: "Broadcast address",
			Longdesc: `IPv4 broadcast address of the address. "+" sets the host bits of the prefix,
"-" clears them; empty derives it from the prefix (all host bits set).`},
		{Name: "iflabel", Check: checkLabel,
			Shortdesc: "Interface label",
			Longdesc: `IPv4 address label, appended to the interface name with a colon (eth0:nfs);
the whole label is at most 15 characters. Labels do not exist for IPv6: the
parameter is ignored there with a warning.`},
		{Name: "lvs_support", Type: ocf.Boolean, Default: "false",
			Unsupported: "LVS direct routing (moving the address to the loopback device on stop) is not part of Baton; keep ocf:heartbeat:IPaddr2 for LVS real servers",
			Shortdesc:   "LVS direct routing support (not supported)",
			Longdesc:    "IPaddr2's LVS direct-routing mode. Baton rejects true."},
		{Name: "lvs_ipv6_addrlabel", Type: ocf.Boolean, Default: "false",
			Unsupported: "IPv6 address labels for LVS direct routing are not part of Baton; keep ocf:heartbeat:IPaddr2 for LVS real servers",
			Shortdesc:   "IPv6 address label for LVS (not supported)",
			Longdesc:    "IPaddr2's IPv6 address-label support for LVS direct routing. Baton rejects true."},
		{Name: "lvs_ipv6_addrlabel_value", Type: ocf.Integer, Default: "99", Check: ocf.IntRange(0, 1<<31-1),
			Ignored:   "only used with lvs_ipv6_addrlabel, which Baton does not support",
			Shortdesc: "IPv6 address label value (no effect)",
			Longdesc:  "Only meaningful with lvs_ipv6_addrlabel."},
		{Name: "mac",
			Ignored:   "only used by IPaddr2's CLUSTERIP load-sharing clones, which Baton rejects",
			Shortdesc: "Cluster IP MAC address (no effect)",
			Longdesc:  "Only meaningful for CLUSTERIP clones, which modern kernels no longer provide."},
		{Name: "clusterip_hash", Default: "sourceip-sourceport",
			Ignored:   "only used by IPaddr2's CLUSTERIP load-sharing clones, which Baton rejects",
			Shortdesc: "Cluster IP hashing function (no effect)",
			Longdesc:  "Only meaningful for CLUSTERIP clones, which modern kernels no longer provide."},
		{Name: "unique_clone_address", Type: ocf.Boolean, Default: "false",
			Shortdesc: "Make each clone instance's address unique",
			Longdesc: `For a globally unique clone: add the clone instance number to the address
(192.0.2.10 becomes 192.0.2.11 for instance 1), so that each instance manages
its own address. Requires the meta attribute globally-unique=true.`},
		{Name: "arp_interval", Type: ocf.Integer, Default: "200", Check: ocf.IntRange(1, 60000),
			Shortdesc: "Interval between announcements, in ms",
			Longdesc: `Milliseconds between two gratuitous ARP (IPv4) or unsolicited neighbour
advertisement (IPv6) rounds. Baton honours it for every kind of announcement.`},
		{Name: "arp_count", Type: ocf.Integer, Default: "5", Check: ocf.IntRange(1, 1000),
			Shortdesc: "Announcements sent on start",
			Longdesc:  "Number of announcement rounds sent when the address is brought up."},
		{Name: "arp_count_refresh", Type: ocf.Integer, Default: "0", Check: ocf.IntRange(0, 1000),
			Shortdesc: "Announcements sent on each monitor",
			Longdesc: `Number of announcement rounds sent by every monitor that finds the address
up, to repair neighbours' caches after a split brain. 0 sends none.`},
		{Name: "arp_bg",
			Shortdesc: "Announce in the background",
			Longdesc: `When true, start returns as soon as the address is up and the announcements
(and tickle ACKs) continue in a background process, which stop kills. The
default is true for IPv4 and false for IPv6, as in IPaddr2.`},
		{Name: "arp_sender", Check: checkArpSender,
			Ignored:   "Baton sends gratuitous ARP itself (no send_arp or arping program); use arp_mode to choose requests or replies",
			Shortdesc: "ARP sending program (no effect)",
			Longdesc:  "IPaddr2 chooses an external program with it; Baton sends the frames itself."},
		{Name: "send_arp_opts",
			Shortdesc: "Options of the ARP sending program",
			Longdesc: `Kept for IPaddr2 configurations: "-A" (arping's reply mode) selects
arp_mode=reply and "-U" arp_mode=request when arp_mode is not set; other
options have no effect.`},
		{Name: "flush_routes", Type: ocf.Boolean, Default: "false",
			Shortdesc: "Flush the routing cache on stop",
			Longdesc: `After removing the address, flush the kernel's routing cache, so that local
programs stop using routes through the removed address at once.`},
		{Name: "run_arping", Type: ocf.Boolean, Default: "false",
			Shortdesc: "Detect IPv4 address conflicts before start",
			Longdesc: `For IPv4, probe the link for another host using the address (ARP probes as in
RFC 5227) before adding it; start fails when one answers.`},
		{Name: "nodad", Type: ocf.Boolean, Default: "false",
			Shortdesc: "Skip IPv6 duplicate address detection",
			Longdesc: `For IPv6, add the address without duplicate address detection. Otherwise
start waits (up to 10 s) for DAD to finish before announcing, and fails if
it finds a duplicate.`},
		{Name: "noprefixroute", Type: ocf.Boolean, Default: "false",
			Shortdesc: "Do not add a prefix route",
			Longdesc:  "Add the address with the noprefixroute flag: the kernel adds no route for its prefix."},
		{Name: "preferred_lft", Default: "forever", Check: checkLifetime,
			Shortdesc: "IPv6 preferred lifetime",
			Longdesc: `For IPv6, the preferred lifetime in seconds or "forever". 0 makes the
address deprecated, so that the host does not pick it as a source address.`},
		{Name: "network_namespace",
			Shortdesc: "Network namespace",
			Longdesc: `Manage the address inside this named network namespace (/run/netns/NAME,
as made by "ip netns add"). The agent enters the namespace itself; the
interface must be in it.`},
		{Name: "check_link_status", Type: ocf.Boolean, Default: "true",
			Shortdesc: "Fail the monitor on a downed link",
			Longdesc: `When true, a monitor that finds the address on an interface that is down (or
whose lower layer is down) reports a failure, so that the cluster moves the
address to a node whose link works.`},
		{Name: "arp_mode", Type: ocf.Select, Choices: []string{"request", "reply", "both"}, Default: "request",
			Shortdesc: "Kind of gratuitous ARP",
			Longdesc: `Send gratuitous ARP requests, replies, or both in each round. Some switches
and routers update their tables only from replies. IPv6 always sends
unsolicited neighbour advertisements with the override flag.`},
		{Name: "tickle_dir",
			Shortdesc: "Directory of the tickle ACK records",
			Longdesc: `A directory on storage shared by the nodes (for example on the replicated
file system). While the address is up, a background process started by start
keeps a record there of the TCP connections clients hold to the address
(checked twice a second, written and synced when they change; each monitor
and stop write it too); start on the next owner sends each such client three tickle
ACKs one second apart, which makes the client reset the connection and
reconnect at once instead of waiting out TCP retransmission backoff. Empty
disables tickles.`},
	}
}

func checkIP(v string) error {
	_, err := parseIP(v)
	return err
}

func checkNic(v string) error {
	if v == "" {
		return nil // as IPaddr2: no interface given, find it from the routes
	}
	base, label, _ := strings.Cut(v, ":")
	if base == "" || len(base) > 15 || strings.ContainsAny(base, "/ \t") {
		return errors.New("not an interface name")
	}
	if label != "" {
		return checkLabel(label)
	}
	return nil
}

func checkLabel(v string) error {
	if v == "" {
		return nil
	}
	for _, c := range v {
		if c <= ' ' || c == '/' || c == ':' || c > '~' {
			return errors.New("a label is letters, digits and punctuation other than / and :")
		}
	}
	if len(v) > 14 {
		return errors.New("too long: interface name, colon and label must fit in 15 characters")
	}
	return nil
}

func checkNetmask(v string) error {
	if v == "" {
		return nil
	}
	_, _, err := parseNetmask(v)
	return err
}

func checkBroadcast(v string) error {
	if v == "" || v == "+" || v == "-" {
		return nil
	}
	a, err := parseIP(v)
	if err != nil || !a.Is4() {
		return errors.New(`must be an IPv4 address, "+" or "-"`)
	}
	return nil
}

func checkArpSender(v string) error {
	switch v {
	case "", "send_arp", "iputils_arping", "libnet_arping", "ipoibarping":
		return nil
	}
	return errors.New("not one of send_arp, iputils_arping, libnet_arping, ipoibarping")
}

func checkLifetime(v string) error {
	if v == "forever" {
		return nil
	}
	if n, err := strconv.ParseUint(v, 10, 32); err != nil || n >= 0xffffffff {
		return errors.New(`must be a number of seconds or "forever"`)
	}
	return nil
}
