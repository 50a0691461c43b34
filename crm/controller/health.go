package controller

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/baton-ha/baton/crm/cib"
	"github.com/baton-ha/baton/crm/executor"
	"github.com/baton-ha/baton/crm/status"
	"github.com/baton-ha/baton/ocf"
)

// staleLimit is how long the main loop may go without a step, outside a
// running operation, before the node counts as hung.
const staleLimit = 5 * time.Second

// progress records that the main loop or the executor moved; until, when
// later than now, is a deadline an operation in progress will keep.
func (c *Controller) progress(until time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lastProgress = time.Now()
	if until.After(c.opDeadline) {
		c.opDeadline = until
	}
}

// noteActive keeps the set of resources this node may be running, in start
// order, from the operations it ran: what a node must have stopped before
// it may pet its watchdog without quorum.
func (c *Controller) noteActive(op executor.Operation, rc ocf.ExitCode) {
	if op.Class == "stonith" || op.Action == ocf.ActionNotify || op.Action == ocf.ActionMetaData {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.active == nil {
		c.active = map[string]bool{}
	}
	on := c.active[op.Resource]
	switch {
	case op.Action == ocf.ActionStop && rc == ocf.Success:
		on = false
	case op.Action == ocf.ActionMonitor && rc == ocf.NotRunning:
		on = false
	case op.Action == ocf.ActionMonitor && rc != ocf.Success && rc != ocf.RunningPromoted && !on:
		// A failed probe of something not running: nothing to stop.
	default:
		// Started, promoted, running, or an operation that failed and may
		// have left something behind: a stop is owed.
		on = true
	}
	if c.promoted == nil {
		c.promoted, c.cloned = map[string]bool{}, map[string]bool{}
	}
	if _, ok := op.Meta["clone"]; ok {
		c.cloned[op.Resource] = true
	}
	switch {
	case op.Action == ocf.ActionPromote && rc == ocf.Success,
		op.Action == ocf.ActionMonitor && rc == ocf.RunningPromoted:
		c.promoted[op.Resource] = true
	case op.Action == ocf.ActionDemote && rc == ocf.Success, !on,
		op.Action == ocf.ActionMonitor && rc == ocf.Success:
		delete(c.promoted, op.Resource)
	}
	if on && !c.active[op.Resource] {
		c.activeOrder = append(c.activeOrder, op.Resource)
	}
	c.active[op.Resource] = on
	if !on {
		delete(c.active, op.Resource)
		for i, r := range c.activeOrder {
			if r == op.Resource {
				c.activeOrder = append(c.activeOrder[:i:i], c.activeOrder[i+1:]...)
				break
			}
		}
	}
}

// idle reports whether this node serves nothing its peer does not (see
// View.Idle): every resource it runs is a clone instance (its operations
// carry CRM_meta_clone) that is not promoted. Callers hold c.mu.
func (c *Controller) idle() bool {
	for r := range c.active {
		if !c.cloned[r] || c.promoted[r] {
			return false
		}
	}
	return true
}

// Healthy tells the watchdog whether to pet: the main loop or the executor
// made progress recently, and the partition is quorate or this node runs
// nothing (sbd's rule). Quorate means both the main loop's last decision
// and, when it runs, watchQuorum's recent one say so.
func (c *Controller) Healthy() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if now.Sub(c.lastProgress) > staleLimit && now.After(c.opDeadline) {
		return fmt.Errorf("the main loop made no progress for %v", now.Sub(c.lastProgress).Round(time.Millisecond))
	}
	if len(c.active) == 0 {
		return nil
	}
	act := make([]string, 0, len(c.active))
	for r := range c.active {
		act = append(act, r)
	}
	sort.Strings(act)
	running := strings.Join(act, ", ")
	switch l := c.live; {
	case !c.quorate:
		return fmt.Errorf("not quorate (%s) and still running %s", c.reason, running)
	case l.at.IsZero():
		// No watcher (no watchdog, or before Run): the main loop's word.
	case !l.quorate:
		return fmt.Errorf("the quorum watcher finds the partition not quorate (%s) and this node still runs %s", l.reason, running)
	case now.Sub(l.at) > c.liveLimit():
		return fmt.Errorf("quorum not decided for %v, and still running %s", now.Sub(l.at).Round(time.Millisecond), running)
	}
	return nil
}

// liveQuorum is a quorum decision and when it was made.
type liveQuorum struct {
	quorate bool
	reason  string
	at      time.Time
}

// liveRecheck is how often watchQuorum decides quorum: as often as the
// membership looks for silent links, so that the witness hears from a
// node within one check of its peer turning suspect.
const liveRecheck = 50 * time.Millisecond

// liveLimit is the age after which the watcher's decision no longer counts:
// it decides every liveRecheck, and one decision may wait for the witness.
func (c *Controller) liveLimit() time.Duration {
	ask := time.Second
	if c.cfg.Quorum != nil && c.cfg.Quorum.AskTimeout > 0 {
		ask = c.cfg.Quorum.AskTimeout
	}
	return 2*time.Second + ask
}

