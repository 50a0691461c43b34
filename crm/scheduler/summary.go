package scheduler

import (
	"fmt"
	"sort"
	"strings"

	"github.com/baton-ha/baton/crm/cib"
)

// SummaryLine is one entry of the Transition Summary.
type SummaryLine struct {
	Verb    string
	Rsc     string
	Details string
	Suffix  string // "due to ..." and/or "blocked"
	// Fence, when set, makes this a "Fence (action) node 'reason'" line.
	Fence *Fence
}

func (l SummaryLine) String() string {
	if l.Fence != nil {
		return l.Fence.String()
	}
	s := fmt.Sprintf("%-8s   %s   ( %s )", l.Verb, l.Rsc, l.Details)
	if l.Suffix != "" {
		s += "  " + l.Suffix
	}
	return s
}

// outputOrder lists primitives in Pacemaker's summary order: top-level
// resources by descending priority (stable), expanded recursively, then
// orphans.
func (c *Cluster) outputOrder() []*Resource {
	tops := append([]*Resource(nil), c.Resources...)
	sort.SliceStable(tops, func(i, j int) bool { return tops[i].Priority > tops[j].Priority })
	if c.usesCapacity() && c.assignOrder != nil {
		tops = c.assignOrder
	}
	var out []*Resource
	for _, t := range tops {
		out = append(out, t.Leaves()...)
	}
	return append(out, c.Orphans...)
}

func roleName(r *Resource, role string) string {
	if role == RoleStarted && r.clone() != nil && r.clone().Promotable {
		return RoleUnpromoted
	}
	return role
}

func needsRole(cur, next string) bool {
	return cur == RoleUnpromoted || cur == RolePromoted || next == RolePromoted
}

// Summary returns the Transition Summary lines.
func (c *Cluster) Summary() []SummaryLine {
	var lines []SummaryLine
	// Fencing comes first, latest node first, as crm_simulate lists it.
	for i := len(c.Fences) - 1; i >= 0; i-- {
		lines = append(lines, SummaryLine{Fence: &c.Fences[i]})
	}
	for _, r := range c.outputOrder() {
		lines = append(lines, c.summarize(r)...)
	}
	return lines
}

