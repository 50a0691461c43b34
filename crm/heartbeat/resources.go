package heartbeat

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// lineResources collects what one haresources line becomes.
type lineResources struct {
	members []Primitive // the group, in start order
	ips     []Primitive // addresses, placed last
	drbds   []Clone
	fsDir   string // the first Filesystem's mount point
	nfsIdx  int    // the nfsserver's index in members, or -1
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
		lr := &lineResources{nfsIdx: -1}
		for _, r := range line.Resources {
			if err := c.resource(lr, r, line.Line, where); err != nil {
				return err
			}
		}
		if lr.nfsIdx >= 0 {
			c.nfsParams(&lr.members[lr.nfsIdx], lr.fsDir, lr.ips)
			exps := c.exports(lr.fsDir, usedFSID, exportUsed, where)
			// exportfs comes right after the server it exports from.
			lr.members = append(lr.members[:lr.nfsIdx+1], append(exps, lr.members[lr.nfsIdx+1:]...)...)
			if len(lr.ips) > 0 && firstIsIP(line.Resources) {
				c.note("%s: the address is started last, not first as on the line: clients must not reach it before the export exists", where)
			}
		}
		if lr.fsDir != "" {
			for i := range lr.ips {
				lr.ips[i].Params = append(lr.ips[i].Params, NV{"tickle_dir", lr.fsDir + "/.tickle"})
			}
		}
		lr.members = append(lr.members, lr.ips...)
		c.p.Clones = append(c.p.Clones, lr.drbds...)
		if len(lr.members) == 0 {
			// A line of drbddisk alone: the clones stand by themselves.
			for _, d := range lr.drbds {
				c.p.Locations = append(c.p.Locations, Location{ID: c.id(d.ID + "-prefers-" + line.Node), Rsc: d.ID, Node: line.Node, Score: "100"})
			}
			continue
		}
		gid := c.id(fmt.Sprintf("group_%d", gi+1))
		c.p.Groups = append(c.p.Groups, Group{ID: gid, Members: lr.members})
		c.p.Locations = append(c.p.Locations, Location{ID: c.id(gid + "-prefers-" + line.Node), Rsc: gid, Node: line.Node, Score: "100"})
		for _, d := range lr.drbds {
			c.p.Colocations = append(c.p.Colocations, Colocation{ID: c.id(gid + "-with-" + d.ID), Rsc: gid, WithRsc: d.ID, WithRole: "Promoted", Score: "INFINITY"})
			c.p.Orders = append(c.p.Orders, Order{ID: c.id(d.ID + "-before-" + gid), First: d.ID, FirstAction: "promote", Then: gid, ThenAction: "start", Kind: "Mandatory"})
		}
		c.note("%s: group %s = %s, preferring %s", where, gid, memberIDs(lr.members), line.Node)
	}
	for i, e := range c.in.Exports {
		if !exportUsed[i] {
			c.warn("%s:%d: %s is not below a Filesystem of an NFS resource line: not exported by the cluster", c.in.ExportsFile, e.Line, e.Path)
		}
	}
	c.p.Properties = append(c.p.Properties, NV{"stonith-enabled", "false"})
	return nil
}

// resource converts one word of a haresources line.
func (c *converter) resource(lr *lineResources, r ResourceSpec, line int, where string) error {
	switch r.Script {
	case "drbddisk":
		d, err := c.drbd(r, line)
		if err != nil {
			return err
		}
		lr.drbds = append(lr.drbds, d)
		c.note("%s: %s became the promotable clone %s (ocf:baton:drbd, drbd_resource=%s)", where, r.Raw, d.ID, d.Prim.Params[0].Value)
	case "Filesystem":
		p, err := c.filesystem(r, line)
		if err != nil {
			return err
		}
		if lr.fsDir == "" {
			lr.fsDir = strings.TrimRight(r.Args[1], "/")
		}
		lr.members = append(lr.members, p)
	case "IPaddr", "IPaddr2":
		p, err := c.ipaddr(r, line)
		if err != nil {
			return err
		}
		lr.ips = append(lr.ips, p)
	default:
		ok, why := isNFSServerScript(r.Script, c.in.Scripts)
		if !ok {
			lr.members = append(lr.members, c.lsb(r, where))
			return nil
		}
		if len(r.Args) > 0 {
			c.warn("%s: %s: arguments %q dropped: the NFS server takes its settings from nfsserver's parameters", where, r.Raw, strings.Join(r.Args, "::"))
		}
		if lr.nfsIdx >= 0 {
			c.warn("%s: %s: a second NFS server script on the line; it is folded into the one nfsserver resource", where, r.Raw)
			return nil
		}
		lr.nfsIdx = len(lr.members)
		lr.members = append(lr.members, Primitive{ID: c.id("nfsserver"), Class: "ocf", Provider: "baton", Type: "nfsserver", From: r.Raw,
			Ops: []Op{{"start", "0s", "60s", ""}, {"stop", "0s", "60s", ""}, {"monitor", "10s", "20s", ""}}})
		c.note("%s: %s is %s: it became ocf:baton:nfsserver (server=kernel)", where, r.Script, why)
	}
	return nil
}

