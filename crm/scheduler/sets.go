package scheduler

import (
	"strings"

	"github.com/baton-ha/baton/crm/cib"
)

// Resource sets, templates and tags in constraints. Every such constraint
// is expanded into the plain pairwise constraints it stands for, the way
// Pacemaker unpacks them: a tag or template reference becomes a
// non-sequential set of its resources.

// members resolves a constraint's reference: a resource, every resource
// derived from a template, or a tag's resources.
func (c *Cluster) members(id string) []*Resource {
	return c.membersDepth(id, 0)
}

func (c *Cluster) membersDepth(id string, depth int) []*Resource {
	if r := c.resolve(id); r != nil {
		return []*Resource{r}
	}
	var out []*Resource
	seen := map[*Resource]bool{}
	addOnce := func(r *Resource) {
		if r != nil && !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	if _, ok := c.CIB.Templates[id]; ok {
		for _, top := range c.Resources {
			top.Cfg.Walk(func(x *cib.Resource) {
				if x.Template == id {
					addOnce(c.resolve(x.ID))
				}
			})
		}
		return out
	}
	if refs, ok := c.CIB.Tags[id]; ok && depth < 4 {
		for _, ref := range refs {
			for _, r := range c.membersDepth(ref, depth+1) {
				addOnce(r)
			}
		}
	}
	return out
}

// isPlainRef reports whether id names a resource (not a template or tag).
func (c *Cluster) isPlainRef(id string) bool { return c.resolve(id) != nil }

// setOf is a resource set with its references resolved.
type setOf struct {
	cfg  *cib.ResourceSet
	rscs []*Resource
}

func (c *Cluster) resolveSets(sets []*cib.ResourceSet) []setOf {
	out := make([]setOf, 0, len(sets))
	for _, s := range sets {
		so := setOf{cfg: s}
		for _, id := range s.Resources {
			so.rscs = append(so.rscs, c.members(id)...)
		}
		out = append(out, so)
	}
	return out
}

// tagSet turns a constraint's reference into a set: a template or tag
// becomes a non-sequential set of its resources, a resource a set of one.
func (c *Cluster) tagSet(id, role, action string) setOf {
	rs := &cib.ResourceSet{ID: id, Sequential: true, RequireAll: true, Role: role, Action: action}
	if !c.isPlainRef(id) {
		rs.Sequential = false
	}
	return setOf{cfg: rs, rscs: c.members(id)}
}

func (s setOf) first() *Resource { return s.rscs[0] }
func (s setOf) last() *Resource  { return s.rscs[len(s.rscs)-1] }

// locationTarget is one resource a location constraint applies to, with
// the role it is restricted to.
type locationTarget struct {
	rsc  *Resource
	role string
}

func (c *Cluster) locationTargets(l *cib.Location) []locationTarget {
	var out []locationTarget
	if len(l.Sets) > 0 {
		for _, s := range c.resolveSets(l.Sets) {
			role := l.Role
			if s.cfg.Role != "" {
				role = s.cfg.Role
			}
			for _, r := range s.rscs {
				out = append(out, locationTarget{r, role})
			}
		}
		return out
	}
	if l.Rsc != "" {
		ms := c.members(l.Rsc)
		if len(ms) == 0 {
			c.warnf("rsc_location %s: resource %s is not configured", l.ID, l.Rsc)
		}
		for _, r := range ms {
			out = append(out, locationTarget{r, l.Role})
		}
	}
	return out
}

// expandColocation lists the plain colocations a constraint stands for.
func (c *Cluster) expandColocation(cl *cib.Colocation) []*cib.Colocation {
	var sets []setOf
	if len(cl.Sets) > 0 {
		sets = c.resolveSets(cl.Sets)
	} else {
		if c.isPlainRef(cl.Rsc) && c.isPlainRef(cl.WithRsc) {
			return []*cib.Colocation{cl}
		}
		if !c.isPlainRef(cl.Rsc) && !c.isPlainRef(cl.WithRsc) {
			// Pacemaker refuses to colocate two templates or tags.
			c.warnf("rsc_colocation %s: two templates or tags cannot be colocated: ignored", cl.ID)
			return nil
		}
		sets = []setOf{c.tagSet(cl.Rsc, cl.RscRole, ""), c.tagSet(cl.WithRsc, cl.WithRscRole, "")}
	}
	var out []*cib.Colocation
	pair := func(dep, prim *Resource, score int, depRole, primRole string) {
		if dep == nil || prim == nil || dep == prim {
			return
		}
		x := *cl
		x.Sets = nil
		x.Rsc, x.WithRsc, x.Score, x.RscRole, x.WithRscRole = dep.ID, prim.ID, score, depRole, primRole
		out = append(out, &x)
	}
	var last *setOf
	for i := range sets {
		s := &sets[i]
		if len(s.rscs) == 0 {
			continue
		}
		score := cl.Score
		if s.cfg.HasScore {
			score = s.cfg.Score
		}
		// Inside a sequential set each member goes with the one before it;
		// a negative score keeps every member away from all earlier ones.
		if score != 0 && s.cfg.Sequential {
			for j := 1; j < len(s.rscs); j++ {
				if score > 0 {
					if o := strings.ToLower(s.cfg.Ordering); o != "" && o != "group" {
						// ordering="listed": each goes with the next one
						pair(s.rscs[j-1], s.rscs[j], score, s.cfg.Role, s.cfg.Role)
						continue
					}
					pair(s.rscs[j], s.rscs[j-1], score, s.cfg.Role, s.cfg.Role)
					continue
				}
				for k := 0; k < j; k++ {
					pair(s.rscs[j], s.rscs[k], score, s.cfg.Role, s.cfg.Role)
				}
			}
		}
		// A set goes with the next one: its first member (or all of it)
		// with the next set's last member (or all of it).
		if last != nil && cl.Score != 0 {
			var deps, prims []*Resource
			if last.cfg.Sequential {
				deps = []*Resource{last.first()}
			} else {
				deps = last.rscs
			}
			if s.cfg.Sequential {
				prims = []*Resource{s.last()}
			} else {
				prims = s.rscs
			}
			for _, d := range deps {
				for _, p := range prims {
					pair(d, p, cl.Score, last.cfg.Role, s.cfg.Role)
				}
			}
		}
		last = s
	}
	return out
}

// setOrderEdges expands an order with sets, templates or tags into
// orderings between resources. ok is false for a plain order.
func (c *Cluster) setOrderEdges(o *cib.Order) (edges []orderEdge, ok bool) {
	var sets []setOf
	if len(o.Sets) > 0 {
		sets = c.resolveSets(o.Sets)
	} else {
		if c.isPlainRef(o.First) && c.isPlainRef(o.Then) {
			return nil, false
		}
		sets = []setOf{c.tagSet(o.First, "", o.FirstAction), c.tagSet(o.Then, "", o.ThenAction)}
	}
	mandatory := o.Kind == "Mandatory"
	symmetric := o.Symmetrical
	mk := func(f *Resource, ft string, t *Resource, tt string, inverse bool) {
		if f == nil || t == nil || f == t {
			return
		}
		e := orderEdge{first: f, then: t, firstTask: ft, thenTask: tt, mandatory: mandatory, impliesFirst: inverse, id: o.ID}
		e.interleave = f.Kind == cib.Clone && t.Kind == cib.Clone && (t.Interleave && !inverse || f.Interleave && inverse)
		e.asymmetric = !symmetric
		edges = append(edges, e)
	}
	action := func(s *setOf) string {
		if s.cfg.Action != "" {
			return s.cfg.Action
		}
		return "start"
	}
	inv := cib.InverseAction
	var last *setOf
	for i := range sets {
		s := &sets[i]
		if len(s.rscs) == 0 {
			continue
		}
		a := action(s)
		if s.cfg.Sequential && len(s.rscs) > 1 {
			for j := 1; j < len(s.rscs); j++ {
				mk(s.rscs[j-1], a, s.rscs[j], a, false)
				if symmetric {
					mk(s.rscs[j], inv(a), s.rscs[j-1], inv(a), true)
				}
			}
		}
		if last != nil {
			c.orderSets(last, s, false, mk, &edges, mandatory, o.ID)
			if symmetric {
				c.orderSets(s, last, true, mk, &edges, mandatory, o.ID)
			}
		}
		last = s
	}
	return edges, true
}

// orderSets orders set1 before set2 (or, for the inverse of a symmetrical
// order, set1's inverse actions before set2's).
func (c *Cluster) orderSets(set1, set2 *setOf, inverse bool, mk func(*Resource, string, *Resource, string, bool), edges *[]orderEdge, mandatory bool, id string) {
	a1, a2 := set1.cfg.Action, set2.cfg.Action
	if a1 == "" {
		a1 = "start"
	}
	if a2 == "" {
		a2 = "start"
	}
	if inverse {
		a1, a2 = cib.InverseAction(a1), cib.InverseAction(a2)
	}
	requireAll := set1.cfg.RequireAll || a1 == "stop" || a1 == "demote"
	if !requireAll {
		// Any one member of set1 lets set2 go ahead.
		for _, t := range set2.rscs {
			*edges = append(*edges, orderEdge{first: set1.first(), anyOf: set1.rscs, then: t, firstTask: a1, thenTask: a2, mandatory: true,
				pseudo: "one-or-more:" + set1.cfg.ID, id: id})
		}
		return
	}
	var r1, r2 *Resource
	if set1.cfg.SequentialSet {
		if inverse {
			r1 = set1.first()
		} else {
			r1 = set1.last()
		}
	}
	if set2.cfg.SequentialSet {
		if inverse {
			r2 = set2.last()
		} else {
			r2 = set2.first()
		}
	}
	firsts, thens := set1.rscs, set2.rscs
	if r1 != nil {
		firsts = []*Resource{r1}
	}
	if r2 != nil {
		thens = []*Resource{r2}
	}
	for _, f := range firsts {
		for _, t := range thens {
			mk(f, a1, t, a2, inverse)
		}
	}
}
