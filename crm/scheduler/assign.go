package scheduler

import (
	"fmt"
	"sort"

	"github.com/baton-ha/baton/crm/cib"
)

// baseWeights returns r's own node scores: location constraints of r and
// its ancestors, node availability, target-role and the cluster's symmetry.
func (c *Cluster) baseWeights(r *Resource) []int { return c.weightsUpTo(r, nil) }

// weightsUpTo is baseWeights counting locations only below ancestor upto
// (whose scores the caller has already included).
func (c *Cluster) weightsUpTo(r, upto *Resource) []int {
	w := make([]int, len(c.Nodes))
	allowed := make([]bool, len(c.Nodes))
	counting := true
	for x := r; x != nil; x = x.Parent {
		if x == upto {
			counting = false
		}
		if x.loc != nil && counting {
			for i, v := range x.loc {
				w[i] = cib.AddScores(w[i], v)
			}
		}
		if x.allowed != nil && counting {
			for i, a := range x.allowed {
				allowed[i] = allowed[i] || a
			}
		}
		// target-role is inherited through meta attributes, so only the
		// primitive's own (effective) value decides.
		if x == r && x.lockedTo != nil {
			for i := range w {
				if i != x.lockedTo.Index {
					w[i] = -inf
				}
			}
		}
		if x == r && x.Kind == cib.Primitive && x.TargetRole == RoleStopped {
			for i := range w {
				w[i] = -inf
			}
		}
	}
	for i, n := range c.Nodes {
		if !c.Symmetric && !allowed[i] && upto == nil {
			w[i] = -inf
		}
		if !n.Available() {
			w[i] = -inf
		}
	}
	if c.noQuorumStop(r) && c.activeBelow(r) && r.clone() == nil {
		// Without quorum what runs stops; what is stopped is still placed,
		// but its start cannot run (initPlans). Clone instances that run
		// are left where they are, as Pacemaker leaves them (its corpus:
		// unrunnable-1).
		for i := range w {
			w[i] = -inf
		}
	}
	return w
}

// stickyWeights adds the stickiness of every primitive below r on the node
// it is active on (a group's members each add theirs).
func (c *Cluster) ownWeights(r *Resource) []int { return c.ownWeightsUpTo(r, nil) }

func (c *Cluster) ownWeightsUpTo(r, upto *Resource) []int {
	w := c.weightsUpTo(r, upto)
	if r.Kind == cib.Primitive && r.Managed && len(r.RunningOn) == 1 {
		n := r.RunningOn[0]
		w[n.Index] = cib.AddScores(w[n.Index], r.Stickiness)
	}
	return w
}

func available(w []int) bool {
	for _, v := range w {
		if v >= 0 {
			return true
		}
	}
	return false
}

// mergeScaled adds dep*score/INFINITY to base; like Pacemaker it leaves base
// alone when the result would leave no node usable.
func mergeScaled(base, dep []int, score int) []int { return merge(base, dep, score, false, false) }

// mergeWishes is mergeScaled counting only the dependent's positive
// scores: a primary is drawn to where its dependents want to be, not
// pushed away from where they cannot run.
func mergeWishes(base, dep []int, score int) []int { return merge(base, dep, score, true, false) }

// mergeOnlyWishes is mergeWishes even for a mandatory colocation: a clone
// is drawn to where its dependents want to be, but their bans do not keep
// its instances away.
func mergeOnlyWishes(base, dep []int, score int) []int { return merge(base, dep, score, true, true) }

func merge(base, dep []int, score int, positiveOnly, noBans bool) []int {
	// A mandatory colocation passes bans on: the primary avoids nodes where
	// its dependent cannot run.
	if score >= inf && !noBans {
		positiveOnly = false
	}
	out := make([]int, len(base))
	for i := range base {
		d := dep[i]
		if positiveOnly && d < 0 && score > 0 {
			d = 0
		}
		var add int
		switch {
		case d <= -inf:
			if score > 0 {
				add = -inf * score / inf
				if score >= inf {
					add = -inf
				}
			} else {
				add = scaled(d, score)
			}
		case d >= inf:
			add = score
		default:
			add = scaled(d, score)
		}
		if base[i] <= -inf {
			out[i] = -inf
			continue
		}
		out[i] = cib.AddScores(base[i], add)
		if positiveOnly && out[i] < 0 && out[i] < base[i] {
			// only wishes: a score is not pushed below zero
			out[i] = min(base[i], 0)
		}
	}
	if available(base) && !available(out) {
		return base
	}
	return out
}

