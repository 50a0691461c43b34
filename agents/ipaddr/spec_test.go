package ipaddr

import (
	"io"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/agents/ipaddr/announce"
	"github.com/baton-ha/baton/ocf"
)

// request builds the request the runtime would hand to an action.
func request(t *testing.T, given map[string]string, meta map[string]string) (*ocf.Request, error) {
	t.Helper()
	vars := map[string]string{"OCF_RESOURCE_INSTANCE": "vip"}
	for k, v := range meta {
		vars["OCF_RESKEY_CRM_meta_"+k] = v
	}
	for k, v := range given {
		vars["OCF_RESKEY_"+k] = v
	}
	env := ocf.EnvFromMap(vars)
	p, _, err := ocf.ResolveParams(params(), env.Params, env)
	if err != nil {
		return nil, err
	}
	return &ocf.Request{Action: "start", Env: env, Params: p, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, nil
}

func TestNewSpec(t *testing.T) {
	cases := []struct {
		name  string
		given map[string]string
		meta  map[string]string
		check func(t *testing.T, s *spec)
		err   string // substring of the reason; the code is always 6
	}{
		{name: "ipv4-defaults", given: map[string]string{"ip": "192.0.2.10"}, check: func(t *testing.T, s *spec) {
			if s.addr != netip.MustParseAddr("192.0.2.10") || s.prefix != -1 || s.nic != "" || !s.background ||
				s.mode != announce.Request || s.count != 5 || s.interval != 200*time.Millisecond || !s.checkLink || s.preferredLft != -1 {
				t.Errorf("%+v", s)
			}
		}},
		{name: "ipv6-defaults", given: map[string]string{"ip": "2001:db8::10", "cidr_netmask": "64"}, check: func(t *testing.T, s *spec) {
			if s.background || s.prefix != 64 {
				t.Errorf("IPv6 announces in the foreground by default, as IPaddr2: %+v", s)
			}
		}},
		{name: "arp_bg-set", given: map[string]string{"ip": "192.0.2.10", "arp_bg": "no"}, check: func(t *testing.T, s *spec) {
			if s.background {
				t.Error("arp_bg=no ignored")
			}
		}},
		{name: "dotted-netmask", given: map[string]string{"ip": "192.0.2.10", "cidr_netmask": "255.255.255.0"}, check: func(t *testing.T, s *spec) {
			if s.prefix != 24 {
				t.Errorf("prefix %d", s.prefix)
			}
		}},
		{name: "old-netmask-name", given: map[string]string{"ip": "192.0.2.10", "netmask": "25"}, check: func(t *testing.T, s *spec) {
			if s.prefix != 25 {
				t.Errorf("prefix %d", s.prefix)
			}
		}},
		{name: "nic-with-label", given: map[string]string{"ip": "192.0.2.10", "nic": "eth0:nfs"}, check: func(t *testing.T, s *spec) {
			if s.nic != "eth0" || s.label != "eth0:nfs" {
				t.Errorf("nic %q label %q", s.nic, s.label)
			}
		}},
		{name: "iflabel", given: map[string]string{"ip": "192.0.2.10", "nic": "eth0", "iflabel": "vip"}, check: func(t *testing.T, s *spec) {
			if s.label != "eth0:vip" {
				t.Errorf("label %q", s.label)
			}
		}},
		{name: "iflabel-ipv6-ignored", given: map[string]string{"ip": "2001:db8::10", "nic": "eth0", "iflabel": "vip"}, check: func(t *testing.T, s *spec) {
			if s.label != "" {
				t.Errorf("label %q", s.label)
			}
		}},
		{name: "send_arp_opts-A", given: map[string]string{"ip": "192.0.2.10", "send_arp_opts": "-c 3 -A"}, check: func(t *testing.T, s *spec) {
			if s.mode != announce.Reply {
				t.Errorf("mode %q", s.mode)
			}
		}},
		{name: "arp_mode-wins", given: map[string]string{"ip": "192.0.2.10", "send_arp_opts": "-A", "arp_mode": "both"}, check: func(t *testing.T, s *spec) {
			if s.mode != announce.Both {
				t.Errorf("mode %q", s.mode)
			}
		}},
		{name: "unique-clone", given: map[string]string{"ip": "192.0.2.10", "unique_clone_address": "true"},
			meta: map[string]string{"clone": "3", "clone_max": "4", "globally_unique": "true"}, check: func(t *testing.T, s *spec) {
				if s.addr != netip.MustParseAddr("192.0.2.13") {
					t.Errorf("addr %s", s.addr)
				}
			}},
		{name: "preferred_lft", given: map[string]string{"ip": "2001:db8::10", "preferred_lft": "0"}, check: func(t *testing.T, s *spec) {
			if s.preferredLft != 0 {
				t.Errorf("preferred_lft %d", s.preferredLft)
			}
		}},
		{name: "bad-ip", given: map[string]string{"ip": "192.0.2.300"}, err: "parameter ip"},
		{name: "zone", given: map[string]string{"ip": "fe80::1%eth0"}, err: "parameter ip"},
		{name: "multicast", given: map[string]string{"ip": "224.0.0.1"}, err: "unicast"},
		{name: "prefix-too-long-v4", given: map[string]string{"ip": "192.0.2.10", "cidr_netmask": "64"}, err: "longer than the 32 bits"},
		{name: "dotted-netmask-v6", given: map[string]string{"ip": "2001:db8::10", "cidr_netmask": "255.255.255.0"}, err: "IPv4 netmask"},
		{name: "link-local-without-nic", given: map[string]string{"ip": "fe80::10"}, err: "nic is required"},
		{name: "clusterip", given: map[string]string{"ip": "192.0.2.10"}, meta: map[string]string{"clone": "0", "clone_max": "2"}, err: "CLUSTERIP"},
		{name: "unique-clone-not-globally-unique", given: map[string]string{"ip": "192.0.2.10", "unique_clone_address": "1"}, err: "globally-unique"},
		{name: "label-too-long", given: map[string]string{"ip": "192.0.2.10", "nic": "enp0s31f6", "iflabel": "nfsvip"}, err: "15"},
		{name: "netns-path", given: map[string]string{"ip": "192.0.2.10", "network_namespace": "../x"}, err: "network_namespace"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := request(t, tc.given, tc.meta)
			var s *spec
			if err == nil {
				s, err = newSpec(r)
			}
			if tc.err != "" {
				code, reason := ocf.CodeOf(err)
				if code != ocf.ErrConfigured || !strings.Contains(reason, tc.err) {
					t.Fatalf("got %v %q, want OCF_ERR_CONFIGURED mentioning %q", code, reason, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, s)
		})
	}
}

func TestParamChecks(t *testing.T) {
	cases := []struct {
		name, value string
		ok          bool
	}{
		{"lvs_support", "true", false},
		{"lvs_support", "false", true},
		{"lvs_ipv6_addrlabel", "yes", false},
		{"arp_sender", "send_arp", true},
		{"arp_sender", "ipoibarping", true},
		{"arp_sender", "nc", false},
		{"arp_mode", "reply", true},
		{"arp_mode", "gratuitous", false},
		{"arp_interval", "0", false},
		{"arp_count", "1001", false},
		{"arp_count_refresh", "0", true},
		{"broadcast", "+", true},
		{"broadcast", "192.0.2.255", true},
		{"broadcast", "2001:db8::ff", false},
		{"preferred_lft", "forever", true},
		{"preferred_lft", "3600", true},
		{"preferred_lft", "", false},
		{"nic", "eth0", true},
		{"nic", "eth0:x", true},
		{"nic", "a/b", false},
		{"cidr_netmask", "0", false},
		{"cidr_netmask", "128", true},
	}
	for _, tc := range cases {
		_, err := request(t, map[string]string{"ip": "192.0.2.10", tc.name: tc.value}, nil)
		if (err == nil) != tc.ok {
			t.Errorf("%s=%q: error %v, want ok=%v", tc.name, tc.value, err, tc.ok)
		}
		if err != nil {
			if code, _ := ocf.CodeOf(err); code != ocf.ErrConfigured {
				t.Errorf("%s=%q: code %v, want OCF_ERR_CONFIGURED", tc.name, tc.value, code)
			}
		}
	}
}

func TestParseNetmask(t *testing.T) {
	cases := []struct {
		in     string
		want   int
		dotted bool
		ok     bool
	}{
		{"24", 24, false, true}, {" 8 ", 8, false, true}, {"128", 128, false, true},
		{"255.255.255.0", 24, true, true}, {"255.255.255.255", 32, true, true}, {"255.255.254.0", 23, true, true},
		{"0", 0, false, false}, {"129", 0, false, false}, {"x", 0, false, false},
		{"255.0.255.0", 0, true, false}, {"256.0.0.0", 0, true, false},
	}
	for _, tc := range cases {
		n, dotted, err := parseNetmask(tc.in)
		if (err == nil) != tc.ok || (tc.ok && (n != tc.want || dotted != tc.dotted)) {
			t.Errorf("parseNetmask(%q) = %d, %v, %v", tc.in, n, dotted, err)
		}
	}
}

func TestAddAddr(t *testing.T) {
	cases := []struct {
		in   string
		n    int
		want string
	}{
		{"192.0.2.10", 1, "192.0.2.11"},
		{"192.0.2.255", 1, "192.0.3.0"},
		{"2001:db8::ffff", 2, "2001:db8::1:1"},
		{"255.255.255.255", 1, "invalid IP"},
	}
	for _, tc := range cases {
		if got := addAddr(netip.MustParseAddr(tc.in), tc.n).String(); got != tc.want {
			t.Errorf("%s + %d = %s, want %s", tc.in, tc.n, got, tc.want)
		}
	}
}

func TestNetlinkAddr(t *testing.T) {
	s := &spec{addr: netip.MustParseAddr("192.0.2.10"), prefix: 24, broadcast: "-", label: "eth0:vip"}
	a, err := netlinkAddr(s)
	if err != nil {
		t.Fatal(err)
	}
	if a.IPNet.String() != "192.0.2.10/24" || a.Broadcast.String() != "192.0.2.0" || a.Label != "eth0:vip" {
		t.Errorf("got %v brd %v label %q", a.IPNet, a.Broadcast, a.Label)
	}
	s.broadcast = "+"
	a, _ = netlinkAddr(s)
	if a.Broadcast.String() != "192.0.2.255" {
		t.Errorf("brd + gave %v", a.Broadcast)
	}
	s6 := &spec{addr: netip.MustParseAddr("2001:db8::10"), prefix: 64, nodad: true, noPrefixRoute: true, preferredLft: 0}
	a, _ = netlinkAddr(s6)
	if a.PreferedLft != 0 || a.ValidLft != forever || a.Flags == 0 {
		t.Errorf("IPv6 options lost: %+v", a)
	}
}
