package simulate

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/baton-ha/baton/crm/cib"
	"github.com/baton-ha/baton/crm/scheduler"
)

// leafState is where one primitive (or clone instance) is and how it is.
type leafState struct {
	nodes  []string
	role   string
	failed bool
}

// state is the status of every primitive, keyed by printed id.
type state map[string]*leafState

func currentState(c *scheduler.Cluster) state {
	st := state{}
	walkLeaves(c, func(r *scheduler.Resource) {
		ls := &leafState{role: r.Role, failed: r.Failed}
		for _, n := range r.RunningOn {
			ls.nodes = append(ls.nodes, n.Name)
		}
		st[r.ID] = ls
	})
	return st
}

func walkLeaves(c *scheduler.Cluster, fn func(*scheduler.Resource)) {
	for _, top := range c.Resources {
		for _, l := range top.Leaves() {
			fn(l)
		}
	}
	for _, o := range c.Orphans {
		fn(o)
	}
}

// revisedState applies the transition's runnable actions to the current
// state, in graph order.
func revisedState(c *scheduler.Cluster, g *scheduler.Graph) state {
	st := currentState(c)
	ordered, _ := g.Order()
	for _, a := range ordered {
		if a.Fence != nil && a.Fence.Action != "on" {
			// Whatever ran on a fenced node is stopped.
			for _, ls := range st {
				var keep []string
				for _, n := range ls.nodes {
					if n != a.Fence.Node {
						keep = append(keep, n)
					}
				}
				if len(keep) != len(ls.nodes) {
					ls.nodes, ls.failed = keep, false
					if len(keep) == 0 {
						ls.role = scheduler.RoleStopped
					}
				}
			}
			continue
		}
		ls := st[a.Resource]
		if ls == nil || !a.Runnable {
			continue
		}
		switch a.Task {
		case "stop":
			var keep []string
			for _, n := range ls.nodes {
				if n != a.Node {
					keep = append(keep, n)
				}
			}
			ls.nodes = keep
			ls.failed = false
			if len(keep) == 0 {
				ls.role = scheduler.RoleStopped
			}
		case "start":
			ls.nodes = append(ls.nodes, a.Node)
			ls.role = scheduler.RoleStarted
			ls.failed = false
		case "promote":
			ls.role = scheduler.RolePromoted
		case "demote":
			ls.role = scheduler.RoleUnpromoted
		}
	}
	return st
}

type printer struct {
	w     io.Writer
	c     *scheduler.Cluster
	st    state
	depth int
}

func (p *printer) line(format string, args ...any) {
	fmt.Fprintf(p.w, "%s* %s\n", strings.Repeat("  ", p.depth+1), fmt.Sprintf(format, args...))
}

// printStatus prints the node list and the full resource list.
func printStatus(w io.Writer, c *scheduler.Cluster, st state) {
	p := &printer{w: w, c: c, st: st}
	fmt.Fprintln(w, "  * Node List:")
	var online, offline []string
	for _, n := range c.Nodes {
		switch {
		case n.Unclean:
			where := "offline"
			if n.Online {
				where = "online"
			}
			fmt.Fprintf(w, "    * Node %s: UNCLEAN (%s)\n", n.Name, where)
		case n.Pending:
			fmt.Fprintf(w, "    * Node %s: pending\n", n.Name)
		case n.Online && n.Standby:
			active := ""
			for _, ls := range st {
				for _, x := range ls.nodes {
					if x == n.Name {
						active = " (with active resources)"
					}
				}
			}
			fmt.Fprintf(w, "    * Node %s: standby%s\n", n.Name, active)
		case n.Online:
			online = append(online, n.Name)
		default:
			offline = append(offline, n.Name)
		}
	}
	if len(online) > 0 {
		fmt.Fprintf(w, "    * Online: [ %s ]\n", strings.Join(online, " "))
	}
	if len(offline) > 0 {
		fmt.Fprintf(w, "    * OFFLINE: [ %s ]\n", strings.Join(offline, " "))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "  * Full List of Resources:")
	p.depth = 1
	for _, r := range c.Resources {
		p.resource(r)
	}
	for _, o := range c.Orphans {
		if ls := st[o.ID]; ls != nil && len(ls.nodes) > 0 {
			p.primitive(o, " ORPHANED")
		}
	}
}

func flags(r *scheduler.Resource) []string {
	var f []string
	for x := r; x != nil; x = x.Parent {
		if x.TargetRole == scheduler.RoleStopped {
			f = append(f, "disabled")
			break
		}
	}
	if !r.Managed {
		f = append(f, "unmanaged")
	}
	if r.Blocked {
		f = append(f, "blocked")
	}
	return f
}