// preferenceWeights is what r would like, including what resources
// colocated with it would like (scaled by the colocation score).
func (c *Cluster) preferenceWeights(r *Resource, depth int, seen map[*Resource]bool) []int {
	var w []int
	switch r.Kind {
	case cib.Group:
		// As a dependent, a group counts through its first member, which
		// carries the bans of the later members (what they cannot have).
		w = c.groupChain(r, nil)
		if depth > 0 {
			first := c.ownWeights(r.Children[0])
			for i := range first {
				if w[i] <= -inf {
					first[i] = -inf
				}
			}
			w = first
		}
	case cib.Clone:
		w = c.baseWeights(r)
	default:
		w = c.ownWeights(r)
	}
	if depth > 8 {
		return w
	}
	seen[r] = true
	for _, co := range r.withThis {
		if seen[co.dependent] || co.primaryRole == RolePromoted || co.depRole == RolePromoted || co.dependent.assignedDone {
			continue
		}
		dw := c.spreadByAttr(co, c.preferenceWeights(co.dependent, depth+1, seen))
		if r.Kind == cib.Clone {
			w = mergeOnlyWishes(w, dw, co.score)
			continue
		}
		w = mergeWishes(w, dw, co.score)
	}
	delete(seen, r)
	return w
}

// groupChain combines a group's members' preferences: each member is
// colocated with the one before it, so the first member carries everyone's.
func (c *Cluster) groupChain(g *Resource, base []int) []int {
	var acc []int
	for i := len(g.Children) - 1; i >= 0; i-- {
		m := g.Children[i]
		mw := c.ownWeightsUpTo(m, g.clone())
		if base != nil {
			for j := range mw {
				mw[j] = cib.AddScores(mw[j], base[j])
			}
		}
		c.applyThisWith(m, mw)
		if acc != nil {
			merged := mergeScaled(mw, acc, inf)
			// Like any merge, it is dropped when it would leave the
			// group no node, counting the group's own colocations: the
			// earlier members stay, the later ones stop.
			if base == nil && available(c.withGroupColocations(g, mw)) && !available(c.withGroupColocations(g, merged)) {
				merged = mw
			}
			mw = merged
		}
		acc = mw
	}
	return acc
}

// withGroupColocations returns w with g's own colocations applied.
func (c *Cluster) withGroupColocations(g *Resource, w []int) []int {
	out := append([]int(nil), w...)
	c.applyThisWith(g, out)
	return out
}

// primaryNodes returns the nodes where the primary of a colocation will be
// (in the colocation's role), or nil if it will not run.
func primaryNodes(co *colocation) map[*Node]bool {
	out := primaryNodesExact(co)
	attr := co.cfg.NodeAttr
	if attr == "" || attr == "#uname" || len(out) == 0 {
		return out
	}
	// node-attribute: any node with the same value as a primary's node.
	vals := map[string]bool{}
	for n := range out {
		if v, ok := n.Attrs[attr]; ok {
			vals[v] = true
		}
	}
	for _, n := range co.nodes {
		if v, ok := n.Attrs[attr]; ok && vals[v] {
			out[n] = true
		}
	}
	return out
}

func primaryNodesExact(co *colocation) map[*Node]bool {
	out := map[*Node]bool{}
	p := co.primary
	if p.Kind == cib.Group {
		// Mandatory: the whole group must be up, so its last member
		// counts; optional: its first member.
		m := p.Children[0]
		if co.score >= inf {
			m = p.Children[len(p.Children)-1]
		}
		if m.Assigned != nil {
			out[m.Assigned] = true
		}
		return out
	}
	for _, l := range p.Leaves() {
		if l.Assigned == nil {
			continue
		}
		if l.Failed && l.Blocked && p.Kind == cib.Clone {
			// a clone instance stuck failed where it is cannot be
			// colocated with
			continue
		}
		switch co.primaryRole {
		case RolePromoted:
			if l.NextRole != RolePromoted {
				continue
			}
		case RoleUnpromoted:
			if l.NextRole == RolePromoted {
				continue
			}
		}
		out[l.Assigned] = true
	}
	if p.Kind == cib.Clone && p.Cfg.Children[0].Kind == cib.Group {
		// a cloned group counts where its first member runs
		out = map[*Node]bool{}
		for _, inst := range p.Children {
			if len(inst.Children) > 0 && inst.Children[0].Assigned != nil {
				if co.primaryRole == RolePromoted && inst.Children[0].NextRole != RolePromoted {
					continue
				}
				out[inst.Children[0].Assigned] = true
			}
		}
	}
	return out
}