func (c *Cluster) summarize(r *Resource) []SummaryLine {
	if !r.Managed || r.Blocked && len(r.plan.stopOn) == 0 {
		return nil
	}
	p := &r.plan
	cur := r.Current()
	next := r.Assigned
	if cur == nil && next == nil {
		return nil
	}
	curRole := roleName(r, r.Role)
	nextRole := roleName(r, r.NextRole)
	if next == nil {
		nextRole = RoleStopped
	}
	promotable := r.clone() != nil && r.clone().Promotable
	if !promotable && r.NextRole == RoleStarted && curRole == RolePromoted {
		// a non-clone running Promoted (rare): keep roles as is
	}
	blocked := func(runnable bool) string {
		if runnable {
			return ""
		}
		return "blocked"
	}
	// Pacemaker gives a stop with nowhere to go its reason, else the
	// reason of whatever required or blocked it.
	stopReason := p.stopReason
	if r.Assigned == nil {
		stopReason = "node availability"
		onFenced := len(r.RunningOn) > 0
		for _, n := range r.RunningOn {
			onFenced = onFenced && n.fenced
		}
		// (a stop implied by fencing its node is for node availability)
		if c.noQuorumStop(r) && r.Meta["requires"] != "nothing" && r.TargetRole != RoleStopped && !onFenced {
			stopReason = "no quorum"
		}
	}
	reasonOf := func(reason string, runnable bool) string {
		switch {
		case reason != "" && !runnable:
			return "due to " + reason + " (blocked)"
		case reason != "":
			return "due to " + reason
		}
		return blocked(runnable)
	}
	stopSuffix := func() string {
		reason := stopReason
		if reason == "" {
			reason = p.startReason
		}
		return reasonOf(reason, p.stopRunnable)
	}
	stopLines := func() []SummaryLine {
		var out []SummaryLine
		for _, n := range r.RunningOn {
			d := n.Name
			if curRole == RoleUnpromoted || curRole == RolePromoted {
				d = curRole + " " + n.Name
			}
			out = append(out, SummaryLine{Verb: "Stop", Rsc: r.ID, Details: d, Suffix: stopSuffix()})
		}
		return out
	}
	inPlace := func(node *Node, from, to string) string {
		if needsRole(from, to) {
			if from == to || from == RoleStopped && to != RolePromoted {
				return to + " " + node.Name
			}
			return from + " -> " + to + " " + node.Name
		}
		return node.Name
	}
	moved := func(from, to string) string {
		if needsRole(from, to) {
			if from == to {
				return cur.Name + " -> " + next.Name + " " + to
			}
			return from + " " + cur.Name + " -> " + to + " " + next.Name
		}
		return cur.Name + " -> " + next.Name
	}
	startRunnable := p.startRunnable
	moving := cur != nil && next != nil && cur != next
	if r.multiplyActive {
		// Multiply active: stopped everywhere and started again where it
		// belongs. Pacemaker reports one line from the first node it is
		// active on: a recovery, or a stop if it cannot start again.
		cur = r.RunningOn[0]
		moving = next != nil && cur != next
		switch {
		case next == nil:
			return stopLines()
		case !startRunnable:
			return []SummaryLine{{Verb: "Stop", Rsc: r.ID, Details: inPlace(cur, curRole, curRole), Suffix: stopSuffix()}}
		case moving:
			return []SummaryLine{{Verb: "Recover", Rsc: r.ID, Details: moved(curRole, nextRole)}}
		}
		suffix := reasonOf(p.startReason, true)
		if r.Meta["multiple-active"] == "stop_unexpected" {
			// Only the unexpected copies stop. Pacemaker says so when the
			// resource failed as well; else it is a plain restart.
			if r.failedOnlyActive {
				return []SummaryLine{{Verb: "Restart", Rsc: r.ID, Details: inPlace(next, curRole, nextRole)}}
			}
			suffix = "due to being multiply active"
		}
		return []SummaryLine{{Verb: "Recover", Rsc: r.ID, Details: inPlace(next, curRole, nextRole), Suffix: suffix}}
	}
	if curRole == RoleStopped {
		cur = nil
		moving = false
	}
	if cur == nil && len(r.RunningOn) == 0 {
		curRole = RoleStopped
	}
	if curRole == nextRole && next != nil {
		switch {
		case !p.start:
			if p.demote && p.promote {
				return []SummaryLine{{Verb: "Re-promote", Rsc: r.ID, Details: inPlace(next, curRole, curRole), Suffix: reasonOf(p.demoteReason, true)}}
			}
			return nil
		case !startRunnable:
			if cur == nil {
				return nil
			}
			return stopLines()
		case moving && r.migrating && startRunnable && p.stopRunnable:
			return []SummaryLine{{Verb: "Migrate", Rsc: r.ID, Details: moved(curRole, nextRole)}}
		case moving:
			verb := "Move"
			if r.Failed {
				verb = "Recover"
			}
			return []SummaryLine{{Verb: verb, Rsc: r.ID, Details: moved(curRole, nextRole), Suffix: reasonOf(stopReason, true)}}
		case r.Failed:
			return []SummaryLine{{Verb: "Recover", Rsc: r.ID, Details: inPlace(next, curRole, nextRole), Suffix: reasonOf(stopReason, true)}}
		default:
			return []SummaryLine{{Verb: "Restart", Rsc: r.ID, Details: inPlace(next, curRole, nextRole), Suffix: reasonOf(p.startReason, true)}}
		}
	}
	switch {
	case (nextRole == RoleStopped || !startRunnable) && cur != nil:
		return stopLines()
	case next == nil:
		return nil
	case r.Failed && cur != nil:
		if moving {
			return []SummaryLine{{Verb: "Recover", Rsc: r.ID, Details: moved(curRole, nextRole), Suffix: reasonOf(p.startReason, true)}}
		}
		return []SummaryLine{{Verb: "Recover", Rsc: r.ID, Details: inPlace(next, curRole, nextRole), Suffix: reasonOf(p.startReason, true)}}
	case moving:
		return []SummaryLine{{Verb: "Move", Rsc: r.ID, Details: moved(curRole, nextRole), Suffix: reasonOf(stopReason, true)}}
	case cur != nil && p.stopsOn(cur):
		return []SummaryLine{{Verb: "Restart", Rsc: r.ID, Details: inPlace(next, curRole, nextRole), Suffix: reasonOf(p.startReason, true)}}
	case curRole == RolePromoted:
		return []SummaryLine{{Verb: "Demote", Rsc: r.ID, Details: inPlace(next, curRole, nextRole), Suffix: reasonOf(p.demoteReason, p.stopRunnable)}}
	case nextRole == RolePromoted:
		return []SummaryLine{{Verb: "Promote", Rsc: r.ID, Details: inPlace(next, curRole, nextRole), Suffix: reasonOf(p.promoteReason, p.promoteRunnable && startRunnable)}}
	case curRole == RoleStopped:
		if !startRunnable && p.noPartner {
			// an instance with nothing to interleave with is
			// unassigned: not listed; one blocked otherwise is
			return nil
		}
		return []SummaryLine{{Verb: "Start", Rsc: r.ID, Details: next.Name, Suffix: reasonOf(p.startReason, startRunnable)}}
	}
	return nil
}

// FormatSummary renders lines in crm_simulate's column layout (resource
// and detail columns as wide as their widest entry).
func FormatSummary(lines []SummaryLine) []string {
	out := make([]string, 0, len(lines))
	rscW, detW := 0, 0
	for _, l := range lines {
		rscW = max(rscW, len(l.Rsc))
		detW = max(detW, len(l.Details))
	}
	for _, l := range lines {
		if l.Fence != nil {
			out = append(out, "  * "+l.Fence.String())
			continue
		}
		s := fmt.Sprintf("  * %-8s   %-*s   ( %*s )", l.Verb, rscW, l.Rsc, detW, l.Details)
		if l.Suffix != "" {
			s += "  " + l.Suffix
		}
		out = append(out, s)
	}
	return out
}

// NormalizeLine collapses whitespace in a Transition Summary entry. Unless
// strict, it also drops the reason: a "due to ..." suffix (keeping the
// blocked marker, which says the action cannot run) and the quoted reason
// of a Fence line. This is how summaries are compared with Pacemaker's.
func NormalizeLine(s string, strict bool) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.TrimPrefix(s, "* ")
	if strict {
		return s
	}
	if strings.HasPrefix(s, "Fence (") {
		if i := strings.Index(s, " '"); i >= 0 {
			s = s[:i]
		}
		return s
	}
	if i := strings.Index(s, " due to "); i >= 0 {
		blocked := strings.HasSuffix(s, "(blocked)")
		s = s[:i]
		if blocked {
			s += " blocked"
		}
	}
	return s
}

var _ = cib.Infinity
