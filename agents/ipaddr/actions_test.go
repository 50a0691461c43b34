package ipaddr

import (
	"bytes"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"

	"github.com/baton-ha/baton/ocf"
)

// The actions' logic against an in-memory routing table: no root, no
// namespaces. tests/ipaddr runs the same actions against the kernel.

func host() *memRtnl {
	m := &memRtnl{}
	m.addLink(1, "lo", net.FlagUp|net.FlagLoopback, netlink.OperUnknown)
	m.addLink(2, "eth0", net.FlagUp, netlink.OperUp)
	m.addLink(3, "eth1", net.FlagUp, netlink.OperUp)
	m.route(2, "192.0.2.0/24")
	m.route(3, "192.0.2.128/25") // more specific: wins for .200
	m.route(1, "198.51.100.0/24")
	m.route(1, "2001:db8::/64")
	return m
}

// run runs one action of the agent on m as root (euid 0 unless given).
func run(t *testing.T, m *memRtnl, euid int, action string, params ...string) (ocf.ExitCode, string) {
	t.Helper()
	a := New(Config{Rtnetlink: m.open, Geteuid: func() int { return euid }, ProcRoot: t.TempDir()})
	env := []string{"OCF_RESOURCE_INSTANCE=vip", "HA_RSCTMP=" + t.TempDir()}
	for _, p := range params {
		env = append(env, "OCF_RESKEY_"+p)
	}
	var out, errb bytes.Buffer
	rc := ocf.Run(a, ocf.RunOptions{Args: []string{action}, Environ: env, Stdout: &out, Stderr: &errb})
	return rc, errb.String()
}

