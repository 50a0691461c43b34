package clientspec

import (
	"net/netip"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in        string
		kinds     string // kinds, space-separated
		canonical string
		err       string
	}{
		{in: "*", kinds: "everyone", canonical: "*"},
		{in: "192.168.0.0/24", kinds: "network", canonical: "192.168.0.0/24"},
		{in: "192.168.0.7/24", kinds: "network", canonical: "192.168.0.0/24"},
		{in: "10.0.0.0/255.255.0.0", kinds: "network", canonical: "10.0.0.0/16"},
		{in: "fd00:77::/64 FD00:78::1", kinds: "network address", canonical: "fd00:77::/64 fd00:78::1"},
		{in: "::ffff:10.1.2.3", kinds: "address", canonical: "10.1.2.3"},
		{in: "client1.example, @nfsclients *.lab.example", kinds: "host netgroup wildcard", canonical: "client1.example @nfsclients *.lab.example"},
		{in: "192.168.0.*", kinds: "wildcard", canonical: "192.168.0.*"},
		{in: "", err: "no client"},
		{in: "*;rm", err: "wildcard"},
		{in: "host;rm -rf /", err: "neither"},
		{in: "a\"b", err: "neither"},
		{in: "host{x}", err: "neither"},
		{in: "@", err: "netgroup"},
		{in: "@ng$x", err: "netgroup"},
		{in: "10.0.0.0/33", err: "out of range"},
		{in: "10.0.0.0/-1", err: "out of range"},
		{in: "10.0.0.0/255.0.255.0", err: "not contiguous"},
		{in: "fd00::/255.255.0.0", err: "netmask"},
		{in: "x/24", err: "not an IP address"},
		{in: "fe80::1%eth0", err: "zone"},
		{in: "-host", err: "neither"},
		{in: "gss/krb5", err: "Kerberos"},
		{in: "a[bc]", err: "wildcard"},
		{in: "h1 h1", err: "twice"},
	} {
		got, err := Parse(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Parse(%q) = %v, %v; want error with %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		var kinds, canon []string
		for _, c := range got {
			kinds = append(kinds, c.Kind.String())
			canon = append(canon, c.Canonical())
		}
		if strings.Join(kinds, " ") != tc.kinds || strings.Join(canon, " ") != tc.canonical {
			t.Errorf("Parse(%q) = %v / %v; want %s / %s", tc.in, kinds, canon, tc.kinds, tc.canonical)
		}
	}
}

func TestAdmits(t *testing.T) {
	cs, err := Parse("192.168.0.0/24 fd00:77::/64 10.1.1.1 host.example @ng *.example")
	if err != nil {
		t.Fatal(err)
	}
	admitted := func(a string) bool {
		for _, c := range cs {
			if c.Admits(netip.MustParseAddr(a)) {
				return true
			}
		}
		return false
	}
	for a, want := range map[string]bool{
		"192.168.0.9": true, "::ffff:192.168.0.9": true, "192.168.1.9": false,
		"fd00:77::5": true, "fd00:78::5": false, "10.1.1.1": true, "10.1.1.2": false, "127.0.0.1": false,
	} {
		if got := admitted(a); got != want {
			t.Errorf("admits %s = %v, want %v", a, got, want)
		}
	}
	star, _ := Parse("*")
	if !star[0].Admits(netip.MustParseAddr("127.0.0.1")) {
		t.Error("* does not admit 127.0.0.1")
	}
}

// FuzzParse: whatever is accepted holds nothing Ganesha's or exportfs's
// syntax would read as structure.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"*", "10.0.0.0/24", "fd00::/64", "@ng", "*.x", "h", "10.0.0.0/255.255.255.0", "*;rm"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cs, err := Parse(s)
		if err != nil {
			return
		}
		for _, c := range cs {
			if strings.ContainsAny(c.Canonical(), "\"';{}# \t\n\r\x00=()") || strings.ContainsAny(c.Raw, ":") && c.Kind != Address && c.Kind != Network {
				t.Fatalf("Parse(%q) accepted %q (%v)", s, c.Canonical(), c.Kind)
			}
		}
	})
}
