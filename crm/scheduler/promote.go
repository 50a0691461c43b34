package scheduler

import (
	"sort"
	"strings"

	"github.com/baton-ha/baton/crm/cib"
)

// promotionAttr reads an instance's promotion score on a node from the
// transient attribute master-<id> (anonymous clones share the base name;
// older CIBs carry the instance suffix).
func promotionAttr(leaf *Resource, n *Node) (int, bool) {
	// Once an instance's state is known somewhere, only the nodes where it
	// is known count (a score elsewhere belongs to another instance).
	if len(leaf.historyOn) > 0 && !leaf.historyOn[n] {
		return 0, false
	}
	names := []string{"master-" + leaf.Cfg.ID, "master-" + leaf.ID, "promotion-" + leaf.Cfg.ID}
	if cl := leaf.clone(); cl != nil && cl.Unique {
		names = []string{"master-" + leaf.ID, "master-" + leaf.Cfg.ID}
	} else if leaf.historyID != "" {
		// The instance's history was recorded under another name (an old
		// instance number): its score is kept under that name.
		names = append([]string{"master-" + leaf.historyID}, names...)
	}
	for _, name := range names {
		if v, ok := n.Attrs[name]; ok {
			s, err := cib.ParseScore(v)
			if err == nil {
				return s, true
			}
		}
	}
	// An old instance number on this node (anonymous clones get renumbered).
	if cl := leaf.clone(); cl != nil && !cl.Unique {
		prefix := "master-" + leaf.Cfg.ID + ":"
		for k, v := range n.Attrs {
			if strings.HasPrefix(k, prefix) {
				if s, err := cib.ParseScore(v); err == nil {
					return s, true
				}
			}
		}
	}
	return 0, false
}

// promotedLeaf is the primitive of an instance whose role matters: the
// instance itself, or for a cloned group its first member with a
// promotion score (in practice groups are rarely promotable).
func promotedLeaves(inst *Resource) []*Resource { return inst.Leaves() }

