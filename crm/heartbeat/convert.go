package heartbeat

import (
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Input is the parsed Heartbeat configuration.
type Input struct {
	// HACF holds one ha.cf per node where known; Owner[i] names the node
	// HACF[i] is from ("" when not said).
	HACF  []*HACF
	Owner []string
	// Resources are the active haresources lines; ResourcesFile names the
	// file for errors.
	Resources     []ResourceGroup
	ResourcesFile string
	AuthKeys      *AuthKeys
	AuthKeysFile  string
	// Exports (optional) is /etc/exports.
	Exports     []Export
	ExportsFile string
	Scripts     Scripts
}

// Options shape the output.
type Options struct {
	Cluster string // cluster name; default "baton"
	// KeepAuthKeys carries a sha1/md5 secret over as Baton's key instead of
	// generating a new one.
	KeepAuthKeys bool
	// Addresses gives nodes' addresses on links ha.cf does not say
	// (bcast/mcast name only the interface): node -> interface -> IP.
	Addresses map[string]map[string]string
	// Witness is host:port of `baton witness`; empty: quorum policy ignore,
	// as Heartbeat v1 behaved.
	Witness string
	// Paths written into baton.toml.
	CIBPath, KeyPath, StateDir string
	Rand                       io.Reader // default crypto/rand
}

// Import converts a Heartbeat configuration. Every error names the file and
// line at fault.
func Import(in Input, o Options) (*Plan, error) {
	if len(in.HACF) == 0 {
		return nil, fmt.Errorf("no ha.cf given")
	}
	if o.Cluster == "" {
		o.Cluster = "baton"
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&o.CIBPath, "/etc/baton/cib.xml")
	def(&o.KeyPath, "/etc/baton/authkey")
	def(&o.StateDir, "/var/lib/baton")
	c := &converter{in: in, o: o, p: &Plan{Configs: map[string]string{}}, ids: map[string]bool{}}
	steps := []func() error{c.checkAgreement, c.resources, c.failback, c.ping, c.key, c.configs}
	for _, s := range steps {
		if err := s(); err != nil {
			return nil, err
		}
	}
	for _, h := range in.HACF[:1] {
		for _, ig := range h.Ignored {
			c.p.Notes = append(c.p.Notes, ig+": no counterpart in Baton, ignored")
		}
	}
	return c.p, nil
}

type converter struct {
	in  Input
	o   Options
	p   *Plan
	ids map[string]bool
	hb  *HACF // the first ha.cf: what all must agree on
}

func (c *converter) warn(format string, args ...any) {
	c.p.Warnings = append(c.p.Warnings, fmt.Sprintf(format, args...))
}

func (c *converter) note(format string, args ...any) {
	c.p.Notes = append(c.p.Notes, fmt.Sprintf(format, args...))
}

// checkAgreement requires every ha.cf to name the same nodes and timing, as
// Heartbeat itself does.
func (c *converter) checkAgreement() error {
	c.hb = c.in.HACF[0]
	c.p.Nodes = c.hb.Nodes
	seen := map[string]bool{}
	for _, n := range c.hb.Nodes {
		if seen[n] {
			return lineErr(c.hb.File, 0, "node %s is listed twice", n)
		}
		seen[n] = true
	}
	if len(c.p.Nodes) < 2 {
		return lineErr(c.hb.File, 0, "one node listed (%s): a cluster needs two; add `node PEER`", strings.Join(c.p.Nodes, " "))
	}
	for i, h := range c.in.HACF[1:] {
		if strings.Join(h.Nodes, " ") != strings.Join(c.hb.Nodes, " ") {
			return lineErr(h.File, 0, "lists nodes %v but %s lists %v: both nodes must agree", h.Nodes, c.hb.File, c.hb.Nodes)
		}
		for _, f := range []struct {
			name string
			a, b time.Duration
		}{{"keepalive", c.hb.Keepalive, h.Keepalive}, {"deadtime", c.hb.Deadtime, h.Deadtime}, {"warntime", c.hb.Warntime, h.Warntime}} {
			if f.a != f.b {
				return lineErr(h.File, 0, "%s is %v but %v in %s: both nodes must agree", f.name, f.b, f.a, c.hb.File)
			}
		}
		if h.AutoFailback != c.hb.AutoFailback {
			return lineErr(h.File, 0, "auto_failback %q differs from %q in %s", h.AutoFailback, c.hb.AutoFailback, c.hb.File)
		}
		if o := c.in.ownerOf(i + 1); o != "" && !seen[o] {
			return lineErr(h.File, 0, "given as %s's ha.cf, but %s is not a node", o, o)
		}
	}
	if o := c.in.ownerOf(0); o != "" && !seen[o] {
		return lineErr(c.hb.File, 0, "given as %s's ha.cf, but %s is not a node", o, o)
	}
	return nil
}

func (in Input) ownerOf(i int) string {
	if i < len(in.Owner) {
		return in.Owner[i]
	}
	return ""
}

var idUnsafe = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// id returns a unique XML ID from base.
func (c *converter) id(base string) string {
	s := strings.Trim(idUnsafe.ReplaceAllString(base, "_"), "_")
	if s == "" || !(s[0] >= 'A' && s[0] <= 'Z' || s[0] >= 'a' && s[0] <= 'z' || s[0] == '_') {
		s = "r_" + s
	}
	out := s
	for i := 2; c.ids[out]; i++ {
		out = fmt.Sprintf("%s-%d", s, i)
	}
	c.ids[out] = true
	return out
}

// resources converts each haresources line into a group, with a promotable
// clone per drbddisk.
func (c *converter) resources() error {
	nodes := map[string]bool{}
	for _, n := range c.p.Nodes {
		nodes[n] = true
	}
	usedFSID := map[string]bool{}
	for _, e := range c.in.Exports {
		for _, cl := range e.Clients {
			if v, ok := option(cl.Options, "fsid"); ok {
				usedFSID[v] = true
			}
		}
	}
	exportUsed := map[int]bool{}
	for gi, line := range c.in.Resources {
		where := fmt.Sprintf("%s:%d", c.in.ResourcesFile, line.Line)
		if !nodes[line.Node] {
			return lineErr(c.in.ResourcesFile, line.Line, "node %q is not one of ha.cf's nodes %v (the first word of a line is the node that prefers the resources)", line.Node, c.p.Nodes)
		}
		gid := c.id(fmt.Sprintf("group_%d", gi+1))
		var members, ips []Primitive
		var drbds []Clone
		var fsDir string
		var nfsIdx = -1
		for _, r := range line.Resources {
			switch r.Script {
			case "drbddisk":
				res := "all"
				if len(r.Args) > 0 {
					res = r.Args[0]
				}
				if len(r.Args) > 1 {
					return lineErr(c.in.ResourcesFile, line.Line, "%s: drbddisk takes one argument, the DRBD resource", r.Raw)
				}
				if res == "all" {
					return lineErr(c.in.ResourcesFile, line.Line, "%s: name the DRBD resource (drbddisk::NAME); one promotable clone manages one resource", r.Raw)
				}
				p := Primitive{ID: c.id("drbd_" + res), Class: "ocf", Provider: "baton", Type: "drbd", From: r.Raw,
					Params: []NV{{"drbd_resource", res}},
					Ops:    []Op{{"monitor", "29s", "20s", "Promoted"}, {"monitor", "31s", "20s", "Unpromoted"}}}
				drbds = append(drbds, Clone{ID: c.id(p.ID + "-clone"), Prim: p, Meta: []NV{
					{"promotable", "true"}, {"promoted-max", "1"}, {"promoted-node-max", "1"},
					{"clone-max", "2"}, {"clone-node-max", "1"}, {"notify", "true"}}})
				c.note("%s: %s became the promotable clone %s (ocf:baton:drbd, drbd_resource=%s)", where, r.Raw, drbds[len(drbds)-1].ID, res)
			case "Filesystem":
				if len(r.Args) < 2 || len(r.Args) > 4 {
					return lineErr(c.in.ResourcesFile, line.Line, "%s: expected Filesystem::DEVICE::DIRECTORY[::FSTYPE[::OPTIONS]]", r.Raw)
				}
				params := []NV{{"device", r.Args[0]}, {"directory", r.Args[1]}}
				if len(r.Args) > 2 {
					params = append(params, NV{"fstype", r.Args[2]})
				}
				if len(r.Args) > 3 {
					params = append(params, NV{"options", r.Args[3]})
				}
				if fsDir == "" {
					fsDir = strings.TrimRight(r.Args[1], "/")
				}
				members = append(members, Primitive{ID: c.id("fs_" + strings.TrimPrefix(r.Args[1], "/")), Class: "ocf", Provider: "baton",
					Type: "Filesystem", From: r.Raw, Params: params,
					Ops: []Op{{"start", "0s", "60s", ""}, {"stop", "0s", "60s", ""}, {"monitor", "20s", "40s", ""}}})
			case "IPaddr", "IPaddr2":
				p, err := c.ipaddr(r, line.Line)
				if err != nil {
					return err
				}
				ips = append(ips, p)
			default:
				if ok, why := isNFSServerScript(r.Script, c.in.Scripts); ok {
					if len(r.Args) > 0 {
						c.warn("%s: %s: arguments %q dropped: the NFS server takes its settings from nfsserver's parameters", where, r.Raw, strings.Join(r.Args, "::"))
					}
					if nfsIdx >= 0 {
						c.warn("%s: %s: a second NFS server script on the line; it is folded into the one nfsserver resource", where, r.Raw)
						continue
					}
					nfsIdx = len(members)
					members = append(members, Primitive{ID: c.id("nfsserver"), Class: "ocf", Provider: "baton", Type: "nfsserver", From: r.Raw,
						Ops: []Op{{"start", "0s", "60s", ""}, {"stop", "0s", "60s", ""}, {"monitor", "10s", "20s", ""}}})
					c.note("%s: %s is %s: it became ocf:baton:nfsserver (server=kernel)", where, r.Script, why)
					continue
				}
				// Unknown scripts are kept as LSB resources, never dropped.
				p := Primitive{ID: c.id(r.Script), Class: "lsb", Type: r.Script, From: r.Raw,
					Ops: []Op{{"monitor", "30s", "30s", ""}}}
				members = append(members, p)
				msg := fmt.Sprintf("%s: %s: unknown resource script, kept as %s", where, r.Raw, p.Agent())
				if len(r.Args) > 0 {
					msg += fmt.Sprintf("; its arguments %q cannot be passed to an LSB script: check it", strings.Join(r.Args, "::"))
				}
				c.warn("%s; Baton's executor runs only OCF agents, so `baton daemon` fails to start it: replace it with an OCF agent (it runs as is under Pacemaker)", msg)
			}
		}
		if nfsIdx >= 0 {
			c.nfsParams(&members[nfsIdx], fsDir, ips)
			exps, err := c.exports(fsDir, usedFSID, exportUsed, where)
			if err != nil {
				return err
			}
			// exportfs comes right after the server it exports from.
			members = append(members[:nfsIdx+1], append(exps, members[nfsIdx+1:]...)...)
		}
		if len(ips) > 0 && fsDir != "" {
			for i := range ips {
				ips[i].Params = append(ips[i].Params, NV{"tickle_dir", fsDir + "/.tickle"})
			}
		}
		if nfsIdx >= 0 && len(ips) > 0 && len(members) > 0 && line.Resources[0].Script != "" && firstIsIP(line.Resources) {
			c.note("%s: the address is started last, not first as on the line: clients must not reach it before the export exists", where)
		}
		members = append(members, ips...)
		if len(members) == 0 {
			// A line of drbddisk alone: the clones stand by themselves.
			c.p.Clones = append(c.p.Clones, drbds...)
			for _, d := range drbds {
				c.p.Locations = append(c.p.Locations, Location{ID: c.id(d.ID + "-prefers-" + line.Node), Rsc: d.ID, Node: line.Node, Score: "100"})
			}
			continue
		}
		g := Group{ID: gid, Members: members}
		c.p.Groups = append(c.p.Groups, g)
		c.p.Clones = append(c.p.Clones, drbds...)
		c.p.Locations = append(c.p.Locations, Location{ID: c.id(gid + "-prefers-" + line.Node), Rsc: gid, Node: line.Node, Score: "100"})
		for _, d := range drbds {
			c.p.Colocations = append(c.p.Colocations, Colocation{ID: c.id(gid + "-with-" + d.ID), Rsc: gid, WithRsc: d.ID, WithRole: "Promoted", Score: "INFINITY"})
			c.p.Orders = append(c.p.Orders, Order{ID: c.id(d.ID + "-before-" + gid), First: d.ID, FirstAction: "promote", Then: gid, ThenAction: "start", Kind: "Mandatory"})
		}
		c.note("%s: group %s = %s, preferring %s", where, gid, memberIDs(members), line.Node)
	}
	for i, e := range c.in.Exports {
		if !exportUsed[i] {
			c.warn("%s:%d: %s is not below a Filesystem of an NFS resource line: not exported by the cluster", c.in.ExportsFile, e.Line, e.Path)
		}
	}
	c.p.Properties = append(c.p.Properties, NV{"stonith-enabled", "false"})
	return nil
}

func firstIsIP(rs []ResourceSpec) bool {
	return rs[0].Script == "IPaddr" || rs[0].Script == "IPaddr2"
}

func memberIDs(ps []Primitive) string {
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	return strings.Join(ids, " -> ")
}

// ipaddr converts IPaddr::ADDR[/MASK[/IFACE[/BROADCAST]]].
func (c *converter) ipaddr(r ResourceSpec, line int) (Primitive, error) {
	if len(r.Args) != 1 {
		return Primitive{}, lineErr(c.in.ResourcesFile, line, "%s: expected %s::ADDRESS[/NETMASK[/INTERFACE[/BROADCAST]]]", r.Raw, r.Script)
	}
	parts := strings.Split(r.Args[0], "/")
	ip := net.ParseIP(parts[0])
	if ip == nil || len(parts) > 4 {
		return Primitive{}, lineErr(c.in.ResourcesFile, line, "%s: %q is not ADDRESS[/NETMASK[/INTERFACE[/BROADCAST]]]", r.Raw, r.Args[0])
	}
	params := []NV{{"ip", parts[0]}}
	if len(parts) > 1 && parts[1] != "" {
		bits, err := cidrBits(parts[1], ip.To4() != nil)
		if err != nil {
			return Primitive{}, lineErr(c.in.ResourcesFile, line, "%s: netmask %v", r.Raw, err)
		}
		params = append(params, NV{"cidr_netmask", strconv.Itoa(bits)})
	}
	if len(parts) > 2 && parts[2] != "" {
		params = append(params, NV{"nic", parts[2]})
	}
	if len(parts) > 3 && parts[3] != "" {
		params = append(params, NV{"broadcast", parts[3]})
	}
	return Primitive{ID: c.id("ip_" + parts[0]), Class: "ocf", Provider: "baton", Type: "IPaddr", From: r.Raw, Params: params,
		Ops: []Op{{"monitor", "10s", "20s", ""}}}, nil
}

// cidrBits reads a prefix length or a dotted netmask.
func cidrBits(s string, v4 bool) (int, error) {
	max := 128
	if v4 {
		max = 32
	}
	if n, err := strconv.Atoi(s); err == nil {
		if n < 1 || n > max {
			return 0, fmt.Errorf("%q is out of range 1-%d", s, max)
		}
		return n, nil
	}
	m := net.ParseIP(s)
	if m == nil || m.To4() == nil || !v4 {
		return 0, fmt.Errorf("%q is neither a prefix length nor a dotted netmask", s)
	}
	ones, bits := net.IPMask(m.To4()).Size()
	if bits == 0 {
		return 0, fmt.Errorf("%q is not a contiguous netmask", s)
	}
	return ones, nil
}

// nfsParams points nfsserver at the replicated filesystem and the address.
func (c *converter) nfsParams(p *Primitive, fsDir string, ips []Primitive) {
	p.Params = append(p.Params, NV{"server", "kernel"})
	if fsDir != "" {
		p.Params = append(p.Params, NV{"nfs_shared_infodir", fsDir + "/nfs"})
	} else {
		c.warn("%s: no Filesystem on the line: NFS client state stays in /var/lib/nfs on each node, and clients stall after a failover (docs/nfs.md)", p.From)
	}
	if len(ips) > 0 {
		p.Params = append(p.Params, NV{"nfs_ip", ips[0].Params[0].Value})
	}
}

// exports turns the /etc/exports lines below fsDir into exportfs resources.
func (c *converter) exports(fsDir string, usedFSID map[string]bool, used map[int]bool, where string) ([]Primitive, error) {
	var out []Primitive
	next := 1
	for i, e := range c.in.Exports {
		if fsDir == "" || !(e.Path == fsDir || strings.HasPrefix(e.Path, fsDir+"/")) {
			continue
		}
		used[i] = true
		for _, cl := range e.Clients {
			fsid, ok := option(cl.Options, "fsid")
			if !ok {
				for usedFSID[strconv.Itoa(next)] {
					next++
				}
				fsid = strconv.Itoa(next)
				usedFSID[fsid] = true
				c.warn("%s:%d: %s %s has no fsid: fsid=%s assigned, so that file handles survive a failover (the same on both nodes)", c.in.ExportsFile, e.Line, e.Path, cl.Spec, fsid)
			}
			params := []NV{{"clientspec", cl.Spec}, {"directory", e.Path}, {"fsid", fsid}}
			if opts := withoutOption(cl.Options, "fsid"); opts != "" {
				params = append(params, NV{"options", opts})
			}
			params = append(params, NV{"server", "kernel"})
			out = append(out, Primitive{ID: c.id("exportfs_" + strings.TrimPrefix(e.Path, "/")), Class: "ocf", Provider: "baton", Type: "exportfs",
				From: fmt.Sprintf("%s:%d", c.in.ExportsFile, e.Line), Params: params, Ops: []Op{{"monitor", "10s", "20s", ""}}})
		}
	}
	if len(out) == 0 {
		c.warn("%s: an NFS server without exports: give --exports /etc/exports, or add ocf:baton:exportfs resources (fsid is required)", where)
	}
	return out, nil
}

// failback turns auto_failback into a location preference and stickiness:
// on, resources return to their preferred node; off, they stay where they
// run.
func (c *converter) failback() error {
	switch c.hb.AutoFailback {
	case "off":
		c.p.Defaults = append(c.p.Defaults, NV{"resource-stickiness", "200"})
		c.note("auto_failback off: resource-stickiness 200 outweighs the preferred node's 100, so resources stay where they run")
	case "legacy", "":
		c.warn("auto_failback %s: treated as on (resources return to their preferred node); set it explicitly to choose", orDefault(c.hb.AutoFailback, "not set (legacy)"))
		fallthrough
	default:
		c.p.Defaults = append(c.p.Defaults, NV{"resource-stickiness", "0"})
		c.note("auto_failback on: resource-stickiness 0, so resources return to the preferred node (score 100) when it is back")
	}
	return nil
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// ping keeps every group off nodes that reach none of the ping nodes.
func (c *converter) ping() error {
	if len(c.hb.Ping) == 0 && len(c.hb.PingGroups) == 0 {
		return nil
	}
	for name := range c.hb.PingGroups {
		c.warn("ping_group %s: each of its addresses counts as one ping node (Heartbeat counted the group as one)", name)
	}
	for _, g := range c.p.Groups {
		c.p.Locations = append(c.p.Locations, Location{ID: c.id(g.ID + "-connected"), Rsc: g.ID, PingAttr: "pingd"})
	}
	c.note("ping: the daemon pings %s and publishes the node attribute pingd; a rule keeps each group off a node that reaches none", strings.Join(c.pingHosts(), ", "))
	return nil
}

func (c *converter) pingHosts() []string {
	hosts := append([]string(nil), c.hb.Ping...)
	names := make([]string, 0, len(c.hb.PingGroups))
	for n := range c.hb.PingGroups {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		hosts = append(hosts, c.hb.PingGroups[n]...)
	}
	return hosts
}

// key refuses crc (a checksum, not authentication) and carries a sha1/md5
// secret over only when asked.
func (c *converter) key() error {
	a := c.in.AuthKeys
	var err error
	if a == nil {
		c.p.Key, err = c.newKey()
		c.note("no authkeys given: a new random key was generated")
		return err
	}
	k := a.Keys[a.Active]
	switch {
	case k.Method == "crc":
		c.warn("%s: auth %d uses crc, a checksum that anyone on the network can compute: it is not authentication. A new random key was generated; copy it to every node", c.in.AuthKeysFile, a.Active)
		c.p.Key, err = c.newKey()
	case c.o.KeepAuthKeys:
		if len(k.Secret) < 16 {
			return lineErr(c.in.AuthKeysFile, 0, "key %d's secret has %d characters; Baton needs at least 16: drop --keep-authkeys to generate a new key", a.Active, len(k.Secret))
		}
		c.p.Key = []byte(k.Secret)
		c.note("%s: key %d's %s secret carried over as Baton's HMAC-SHA256 key (--keep-authkeys)", c.in.AuthKeysFile, a.Active, k.Method)
	default:
		c.p.Key, err = c.newKey()
		c.note("%s: key %d (%s) not carried over: a new random key was generated (--keep-authkeys keeps the old secret)", c.in.AuthKeysFile, a.Active, k.Method)
	}
	return err
}

func (c *converter) newKey() ([]byte, error) {
	b := make([]byte, 32)
	if _, err := io.ReadFull(c.o.Rand, b); err != nil {
		return nil, fmt.Errorf("generate a key: %w", err)
	}
	// Printable, so that the key file can be copied by hand.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return b, nil
}
