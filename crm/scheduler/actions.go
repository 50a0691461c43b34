package scheduler

import (
	"github.com/baton-ha/baton/crm/cib"
)

// orderEdge is an ordering between two resources' actions, as configured
// (rsc_order) or implied (group members, colocated dependents).
type orderEdge struct {
	first, then         *Resource
	firstTask, thenTask string
	mandatory           bool
	// impliesFirst marks the inverse of a symmetric order (then's inverse
	// action before first's): it orders and holds back, never requires.
	impliesFirst bool
	// interleave pairs the two clones' instances node by node.
	interleave bool
	// asymmetric orders (symmetrical=false) only hold back then actions
	// that must happen anyway; symmetric ones also make them required and
	// block optional ones (a running resource then stops).
	asymmetric bool
	// anyOf (require-all=false sets): then may happen once any one of
	// these can do firstTask; first is anyOf[0].
	anyOf []*Resource
	// minRunnable: how many of anyOf must be able to act (default 1);
	// pseudo names the pseudo-action Pacemaker puts between them.
	minRunnable int
	pseudo      string
	id          string
}

func (c *Cluster) buildOrders() []orderEdge {
	var edges []orderEdge
	add := func(e orderEdge) {
		edges = append(edges, e)
		inv := orderEdge{first: e.then, then: e.first, firstTask: cib.InverseAction(e.thenTask), thenTask: cib.InverseAction(e.firstTask),
			mandatory: e.mandatory, impliesFirst: true, interleave: e.interleave, id: e.id}
		edges = append(edges, inv)
	}
	for _, o := range c.CIB.Orders {
		if es, ok := c.setOrderEdges(o); ok {
			edges = append(edges, es...)
			continue
		}
		f, t := c.resolve(o.First), c.resolve(o.Then)
		if f == nil || t == nil || f == t {
			continue
		}
		e := orderEdge{first: f, then: t, firstTask: o.FirstAction, thenTask: o.ThenAction, mandatory: o.Kind == "Mandatory", id: o.ID}
		// Orders between clones follow the "then" clone's interleave.
		e.interleave = f.Kind == cib.Clone && t.Kind == cib.Clone && t.Interleave
		if min := cloneMin(f, o); min > 0 {
			// then waits for clone-min instances of first, whichever
			// they are; the inverse order stays as it is.
			edges = append(edges, orderEdge{first: f, then: t, firstTask: o.FirstAction, thenTask: o.ThenAction,
				mandatory: true, anyOf: f.Children, minRunnable: min, pseudo: "clone-one-or-more:" + o.ID, id: o.ID})
			if o.Symmetrical {
				edges = append(edges, orderEdge{first: t, then: f, firstTask: cib.InverseAction(o.ThenAction), thenTask: cib.InverseAction(o.FirstAction),
					mandatory: e.mandatory, impliesFirst: true, interleave: e.interleave, id: o.ID})
			}
			continue
		}
		if o.Symmetrical {
			add(e)
		} else {
			e.asymmetric = true
			edges = append(edges, e)
		}
	}
	for _, top := range c.Resources {
		top.Walk(func(g *Resource) {
			if g.Kind != cib.Group {
				return
			}
			if !boolOpt(g.Meta["ordered"], true) {
				return
			}
			for i := 1; i < len(g.Children); i++ {
				add(orderEdge{first: g.Children[i-1], then: g.Children[i], firstTask: "start", thenTask: "start", mandatory: true, id: g.ID})
			}
		})
	}
	return edges
}

