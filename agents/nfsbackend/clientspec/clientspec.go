// Package clientspec parses the client specification of an NFS export (who
// may mount it), in the forms exports(5) documents, into typed clients that
// each NFS back end can write in its own syntax: the kernel's exportfs takes
// them as arguments, NFS-Ganesha as unquoted tokens of a CLIENT block. What
// neither form can hold is refused here, so that validate-all (not start)
// reports it.
package clientspec

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Kind is the form of one client.
type Kind int

const (
	Everyone Kind = iota // *
	Host                 // a host name, resolved by the server
	Wildcard             // a host name pattern with * or ?
	Netgroup             // @group
	Address              // one IPv4 or IPv6 address
	Network              // an IPv4 or IPv6 network (address/prefix or address/netmask)
)

func (k Kind) String() string {
	return [...]string{"everyone", "host", "wildcard", "netgroup", "address", "network"}[k]
}

// Client is one element of a client specification.
type Client struct {
	Kind Kind
	// Raw is the element as given: the kernel's exportfs gets it unchanged
	// and lists it so in its export table.
	Raw string
	// Prefix is set for Address (a full-length prefix) and Network; a
	// netmask is turned into its prefix length.
	Prefix netip.Prefix
}

// Canonical is the client in the form NFS-Ganesha's configuration takes
// unquoted: networks as address/length, addresses in their standard
// spelling, everything else as given.
func (c Client) Canonical() string {
	switch c.Kind {
	case Address:
		return c.Prefix.Addr().String()
	case Network:
		return c.Prefix.String()
	}
	return c.Raw
}

// Admits reports whether a caller at addr is one of this client's, as far
// as can be told without name services: true only for Everyone, and for
// addresses and networks that contain addr.
func (c Client) Admits(addr netip.Addr) bool {
	switch c.Kind {
	case Everyone:
		return true
	case Address, Network:
		return c.Prefix.Contains(addr.Unmap())
	}
	return false
}

// maxLen is a host name's limit (RFC 1035), generous for the other forms.
const maxLen = 255

// Parse splits a specification at white space and commas and parses each
// element. An empty specification is an error.
func Parse(spec string) ([]Client, error) {
	fields := strings.FieldsFunc(spec, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' })
	if len(fields) == 0 {
		return nil, fmt.Errorf("no client given: name the clients (a host, a network such as 192.168.0.0/24, @netgroup, a wildcard, or * for all)")
	}
	out := make([]Client, 0, len(fields))
	seen := map[string]bool{}
	for _, f := range fields {
		c, err := ParseOne(f)
		if err != nil {
			return nil, err
		}
		if seen[c.Canonical()] {
			return nil, fmt.Errorf("client %q is given twice", f)
		}
		seen[c.Canonical()] = true
		out = append(out, c)
	}
	return out, nil
}

// ParseOne parses one element.
func ParseOne(s string) (Client, error) {
	c := Client{Raw: s}
	if len(s) > maxLen {
		return c, fmt.Errorf("client %.40q... is longer than %d bytes", s, maxLen)
	}
	switch {
	case s == "*":
		c.Kind = Everyone
		return c, nil
	case strings.HasPrefix(s, "@"):
		c.Kind = Netgroup
		if len(s) == 1 || !validChars(s[1:], "._-") {
			return c, fmt.Errorf("netgroup %q: after @ only letters, digits, '.', '_' and '-' may follow", s)
		}
		return c, nil
	case strings.HasPrefix(s, "gss/"):
		return c, fmt.Errorf("client %q: Kerberos pseudo-clients are not supported; export to the hosts and set sec=krb5 in options", s)
	case strings.Contains(s, "/"):
		c.Kind = Network
		p, err := parseNetwork(s)
		if err != nil {
			return c, err
		}
		c.Prefix = p
		return c, nil
	}
	if a, err := netip.ParseAddr(s); err == nil {
		if a.Zone() != "" {
			return c, fmt.Errorf("client %q: an address with a zone cannot be exported to", s)
		}
		c.Kind = Address
		a = a.Unmap()
		c.Prefix = netip.PrefixFrom(a, a.BitLen())
		return c, nil
	}
	if strings.ContainsAny(s, "*?") {
		c.Kind = Wildcard
		if !validChars(s, ".-_*?") {
			return c, fmt.Errorf("wildcard %q: only letters, digits, '.', '-', '_', '*' and '?' are allowed (no [] classes)", s)
		}
		return c, nil
	}
	c.Kind = Host
	if !validChars(s, ".-_") || s[0] == '-' || s[0] == '.' {
		return c, fmt.Errorf("client %q is neither a host name, an address, a network (address/prefix), @netgroup nor a wildcard", s)
	}
	return c, nil
}

func parseNetwork(s string) (netip.Prefix, error) {
	addr, mask, _ := strings.Cut(s, "/")
	a, err := netip.ParseAddr(addr)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("network %q: %q is not an IP address", s, addr)
	}
	a = a.Unmap()
	bits, err := strconv.Atoi(mask)
	if err != nil {
		// exports(5) also takes a dotted IPv4 netmask.
		m, merr := netip.ParseAddr(mask)
		if merr != nil || !m.Is4() || !a.Is4() {
			return netip.Prefix{}, fmt.Errorf("network %q: %q is neither a prefix length nor an IPv4 netmask", s, mask)
		}
		if bits, err = maskBits(m); err != nil {
			return netip.Prefix{}, fmt.Errorf("network %q: %v", s, err)
		}
	}
	if bits < 0 || bits > a.BitLen() || (mask != strconv.Itoa(bits) && !strings.Contains(mask, ".")) {
		return netip.Prefix{}, fmt.Errorf("network %q: prefix length %s is out of range 0..%d", s, mask, a.BitLen())
	}
	return netip.PrefixFrom(a, bits).Masked(), nil
}

// maskBits returns the prefix length of a contiguous IPv4 netmask.
func maskBits(m netip.Addr) (int, error) {
	b := m.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	n := 0
	for v&0x80000000 != 0 {
		n++
		v <<= 1
	}
	if v != 0 {
		return 0, fmt.Errorf("netmask %s is not contiguous", m)
	}
	return n, nil
}

func validChars(s, extra string) bool {
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune(extra, r):
		default:
			return false
		}
	}
	return true
}