// applyThisWith applies the colocations where r is the dependent.
func (c *Cluster) applyThisWith(r *Resource, w []int) {
	for _, co := range r.thisWith {
		if co.depRole == RolePromoted {
			continue // affects promotion only
		}
		if !co.primary.assignedDone {
			continue
		}
		nodes := primaryNodes(co)
		work := append([]int(nil), w...)
		for _, n := range c.Nodes {
			in := nodes[n]
			switch {
			case len(nodes) == 0:
				// primary inactive: mandatory bans everywhere, optional
				// positive preferences count against every node
				if co.score > 0 {
					work[n.Index] = cib.AddScores(work[n.Index], -co.score)
				}
			case co.score >= inf:
				if !in {
					work[n.Index] = -inf
				}
			case co.score <= -inf:
				if in {
					work[n.Index] = -inf
				}
			default:
				if in {
					work[n.Index] = cib.AddScores(work[n.Index], co.score)
				}
			}
		}
		if co.score > -inf && co.score < inf && len(nodes) > 1 && co.primary.Kind == cib.Clone {
			// A finite colocation with a clone is applied instance by
			// instance, each rolled back if it would leave no node.
			for _, n := range instanceNodes(co) {
				work := append([]int(nil), w...)
				work[n.Index] = cib.AddScores(work[n.Index], co.score)
				if available(work) {
					copy(w, work)
				}
			}
			continue
		}
		if co.score >= inf || co.score <= -inf || available(work) {
			copy(w, work)
		}
	}
}

// instanceNodes lists, in instance order, the nodes of a clone primary's
// instances that match the colocation (duplicates kept: each instance
// counts).
func instanceNodes(co *colocation) []*Node {
	set := primaryNodes(co)
	var out []*Node
	for _, inst := range co.primary.Children {
		for _, l := range inst.Leaves() {
			if l.Assigned != nil && set[l.Assigned] {
				out = append(out, l.Assigned)
			}
			break
		}
	}
	return out
}

// choose picks the best node: highest score, then the node with fewest
// resources, then the preferred (current) node, then configuration order.
func (c *Cluster) choose(w []int, prefer *Node) *Node {
	var best *Node
	for _, n := range c.Nodes {
		v := w[n.Index]
		if v < 0 || !n.Available() {
			continue
		}
		if best == nil {
			best = n
			continue
		}
		bv := w[best.Index]
		switch {
		case v > bv:
			best = n
		case v == bv && c.Strategy == strategyMinimal:
			// minimal: fill nodes in name order
		case v == bv && c.Strategy == strategyBalanced && compareCapacity(n, best) != 0:
			if compareCapacity(n, best) < 0 {
				best = n
			}
		case v == bv:
			switch {
			case n.assigned < best.assigned:
				best = n
			case n.assigned == best.assigned && n == prefer:
				best = n
			}
		}
	}
	return best
}

func (c *Cluster) assignAll() {
	order := append([]*Resource(nil), c.Resources...)
	sort.SliceStable(order, func(i, j int) bool { return order[i].Priority > order[j].Priority })
	c.assignmentOrder(order)
	c.assignOrder = order
	for _, r := range order {
		c.assign(r)
	}
}

func (c *Cluster) assign(r *Resource) {
	if r.assignedDone || r.assigning {
		return
	}
	r.assigning = true
	for _, co := range r.thisWith {
		c.assign(co.primary.top())
		if co.primary != co.primary.top() {
			c.assign(co.primary)
		}
		c.applyPlacedPrimary(r, co)
	}
	// A member of a group (or instance) is assigned with its parent.
	if r.Parent != nil {
		c.assign(r.top())
		r.assigning = false
		r.assignedDone = true
		return
	}
	switch r.Kind {
	case cib.Primitive:
		c.assignPrimitive(r)
	case cib.Group:
		c.assignGroup(r, nil, nil)
	case cib.Clone:
		c.assignClone(r)
	}
	r.assigning = false
	r.Walk(func(x *Resource) { x.assignedDone = true })
}

