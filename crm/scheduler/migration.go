package scheduler

import (
	"github.com/baton-ha/baton/crm/cib"
)

// Live migration (allow-migrate): a resource that moves and may migrate is
// moved by migrate_to on its current node and migrate_from on the new one,
// and what is ordered after its start need not restart (it never stopped).
// A migration is given up when something it is ordered after moves
// without migrating ("unmigrateable").

// canMigrate reports whether r may migrate from its current node to its
// assigned one (Pacemaker Explained, "Migrating Resources").
func (c *Cluster) canMigrate(r *Resource) bool {
	if r.Kind != cib.Primitive || r.clone() != nil || r.Cfg == nil || r.Cfg.Class == "stonith" {
		return false
	}
	if (!boolOpt(r.Meta["allow-migrate"], false) && r.partialTarget == nil) || !r.Managed || r.Failed || r.Blocked {
		return false
	}
	cur, next := r.Current(), r.Assigned
	if len(r.RunningOn) != 1 || cur == nil || next == nil || cur == next || cur.Unclean || next.Unclean || !cur.Online {
		return false
	}
	if r.partialTarget != nil && next != r.partialTarget {
		// A partial migration goes on only to the same target.
		return false
	}
	return r.NextRole == RoleStarted && r.Role == RoleStarted
}

// decideMigrations marks the resources that migrate, then withdraws the
// migration of any whose ordering predecessor moves without migrating.
func (c *Cluster) decideMigrations(edges []orderEdge) {
	for _, top := range c.Resources {
		top.Walk(func(r *Resource) {
			r.migrating = c.canMigrate(r)
		})
	}
	for changed := true; changed; {
		changed = false
		for _, e := range edges {
			if !e.mandatory || e.impliesFirst || len(e.anyOf) > 0 || e.first == nil {
				continue
			}
			if e.firstTask != "start" && e.firstTask != "stop" {
				continue
			}
			if !moves(e.first) || allMigrating(e.first) {
				continue
			}
			for _, l := range e.then.Leaves() {
				if l.migrating {
					l.migrating = false
					l.plan.setReason("stop", "unmigrateable "+e.first.ID+" stop")
					changed = true
				}
			}
		}
	}
}

// moves reports whether some primitive of r leaves its node.
func moves(r *Resource) bool {
	for _, l := range r.Leaves() {
		if cur := l.Current(); cur != nil && l.Assigned != nil && cur != l.Assigned {
			return true
		}
	}
	return false
}

// allMigrating reports whether every primitive of r that moves migrates.
func allMigrating(r *Resource) bool {
	for _, l := range r.Leaves() {
		if cur := l.Current(); cur != nil && l.Assigned != nil && cur != l.Assigned && !l.migrating {
			return false
		}
	}
	return true
}
