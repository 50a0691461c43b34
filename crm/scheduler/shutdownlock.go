package scheduler

import (
	"time"

	"github.com/baton-ha/baton/crm/cib"
)

// Shutdown locks (shutdown-lock=true): a resource active on a node that
// shuts down cleanly stays with that node, stopped, instead of moving,
// until the node comes back or shutdown-lock-limit passes. The lock is
// recorded in the node's history (lrm_resource shutdown-lock=TIME).

// lockable reports whether r may be locked to a node: a primitive outside
// clones, not a fence device.
func lockable(r *Resource) bool {
	return r.Kind == cib.Primitive && r.clone() == nil && r.Cfg != nil && r.Cfg.Class != "stonith" && r.Managed
}

// applyShutdownLocks locks resources to the nodes they were stopped on (or
// are stopping on) by a clean shutdown.
func (c *Cluster) applyShutdownLocks() {
	if !boolOpt(c.options["shutdown-lock"], false) {
		return
	}
	var limit time.Duration
	if v := c.options["shutdown-lock-limit"]; v != "" {
		if d, err := cib.ParseInterval(v); err == nil {
			limit = d
		}
	}
	for _, st := range c.CIB.Status {
		node := c.nodeByID[st.ID]
		if node == nil {
			node = c.nodeByName[st.Uname]
		}
		if node == nil || node.Online {
			continue
		}
		for _, lr := range st.Resources {
			if lr.ShutdownLock == 0 {
				continue
			}
			if limit > 0 && c.Now.After(time.Unix(lr.ShutdownLock, 0).Add(limit)) {
				continue // expired
			}
			if r := c.byID[lr.ID]; r != nil && lockable(r) {
				r.lockedTo = node
			}
		}
	}
	for _, top := range c.Resources {
		top.Walk(func(r *Resource) {
			if cur := r.Current(); cur != nil && cur.Shutdown && lockable(r) {
				r.lockedTo = cur
			}
		})
	}
}
