package heartbeat

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/baton-ha/baton/crm/config"
)

// Heartbeat's own defaults, for directives ha.cf leaves out.
const (
	hbKeepalive = 2 * time.Second
	hbDeadtime  = 30 * time.Second
)

// link is one heartbeat network of the result: an interface of ha.cf.
type link struct {
	iface string
	from  string // the directive that made it, for the comment
}

// configs writes each node's baton.toml.
func (c *converter) configs() error {
	keep, dead, warn := c.hb.Keepalive, c.hb.Deadtime, c.hb.Warntime
	if keep == 0 {
		keep = hbKeepalive
	}
	if dead == 0 {
		dead = hbDeadtime
	}
	if warn == 0 {
		warn = (keep + dead) / 2
	}
	if !(keep < warn && warn < dead) {
		return lineErr(c.hb.File, 0, "need keepalive < warntime < deadtime, got %v, %v, %v", keep, warn, dead)
	}
	if dead > 5*time.Second {
		c.warn("%s: deadtime %v carried over: a dead node is noticed only after %v, so clients stall at least that long. Baton's defaults (keepalive 500ms, warntime 1s, deadtime 2s) keep the stall within a few seconds: edit [heartbeat] when ready", c.hb.File, dead, dead)
	}
	links := c.links()
	addr, err := c.addresses(links)
	if err != nil {
		return err
	}
	if len(links) < 2 {
		return lineErr(c.hb.File, 0, "%d heartbeat path(s) (bcast/mcast/ucast); Baton needs two, so that one failed cable is not a failed node: add one to ha.cf, or name another interface with --address NODE:IFACE=IP for each node", len(links))
	}
	policy, witness := config.QuorumIgnore, ""
	if c.o.Witness != "" {
		policy, witness = config.QuorumWitness, c.o.Witness
	} else {
		c.warn("quorum policy ignore, as Heartbeat v1 behaved: a node that loses its peer takes the resources over, so a broken network can give two owners. Run `baton witness` on a third host and import with --witness HOST:PORT (docs/membership.md)")
	}
	files := make([]string, len(c.in.HACF))
	for i, h := range c.in.HACF {
		files[i] = h.File
	}
	for i, node := range c.p.Nodes {
		var b strings.Builder
		fmt.Fprintf(&b, "# baton.toml for %s, imported from Heartbeat (%s) by `baton import heartbeat`.\n", node, strings.Join(files, ", "))
		fmt.Fprintf(&b, "# docs/daemon.md describes every key; check it with `baton daemon --check --config FILE`.\n")
		fmt.Fprintf(&b, "cluster = %q\nnode = %q\nnode_id = %d\ncib = %q\nauth_key = %q\nstate_dir = %q\n",
			c.o.Cluster, node, i+1, c.o.CIBPath, c.o.KeyPath, c.o.StateDir)
		if c.hb.Initdead > 0 {
			fmt.Fprintf(&b, "# initdead %v: instead of a fixed wait, a starting node waits until it has seen every peer.\n", c.hb.Initdead)
		}
		fmt.Fprintf(&b, "wait_for_all = true\n\n[heartbeat]\n")
		if c.hb.UDPPort != 0 {
			fmt.Fprintf(&b, "port = %d # udpport\n", c.hb.UDPPort)
		}
		fmt.Fprintf(&b, "keepalive = %q\nwarntime = %q\ndeadtime = %q\n", keep, warn, dead)
		for _, l := range links {
			fmt.Fprintf(&b, "\n[[link]] # %s\nname = %q\naddress = %q\n", l.from, l.iface, addr[node][l.iface])
		}
		for j, peer := range c.p.Nodes {
			if peer == node {
				continue
			}
			as := make([]string, len(links))
			for k, l := range links {
				as[k] = fmt.Sprintf("%q", addr[peer][l.iface])
			}
			fmt.Fprintf(&b, "\n[[peer]]\nname = %q\nnode_id = %d\naddresses = [%s]\n", peer, j+1, strings.Join(as, ", "))
		}
		if hosts := c.pingHosts(); len(hosts) > 0 {
			q := make([]string, len(hosts))
			for k, h := range hosts {
				q[k] = fmt.Sprintf("%q", h)
			}
			fmt.Fprintf(&b, "\n[ping] # ping\nhosts = [%s]\nattribute = \"pingd\"\n", strings.Join(q, ", "))
		}
		fmt.Fprintf(&b, "\n[quorum]\npolicy = %q\n", policy)
		if witness != "" {
			fmt.Fprintf(&b, "witness = %q\n", witness)
		}
		if err := checkConfig(b.String()); err != nil {
			return fmt.Errorf("the baton.toml made for %s does not validate (%w): check the addresses given", node, err)
		}
		c.p.Configs[node] = b.String()
	}
	return nil
}