// setRoles chooses which instances of a promotable clone are promoted.
func (c *Cluster) setRoles(cl *Resource) {
	type cand struct {
		inst  *Resource
		node  *Node
		score int
		was   bool
	}
	var cands []cand
	for _, inst := range cl.Children {
		leaves := promotedLeaves(inst)
		if len(leaves) == 0 || leaves[0].Assigned == nil {
			continue
		}
		n := leaves[0].Assigned
		score := 0
		found := false
		was := false
		for _, l := range leaves {
			if s, ok := promotionAttr(l, n); ok {
				score = cib.AddScores(score, s)
				found = true
			}
			if l.Role == RolePromoted && l.runningOn(n) {
				was = true
			}
		}
		if !found {
			score = -1
		}
		// Unmanaged or blocked instances keep their role whatever else
		// says (applied last, below).
		pinned, pinnedScore := false, 0
		for _, l := range leaves {
			if !l.Managed || l.Blocked {
				pinned, pinnedScore = true, -inf
				if l.Role == RolePromoted {
					pinnedScore = inf
				}
			}
		}
		for _, l := range leaves {
			if l.demoteOnly {
				// on-fail=demote: it failed promoted and must not stay so
				score = -inf
			}
		}
		if cl.cloneWeights != nil && found {
			score = cib.AddScores(score, cl.cloneWeights[n.Index])
		}
		for _, pl := range c.promotedLocs {
			if pl.rsc == cl || pl.rsc == inst {
				score = cib.AddScores(score, pl.score[n.Index])
			}
		}
		// Colocations where the clone's promoted role is the dependent.
		for _, co := range cl.thisWith {
			if co.depRole == RoleUnpromoted {
				// wanting the unpromoted role next to the primary counts
				// against promotion there
				if primaryNodes(co)[n] && co.score > -inf && co.score < inf {
					score = cib.AddScores(score, -co.score)
				}
				continue
			}
			if co.depRole != RolePromoted {
				continue
			}
			nodes := primaryNodes(co)
			switch {
			case co.score >= inf:
				if !nodes[n] {
					score = -inf
				} else {
					score = cib.AddScores(score, co.score)
				}
			case co.score <= -inf:
				if nodes[n] {
					score = -inf
				}
			default:
				if nodes[n] {
					score = cib.AddScores(score, co.score)
				}
			}
		}
		// Colocations with the promoted role: the dependents' wishes count.
		for _, co := range cl.withThis {
			if co.primaryRole != RolePromoted {
				continue
			}
			// The dependent's own wishes; what its own dependents want
			// does not reach this far.
			dw := c.preferenceWeights(co.dependent, 99, map[*Resource]bool{cl: true})
			if co.dependent.assignedDone {
				dw = make([]int, len(c.Nodes))
				for _, l := range co.dependent.Leaves() {
					if l.Assigned != nil {
						dw[l.Assigned.Index] = inf
					}
				}
			}
			if !available(dw) {
				// a dependent that cannot run anywhere has no say
				continue
			}
			d := dw[n.Index]
			switch {
			case d <= -inf && co.score > 0:
				if co.score >= inf {
					score = -inf
				} else {
					score = cib.AddScores(score, -co.score)
				}
			case d <= -inf:
			default:
				score = cib.AddScores(score, int(int64(d)*int64(co.score)/int64(inf)))
			}
		}
		if cl.TargetRole == RoleUnpromoted || cl.TargetRole == RoleStarted && false {
			score = -inf
		}
		for _, l := range leaves {
			// A cloned group is promoted whole: not if a member cannot run.
			if l.TargetRole == RoleUnpromoted || l.TargetRole == RoleStopped || l.Assigned == nil {
				score = -inf
			}
		}
		inst.promoScore = score
		c.Scores = append(c.Scores, ScoreLine{Rsc: leaves[0].ID, Node: n.Name, Score: score})
		if pinned {
			score = pinnedScore
		}
		cands = append(cands, cand{inst: inst, node: n, score: score, was: was})
	}
	failed := func(inst *Resource) bool {
		f := false
		inst.Walk(func(x *Resource) { f = f || x.Failed })
		return f
	}
	sort.SliceStable(cands, func(i, j int) bool {
		if cands[i].score != cands[j].score {
			return cands[i].score > cands[j].score
		}
		if cands[i].was != cands[j].was {
			return cands[i].was
		}
		// on a tie, a healthy instance is promoted before one in recovery
		return !failed(cands[i].inst) && failed(cands[j].inst)
	})
	promoted := 0
	perNode := map[*Node]int{}
	// An instance promoted where nothing can demote it (a node that is
	// unclean and cannot be fenced) keeps its place.
	for _, inst := range cl.Children {
		for _, l := range promotedLeaves(inst) {
			if cur := l.Current(); l.Role == RolePromoted && cur != nil && cur.Unclean && !cur.fenced {
				promoted++
				perNode[cur]++
				break
			}
		}
	}
	for _, cd := range cands {
		if cd.score < 0 || promoted >= cl.PromotedMax || perNode[cd.node] >= cl.PromotedNodeMax {
			continue
		}
		if !c.HaveQuorum && c.NoQuorumPolicy == "demote" {
			continue
		}
		if !c.HaveQuorum && c.NoQuorumPolicy != "ignore" && !promotedNow(cd.inst) {
			// A promotion needs quorum, as a start does (Pacemaker: promote
			// is unrunnable "due to no quorum", or held by freeze). Without
			// it a DRBD Secondary whose peer is merely out of reach would
			// become a second Primary. What is promoted already keeps its
			// role here (demote is handled above; a running clone instance
			// is not stopped under stop: docs/scheduler.md).
			continue
		}
		promoted++
		perNode[cd.node]++
		for _, l := range promotedLeaves(cd.inst) {
			l.NextRole = RolePromoted
		}
	}
}

// promotedNow reports whether every leaf of inst is promoted now.
func promotedNow(inst *Resource) bool {
	leaves := promotedLeaves(inst)
	for _, l := range leaves {
		if l.Role != RolePromoted {
			return false
		}
	}
	return len(leaves) > 0
}
