package controller

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/beevik/etree"

	"github.com/baton-ha/baton/crm/cib"
	"github.com/baton-ha/baton/crm/cibdoc"
	"github.com/baton-ha/baton/crm/executor"
	"github.com/baton-ha/baton/crm/scheduler"
	"github.com/baton-ha/baton/crm/status"
	"github.com/baton-ha/baton/ocf"
)

// daemonUUID names this daemon's run in transition keys. It is made on
// first use, not at start-up: the package is linked into every agent call.
var daemonUUID = sync.OnceValue(func() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
})

// nodeID returns the CIB node id of a node.
func (c *Controller) nodeID(name string) string {
	if name == c.cfg.Node {
		return strconv.Itoa(c.cfg.NodeID)
	}
	for _, p := range c.cfg.Peers {
		if p.Name == name {
			return strconv.Itoa(p.ID)
		}
	}
	return name
}

// gather rebuilds the DC's view of the status from every member's own
// history; nodes outside the partition are offline and so run nothing.
func (c *Controller) gather(ctx context.Context, v View) error {
	members := map[string]bool{}
	for _, m := range v.Members {
		members[m] = true
	}
	for _, n := range v.All {
		c.cluster.SetMember(c.nodeID(n), n, members[n])
	}
	for _, m := range v.Members {
		var d status.NodeDump
		if m == c.cfg.Node {
			d = c.local.Dump(m)
		} else {
			cctx, cancel := c.whileMember(ctx, m, 3*time.Second)
			err := c.client.Call(cctx, c.peerAddrs(m), "state", nil, &d)
			cancel()
			if err != nil {
				return fmt.Errorf("cannot read %s's history: %w", m, err)
			}
		}
		d.Uname = m
		c.cluster.Replace(d)
	}
	return nil
}

// schedulingDoc is the CIB the scheduler reads: the configuration, the
// DC's status, the partition's quorum, and stonith disabled, because Baton
// fences at the membership layer (docs/membership.md): a node whose peer is
// offline here has already been decided safe.
func (c *Controller) schedulingDoc(raw *cibdoc.Doc, quorate bool) (*cib.CIB, []byte, error) {
	d := raw.Clone()
	d.SetStatus(c.cluster.Element())
	q := "0"
	if quorate {
		q = "1"
	}
	d.Root().CreateAttr("have-quorum", q)
	d.Root().CreateAttr("dc-uuid", c.nodeID(c.cfg.Node))
	d.SetClusterOption("stonith-enabled", "false")
	b := d.Bytes()
	doc, err := cib.Parse(b)
	return doc, b, err
}

