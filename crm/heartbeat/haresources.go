package heartbeat

import (
	"io"
	"net"
	"strings"
)

// ResourceGroup is one active haresources line: the node that prefers the
// resources, and the resources in the order Heartbeat starts them.
type ResourceGroup struct {
	Line      int
	Node      string
	Resources []ResourceSpec
}

// ResourceSpec is one resource of a line: a script name and its
// ::-separated arguments (IPaddr::10.0.0.1/24/eth0 gives "IPaddr" and
// ["10.0.0.1/24/eth0"]).
type ResourceSpec struct {
	Script string
	Args   []string
	Raw    string
}

// ParseHAResources reads a haresources file. Lines commented out with '#'
// are skipped, as Heartbeat skips them.
func ParseHAResources(name string, r io.Reader) ([]ResourceGroup, error) {
	lines, err := readLines(r)
	if err != nil {
		return nil, lineErr(name, 0, "read: %v", err)
	}
	var out []ResourceGroup
	for _, l := range lines {
		if len(l.Fields) < 2 {
			return nil, lineErr(name, l.N, "%q names a node but no resources (expected: NODE RESOURCE...)", l.Fields[0])
		}
		g := ResourceGroup{Line: l.N, Node: l.Fields[0]}
		for _, f := range l.Fields[1:] {
			parts := strings.Split(f, "::")
			for _, p := range parts {
				if p == "" {
					return nil, lineErr(name, l.N, "%q: empty script name or argument (arguments are separated by ::)", f)
				}
			}
			spec := ResourceSpec{Script: parts[0], Args: parts[1:], Raw: f}
			// A bare address is shorthand for IPaddr::ADDRESS.
			if ip, _, _ := strings.Cut(parts[0], "/"); len(parts) == 1 && net.ParseIP(ip) != nil {
				spec = ResourceSpec{Script: "IPaddr", Args: []string{parts[0]}, Raw: f}
			}
			g.Resources = append(g.Resources, spec)
		}
		out = append(out, g)
	}
	if len(out) == 0 {
		return nil, lineErr(name, 0, "no active resource line (every line is empty or commented out)")
	}
	return out, nil
}