// watchQuorum decides quorum every liveRecheck beside the main loop. The
// main loop runs a transition's operations itself, for as long as their
// timeouts allow, and decides quorum only between steps. Two things must
// not wait for that:
//   - the witness's question. In a split the witness backs the first node
//     that asks, and an idle node asks IdleAskDelay after the trouble
//     began; a node serving the clients that is inside a long start or
//     stop when the links go must still ask first, or the idle node, which
//     may be the one cut off from the clients, wins and leaves nothing
//     running (the fault campaign's all-links-cut lost the service for a
//     minute that way);
//   - the watchdog. A node whose partition is lost meanwhile must stop
//     petting within the bound (docs/membership.md: deadtime plus one
//     witness question after the peer's last heartbeat), not when a long
//     start or stop ends, since the survivor counts it fenced by then and
//     starts the same resources. Healthy refuses to pet while this watcher
//     says the partition is not quorate, or when it has not decided for
//     liveLimit.
//
// When ctx ends (the daemon shuts down: StopLocal may still run stops under
// the watchdog) the watcher's decision is dropped, and Healthy goes by the
// main loop's last word again, as without a watcher.
func (c *Controller) watchQuorum(ctx context.Context) {
	t := time.NewTicker(liveRecheck)
	defer t.Stop()
	defer func() {
		c.mu.Lock()
		c.live = liveQuorum{}
		c.mu.Unlock()
	}()
	for {
		c.recheckQuorum(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// recheckQuorum decides quorum as the main loop's step does, from the
// membership and fencing records of now, and keeps it for Healthy. Whether
// the node is still waiting for all nodes at first start is the main
// loop's to say: Healthy requires both to hold.
func (c *Controller) recheckQuorum(ctx context.Context) {
	v, _ := c.view()
	v.Fenced = c.fence.fencedNodes(v)
	q, reason := c.cfg.Quorum.Decide(ctx, v)
	c.mu.Lock()
	defer c.mu.Unlock()
	if ctx.Err() != nil {
		return // shutting down: watchQuorum clears the decision
	}
	if c.live.quorate && !q && c.cfg.WatchdogTimeout != 0 {
		c.log.Warn("watchdog: quorum lost", "reason", reason)
	}
	c.live = liveQuorum{quorate: q, reason: reason, at: time.Now()}
}

// StopLocal stops, in the reverse of their start order, every resource
// this node may run: a clean shutdown under a watchdog. It returns an
// error naming what could not be stopped; the caller must then leave the
// watchdog armed.
func (c *Controller) StopLocal(ctx context.Context) error {
	c.mu.Lock()
	order := append([]string(nil), c.activeOrder...)
	raw := c.doc.Clone()
	c.mu.Unlock()
	doc, err := cib.Parse(raw.Bytes())
	if err != nil {
		return fmt.Errorf("the CIB does not parse, cannot stop resources: %w", err)
	}
	var failed []string
	for i := len(order) - 1; i >= 0; i-- {
		id := order[i]
		prim := doc.FindResource(id)
		if prim == nil {
			if base, _, ok := strings.Cut(id, ":"); ok {
				prim = doc.FindResource(base)
			}
		}
		if prim == nil || prim.Kind != cib.Primitive {
			failed = append(failed, id+" (no longer configured)")
			continue
		}
		op, _ := buildOperation(raw, prim, id, ocf.ActionStop, 0, 1+len(c.cfg.Peers))
		c.log.Info("shutdown: stopping", "resource", id)
		if rep := c.execLocal(ctx, ExecRequest{Op: op, TargetRC: int(ocf.Success), Transition: "shutdown"}); rep.RC != int(ocf.Success) {
			failed = append(failed, fmt.Sprintf("%s (%v: %s)", id, ocf.ExitCode(rep.RC), rep.Reason))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("could not stop %s", strings.Join(failed, ", "))
	}
	return nil
}

// probeLocal probes, when the daemon starts, every resource the CIB
// configures on this node, before the node takes part in anything: a
// daemon restarted on a node that was not fenced learns what still runs
// here (its resources kept running) and reconciles instead of starting it
// twice; the watchdog then knows this node is not idle.
func (c *Controller) probeLocal(ctx context.Context) {
	c.mu.Lock()
	raw := c.doc.Clone()
	c.mu.Unlock()
	doc, err := cib.Parse(raw.Bytes())
	if err != nil {
		c.log.Error("cannot probe at start: the CIB does not parse", "err", err)
		return
	}
	nodes := 1 + len(c.cfg.Peers)
	for _, p := range primitives(doc) {
		hid := historyID(p, p.ID)
		if hid != p.ID || c.local.Known(c.cfg.Node, hid) {
			continue // unique clone instances are not probed, as by the DC
		}
		op, _ := buildOperation(raw, p, p.ID, ocf.ActionMonitor, 0, nodes)
		key := status.TransitionKey(0, 0, int(ocf.NotRunning), daemonUUID())
		c.execLocal(ctx, ExecRequest{Op: op, Probe: true, Transition: key})
	}
}