// applyPlacedPrimary applies a mandatory colocation to r as soon as its
// primitive primary is placed, before r's other primaries are: they then
// see, through r's wishes, where r can still go (as Pacemaker applies each
// colocation right after assigning its primary).
func (c *Cluster) applyPlacedPrimary(r *Resource, co *colocation) {
	if r.Kind != cib.Primitive || co.score < inf || co.primary.Kind != cib.Primitive ||
		co.primaryRole != "" && co.primaryRole != RoleStarted || co.depRole != "" && co.depRole != RoleStarted ||
		co.cfg.NodeAttr != "" && co.cfg.NodeAttr != "#uname" || co.primary.Assigned == nil {
		return
	}
	r.ensureLoc(len(c.Nodes))
	for _, n := range c.Nodes {
		if n != co.primary.Assigned {
			r.loc[n.Index] = -inf
		}
	}
}

// activeDisallowed reports whether a primitive of inst is active on a node
// its location scores (bans included) no longer allow.
func activeDisallowed(inst *Resource) bool {
	for _, l := range inst.Leaves() {
		n := l.Current()
		if n == nil {
			continue
		}
		score := 0
		for x := l; x != nil; x = x.Parent {
			if x.loc != nil {
				score = cib.AddScores(score, x.loc[n.Index])
			}
		}
		if score < 0 {
			return true
		}
	}
	return false
}

func (c *Cluster) keepUnmanaged(r *Resource) bool {
	// Without quorum and no-quorum-policy=freeze what runs on a node of
	// this partition stays as it is; what is stopped is placed, but its
	// start cannot run (initPlans).
	frozen := c.frozen(r)
	if cur := r.Current(); cur != nil && cur.Maintenance {
		r.Managed = false
	}
	if c.FencingEnabled && !c.haveDevices {
		// Fencing is on but nothing can fence: Pacemaker leaves every
		// resource where it is rather than risk two owners.
		r.Managed = false
	}
	if r.Managed && !r.Blocked && !frozen {
		return false
	}
	if n := r.Current(); n != nil {
		r.Assigned = n
		r.NextRole = r.Role
		n.assigned++
	} else {
		r.NextRole = RoleStopped
	}
	return true
}

func (c *Cluster) assignPrimitive(r *Resource) {
	if c.keepUnmanaged(r) {
		return
	}
	w := c.preferenceWeights(r, 0, map[*Resource]bool{})
	c.applyThisWith(r, w)
	c.banInsufficientCapacity(r, w)
	c.recordScores("pcmk__primitive_assign", r, w)
	r.place(c, c.choose(w, r.Current()))
}

// unplace undoes place.
func (r *Resource) unplace() {
	if r.Assigned != nil {
		r.Assigned.assigned--
		r.Assigned.release(r.util)
	}
	r.Assigned = nil
	r.NextRole = ""
}

func (r *Resource) place(c *Cluster, n *Node) {
	r.Assigned = n
	if n == nil {
		r.NextRole = RoleStopped
		return
	}
	n.assigned++
	n.consume(r.util)
	r.NextRole = RoleStarted
	if cl := r.clone(); cl != nil && cl.Promotable {
		r.NextRole = RoleUnpromoted
	}
}

// assignGroup places a group: the first member where the combined
// preference is best, the others on the same node while they can run
// there. base adds the enclosing clone's scores for cloned groups.
func (c *Cluster) assignGroup(g *Resource, base []int, prefer *Node) *Node {
	if base == nil && !boolOpt(g.Meta["collocated"], true) {
		// Members of a non-collocated group are placed on their own.
		var first *Node
		for i, m := range g.Children {
			c.assignPrimitive(m)
			if i == 0 {
				first = m.Assigned
			}
		}
		return first
	}
	w := c.groupChain(g, base)
	if base == nil {
		for _, co := range g.withThis {
			if co.primaryRole == RolePromoted || co.dependent.assignedDone {
				continue
			}
			w = mergeWishes(w, c.spreadByAttr(co, c.preferenceWeights(co.dependent, 1, map[*Resource]bool{g: true})), co.score)
		}
	}
	c.applyThisWith(g, w)
	c.recordScores("pcmk__group_assign", g, w)
	if prefer == nil && len(g.Children) > 0 {
		prefer = g.Children[0].Current()
	}
	n := c.choose(w, prefer)
	ok := n != nil
	for _, m := range g.Children {
		if c.keepUnmanaged(m) {
			// Later members are colocated with this one, where it stays.
			if m.Assigned == nil || !m.Assigned.Available() {
				ok = false
			} else if ok {
				n = m.Assigned
			}
			continue
		}
		if !ok {
			m.place(c, nil)
			continue
		}
		mw := c.ownWeightsUpTo(m, g.clone())
		if base != nil {
			for j := range mw {
				mw[j] = cib.AddScores(mw[j], base[j])
			}
		}
		c.applyThisWith(m, mw)
		if mw[n.Index] < 0 {
			ok = false
			m.place(c, nil)
			continue
		}
		m.place(c, n)
	}
	return n
}