// initPlans decides each primitive's actions from its current and next
// placement.
func (c *Cluster) initPlans() {
	for _, top := range c.allTops() {
		top.Walk(func(r *Resource) {
			if r.Kind != cib.Primitive {
				return
			}
			p := &r.plan
			*p = plan{startRunnable: true, stopRunnable: true, promoteRunnable: true}
			if !r.Managed || r.Blocked || c.frozen(r) {
				p.stopRunnable = false
				p.startRunnable = r.Current() != nil
				p.promoteRunnable = false
				return
			}
			next := r.Assigned
			if next != nil && !r.runningOn(next) && c.unprobedOnPending(r) {
				// Its probe on a pending node cannot run, and a start
				// waits for the probes.
				p.startRunnable = false
				if pr := probed(r); pr != r {
					// (Pacemaker names a reason only when it is another
					// resource's action)
					p.setReason("start", "unrunnable "+pr.ID+" monitor")
				}
			}
			if !c.HaveQuorum && c.NoQuorumPolicy == "freeze" && r.Meta["requires"] != "nothing" && next != nil && len(r.RunningOn) == 0 {
				p.startRunnable = false
				p.noQuorum = true
				p.startReason = "quorum freeze"
			}
			if c.noQuorumStop(r) && r.Meta["requires"] != "nothing" && next != nil && !r.runningOn(next) {
				p.startRunnable = false
				p.noQuorum = true
				p.startReason = "no quorum"
			}
			for _, n := range r.RunningOn {
				if n != next || r.multiplyActive || r.Failed {
					p.addStop(n)
				}
			}
			for n, d := range r.defChanges {
				if r.runningOn(n) && p.addStop(n) && n == next && d.reason != "" {
					p.setReason("start", d.reason)
				}
			}
			for _, n := range r.RunningOn {
				if c.reunfenced[n] && c.requiresUnfencing(r) && p.addStop(n) && n == next {
					// Stopped before the node is unfenced again,
					// started after.
					p.setReason("start", "required stonith")
				}
			}
			if r.Orphan && !c.StopOrphans {
				p.stopOn = nil
			}
			for _, n := range p.stopOn {
				// On a fenced node the stop is implied by the fencing; on
				// an unclean one that cannot be fenced it cannot happen.
				if n.Unclean && !n.fenced {
					p.stopRunnable = false
				}
			}
			if next != nil && (!r.runningOn(next) || p.stopsOn(next)) {
				p.start = true
			}
			if r.Role == RolePromoted && (r.NextRole != RolePromoted || len(p.stopOn) > 0) {
				p.demote = true
			}
			if r.NextRole == RolePromoted && (r.Role != RolePromoted || p.start) {
				p.promote = true
			}
		})
	}
}

func (c *Cluster) allTops() []*Resource {
	return append(append([]*Resource(nil), c.Resources...), c.Orphans...)
}

// required reports whether any primitive of r must perform task.
func required(r *Resource, task string) bool {
	for _, l := range r.Leaves() {
		p := &l.plan
		switch task {
		case "start":
			if p.start {
				return true
			}
		case "stop":
			if len(p.stopOn) > 0 {
				return true
			}
		case "promote":
			if p.promote {
				return true
			}
		case "demote":
			if p.demote {
				return true
			}
		}
	}
	return false
}

// requiredOn reports whether an instance of clone cl must perform task on
// node n.
func requiredOn(cl *Resource, task string, n *Node) bool {
	for _, inst := range cl.Children {
		if instanceNode(inst, task) == n && required(inst, task) {
			return true
		}
	}
	return false
}

// willRun reports whether leaf l will be active (in role) after the
// transition.
func willRun(l *Resource, role string) bool {
	if l.Assigned == nil {
		return false
	}
	if l.Blocked && l.stopFailed {
		// A failed resource that is blocked where it is cannot start:
		// what must start after it waits.
		return false
	}
	if l.plan.start && !l.plan.startRunnable {
		return false
	}
	if role == RolePromoted {
		return l.NextRole == RolePromoted && (!l.plan.promote || l.plan.promoteRunnable)
	}
	return true
}

