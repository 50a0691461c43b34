package scheduler

import (
	"fmt"
	"sort"
	"time"

	"github.com/baton-ha/baton/crm/cib"
)

// Action is one step of the transition graph.
type Action struct {
	ID        int
	Task      string // start, stop, promote, demote, monitor
	Resource  string // printed id, e.g. "prm:1"
	Primitive *cib.Resource
	Node      string
	Interval  time.Duration // recurring monitors
	// Runnable is false for actions that cannot be executed (blocked):
	// they are listed so that callers can explain, but never run.
	Runnable bool
	// Fence is set for a fencing action (Task "fence", Resource and
	// Primitive empty): the fencer runs it, and every action that needs
	// the node fenced (starts of what ran there, stops it implies) comes
	// after it in the graph.
	Fence *Fence
}

// Key names the action the way Pacemaker's logs do: rsc_task_interval
// (stonith-NODE-ACTION for a fence).
func (a *Action) Key() string {
	if a.Fence != nil {
		return "stonith-" + a.Fence.Node + "-" + a.Fence.Action
	}
	return fmt.Sprintf("%s_%s_%d", a.Resource, a.Task, a.Interval.Milliseconds())
}

func (a *Action) String() string {
	if a.Fence != nil {
		return fmt.Sprintf("fence (%s) %s: %s", a.Fence.Action, a.Fence.Node, a.Fence.Reason)
	}
	if a.Task == "monitor" {
		return fmt.Sprintf("%s monitor=%d on %s", a.Resource, a.Interval.Milliseconds(), a.Node)
	}
	return fmt.Sprintf("%s %s on %s", a.Resource, a.Task, a.Node)
}

// Graph is the transition the executor runs: actions and "first before
// then" edges between them.
type Graph struct {
	Actions []*Action
	// Edges holds pairs (first, then) of action IDs: then may only run
	// after first completed.
	Edges [][2]int
}

// Before returns, for each action ID, the IDs that must complete first.
func (g *Graph) Before() map[int][]int {
	m := map[int][]int{}
	for _, e := range g.Edges {
		m[e[1]] = append(m[e[1]], e[0])
	}
	return m
}

// Order returns the runnable actions in an order that respects every edge
// (ties keep creation order). Actions caught in a cycle are returned in
// cyclic, in creation order.
func (g *Graph) Order() (ordered []*Action, cyclic []*Action) {
	indeg := map[int]int{}
	next := map[int][]int{}
	byID := map[int]*Action{}
	for _, a := range g.Actions {
		byID[a.ID] = a
		indeg[a.ID] += 0
	}
	for _, e := range g.Edges {
		indeg[e[1]]++
		next[e[0]] = append(next[e[0]], e[1])
	}
	var ready []int
	for _, a := range g.Actions {
		if indeg[a.ID] == 0 {
			ready = append(ready, a.ID)
		}
	}
	seen := map[int]bool{}
	for len(ready) > 0 {
		sort.Ints(ready)
		id := ready[0]
		ready = ready[1:]
		seen[id] = true
		ordered = append(ordered, byID[id])
		for _, n := range next[id] {
			indeg[n]--
			if indeg[n] == 0 {
				ready = append(ready, n)
			}
		}
	}
	for _, a := range g.Actions {
		if !seen[a.ID] {
			cyclic = append(cyclic, a)
		}
	}
	return ordered, cyclic
}

type leafActions struct {
	stops   []*Action
	demote  *Action
	start   *Action
	promote *Action
}