func (c *Controller) runTransition(ctx context.Context, v View, quorate, unclean bool) error {
	if err := c.gather(ctx, v); err != nil {
		return err
	}
	c.mu.Lock()
	raw := c.doc.Clone()
	c.transition++
	tn := c.transition
	c.mu.Unlock()

	doc, _, err := c.schedulingDoc(raw, quorate)
	if err != nil {
		return fmt.Errorf("the CIB does not parse: %w", err)
	}
	nodes := len(v.All)
	// Unfencing first: a node cut off by a device that provides unfencing
	// neither probes nor starts what requires unfencing until it is let in.
	var notUnfenced map[string]bool
	if quorate && c.cfg.Fencer != nil {
		setup, _ := c.fencingSetup()
		notUnfenced = c.unfenceMembers(ctx, setup, v.Members)
	}
	// Probes: learn what runs where before deciding anything, as Pacemaker
	// does when a node joins.
	probed := false
	if quorate {
		for _, m := range v.Members {
			for _, p := range primitives(doc) {
				hid := historyID(p, p.ID)
				if hid != p.ID || c.cluster.Known(m, hid) {
					continue // unique clone instances are not probed
				}
				if notUnfenced[m] && requiresUnfencing(doc, p) {
					continue
				}
				op, _ := buildOperation(raw, p, p.ID, ocf.ActionMonitor, 0, nodes)
				key := status.TransitionKey(0, tn, int(ocf.NotRunning), daemonUUID())
				if _, err := c.execOn(ctx, m, ExecRequest{Op: op, Probe: true, Transition: key}); err != nil {
					return fmt.Errorf("probe of %s on %s: %w", hid, m, err)
				}
				probed = true
			}
		}
	}
	if probed {
		if err := c.gather(ctx, v); err != nil {
			return err
		}
		if doc, _, err = c.schedulingDoc(raw, quorate); err != nil {
			return err
		}
	}
	if setup, _ := c.fencingSetup(); setup.Options.Enabled && quorate {
		if targets := c.failureFencing(doc, v.Members); len(targets) > 0 {
			c.fenceFailed(ctx, targets)
		}
	}
	res, err := scheduler.Schedule(doc)
	if err != nil {
		return fmt.Errorf("scheduler: %w", err)
	}
	// What this transition acts on (a changed attribute, a failure) is
	// replicated before its actions run, as Pacemaker's CIB has it before
	// the transition starts: a long transition must not leave the other
	// nodes' status (and their `baton status`) behind it all along.
	c.publish(ctx, v)
	ordered, cyclic := res.Graph.Order()
	for _, a := range cyclic {
		c.log.Error("action blocked by an ordering loop", "action", a.String())
	}
	pre, post := notifyPlan(res, ordered)
	c.notePriorities(res)
	ran := false
	run := func(a *scheduler.Action) error {
		for _, g := range pre[a] {
			c.sendNotify(ctx, raw, g, "pre", ordered, nodes)
		}
		op, target := buildOperation(raw, a.Primitive, a.Resource, a.Task, a.Interval, nodes)
		key := status.TransitionKey(a.ID, tn, target, daemonUUID())
		c.log.Info("executing", "transition", tn, "action", a.String())
		ran = true
		rep, err := c.execOn(ctx, a.Node, ExecRequest{Op: op, TargetRC: target, Transition: key})
		if err != nil {
			return fmt.Errorf("%s: %w", a.String(), err)
		}
		c.noteResult(a.Node, op, rep, target, key)
		if rep.RC != target {
			c.publish(ctx, v)
			return fmt.Errorf("%s returned %v, expected %v: %s", a.String(), ocf.ExitCode(rep.RC), ocf.ExitCode(target), rep.Reason)
		}
		if len(post[a]) > 0 {
			// Post notifications go to the instances active now.
			if err := c.gather(ctx, v); err != nil {
				return err
			}
			for _, g := range post[a] {
				c.sendNotify(ctx, raw, g, "post", ordered, nodes)
			}
		}
		return nil
	}
	held := false
	var monitors []*scheduler.Action
	for _, a := range ordered {
		if a.Runnable && isFenceAction(a) {
			// The scheduler's fence actions (Pacemaker's "stonith" task) go
			// to the same fencer as the controller's own decisions.
			c.fenceFailed(ctx, map[string]string{a.Node: "the scheduler: " + a.Fence.Reason})
			continue
		}
		if !a.Runnable || a.Primitive == nil {
			continue
		}
		if held && a.Task != "stop" && a.Task != "demote" || unclean && heldByFencing(doc, a) || heldByUnfencing(doc, a, notUnfenced) {
			// Once one start waits for fencing (or unfencing), later starts
			// wait too: they may be ordered after it.
			held = true
			continue
		}
		if a.Task == "monitor" && a.Interval > 0 {
			// Nothing is ordered after a recurring monitor: it runs once
			// everything else has, so that its first run does not delay the
			// next start of a failover.
			monitors = append(monitors, a)
			continue
		}
		if err := run(a); err != nil {
			return err
		}
	}
	for _, a := range monitors {
		if err := run(a); err != nil {
			return err
		}
	}
	if ran {
		// What ran changed the status: the next step, at once, gathers it,
		// publishes it and looks again (the new state may call for more).
		// When nothing ran, the status published before the actions is
		// still the one to replicate.
		c.Kick()
	}
	return nil
}

// noteResult puts an action's result into the DC's view of the cluster at
// once, as Pacemaker's controller writes each result to the CIB status, so
// that `baton status` on the DC follows a long transition action by action
// (a resource started early in it no longer shows Stopped until the whole
// transition has ended). The next gather replaces the node's entry with its
// own history, which is what the scheduler reads.
func (c *Controller) noteResult(node string, op executor.Operation, rep ExecReply, target int, key string) {
	if op.Action == ocf.ActionNotify {
		return // not part of the history (execLocal)
	}
	o := status.Op{Operation: op.Action, Interval: op.Interval, RC: rep.RC, TargetRC: target,
		Transition: key, Reason: rep.Reason}
	if rep.TimedOut {
		o.OpStatus = 2 // PCMK_EXEC_TIMEOUT
	}
	c.cluster.Record(node, status.Resource{ID: op.Resource, Class: op.Class, Provider: op.Provider, Type: op.Type}, o)
}

// publish stores and replicates the CIB when the status changed, when the
// membership changed (a node that joined needs the DC's copy), and every
// ten seconds in any case, so that a copy lost on the wire is made good.
func (c *Controller) publish(ctx context.Context, v View) {
	st := c.cluster.Element()
	members := fmt.Sprint(v.Members)
	c.mu.Lock()
	cur := c.doc.Status()
	same := cur != nil && sameElement(cur, st)
	if !same {
		c.doc.SetStatus(st)
		c.doc.StatusChanged()
	}
	resend := members != c.sentMembers || time.Since(c.sentAt) > 10*time.Second
	c.sentMembers = members
	c.mu.Unlock()
	if !same {
		c.persist()
	}
	if !same || resend {
		c.mu.Lock()
		c.sentAt = time.Now()
		c.mu.Unlock()
		c.broadcast()
	}
}

func sameElement(a, b *etree.Element) bool {
	da, db := etree.NewDocument(), etree.NewDocument()
	da.SetRoot(a.Copy())
	db.SetRoot(b.Copy())
	ba, _ := da.WriteToBytes()
	bb, _ := db.WriteToBytes()
	return bytes.Equal(ba, bb)
}
