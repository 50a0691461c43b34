package heartbeat

import (
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// HACF is what Baton takes from one ha.cf.
type HACF struct {
	File      string
	Keepalive time.Duration // 0: not set
	Deadtime  time.Duration
	Warntime  time.Duration
	Initdead  time.Duration
	UDPPort   int
	Nodes     []string
	// AutoFailback is "on", "off" or "legacy" (Heartbeat's default).
	AutoFailback string
	Links        []LinkDirective
	Ping         []string
	PingGroups   map[string][]string
	// Ignored lists directives that have no meaning for Baton (logging,
	// serial links, ...), for the import's notes.
	Ignored []string
}

// LinkDirective is one bcast, mcast or ucast line: a heartbeat path over an
// interface. Peer is set for ucast only.
type LinkDirective struct {
	Line  int
	Kind  string // bcast | mcast | ucast
	Iface string
	Peer  string
}

// ignoredDirectives have no counterpart in Baton; they are reported, not
// refused.
var ignoredDirectives = map[string]string{
	"logfile": "Baton logs to stderr (log/slog)", "debugfile": "Baton logs to stderr (log/slog)",
	"logfacility": "Baton logs to stderr (log/slog)", "use_logd": "Baton logs to stderr (log/slog)",
	"debug": "use `baton daemon --debug`", "crm": "Baton is the CRM", "respawn": "Baton runs no helper daemons",
	"apiauth": "Baton has no client API to authorise", "compression": "heartbeats are small", "traditional_compression": "heartbeats are small",
	"baud": "serial links are not supported: use a second network link", "serial": "serial links are not supported: use a second network link",
	"watchdog": "configure the kernel watchdog in baton.toml (docs/daemon.md)", "realtime": "not needed",
	"coredumps": "not needed", "uuidfrom": "Baton names nodes by node_id", "autojoin": "peers are listed in baton.toml",
	"hopfudge": "not needed", "deadping": "ping hosts use [ping] timeout", "msgfmt": "not needed",
	"conn_logd_time": "not needed", "stonith": "see [fencing] in baton.toml (docs/membership.md)",
	"stonith_host": "see [fencing] in baton.toml (docs/membership.md)", "nice_failback": "see auto_failback",
	"keepalive_ms": "", "max_rexmit_delay": "not needed", "hbgenmethod": "not needed", "memreserve": "not needed",
	"ucast6": "", "pid_file": "not needed",
}

// ParseHACF reads an ha.cf. name is used in errors.
func ParseHACF(name string, r io.Reader) (*HACF, error) {
	lines, err := readLines(r)
	if err != nil {
		return nil, lineErr(name, 0, "read: %v", err)
	}
	h := &HACF{File: name, PingGroups: map[string][]string{}}
	for _, l := range lines {
		d, args := strings.ToLower(l.Fields[0]), l.Fields[1:]
		need := func(n int, usage string) error {
			if len(args) < n {
				return lineErr(name, l.N, "%s: expected %q", d, usage)
			}
			return nil
		}
		switch d {
		case "keepalive", "deadtime", "warntime", "initdead":
			if err := need(1, d+" SECONDS"); err != nil {
				return nil, err
			}
			v, err := parseHBTime(args[0])
			if err != nil {
				return nil, lineErr(name, l.N, "%s: %v", d, err)
			}
			*map[string]*time.Duration{"keepalive": &h.Keepalive, "deadtime": &h.Deadtime, "warntime": &h.Warntime, "initdead": &h.Initdead}[d] = v
		case "udpport":
			if err := need(1, "udpport PORT"); err != nil {
				return nil, err
			}
			p, err := strconv.Atoi(args[0])
			if err != nil || p < 1 || p > 65535 {
				return nil, lineErr(name, l.N, "udpport: %q is not a UDP port", args[0])
			}
			h.UDPPort = p
		case "node":
			if err := need(1, "node NAME..."); err != nil {
				return nil, err
			}
			h.Nodes = append(h.Nodes, args...)
		case "auto_failback":
			if err := need(1, "auto_failback on|off|legacy"); err != nil {
				return nil, err
			}
			v := strings.ToLower(args[0])
			switch v {
			case "on", "yes", "true", "1":
				v = "on"
			case "off", "no", "false", "0":
				v = "off"
			case "legacy":
			default:
				return nil, lineErr(name, l.N, "auto_failback: %q is not on, off or legacy", args[0])
			}
			h.AutoFailback = v
		case "bcast":
			if err := need(1, "bcast IFACE..."); err != nil {
				return nil, err
			}
			for _, ifc := range args {
				h.Links = append(h.Links, LinkDirective{Line: l.N, Kind: d, Iface: ifc})
			}
		case "mcast":
			// mcast IFACE GROUP PORT TTL LOOP
			if err := need(5, "mcast IFACE GROUP PORT TTL LOOP"); err != nil {
				return nil, err
			}
			if ip := net.ParseIP(args[1]); ip == nil || !ip.IsMulticast() {
				return nil, lineErr(name, l.N, "mcast: %q is not a multicast group address", args[1])
			}
			h.Links = append(h.Links, LinkDirective{Line: l.N, Kind: d, Iface: args[0]})
		case "ucast":
			if err := need(2, "ucast IFACE PEER-ADDRESS"); err != nil {
				return nil, err
			}
			if net.ParseIP(args[1]) == nil {
				// Heartbeat resolves host names here; an import must not
				// depend on this machine's resolver.
				return nil, lineErr(name, l.N, "ucast: %q is not an IP address (write the peer's address, not its name)", args[1])
			}
			h.Links = append(h.Links, LinkDirective{Line: l.N, Kind: d, Iface: args[0], Peer: args[1]})
		case "ping":
			if err := need(1, "ping ADDRESS..."); err != nil {
				return nil, err
			}
			for _, a := range args {
				if net.ParseIP(a) == nil {
					return nil, lineErr(name, l.N, "ping: %q is not an IP address", a)
				}
			}
			h.Ping = append(h.Ping, args...)
		case "ping_group":
			if err := need(2, "ping_group NAME ADDRESS..."); err != nil {
				return nil, err
			}
			for _, a := range args[1:] {
				if net.ParseIP(a) == nil {
					return nil, lineErr(name, l.N, "ping_group %s: %q is not an IP address", args[0], a)
				}
			}
			h.PingGroups[args[0]] = append(h.PingGroups[args[0]], args[1:]...)
		default:
			if _, ok := ignoredDirectives[d]; ok {
				h.Ignored = append(h.Ignored, fmt.Sprintf("%s:%d: %s", name, l.N, d))
				continue
			}
			return nil, lineErr(name, l.N, "unknown directive %q (see ha.cf(5))", l.Fields[0])
		}
	}
	if len(h.Nodes) == 0 {
		return nil, lineErr(name, 0, "no node directive: list the cluster's nodes (node NAME, as uname -n prints it)")
	}
	return h, nil
}

// parseHBTime reads Heartbeat's time values: a number of seconds, or a
// number followed by ms or s.
func parseHBTime(s string) (time.Duration, error) {
	unit := time.Second
	num := s
	switch {
	case strings.HasSuffix(s, "ms"):
		unit, num = time.Millisecond, strings.TrimSuffix(s, "ms")
	case strings.HasSuffix(s, "s"):
		num = strings.TrimSuffix(s, "s")
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || !(f > 0 && f <= 86400) {
		return 0, fmt.Errorf("%q is not a time (seconds, or a number with ms)", s)
	}
	return time.Duration(f * float64(unit)), nil
}