// drbd converts drbddisk::RESOURCE into a promotable clone.
func (c *converter) drbd(r ResourceSpec, line int) (Clone, error) {
	if len(r.Args) > 1 {
		return Clone{}, lineErr(c.in.ResourcesFile, line, "%s: drbddisk takes one argument, the DRBD resource", r.Raw)
	}
	if len(r.Args) == 0 || r.Args[0] == "all" {
		return Clone{}, lineErr(c.in.ResourcesFile, line, "%s: name the DRBD resource (drbddisk::NAME); one promotable clone manages one resource", r.Raw)
	}
	res := r.Args[0]
	p := Primitive{ID: c.id("drbd_" + res), Class: "ocf", Provider: "baton", Type: "drbd", From: r.Raw,
		Params: []NV{{"drbd_resource", res}},
		Ops:    []Op{{"monitor", "29s", "20s", "Promoted"}, {"monitor", "31s", "20s", "Unpromoted"}}}
	return Clone{ID: c.id(p.ID + "-clone"), Prim: p, Meta: []NV{
		{"promotable", "true"}, {"promoted-max", "1"}, {"promoted-node-max", "1"},
		{"clone-max", "2"}, {"clone-node-max", "1"}, {"notify", "true"}}}, nil
}

// filesystem converts Filesystem::DEVICE::DIRECTORY[::FSTYPE[::OPTIONS]].
func (c *converter) filesystem(r ResourceSpec, line int) (Primitive, error) {
	if len(r.Args) < 2 || len(r.Args) > 4 {
		return Primitive{}, lineErr(c.in.ResourcesFile, line, "%s: expected Filesystem::DEVICE::DIRECTORY[::FSTYPE[::OPTIONS]]", r.Raw)
	}
	params := []NV{{"device", r.Args[0]}, {"directory", r.Args[1]}}
	if len(r.Args) > 2 {
		params = append(params, NV{"fstype", r.Args[2]})
	}
	if len(r.Args) > 3 {
		params = append(params, NV{"options", r.Args[3]})
	}
	return Primitive{ID: c.id("fs_" + strings.TrimPrefix(r.Args[1], "/")), Class: "ocf", Provider: "baton",
		Type: "Filesystem", From: r.Raw, Params: params,
		Ops: []Op{{"start", "0s", "60s", ""}, {"stop", "0s", "60s", ""}, {"monitor", "20s", "40s", ""}}}, nil
}

// lsb keeps a script the import does not know as an LSB resource, with a
// warning: nothing of the old configuration is dropped unseen.
func (c *converter) lsb(r ResourceSpec, where string) Primitive {
	p := Primitive{ID: c.id(r.Script), Class: "lsb", Type: r.Script, From: r.Raw,
		Ops: []Op{{"monitor", "30s", "30s", ""}}}
	msg := fmt.Sprintf("%s: %s: unknown resource script, kept as %s", where, r.Raw, p.Agent())
	if len(r.Args) > 0 {
		msg += fmt.Sprintf("; its arguments %q cannot be passed to an LSB script: check it", strings.Join(r.Args, "::"))
	}
	c.warn("%s; Baton's executor runs only OCF agents, so `baton daemon` fails to start it: replace it with an OCF agent (it runs as is under Pacemaker)", msg)
	return p
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
func (c *converter) exports(fsDir string, usedFSID map[string]bool, used map[int]bool, where string) []Primitive {
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
	return out
}
