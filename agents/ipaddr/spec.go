package ipaddr

import (
	"errors"
	"fmt"
	"math/big"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/baton-ha/baton/agents/ipaddr/announce"
	"github.com/baton-ha/baton/ocf"
)

// spec is the configuration of one invocation, checked and normalised from
// the parameters: what every action works from.
type spec struct {
	addr      netip.Addr // the address managed, after unique_clone_address
	nic       string     // the base interface; "" until found from routes
	label     string     // full IPv4 label ("eth0:nfs"), or ""
	prefix    int        // -1 until found from routes
	broadcast string     // "", "+", "-" or an IPv4 address

	mode          announce.Mode
	count         int
	countRefresh  int
	interval      time.Duration
	background    bool
	tickleDir     string
	nodad         bool
	noPrefixRoute bool
	preferredLft  int // seconds; -1 for forever
	flushRoutes   bool
	runArping     bool
	checkLink     bool
	netns         string
}

func parseIP(v string) (netip.Addr, error) {
	a, err := netip.ParseAddr(strings.TrimSpace(v))
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, fmt.Errorf("%q is not an IPv4 or IPv6 address", v)
	}
	a = a.Unmap()
	if a.IsUnspecified() || a.IsMulticast() {
		return netip.Addr{}, fmt.Errorf("%s is not a unicast address", a)
	}
	return a, nil
}

// parseNetmask reads a prefix length, or a dotted-quad mask (IPaddr2
// accepts those with a warning). dotted reports the latter.
func parseNetmask(v string) (n int, dotted bool, err error) {
	v = strings.TrimSpace(v)
	if strings.Contains(v, ".") {
		m, err := netip.ParseAddr(v)
		if err != nil || !m.Is4() {
			return 0, true, errors.New("not a prefix length (e.g. 24) or an IPv4 netmask")
		}
		b := m.As4()
		bits := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
		ones := 0
		for bits&(1<<31) != 0 {
			ones++
			bits <<= 1
		}
		if bits != 0 {
			return 0, true, errors.New("the netmask's one bits are not contiguous")
		}
		return ones, true, nil
	}
	n, err = strconv.Atoi(v)
	if err != nil || n < 1 || n > 128 {
		return 0, false, errors.New("not a prefix length between 1 and 32 (IPv4) or 128 (IPv6)")
	}
	return n, false, nil
}

// newSpec builds the spec from the validated parameters. It touches nothing
// on the host: errors are configuration errors (exit 6).
func newSpec(r *ocf.Request) (*spec, error) {
	p := r.Params
	bad := func(format string, args ...any) error {
		return ocf.Errorf(ocf.ErrConfigured, format, args...)
	}
	addr, err := parseIP(p.String("ip"))
	if err != nil {
		return nil, bad("parameter ip: %v", err)
	}
	meta := r.Env.Meta
	if meta.CloneMax > 1 && !p.Bool("unique_clone_address") {
		return nil, bad("a clone of IPaddr with clone-max > 1 would need IPaddr2's CLUSTERIP load sharing, which is gone from modern kernels (removed in Linux 6.3) and not supported by Baton; run one primitive, or set unique_clone_address=true with globally-unique=true")
	}
	if p.Bool("unique_clone_address") {
		if !meta.GloballyUnique {
			return nil, bad("unique_clone_address makes sense only with the meta attribute globally-unique=true")
		}
		if meta.Clone > 0 {
			addr = addAddr(addr, meta.Clone)
			if !addr.IsValid() {
				return nil, bad("parameter ip plus clone instance %d overflows the address space", meta.Clone)
			}
		}
	}
	s := &spec{addr: addr, prefix: -1, broadcast: p.String("broadcast")}

	if v := p.String("cidr_netmask"); v != "" {
		n, dotted, err := parseNetmask(v)
		if err != nil {
			return nil, bad("parameter cidr_netmask: %q: %v", v, err)
		}
		if dotted {
			if !addr.Is4() {
				return nil, bad("parameter cidr_netmask: %q is an IPv4 netmask but ip is IPv6; give a prefix length", v)
			}
			r.Log.Warn(fmt.Sprintf("please write cidr_netmask %s as the prefix length %d", v, n))
		}
		if n > addr.BitLen() {
			return nil, bad("parameter cidr_netmask: %d is longer than the %d bits of %s", n, addr.BitLen(), addr)
		}
		s.prefix = n
	}
	if s.broadcast != "" && !addr.Is4() {
		r.Log.Warn("parameter broadcast has no effect for an IPv6 address")
		s.broadcast = ""
	}

	nic, label, hasLabel := strings.Cut(p.String("nic"), ":")
	s.nic = nic
	if !hasLabel {
		label = p.String("iflabel")
	} else if p.IsSet("iflabel") {
		r.Log.Warn("parameter iflabel has no effect: nic already carries a label")
	}
	if label != "" {
		switch {
		case !addr.Is4():
			r.Log.Warn("address labels exist only for IPv4: ignoring the label " + label)
		case nic == "":
			// The interface is found later; the length is checked then.
			s.label = label
		default:
			s.label = nic + ":" + label
			if len(s.label) > 15 {
				return nil, bad("interface label %s is longer than 15 characters", s.label)
			}
		}
	}
	if addr.IsLinkLocalUnicast() && nic == "" {
		return nil, bad("parameter nic is required for the link-local address %s", addr)
	}

	s.mode = announce.Mode(p.String("arp_mode"))
	if !p.IsSet("arp_mode") {
		for _, o := range strings.Fields(p.String("send_arp_opts")) {
			switch o {
			case "-A":
				s.mode = announce.Reply
			case "-U":
				s.mode = announce.Request
			}
		}
	}
	s.count = int(p.Int("arp_count"))
	s.countRefresh = int(p.Int("arp_count_refresh"))
	s.interval = time.Duration(p.Int("arp_interval")) * time.Millisecond
	s.background = addr.Is4() // IPaddr2's defaults
	if v := strings.TrimSpace(p.String("arp_bg")); v != "" {
		s.background = ocf.IsTrue(v)
	}
	s.tickleDir = p.String("tickle_dir")
	s.nodad = p.Bool("nodad")
	s.noPrefixRoute = p.Bool("noprefixroute")
	s.preferredLft = -1
	if v := p.String("preferred_lft"); v != "forever" {
		n, _ := strconv.Atoi(v)
		s.preferredLft = n
	}
	s.flushRoutes = p.Bool("flush_routes")
	s.runArping = p.Bool("run_arping")
	s.checkLink = p.Bool("check_link_status")
	s.netns = p.String("network_namespace")
	if strings.ContainsAny(s.netns, "/\x00") || s.netns == "." || s.netns == ".." {
		return nil, bad("parameter network_namespace: %q is not a namespace name (as in /run/netns/NAME)", s.netns)
	}
	return s, nil
}

// addAddr returns a+n, or the zero Addr when that overflows.
func addAddr(a netip.Addr, n int) netip.Addr {
	b := a.AsSlice()
	v := new(big.Int).SetBytes(b)
	v.Add(v, big.NewInt(int64(n)))
	out := v.Bytes()
	if len(out) > len(b) {
		return netip.Addr{}
	}
	buf := make([]byte, len(b))
	copy(buf[len(b)-len(out):], out)
	r, _ := netip.AddrFromSlice(buf)
	return r
}
