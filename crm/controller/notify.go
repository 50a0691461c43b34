package controller

import (
	"context"
	"sort"
	"strings"

	"github.com/baton-ha/baton/crm/cib"
	"github.com/baton-ha/baton/crm/cibdoc"
	"github.com/baton-ha/baton/crm/scheduler"
	"github.com/baton-ha/baton/ocf"
)

// Clone notifications, as Pacemaker sends them to clones with notify=true:
// before the first start (stop, promote, demote) of a clone's instances in
// a transition, every active instance gets a "pre" notify; after the last
// one, every instance active then gets a "post" notify. Both carry the same
// lists: the instances to be started, stopped, promoted and demoted, and
// the active, inactive, promoted and unpromoted ones at the transition's
// start, each as resource and node names.

// notifyGroup is the actions of one task on one notifying clone.
type notifyGroup struct {
	clone *scheduler.Resource
	task  string
	first *scheduler.Action
	last  *scheduler.Action
}

// cloneOfInstance returns the clone above a primitive instance, or nil.
func cloneOfInstance(r *scheduler.Resource) *scheduler.Resource {
	for p := r.Parent; p != nil; p = p.Parent {
		if p.Kind == cib.Clone {
			return p
		}
	}
	return nil
}

// notifyPlan finds, for every clone with notify=true, the first and last
// runnable action of each task in execution order: the pre notifications go
// before the first, the post ones after the last.
func notifyPlan(res *scheduler.Result, ordered []*scheduler.Action) (pre, post map[*scheduler.Action][]*notifyGroup) {
	byID := map[string]*scheduler.Resource{}
	for _, top := range res.Cluster.Resources {
		for _, l := range top.Leaves() {
			byID[l.ID] = l
		}
	}
	groups := map[string]*notifyGroup{}
	var order []string
	for _, a := range ordered {
		if !a.Runnable || a.Task == "monitor" {
			continue
		}
		leaf := byID[a.Resource]
		if leaf == nil {
			continue
		}
		cl := cloneOfInstance(leaf)
		if cl == nil || !isTrue(cl.Meta["notify"]) {
			continue
		}
		key := cl.ID + "\x00" + a.Task
		g := groups[key]
		if g == nil {
			g = &notifyGroup{clone: cl, task: a.Task, first: a}
			groups[key] = g
			order = append(order, key)
		}
		g.last = a
	}
	pre, post = map[*scheduler.Action][]*notifyGroup{}, map[*scheduler.Action][]*notifyGroup{}
	for _, k := range order {
		g := groups[k]
		pre[g.first] = append(pre[g.first], g)
		post[g.last] = append(post[g.last], g)
	}
	return pre, post
}

// notifyVars builds the notify_* meta values of a clone for this
// transition.
func notifyVars(g *notifyGroup, typ string, ordered []*scheduler.Action) map[string]string {
	lists := map[string][][2]string{}
	add := func(kind, rsc, node string) { lists[kind] = append(lists[kind], [2]string{rsc, node}) }
	inClone := map[string]bool{}
	for _, l := range g.clone.Leaves() {
		inClone[l.ID] = true
		if len(l.RunningOn) == 0 {
			add("inactive", l.ID, "")
			continue
		}
		for _, n := range l.RunningOn {
			add("active", l.ID, n.Name)
			if l.Role == scheduler.RolePromoted {
				add("promoted", l.ID, n.Name)
			} else {
				add("unpromoted", l.ID, n.Name)
			}
		}
	}
	for _, a := range ordered {
		if a.Runnable && inClone[a.Resource] {
			switch a.Task {
			case "start", "stop", "promote", "demote":
				add(a.Task, a.Resource, a.Node)
			}
		}
	}
	m := map[string]string{"notify_type": typ, "notify_operation": g.task}
	for _, kind := range []string{"start", "stop", "promote", "demote", "active", "inactive", "promoted", "unpromoted"} {
		var rs, us []string
		for _, p := range lists[kind] {
			rs = append(rs, p[0])
			if p[1] != "" {
				us = append(us, p[1])
			}
		}
		m["notify_"+kind+"_resource"] = strings.Join(rs, " ")
		m["notify_"+kind+"_uname"] = strings.Join(us, " ")
	}
	// The old names, for agents written before Pacemaker 2.1.
	m["notify_master_resource"], m["notify_master_uname"] = m["notify_promoted_resource"], m["notify_promoted_uname"]
	m["notify_slave_resource"], m["notify_slave_uname"] = m["notify_unpromoted_resource"], m["notify_unpromoted_uname"]
	return m
}

// sendNotify runs a notify on every instance of the clone active on the
// given nodes' histories. Failures are logged, not fatal: Pacemaker does not
// recover a resource for a failed notification either.
func (c *Controller) sendNotify(ctx context.Context, raw *cibdoc.Doc, g *notifyGroup, typ string, ordered []*scheduler.Action, nodes int) {
	vars := notifyVars(g, typ, ordered)
	type target struct {
		prim           *cib.Resource
		instance, node string
	}
	var targets []target
	for _, l := range g.clone.Leaves() {
		hid := historyID(l.Cfg, l.ID)
		for _, n := range c.membersOrdered() {
			for _, rr := range c.cluster.Running(n) {
				if rr.ID == hid {
					targets = append(targets, target{l.Cfg, l.ID, n})
				}
			}
		}
		if hid != l.ID {
			break // anonymous instances share one history per node: notify each node once
		}
	}
	for _, tg := range targets {
		op, _ := buildOperation(raw, tg.prim, tg.instance, ocf.ActionNotify, 0, nodes)
		for k, v := range vars {
			op.Meta[k] = v
		}
		rep, err := c.execOn(ctx, tg.node, ExecRequest{Op: op, TargetRC: 0})
		if err != nil || rep.RC != 0 {
			c.log.Warn("notification failed", "resource", tg.instance, "node", tg.node, "type", typ, "operation", g.task, "rc", rep.RC, "err", err)
		}
	}
}

// membersOrdered returns the nodes the DC's status knows as members, sorted.
func (c *Controller) membersOrdered() []string {
	var out []string
	for _, n := range append([]string{c.cfg.Node}, peerNames(c.cfg.Peers)...) {
		if c.cluster.Member(n) {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

func peerNames(ps []Peer) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out
}