// runnable reports whether r's task can happen: for a clone whether any
// instance can, for a group whether every member can.
func runnable(r *Resource, task string) bool {
	if r.Kind == cib.Clone && (task == "start" || task == "promote") {
		for _, inst := range r.Children {
			if inst.Kind == cib.Primitive {
				role := ""
				if task == "promote" {
					role = RolePromoted
				}
				if willRun(inst, role) {
					return true
				}
				continue
			}
			if runnable(inst, task) {
				return true
			}
		}
		return false
	}
	leaves := r.Leaves()
	switch task {
	case "start", "promote":
		role := ""
		if task == "promote" {
			role = RolePromoted
		}
		if task == "promote" && r.Kind == cib.Group {
			// a group's promote is its promotable members'
			for _, l := range leaves {
				if willRun(l, role) {
					return true
				}
			}
			return false
		}
		// A member on its way out has no start to wait for; one that
		// should run but cannot makes the whole group unrunnable.
		for _, l := range leaves {
			if !willRun(l, role) {
				return false
			}
		}
		return true
	case "stop", "demote":
		for _, l := range leaves {
			if len(l.RunningOn) > 0 && !l.plan.stopRunnable && (len(l.plan.stopOn) > 0 || !l.Managed || l.Blocked) {
				return false
			}
		}
	}
	return true
}

func requireTask(l *Resource, task string) bool {
	p := &l.plan
	if !l.Managed || l.Blocked {
		return false
	}
	switch task {
	case "start":
		if l.Assigned != nil && !p.start && p.startRunnable {
			p.start = true
			return true
		}
	case "stop":
		changed := false
		for _, n := range l.RunningOn {
			if p.addStop(n) {
				changed = true
			}
		}
		return changed
	case "demote":
		if l.Role == RolePromoted && !p.demote {
			p.demote = true
			return true
		}
	}
	return false
}

func blockTask(l *Resource, task string) bool {
	p := &l.plan
	switch task {
	case "start":
		if p.startRunnable && (p.start || l.Assigned != nil) {
			p.startRunnable = false
			return true
		}
	case "promote":
		if p.promoteRunnable && l.NextRole == RolePromoted {
			p.promoteRunnable = false
			return true
		}
	case "stop", "demote":
		if p.stopRunnable && len(p.stopOn) > 0 {
			p.stopRunnable = false
			return true
		}
	}
	return false
}

// propagate applies orderings and colocations to the plans until nothing
// changes, the way Pacemaker's action flags settle.
func (c *Cluster) propagate(edges []orderEdge) {
	tops := c.allTops()
	// Each pass follows every edge once, so a chain of n orderings
	// settles within n passes; the bound only guards against bugs.
	for iter := 0; iter < 2*len(edges)+20; iter++ {
		changed := false
		for _, e := range edges {
			if !e.mandatory {
				continue
			}
			if len(e.anyOf) > 0 {
				if applyAnyOf(e) {
					changed = true
				}
				continue
			}
			for _, pr := range e.pairs() {
				if applyEdge(e, pr[0], pr[1]) {
					changed = true
				}
			}
		}
		for _, top := range tops {
			top.Walk(func(r *Resource) {
				if r.Kind != cib.Primitive {
					return
				}
				if c.settle(r) {
					changed = true
				}
			})
		}
		for _, top := range tops {
			top.Walk(func(r *Resource) {
				for _, co := range r.thisWith {
					if co.score >= inf && co.depRole == RolePromoted &&
						hasBlockedStart(co.primary, co.primaryRole) && !runnable(co.primary, roleTask(co.primaryRole)) {
						// promoted next to a primary that cannot start:
						// the promotion waits, the instance still starts
						for _, l := range r.Leaves() {
							if blockTask(l, "promote") {
								l.plan.setReason("promote", "colocation with "+co.primary.ID)
								changed = true
							}
						}
					}
					if co.score < inf || co.depRole == RolePromoted {
						continue
					}
					if hasBlockedStart(co.primary, co.primaryRole) && !runnable(co.primary, roleTask(co.primaryRole)) {
						for _, l := range r.Leaves() {
							if blockTask(l, "start") {
								l.plan.setReason("start", "colocation with "+co.primary.ID)
								changed = true
							}
							// unlike an ordering, a colocation cannot be
							// kept by leaving the dependent running
							if l.Managed && !l.Blocked && l.Assigned != nil && l.runningOn(l.Assigned) && !l.plan.stopsOn(l.Assigned) {
								l.plan.addStop(l.Assigned)
								changed = true
							}
						}
					}
				}
			})
		}
		for _, top := range tops {
			top.Walk(func(g *Resource) {
				if g.Kind == cib.Group && c.blockStartsBeforeStuckStops(g) {
					changed = true
				}
			})
		}
		if !changed {
			return
		}
	}
}

