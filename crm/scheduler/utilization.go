package scheduler

import (
	"sort"
	"strconv"

	"github.com/baton-ha/baton/crm/cib"
)

// Utilization and placement-strategy (Pacemaker Explained, "Utilization
// and Placement Strategy"): with a strategy other than default, a node
// must have the capacity a resource uses (utilization attributes of nodes
// and resources), resources are assigned biggest-wish first, and with
// "balanced" ties go to the node with more free capacity.

const (
	strategyDefault  = "default"
	strategyMinimal  = "minimal"
	strategyBalanced = "balanced"
)

// utilizationValues reads utilization attribute sets as integers (an
// unparsable value counts as 0, as in Pacemaker).
func (c *Cluster) utilizationValues(sets []cib.NVSet, nodeAttrs map[string]string) map[string]int {
	if len(sets) == 0 {
		return nil
	}
	out := map[string]int{}
	for k, v := range cib.Values(sets, cib.RuleContext{Now: c.Now, NodeAttrs: nodeAttrs}) {
		n, err := strconv.Atoi(v)
		if err != nil {
			n = 0
		}
		out[k] = n
	}
	return out
}

// usesCapacity reports whether capacity counts at all.
func (c *Cluster) usesCapacity() bool { return c.Strategy != strategyDefault }

// fits reports whether node n has the remaining capacity for use.
func fits(n *Node, use map[string]int) bool {
	for k, v := range use {
		if v > n.remaining[k] {
			return false
		}
	}
	return true
}

// sumUtilization adds up the utilization of the primitives of rs not yet
// assigned.
func sumUtilization(rs []*Resource) map[string]int {
	out := map[string]int{}
	for _, r := range rs {
		for _, l := range r.Leaves() {
			if l.assignedDone && l.Assigned != nil {
				continue
			}
			for k, v := range l.util {
				out[k] += v
			}
		}
	}
	return out
}

// banInsufficientCapacity bans r from the nodes that cannot hold it and
// the resources colocated with it (or, if no node can hold them all, r
// alone).
func (c *Cluster) banInsufficientCapacity(r *Resource, w []int) {
	if !c.usesCapacity() {
		return
	}
	group := []*Resource{r}
	for _, co := range r.withThis {
		if co.score >= inf {
			group = append(group, co.dependent)
		}
	}
	for _, co := range r.thisWith {
		if co.score >= inf && !co.primary.assignedDone {
			group = append(group, co.primary)
		}
	}
	all := sumUtilization(group)
	any := false
	for _, n := range c.Nodes {
		if n.Available() && w[n.Index] > -inf && fits(n, all) {
			any = true
		}
	}
	use := all
	if !any {
		use = sumUtilization([]*Resource{r})
	}
	for _, n := range c.Nodes {
		if n.Available() && !fits(n, use) {
			w[n.Index] = -inf
		}
	}
}

// consume takes a placed primitive's utilization from its node.
func (n *Node) consume(use map[string]int) {
	for k, v := range use {
		n.remaining[k] -= v
	}
}

// release gives it back (when a placement is undone).
func (n *Node) release(use map[string]int) {
	for k, v := range use {
		n.remaining[k] += v
	}
}

// compareCapacity is negative when a has more free capacity than b (per
// attribute, counted), positive when less.
func compareCapacity(a, b *Node) int {
	res := 0
	seen := map[string]bool{}
	for k, av := range a.remaining {
		seen[k] = true
		if bv := b.remaining[k]; av > bv {
			res--
		} else if av < bv {
			res++
		}
	}
	for k, bv := range b.remaining {
		if seen[k] {
			continue
		}
		if bv > 0 {
			res++
		} else if bv < 0 {
			res--
		}
	}
	return res
}

// assignmentOrder sorts top-level resources the way Pacemaker does when
// utilization counts: by priority, then by the score on their current
// node, then by their score on each node in the order nodes are preferred.
func (c *Cluster) assignmentOrder(order []*Resource) {
	if !c.usesCapacity() {
		return
	}
	nodes := append([]*Node(nil), c.Nodes...)
	sort.SliceStable(nodes, func(i, j int) bool {
		if c.Strategy == strategyBalanced {
			if r := compareCapacity(nodes[i], nodes[j]); r != 0 {
				return r < 0
			}
		}
		return false
	})
	scores := map[*Resource][]int{}
	for _, r := range order {
		w := c.ownWeights(r)
		c.applyThisWith(r, w)
		scores[r] = w
	}
	current := func(r *Resource) int {
		var cur *Node
		for _, l := range r.Leaves() {
			if cur = l.Current(); cur != nil {
				break
			}
		}
		if cur == nil {
			return -inf
		}
		return scores[r][cur.Index]
	}
	sort.SliceStable(order, func(i, j int) bool {
		a, b := order[i], order[j]
		if a.Priority != b.Priority {
			return a.Priority > b.Priority
		}
		if ca, cb := current(a), current(b); ca != cb {
			return ca > cb
		}
		for _, n := range nodes {
			if sa, sb := scores[a][n.Index], scores[b][n.Index]; sa != sb {
				return sa > sb
			}
		}
		return false
	})
}
