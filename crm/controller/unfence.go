package controller

import (
	"context"
	"time"

	"github.com/baton-ha/baton/crm/cib"
	"github.com/baton-ha/baton/crm/fencer"
	"github.com/baton-ha/baton/crm/scheduler"
)

// Unfencing, as Pacemaker does it: when a fence device provides unfencing
// (meta provides=unfencing: fence_scsi, fence_mpath, a fabric switch), a
// fence cuts the node off in a way that lasts until the device's "on"
// action restores its access. So each node, at each boot (each time it
// joins) and after each fence, is unfenced before anything that requires
// unfencing is probed or started there; a node whose unfencing fails runs
// none of it. Stops and demotes never wait.

// markUnfenced records that node was unfenced with the setup digest.
func (f *fencing) markUnfenced(node, digest string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.unfenced[node] = digest
	delete(f.unfenceRetry, node)
}

// unfenceMembers unfences, one after the other, the members that are not
// unfenced with the current setup, and returns those whose unfencing
// failed (or is waiting for its retry): nothing that requires unfencing
// may start there in this transition. The DC calls it before its probes.
func (c *Controller) unfenceMembers(ctx context.Context, s *fencer.Setup, members []string) map[string]bool {
	digest := s.UnfenceDigest()
	if digest == "" || !s.Options.Enabled {
		return nil
	}
	f := c.fence
	blocked := map[string]bool{}
	for _, m := range members {
		f.mu.Lock()
		done := f.unfenced[m] == digest
		wait := time.Now().Before(f.unfenceRetry[m])
		f.mu.Unlock()
		if done {
			continue
		}
		if wait {
			blocked[m] = true
			continue
		}
		c.log.Info("unfencing node before it runs resources that require it", "target", m)
		// The main loop waits for it: bound it, and tell the watchdog's
		// health check that a long step is an operation, not a hang.
		budget := time.Duration(len(s.Devices))*s.Options.Timeout + 5*time.Second
		c.progress(time.Now().Add(budget))
		uctx, cancel := context.WithTimeout(ctx, budget)
		res := c.cfg.Fencer.Fence(uctx, fencer.Request{Target: m, Action: "on", Origin: c.cfg.Node})
		cancel()
		c.progress(time.Time{})
		if res.OK {
			f.markUnfenced(m, digest)
			continue
		}
		c.log.Error("unfencing failed: resources that require unfencing do not start there", "target", m, "err", res.Error)
		f.mu.Lock()
		f.unfenceRetry[m] = time.Now().Add(fenceRetry)
		f.mu.Unlock()
		time.AfterFunc(fenceRetry, c.Kick)
		blocked[m] = true
	}
	return blocked
}

// requiresUnfencing reports whether prim may be probed or started on a
// node only once that node is unfenced: requires=unfencing, or by default
// every resource but the fence devices once a device provides unfencing.
func requiresUnfencing(doc *cib.CIB, prim *cib.Resource) bool {
	if prim == nil {
		return false
	}
	if v, ok := requiresSet(doc, prim); ok {
		return v == "unfencing"
	}
	return prim.Class != "stonith"
}

// heldByUnfencing reports whether an action must wait because its node is
// not unfenced. A recurring monitor waits only when its start did (the
// transition's held rule): watching what already runs is harmless.
func heldByUnfencing(doc *cib.CIB, a *scheduler.Action, blocked map[string]bool) bool {
	if !blocked[a.Node] {
		return false
	}
	switch a.Task {
	case "stop", "demote", "notify", "cancel", "monitor":
		return false
	}
	return requiresUnfencing(doc, a.Primitive)
}