// blockStartsBeforeStuckStops: in an ordered group a member that has to
// stop (to restart after an earlier member starts) but cannot, keeps the
// earlier members from starting: the group cannot get through its stop
// phase.
func (c *Cluster) blockStartsBeforeStuckStops(g *Resource) bool {
	if !boolOpt(g.Meta["ordered"], true) {
		return false
	}
	changed := false
	for i, m := range g.Children {
		if m.Kind != cib.Primitive || !m.plan.start || !m.plan.startRunnable {
			continue
		}
		for _, later := range g.Children[i+1:] {
			lp := &later.plan
			// (an unmanaged member that is active would have to restart
			// after the earlier start, and cannot)
			stuck := later.Managed && !later.Blocked && len(lp.stopOn) > 0 && !lp.stopRunnable ||
				!later.Managed && later.Kind == cib.Primitive && later.Current() != nil
			if stuck {
				// (the stop that cannot run holds back the stops of
				// the members before it: the next member's, when it is
				// active, is the one this start waits for)
				by := later
				if next := g.Children[i+1]; next.Current() != nil {
					by = next
				}
				if blockTask(m, "start") {
					m.plan.setReason("start", "unrunnable "+by.ID+" stop")
					changed = true
				}
				break
			}
		}
	}
	return changed
}

// pairs lists the (first, then) resource pairs an edge relates: the
// resources themselves, or for interleaved clones each "then" instance with
// the "first" instance on the same node (nil when there is none).
func (e orderEdge) pairs() [][2]*Resource {
	if len(e.anyOf) > 0 {
		out := make([][2]*Resource, 0, len(e.anyOf))
		for _, f := range e.anyOf {
			out = append(out, [2]*Resource{f, e.then})
		}
		return out
	}
	if !e.interleave {
		return [][2]*Resource{{e.first, e.then}}
	}
	var out [][2]*Resource
	for _, ti := range e.then.Children {
		tn := instanceNode(ti, e.thenTask)
		if tn == nil {
			continue
		}
		var match *Resource
		for _, fi := range e.first.Children {
			// (one left without a partner itself is unassigned: it is
			// nobody's partner either)
			if instanceNode(fi, e.firstTask) == tn && !(e.firstTask != "stop" && e.firstTask != "demote" && noPartner(fi)) {
				match = fi
				break
			}
		}
		out = append(out, [2]*Resource{match, ti})
	}
	return out
}

// noPartner reports whether an instance was left without a partner by an
// interleaved order (see applyEdge).
func noPartner(inst *Resource) bool {
	for _, l := range inst.Leaves() {
		if l.plan.noPartner {
			return true
		}
	}
	return false
}

// instanceNode is where an instance does task: its next node for start and
// promote, its current node for stop and demote.
func instanceNode(inst *Resource, task string) *Node {
	for _, l := range inst.Leaves() {
		switch task {
		case "stop", "demote":
			if n := l.Current(); n != nil {
				return n
			}
		default:
			if l.Assigned != nil {
				return l.Assigned
			}
		}
	}
	return nil
}