func (c *Cluster) assignClone(cl *Resource) {
	w := c.baseWeights(cl)
	// own is the clone's scores without its dependents' wishes: whether a
	// running instance stays put is decided on these.
	own := append([]int(nil), w...)
	c.applyThisWith(cl, own)
	for _, co := range cl.withThis {
		// Dependents of the promoted role count too: instances should be
		// placed where the promoted one is wanted.
		if co.dependent.assignedDone {
			continue
		}
		dw := c.spreadByAttr(co, c.preferenceWeights(co.dependent, 1, map[*Resource]bool{cl: true}))
		if co.primaryRole == RolePromoted {
			// Only wishes count here: where the dependent cannot run is
			// a matter for promotion, not for placing the instances.
			dw = append([]int(nil), dw...)
			for i := range dw {
				dw[i] = max(dw[i], 0)
			}
		}
		w = mergeOnlyWishes(w, dw, co.score)
	}
	c.applyThisWith(cl, w)
	c.recordScores("pcmk__clone_assign", cl, w)
	perNode := map[*Node]int{}
	insts := append([]*Resource(nil), cl.Children...)
	active := func(inst *Resource) *Node {
		var n *Node
		inst.Walk(func(x *Resource) {
			if n == nil && x.Kind == cib.Primitive && len(x.RunningOn) > 0 {
				n = x.RunningOn[0]
			}
		})
		return n
	}
	// Active instances first; then those with the strongest preference
	// (unique instances may carry their own promotion scores).
	best := map[*Resource]int{}
	for _, inst := range insts {
		b := -inf
		for _, n := range c.Nodes {
			v := w[n.Index]
			if cl.Promotable {
				if s, ok := promotionAttr(inst, n); ok && s > 0 && inst.Kind == cib.Primitive {
					v = cib.AddScores(v, s)
				}
			}
			b = max(b, v)
		}
		best[inst] = b
	}
	failed := func(inst *Resource) bool {
		f := false
		inst.Walk(func(x *Resource) { f = f || x.Failed })
		return f
	}
	sort.SliceStable(insts, func(i, j int) bool {
		// instances active where they may no longer run come last
		if di, dj := activeDisallowed(insts[i]), activeDisallowed(insts[j]); di != dj {
			return dj
		}
		ai, aj := active(insts[i]) != nil, active(insts[j]) != nil
		if ai != aj {
			return ai
		}
		// healthy instances keep their node before failed ones
		if fi, fj := failed(insts[i]), failed(insts[j]); fi != fj {
			return fj
		}
		return best[insts[i]] > best[insts[j]]
	})
	// Instances stay where they are only up to an even share per node, so
	// that a clone spreads out when nodes come back.
	usable := 0
	for _, n := range c.Nodes {
		if w[n.Index] >= 0 && n.Available() {
			usable++
		}
	}
	optimal := 1
	if usable > 0 {
		optimal = (cl.CloneMax + usable - 1) / usable
	}
	if optimal > cl.CloneNodeMax {
		optimal = cl.CloneNodeMax
	}
	count := 0
	done := map[*Resource]bool{}
	instWeights := func(inst *Resource, stay bool) []int {
		iw := append([]int(nil), w...)
		if stay {
			iw = append([]int(nil), own...)
		}
		for _, n := range c.Nodes {
			if perNode[n] >= cl.CloneNodeMax {
				iw[n.Index] = -inf
			}
		}
		if count >= cl.CloneMax || inst.Orphan {
			for i := range iw {
				iw[i] = -inf
			}
		}
		return iw
	}
	// placeInst places one instance at its best node (the current one on
	// ties). With onlyCur it only keeps an instance where it is: if the
	// best node is elsewhere the instance waits for the second pass.
	placeInst := func(inst *Resource, iw []int, cur *Node, onlyCur bool) *Node {
		if inst.Kind == cib.Group {
			n := c.assignGroup(inst, iw, cur)
			if n == nil || onlyCur && n != cur {
				for _, m := range inst.Children {
					m.unplace()
				}
				return nil
			}
			return n
		}
		mine := c.ownWeightsUpTo(inst, cl)
		if cl.Promotable && !onlyCur {
			// Instances go where they can be promoted.
			for _, n := range c.Nodes {
				if s, ok := promotionAttr(inst, n); ok && s > 0 {
					// (a negative score only keeps it from promotion)
					mine[n.Index] = cib.AddScores(mine[n.Index], s)
				}
			}
		}
		for i := range iw {
			iw[i] = cib.AddScores(iw[i], mine[i])
			if w[i] <= -inf || mine[i] <= -inf {
				iw[i] = -inf
			}
		}
		c.applyThisWith(inst, iw)
		if !onlyCur {
			c.recordScores("pcmk__primitive_assign", inst, iw)
		}
		n := c.choose(iw, cur)
		if onlyCur && n != cur {
			return nil
		}
		inst.place(c, n)
		return n
	}
	for pass := 0; pass < 2; pass++ {
		for _, inst := range insts {
			if done[inst] {
				continue
			}
			if inst.Kind == cib.Primitive && c.keepUnmanaged(inst) {
				done[inst] = true
				if inst.Assigned != nil {
					perNode[inst.Assigned]++
					count++
				}
				continue
			}
			cur := active(inst)
			if pass == 0 && (cur == nil || perNode[cur] >= optimal) {
				continue
			}
			n := placeInst(inst, instWeights(inst, pass == 0), cur, pass == 0)
			if n == nil && pass == 0 {
				inst.Walk(func(x *Resource) { x.unplace() })
				continue
			}
			done[inst] = true
			if n != nil {
				perNode[n]++
				count++
			}
		}
	}
	cl.cloneWeights = w
	if cl.Promotable {
		c.setRoles(cl)
	}
}

