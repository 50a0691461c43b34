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

// Healthy tells the watchdog whether to pet: the main loop or the executor
// made progress recently, and the partition is quorate or this node runs
// nothing (sbd's rule).
func (c *Controller) Healthy() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if now.Sub(c.lastProgress) > staleLimit && now.After(c.opDeadline) {
		return fmt.Errorf("the main loop made no progress for %v", now.Sub(c.lastProgress).Round(time.Millisecond))
	}
	if !c.quorate && len(c.active) > 0 {
		act := make([]string, 0, len(c.active))
		for r := range c.active {
			act = append(act, r)
		}
		sort.Strings(act)
		return fmt.Errorf("not quorate (%s) and still running %s", c.reason, strings.Join(act, ", "))
	}
	return nil
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