// applyEdge applies one mandatory ordering between first and then (first
// may be nil: an interleaved instance with no partner on its node).
func applyEdge(e orderEdge, first, then *Resource) bool {
	changed := false
	if first == nil {
		// (an asymmetric order has nothing to hold back without a
		// partner)
		if !e.asymmetric && (e.thenTask == "start" || e.thenTask == "promote") {
			for _, l := range then.Leaves() {
				if blockTask(l, e.thenTask) {
					changed = true
				}
				if l.Assigned != nil && !l.plan.noPartner {
					// Pacemaker unassigns an instance that has no
					// partner to interleave with: it is not listed as a
					// blocked start, only stopped where it runs.
					l.plan.noPartner = true
					changed = true
				}
			}
		}
		return changed
	}
	// The inverse of a symmetric order (then's stop before first's stop)
	// only orders and holds back: Pacemaker's then-implies-first never
	// makes a stop required by itself. What runs after a resource that
	// stops stops because that resource's start cannot run (the blocking
	// below, on the forward order), restarts because its start is
	// required, and an interleaved instance stops when no partner can
	// start on its node (first nil above).
	if !e.impliesFirst && !e.asymmetric && required(first, e.firstTask) && !(e.firstTask == "start" && allMigrating(first) && moves(first)) {
		// (a migrating first never stopped: what follows it need not
		// restart)
		for _, l := range groupEntry(then, e.thenTask) {
			if first.Kind == cib.Clone && then.clone() == nil {
				// A clone's action counts for a resource's action on a
				// node only through the instances on that node.
				if n := instanceNode(l, e.thenTask); n != nil && !requiredOn(first, e.firstTask, n) {
					continue
				}
			}
			if requireTask(l, e.thenTask) {
				l.plan.setReason(e.thenTask, "required "+actionName(first, e.firstTask))
				changed = true
			}
		}
	}
	blocking := e.impliesFirst || e.firstTask == "start" || e.firstTask == "promote" || e.asymmetric
	if blocking && !runnable(first, e.firstTask) {
		for _, l := range groupEntry(then, e.thenTask) {
			if e.asymmetric && (e.thenTask == "start" && !l.plan.start || e.thenTask == "promote" && !l.plan.promote) {
				continue // nothing it has to do, nothing to hold back
			}
			if blockTask(l, e.thenTask) {
				reason := "unrunnable " + actionName(first, e.firstTask)
				if !e.impliesFirst && !e.asymmetric && !l.plan.start && stopImpliesStart(first, e.firstTask) {
					// then's start, which it had no need of, is
					// required by first's
					reason = "required " + actionName(first, e.firstTask)
				}
				l.plan.setReason(e.thenTask, reason)
				changed = true
			}
		}
	}
	if !e.asymmetric && e.firstTask == "stop" && blockedStop(first) {
		// Whatever a blocked resource's stop must precede cannot happen
		// either (Pacemaker checks this last, and gives no reason).
		for _, l := range then.Leaves() {
			if blockTask(l, e.thenTask) {
				changed = true
			}
		}
	}
	return changed
}

// blockedStop reports whether r has a blocked primitive (failed with
// on-fail=block, or a failed stop) that is active: its stop cannot run.
func blockedStop(r *Resource) bool {
	for _, l := range r.Leaves() {
		if l.Blocked && l.Current() != nil {
			return true
		}
	}
	return false
}

// groupEntry lists the primitives an order reaches in then: all of them,
// except that the start of an ordered group whose first member is active
// reaches that member only. Pacemaker updates the members in order, and
// the first one's restart or stop carries on along the members' own
// order (with its reasons) before the others are reached.
func groupEntry(then *Resource, task string) []*Resource {
	leaves := then.Leaves()
	if then.Kind == cib.Group && task == "start" && boolOpt(then.Meta["ordered"], true) &&
		len(leaves) > 0 && leaves[0].Current() != nil && leaves[0].Managed && !leaves[0].Blocked {
		return leaves[:1]
	}
	return leaves
}

// stopImpliesStart reports whether first's start, which cannot run, is
// nonetheless required: a primitive (not a clone instance) that stops
// has its start required by its own stop-then-start ordering, so what is
// ordered after that start is required (and blocked) by it.
func stopImpliesStart(first *Resource, task string) bool {
	return task == "start" && first.Kind == cib.Primitive && !first.IsInstance() &&
		first.Managed && !first.Blocked && len(first.plan.stopOn) > 0
}

func roleTask(role string) string {
	if role == RolePromoted {
		return "promote"
	}
	return "start"
}