// ScoreLine is one allocation or promotion score, as crm_simulate -s shows.
type ScoreLine struct {
	Func  string // "" for promotion scores
	Rsc   string
	Node  string
	Score int
}

func (s ScoreLine) String() string {
	if s.Func == "" {
		return fmt.Sprintf("%s promotion score on %s: %s", s.Rsc, s.Node, cib.ScoreString(s.Score))
	}
	return fmt.Sprintf("%s: %s allocation score on %s: %s", s.Func, s.Rsc, s.Node, cib.ScoreString(s.Score))
}

func (c *Cluster) recordScores(fn string, r *Resource, w []int) {
	for _, n := range c.Nodes {
		c.Scores = append(c.Scores, ScoreLine{Func: fn, Rsc: r.ID, Node: n.Name, Score: w[n.Index]})
	}
}

// scaled is d*score/INFINITY rounded away from zero, so that a weak
// colocation still breaks ties.
func scaled(d, score int) int {
	p := int64(d) * int64(score)
	q := p / int64(inf)
	if p%int64(inf) != 0 {
		if p > 0 {
			q++
		} else {
			q--
		}
	}
	return int(q)
}

// spreadByAttr turns a dependent's node scores into what a primary sees
// through a node-attribute colocation: on each node, the best score among
// the nodes sharing its attribute value.
func (c *Cluster) spreadByAttr(co *colocation, dw []int) []int {
	attr := co.cfg.NodeAttr
	if attr == "" || attr == "#uname" {
		return dw
	}
	out := make([]int, len(dw))
	for _, n := range c.Nodes {
		v, ok := n.Attrs[attr]
		best := dw[n.Index]
		if ok {
			for _, m := range c.Nodes {
				if mv, mok := m.Attrs[attr]; mok && mv == v && dw[m.Index] > best {
					best = dw[m.Index]
				}
			}
		}
		out[n.Index] = best
	}
	return out
}

// noQuorumStop: the partition lacks quorum and r must stop for it:
// no-quorum-policy is stop (or suicide, after its fencing), or demote and
// r is not promotable (promotable clones are only demoted).
func (c *Cluster) noQuorumStop(r *Resource) bool {
	if c.HaveQuorum {
		return false
	}
	switch c.NoQuorumPolicy {
	case "stop", "suicide":
		return true
	case "demote":
		cl := r.clone()
		return cl == nil || !cl.Promotable
	}
	return false
}

// activeBelow reports whether r or any primitive below it is active.
func (c *Cluster) activeBelow(r *Resource) bool {
	active := false
	r.top().Walk(func(x *Resource) {
		if x.Kind == cib.Primitive && len(x.RunningOn) > 0 {
			active = true
		}
	})
	return active
}

// frozen reports whether r is kept where it is by no-quorum-policy=freeze.
func (c *Cluster) frozen(r *Resource) bool {
	if c.HaveQuorum || c.NoQuorumPolicy != "freeze" {
		return false
	}
	cur := r.Current()
	return cur != nil && cur.Online && !cur.Unclean
}