func TestActionsOnMemoryTable(t *testing.T) {
	cases := []struct {
		name   string
		prep   func(m *memRtnl)
		euid   int
		action string
		params []string
		rc     ocf.ExitCode
		reason string
		after  func(t *testing.T, m *memRtnl)
	}{
		{name: "start-finds-most-specific-route", action: "start", params: []string{"ip=198.51.100.7"},
			after: func(t *testing.T, m *memRtnl) {
				if got := m.has(1); !slices.Contains(got, "198.51.100.7/24") {
					t.Errorf("lo has %v", got)
				}
			}},
		{name: "start-prefix-given", action: "start", params: []string{"ip=198.51.100.7", "cidr_netmask=28"},
			after: func(t *testing.T, m *memRtnl) {
				if got := m.has(1); !slices.Contains(got, "198.51.100.7/28") {
					t.Errorf("lo has %v", got)
				}
			}},
		{name: "start-twice-is-success", action: "start", params: []string{"ip=198.51.100.7"},
			prep: func(m *memRtnl) { _ = m.AddrAdd(m.links[0], addr("198.51.100.7/24")) },
			after: func(t *testing.T, m *memRtnl) {
				if got := m.has(1); len(got) != 1 {
					t.Errorf("lo has %v", got)
				}
			}},
		{name: "start-needs-root", action: "start", euid: 1000, params: []string{"ip=198.51.100.7"}, rc: ocf.ErrPerm},
		{name: "start-no-route", action: "start", params: []string{"ip=203.0.113.9"}, rc: ocf.ErrArgs, reason: "no directly connected route"},
		// A loopback flag on the fake links keeps start from announcing.
		{name: "start-more-specific-route-wins", action: "start", params: []string{"ip=192.0.2.200"},
			prep: func(m *memRtnl) { m.links[1].Flags |= net.FlagLoopback; m.links[2].Flags |= net.FlagLoopback },
			after: func(t *testing.T, m *memRtnl) {
				if got := m.has(3); !slices.Contains(got, "192.0.2.200/25") {
					t.Errorf("eth1 has %v, want the /25 of its route", got)
				}
			}},
		{name: "start-nic-restricts-route", action: "start", params: []string{"ip=192.0.2.200", "nic=eth0"},
			prep: func(m *memRtnl) { m.links[1].Flags |= net.FlagLoopback; m.links[2].Flags |= net.FlagLoopback },
			after: func(t *testing.T, m *memRtnl) {
				if got := m.has(2); !slices.Contains(got, "192.0.2.200/24") {
					t.Errorf("eth0 has %v, want the /24 of its own route", got)
				}
			}},
		{name: "start-brings-link-up", action: "start", params: []string{"ip=192.0.2.9", "nic=eth0", "cidr_netmask=24"},
			prep: func(m *memRtnl) { m.links[1].Flags = net.FlagLoopback },
			after: func(t *testing.T, m *memRtnl) {
				if m.links[1].Flags&net.FlagUp == 0 {
					t.Error("eth0 left down")
				}
			}},
		{name: "start-ipv6-dad-failed", action: "start", params: []string{"ip=2001:db8::5", "cidr_netmask=64"},
			prep: func(m *memRtnl) { m.dadFails = true }, rc: ocf.ErrGeneric, reason: "duplicate address detection failed",
			after: func(t *testing.T, m *memRtnl) {
				if got := m.has(1); len(got) != 0 {
					t.Errorf("duplicate left on lo: %v", got)
				}
			}},
		{name: "monitor-absent", action: "monitor", params: []string{"ip=198.51.100.7"}, rc: ocf.NotRunning},
		{name: "monitor-present", action: "monitor", params: []string{"ip=198.51.100.7"},
			prep: func(m *memRtnl) { _ = m.AddrAdd(m.links[0], addr("198.51.100.7/24")) }},
		{name: "monitor-link-down", action: "monitor", params: []string{"ip=192.0.2.7"}, rc: ocf.ErrGeneric, reason: "link is down",
			prep: func(m *memRtnl) {
				_ = m.AddrAdd(m.links[1], addr("192.0.2.7/24"))
				m.links[1].OperState = netlink.OperDown
			}},
		{name: "monitor-link-down-unchecked", action: "monitor", params: []string{"ip=192.0.2.7", "check_link_status=false"},
			prep: func(m *memRtnl) {
				_ = m.AddrAdd(m.links[1], addr("192.0.2.7/24"))
				m.links[1].OperState = netlink.OperDown
			}},
		{name: "monitor-missing-nic", action: "monitor", params: []string{"ip=192.0.2.7", "nic=eth9"}, rc: ocf.NotRunning},
		{name: "stop-removes", action: "stop", params: []string{"ip=192.0.2.7"},
			prep: func(m *memRtnl) { _ = m.AddrAdd(m.links[1], addr("192.0.2.7/24")) },
			after: func(t *testing.T, m *memRtnl) {
				if got := m.has(2); len(got) != 0 {
					t.Errorf("eth0 still has %v", got)
				}
			}},
		{name: "stop-absent", action: "stop", params: []string{"ip=192.0.2.7"}},
		{name: "validate-missing-nic", action: "validate-all", params: []string{"ip=192.0.2.7", "nic=eth9"}, rc: ocf.ErrArgs, reason: "eth9 does not exist"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := host()
			if c.prep != nil {
				c.prep(m)
			}
			rc, stderr := run(t, m, c.euid, c.action, c.params...)
			if rc != c.rc {
				t.Fatalf("%s: rc %d, want %d\n%s", c.action, rc, c.rc, stderr)
			}
			if c.reason != "" && !strings.Contains(stderr, c.reason) {
				t.Errorf("reason lacks %q:\n%s", c.reason, stderr)
			}
			if c.after != nil {
				c.after(t, m)
			}
		})
	}
}

func addr(s string) *netlink.Addr {
	a, err := netlink.ParseAddr(s)
	if err != nil {
		panic(err)
	}
	return a
}

// Parameters whose only supported value is false take every spelling of
// false, as ocf_is_true reads them; nic="" means "find it", as in IPaddr2.
func TestFalseSpellingsAndEmptyNic(t *testing.T) {
	for _, p := range []string{"lvs_support=no", "lvs_support=0", "lvs_support=false", "lvs_support=", "lvs_support=OFF",
		"lvs_ipv6_addrlabel=no", "nic=", "arp_bg=", "arp_bg=maybe"} {
		if rc, stderr := run(t, host(), 0, "monitor", "ip=198.51.100.7", p); rc != ocf.NotRunning {
			t.Errorf("%s: monitor rc %d, want 7\n%s", p, rc, stderr)
		}
	}
	if rc, _ := run(t, host(), 0, "monitor", "ip=198.51.100.7", "lvs_support=yes"); rc != ocf.ErrConfigured {
		t.Errorf("lvs_support=yes: rc %d, want 6", rc)
	}
	m := host()
	if rc, stderr := run(t, m, 0, "start", "ip=198.51.100.7", "nic="); rc != ocf.Success || len(m.has(1)) != 1 {
		t.Errorf("start with nic=\"\": rc %d, lo has %v\n%s", rc, m.has(1), stderr)
	}
}