// settle applies a primitive's own implications: a required start where it
// already runs is a restart; an unrunnable start means it cannot stay.
func (c *Cluster) settle(r *Resource) bool {
	p := &r.plan
	if !r.Managed || r.Blocked {
		return false
	}
	changed := false
	next := r.Assigned
	if p.start && next != nil && r.runningOn(next) && !p.stopsOn(next) {
		p.addStop(next)
		changed = true
	}
	if !p.startRunnable && next != nil && r.runningOn(next) && !p.stopsOn(next) {
		p.addStop(next)
		changed = true
	}
	if next != nil && p.stopsOn(next) && !p.start {
		p.start = true
		changed = true
	}
	if len(p.stopOn) > 0 && r.Role == RolePromoted && !p.demote {
		p.demote = true
		changed = true
	}
	if p.start && r.NextRole == RolePromoted && !p.promote {
		p.promote = true
		changed = true
	}
	// Moving needs the old copy stopped first.
	if p.start && !p.stopRunnable && len(p.stopOn) > 0 && p.startRunnable {
		p.startRunnable = false
		changed = true
	}
	if !p.startRunnable && p.promoteRunnable && p.promote {
		p.promoteRunnable = false
		changed = true
	}
	return changed
}

// hasBlockedStart reports whether some primitive of r was placed but cannot
// start (or be promoted, for role Promoted): only such a primary holds its
// colocated dependents back. One that is simply stopped does not.
func hasBlockedStart(r *Resource, role string) bool {
	for _, l := range r.Leaves() {
		if l.Assigned == nil {
			continue
		}
		if !l.plan.startRunnable && (l.plan.start || len(l.plan.stopOn) > 0) {
			return true
		}
		if role == RolePromoted && l.NextRole == RolePromoted && l.plan.promote && !l.plan.promoteRunnable {
			return true
		}
	}
	return false
}

// applyAnyOf blocks then's action when fewer than minRunnable (one by
// default) of the resources it waits for can do their action.
func applyAnyOf(e orderEdge) bool {
	need := max(e.minRunnable, 1)
	can := 0
	for _, f := range e.anyOf {
		if runnable(f, e.firstTask) && willRunAny(f) {
			can++
		}
	}
	if can >= need {
		return false
	}
	changed := false
	for _, l := range e.then.Leaves() {
		if blockTask(l, e.thenTask) {
			l.plan.setReason(e.thenTask, "unrunnable "+e.pseudo)
			changed = true
		}
	}
	return changed
}

// willRunAny reports whether any primitive of r will be active.
func willRunAny(r *Resource) bool {
	for _, l := range r.Leaves() {
		if willRun(l, "") {
			return true
		}
	}
	return false
}

// cloneMin is how many instances of first an order's then waits for:
// first's clone-min, or 1 for require-all=false; 0 for an ordinary order.
func cloneMin(first *Resource, o *cib.Order) int {
	if first.Kind != cib.Clone {
		return 0
	}
	if v, ok := first.Meta["clone-min"]; ok {
		if n, err := cib.ParseScore(v); err == nil && n > 0 {
			return n
		}
		return 0
	}
	if !o.RequireAll {
		return 1
	}
	return 0
}

// actionName names a resource's action the way Pacemaker's reasons do: a
// primitive's task, or a group's or clone's completion pseudo-action
// ("grp running" after its start).
func actionName(r *Resource, task string) string {
	if r.Kind == cib.Primitive {
		return r.ID + " " + task
	}
	switch task {
	case "start":
		task = "running"
	case "stop":
		task = "stopped"
	case "promote":
		task = "promoted"
	case "demote":
		task = "demoted"
	}
	return r.ID + " " + task
}

// probed is the primitive whose probe stands for r on a node where no
// instance is known: for an anonymous clone Pacemaker probes its first
// instance (r's counterpart in it), otherwise r itself.
func probed(r *Resource) *Resource {
	cl := r.clone()
	if cl == nil || cl == r || cl.Unique || len(cl.Children) == 0 {
		return r
	}
	for _, l := range cl.Children[0].Leaves() {
		if l.Cfg == r.Cfg {
			return l
		}
	}
	return r
}

// unprobedOnPending reports whether a pending node has no history of r:
// r must be probed there before it starts anywhere.
func (c *Cluster) unprobedOnPending(r *Resource) bool {
	for _, n := range c.Nodes {
		if n.Pending && !r.historyOn[n] {
			return true
		}
	}
	return false
}