func (p *printer) primitive(r *scheduler.Resource, extra string) {
	ls := p.st[r.ID]
	what := "Stopped"
	if ls != nil && len(ls.nodes) > 0 {
		role := ls.role
		if role == scheduler.RoleStarted && inPromotable(r) {
			role = scheduler.RoleUnpromoted
		}
		if ls.failed {
			role = "FAILED"
			if ls.role == scheduler.RolePromoted {
				role = "FAILED Promoted"
			}
		}
		what = role + " " + strings.Join(ls.nodes, " ")
	}
	fl := flags(r)
	suffix := ""
	if len(fl) > 0 {
		suffix = " (" + strings.Join(fl, ", ") + ")"
	}
	agent := ""
	if r.Cfg != nil {
		agent = r.Cfg.Agent()
	}
	id := r.ID
	if cl := cloneOf(r); cl != nil && !cl.Unique && r.Cfg != nil {
		// anonymous instances are shown by their configured id
		id = r.Cfg.ID
	}
	p.line("%s\t(%s):\t%s %s%s", id, agent, extra, what, suffix)
}

func inPromotable(r *scheduler.Resource) bool {
	for x := r.Parent; x != nil; x = x.Parent {
		if x.Kind == cib.Clone {
			return x.Promotable
		}
	}
	return false
}

func (p *printer) resource(r *scheduler.Resource) {
	switch r.Kind {
	case cib.Primitive:
		p.primitive(r, "")
	case cib.Group:
		dis := ""
		if r.TargetRole == scheduler.RoleStopped {
			dis = " (disabled)"
		}
		p.line("Resource Group: %s%s:", r.ID, dis)
		p.depth++
		for _, m := range r.Children {
			p.resource(m)
		}
		p.depth--
	case cib.Clone:
		var tags []string
		if r.Promotable {
			tags = append(tags, "promotable")
		}
		if r.Unique {
			tags = append(tags, "unique")
		}
		if r.TargetRole == scheduler.RoleStopped {
			tags = append(tags, "disabled")
		}
		t := ""
		if len(tags) > 0 {
			t = " (" + strings.Join(tags, ", ") + ")"
		}
		child := ""
		if r.Cfg != nil && len(r.Cfg.Children) > 0 {
			child = r.Cfg.Children[0].ID
		}
		p.line("Clone Set: %s [%s]%s:", r.ID, child, t)
		p.depth++
		p.cloneBody(r)
		p.depth--
	}
}

// cloneBody lists unique or odd instances one by one and summarises the
// plain ones by role.
func (p *printer) cloneBody(cl *scheduler.Resource) {
	byRole := map[string][]string{}
	running := map[string]bool{}
	for _, inst := range cl.Children {
		leaves := inst.Leaves()
		plain := !cl.Unique && inst.Kind == cib.Primitive
		if plain {
			ls := p.st[inst.ID]
			if ls == nil || len(ls.nodes) == 0 {
				continue
			}
			if ls.failed || len(ls.nodes) > 1 || !inst.Managed || inst.Blocked {
				p.primitive(inst, "")
				for _, n := range ls.nodes {
					running[n] = true
				}
				continue
			}
			role := ls.role
			if role == scheduler.RoleStarted && cl.Promotable {
				role = scheduler.RoleUnpromoted
			}
			byRole[role] = append(byRole[role], ls.nodes[0])
			running[ls.nodes[0]] = true
			continue
		}
		active := false
		for _, l := range leaves {
			if ls := p.st[l.ID]; ls != nil && len(ls.nodes) > 0 {
				active = true
				for _, n := range ls.nodes {
					running[n] = true
				}
			}
		}
		if !active && !cl.Unique {
			continue
		}
		if !active && inst.Kind == cib.Primitive {
			p.primitive(inst, "")
			continue
		}
		if inst.Kind == cib.Group {
			p.line("Resource Group: %s:", inst.ID)
			p.depth++
			for _, m := range inst.Children {
				p.primitive(m, "")
			}
			p.depth--
		} else {
			p.primitive(inst, "")
		}
	}
	for _, role := range []string{scheduler.RolePromoted, scheduler.RoleUnpromoted, scheduler.RoleStarted} {
		if ns := byRole[role]; len(ns) > 0 {
			sortNames(p.c, ns)
			p.line("%s: [ %s ]", role, strings.Join(ns, " "))
		}
	}
	if !cl.Unique {
		var stopped []string
		for _, n := range p.c.Nodes {
			if !running[n.Name] {
				stopped = append(stopped, n.Name)
			}
		}
		if len(stopped) > 0 {
			label := "Stopped"
			if cl.TargetRole == scheduler.RoleStopped {
				label = "Stopped (disabled)"
			}
			p.line("%s: [ %s ]", label, strings.Join(stopped, " "))
		}
	}
}

func sortNames(c *scheduler.Cluster, names []string) {
	idx := map[string]int{}
	for _, n := range c.Nodes {
		idx[n.Name] = n.Index
	}
	sort.SliceStable(names, func(i, j int) bool { return idx[names[i]] < idx[names[j]] })
}

func cloneOf(r *scheduler.Resource) *scheduler.Resource {
	for x := r.Parent; x != nil; x = x.Parent {
		if x.Kind == cib.Clone {
			return x
		}
	}
	return nil
}