func (c *Cluster) buildGraph(edges []orderEdge) *Graph {
	g := &Graph{}
	acts := map[*Resource]*leafActions{}
	add := func(r *Resource, task string, n *Node, runnable bool) *Action {
		a := &Action{ID: len(g.Actions) + 1, Task: task, Resource: r.ID, Primitive: r.Cfg, Node: n.Name, Runnable: runnable}
		g.Actions = append(g.Actions, a)
		return a
	}
	link := func(a, b *Action) {
		if a != nil && b != nil && a != b {
			g.Edges = append(g.Edges, [2]int{a.ID, b.ID})
		}
	}
	// Fencing first: one action per fenced node, in node order, each
	// after the previous one (Pacemaker fences one node at a time unless
	// concurrent-fencing is set).
	fences := map[string]*Action{}
	var prevFence *Action
	for i := range c.Fences {
		f := &c.Fences[i]
		a := &Action{ID: len(g.Actions) + 1, Task: "fence", Node: f.Node, Runnable: true, Fence: f}
		g.Actions = append(g.Actions, a)
		fences[f.Node] = a
		if !boolOpt(c.options["concurrent-fencing"], true) {
			link(prevFence, a)
		}
		prevFence = a
	}
	for _, r := range c.outputOrder() {
		if !r.Managed || r.Blocked {
			continue
		}
		p := &r.plan
		la := &leafActions{}
		acts[r] = la
		if p.demote {
			for _, n := range r.RunningOn {
				if r.Role == RolePromoted {
					la.demote = add(r, "demote", n, p.stopRunnable)
					break
				}
			}
		}
		var fencedFrom []*Action
		for _, n := range p.stopOn {
			if f := fences[n.Name]; f != nil && f.Fence.Action != "on" {
				// The fence stops it: nothing to run there, but what
				// waits for this stop waits for the fence.
				fencedFrom = append(fencedFrom, f)
				continue
			}
			s := add(r, "stop", n, p.stopRunnable)
			la.stops = append(la.stops, s)
			link(la.demote, s)
		}
		if p.start && r.Assigned != nil && p.startRunnable {
			la.start = add(r, "start", r.Assigned, true)
			for _, s := range la.stops {
				link(s, la.start)
			}
			for _, f := range fencedFrom {
				link(f, la.start)
			}
			if f := fences[r.Assigned.Name]; f != nil && f.Fence.Action == "on" {
				link(f, la.start) // unfenced first
			}
		}
		la.stops = append(la.stops, fencedFrom...)
		if p.promote && r.Assigned != nil && p.promoteRunnable && p.startRunnable {
			la.promote = add(r, "promote", r.Assigned, true)
			link(la.start, la.promote)
			link(la.demote, la.promote)
		}
		// Recurring monitors for the role the resource ends in.
		if r.Assigned != nil && (la.start != nil || la.promote != nil || la.demote != nil) && r.Cfg != nil {
			role := r.NextRole
			if la.promote == nil && role == RolePromoted && la.start != nil {
				role = RoleUnpromoted
			}
			after := la.start
			if la.promote != nil {
				after = la.promote
			} else if la.demote != nil && la.start == nil {
				after = la.demote
			}
			for _, op := range r.Cfg.Ops {
				if op.Name != "monitor" || op.Interval == 0 || !op.Enabled {
					continue
				}
				if op.Role != "" && op.Role != roleName(r, role) && !(op.Role == RoleStarted && role != RolePromoted) {
					continue
				}
				m := add(r, "monitor", r.Assigned, true)
				m.Interval = op.Interval
				link(after, m)
			}
		}
	}
	// Within a promotable clone every demote precedes every promote.
	for _, top := range c.Resources {
		top.Walk(func(cl *Resource) {
			if cl.Kind != cib.Clone || !cl.Promotable {
				return
			}
			var demotes, promotes []*Action
			for _, l := range cl.Leaves() {
				if la := acts[l]; la != nil {
					if la.demote != nil {
						demotes = append(demotes, la.demote)
					}
					if la.promote != nil {
						promotes = append(promotes, la.promote)
					}
				}
			}
			for _, d := range demotes {
				for _, p := range promotes {
					link(d, p)
				}
			}
		})
	}
	pick := func(r *Resource, task string) []*Action {
		var out []*Action
		for _, l := range r.Leaves() {
			la := acts[l]
			if la == nil {
				continue
			}
			switch task {
			case "start":
				if la.start != nil {
					out = append(out, la.start)
				}
			case "stop":
				out = append(out, la.stops...)
			case "promote":
				if la.promote != nil {
					out = append(out, la.promote)
				}
			case "demote":
				if la.demote != nil {
					out = append(out, la.demote)
				}
			}
		}
		return out
	}
	for _, e := range edges {
		for _, pr := range e.pairs() {
			if pr[0] == nil {
				continue
			}
			for _, a := range pick(pr[0], e.firstTask) {
				for _, b := range pick(pr[1], e.thenTask) {
					link(a, b)
				}
			}
		}
	}
	return g
}