// checkConfig runs the daemon's own validation on a generated file.
func checkConfig(text string) error {
	var cfg config.Config
	if _, err := toml.Decode(text, &cfg); err != nil {
		return err
	}
	return cfg.Validate()
}

// links lists the interfaces Heartbeat sent heartbeats on, first ha.cf
// first, then those only --address names.
func (c *converter) links() []link {
	var out []link
	seen := map[string]bool{}
	for _, h := range c.in.HACF {
		for _, d := range h.Links {
			if !seen[d.Iface] {
				seen[d.Iface] = true
				out = append(out, link{iface: d.Iface, from: fmt.Sprintf("%s %s (%s:%d)", d.Kind, d.Iface, h.File, d.Line)})
			}
		}
	}
	var extra []string
	for _, m := range c.o.Addresses {
		for ifc := range m {
			if !seen[ifc] {
				seen[ifc] = true
				extra = append(extra, ifc)
			}
		}
	}
	sort.Strings(extra)
	for _, ifc := range extra {
		out = append(out, link{iface: ifc, from: "--address"})
	}
	return out
}

// addresses finds each node's address on each link: ucast lines name the
// peer's address (Heartbeat ignores a ucast to itself), --address fills in
// the rest. An address that cannot be known is an error saying what to add.
func (c *converter) addresses(links []link) (map[string]map[string]string, error) {
	addr := map[string]map[string]string{}
	for _, n := range c.p.Nodes {
		addr[n] = map[string]string{}
	}
	owners := append([]string(nil), c.in.Owner...)
	for len(owners) < len(c.in.HACF) {
		owners = append(owners, "")
	}
	// Two files for two nodes, one named: the other file is the other node's.
	if len(c.p.Nodes) == 2 && len(c.in.HACF) == 2 {
		for i := range owners {
			if owners[i] == "" && owners[1-i] != "" {
				owners[i] = other(c.p.Nodes, owners[1-i])
			}
		}
	}
	for i, h := range c.in.HACF {
		if owners[i] == "" || len(c.p.Nodes) != 2 {
			continue
		}
		peer := other(c.p.Nodes, owners[i])
		byIface := map[string][]string{}
		for _, d := range h.Links {
			if d.Kind == "ucast" {
				byIface[d.Iface] = append(byIface[d.Iface], d.Peer)
			}
		}
		for ifc, ips := range byIface {
			if len(ips) == 1 {
				addr[peer][ifc] = ips[0]
			}
		}
	}
	// Identical files that ucast to both addresses do not tell whose is
	// whose: --address fills in what is left.
	for n, m := range c.o.Addresses {
		if _, ok := addr[n]; !ok {
			return nil, fmt.Errorf("--address %s: not a node of ha.cf %v", n, c.p.Nodes)
		}
		for ifc, ip := range m {
			addr[n][ifc] = ip
		}
	}
	var missing []string
	for _, l := range links {
		for _, n := range c.p.Nodes {
			if addr[n][l.iface] == "" {
				missing = append(missing, fmt.Sprintf("--address %s:%s=IP", n, l.iface))
			}
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s: the nodes' addresses on their heartbeat links are not all known (bcast and mcast name only the interface; ucast names the peer's address when each node's ha.cf is given as NODE=FILE): add %s",
			c.hb.File, strings.Join(missing, " "))
	}
	return addr, nil
}

func other(nodes []string, n string) string {
	for _, m := range nodes {
		if m != n {
			return m
		}
	}
	return ""
}
