package controller

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/baton-ha/baton/crm/cib"
	"github.com/baton-ha/baton/crm/fencer"
	"github.com/baton-ha/baton/crm/scheduler"
)

// fenceRetry is how long a failed fencing waits before it is tried again.
const fenceRetry = 2 * time.Second

// setupReceiver is a Fencer that wants the CIB's fencing setup
// (fencer.Devices does; fakes need not).
type setupReceiver interface{ SetSetup(*fencer.Setup) }

// fencing is the controller's record of which lost nodes are safe: a
// node that left the membership is unclean until a fence of it was
// confirmed; its resources are not recovered elsewhere before that
// (Pacemaker: "recovery waits for fencing").
type fencing struct {
	mu       sync.Mutex
	member   map[string]bool      // membership at the last step
	lastSeen map[string]time.Time // last step at which the node was a member
	fenced   map[string]time.Time // confirmed fenced since it was last a member
	running  map[string]bool
	retryAt  map[string]time.Time
	lastErr  map[string]string
	priority map[string]int // sum of resource priorities per node, last transition
	quorate  time.Time      // since when this partition is quorate (zero: not)
}

func newFencing() *fencing {
	return &fencing{member: map[string]bool{}, lastSeen: map[string]time.Time{}, fenced: map[string]time.Time{},
		running: map[string]bool{}, retryAt: map[string]time.Time{}, lastErr: map[string]string{}, priority: map[string]int{}}
}

// observe records the membership of this step. A node that comes back
// needs a new fence for its next loss.
func (f *fencing) observe(v View, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	cur := map[string]bool{}
	for _, m := range v.Members {
		cur[m] = true
		if !f.member[m] {
			delete(f.fenced, m)
			delete(f.lastErr, m)
		}
		f.lastSeen[m] = now
	}
	f.member = cur
}

// markFenced records a confirmed fence.
func (f *fencing) markFenced(node string, at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fenced[node] = at
	delete(f.lastErr, node)
}

// unclean returns the configured nodes outside the partition that were not
// confirmed fenced, sorted.
func (f *fencing) unclean(v View) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, n := range missing(v.All, v.Members) {
		if _, ok := f.fenced[n]; !ok {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

func (f *fencing) fencedNodes(v View) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, n := range missing(v.All, v.Members) {
		if _, ok := f.fenced[n]; ok {
			out = append(out, n)
		}
	}
	return out
}

// fencingSetup reads the fencing setup from the current CIB and hands it
// to the fencer. Errors in it are logged once per change by the caller.
func (c *Controller) fencingSetup() (*fencer.Setup, []error) {
	c.mu.Lock()
	doc := c.doc.Clone()
	c.mu.Unlock()
	s, errs := fencer.Load(doc)
	if s.Options.WatchdogTimeout < 0 {
		s.Options.WatchdogTimeout = 2 * c.cfg.WatchdogTimeout
	}
	if r, ok := c.cfg.Fencer.(setupReceiver); ok {
		r.SetSetup(s)
	}
	return s, errs
}

// fenceLost starts fencing every unclean lost node that is not being
// fenced already; results arrive asynchronously and kick the controller.
// Only the DC of a partition that may fence calls it.
func (c *Controller) fenceLost(ctx context.Context, s *fencer.Setup, nodes []string) {
	f := c.fence
	now := time.Now()
	f.mu.Lock()
	known := len(f.priority) > 0
	f.mu.Unlock()
	if s.Options.PriorityDelay > 0 && !known {
		// This node was not DC before the loss: the replicated CIB's status
		// (the old DC's) says who ran what.
		c.mu.Lock()
		b := c.doc.Bytes()
		c.mu.Unlock()
		if doc, err := cib.Parse(b); err == nil {
			if res, err := scheduler.Schedule(doc); err == nil {
				c.notePriorities(res)
			}
		}
	}
	for _, n := range nodes {
		if ok, why := s.Fenceable(n); !ok {
			f.mu.Lock()
			f.lastErr[n] = why
			f.mu.Unlock()
			continue
		}
		f.mu.Lock()
		if f.running[n] || now.Before(f.retryAt[n]) {
			f.mu.Unlock()
			continue
		}
		f.running[n] = true
		since := f.lastSeen[n]
		if f.quorate.After(since) {
			// Watchdog fencing counts from when the target can no longer
			// believe itself quorate: not before we hold the quorum.
			since = f.quorate
		}
		var delay time.Duration
		if s.Options.PriorityDelay > 0 && f.priority[n] > f.priority[c.cfg.Node] {
			delay = s.Options.PriorityDelay
		}
		f.mu.Unlock()
		req := fencer.Request{Target: n, Origin: c.cfg.Node, LastSeen: since, Delay: delay}
		c.log.Warn("fencing lost node", "target", n, "priority_delay", delay)
		go func() {
			c.fenceDone(n, c.cfg.Fencer.Fence(ctx, req))
		}()
	}
}

// fenceDone records the end of a fence the controller started: confirmed,
// or failed and to be retried after fenceRetry.
func (c *Controller) fenceDone(n string, res fencer.Result) {
	f := c.fence
	f.mu.Lock()
	delete(f.running, n)
	if res.OK {
		f.fenced[n] = res.Completed
		delete(f.lastErr, n)
	} else {
		f.lastErr[n] = res.Error
		f.retryAt[n] = time.Now().Add(fenceRetry)
		time.AfterFunc(fenceRetry, c.Kick)
	}
	f.mu.Unlock()
	c.Kick()
}

// FenceNode is `baton fence NODE`: fence a node now with this node's
// fencer, as stonith_admin --fence does. A confirmed fence of a node
// outside the partition makes it clean.
func (c *Controller) FenceNode(ctx context.Context, target, action string) (fencer.Result, error) {
	if c.cfg.Fencer == nil {
		return fencer.Result{}, fmt.Errorf("this daemon has no fencer")
	}
	known := target == c.cfg.Node
	for _, p := range c.cfg.Peers {
		known = known || p.Name == target
	}
	if !known {
		return fencer.Result{}, fmt.Errorf("%s is not a node of this cluster", target)
	}
	switch action {
	case "", "off", "reboot", "on":
	default:
		return fencer.Result{}, fmt.Errorf("action %q: use off, reboot or on", action)
	}
	if _, errs := c.fencingSetup(); len(errs) > 0 {
		c.log.Warn("fencing setup has errors", "errs", errs)
	}
	res := c.cfg.Fencer.Fence(ctx, fencer.Request{Target: target, Action: action, Origin: c.cfg.Node + " (baton fence)"})
	if res.OK && action != "on" {
		c.fence.markFenced(target, res.Completed)
		c.Kick()
	}
	return res, nil
}

// notePriorities keeps, per node, the sum of the priorities of the
// resources active there (promoted instances count one more), for
// priority-fencing-delay.
func (c *Controller) notePriorities(res *scheduler.Result) {
	sum := map[string]int{}
	for _, top := range res.Cluster.Resources {
		for _, l := range top.Leaves() {
			for _, n := range l.RunningOn {
				sum[n.Name] += l.Priority
				if l.Role == "Promoted" && l.Priority > 0 {
					sum[n.Name]++
				}
			}
		}
	}
	c.fence.mu.Lock()
	c.fence.priority = sum
	c.fence.mu.Unlock()
}

// FenceState is the fencing part of `baton status`.
type FenceState struct {
	Enabled bool `json:"enabled"`
	// Unsafe says why this cluster can end up with two owners (fencing
	// disabled, no-quorum policy ignore); empty when it cannot.
	Unsafe  string          `json:"unsafe,omitempty"`
	Unclean []UncleanNode   `json:"unclean,omitempty"`
	Devices []string        `json:"devices,omitempty"`
	History []fencer.Result `json:"history,omitempty"`
}

// UncleanNode is a lost node whose resources wait for its fencing.
type UncleanNode struct {
	Node     string    `json:"node"`
	LastSeen time.Time `json:"last_seen"`
	Fencing  bool      `json:"fencing"` // a fence is running
	Error    string    `json:"error,omitempty"`
}

// fenceState builds FenceState; v is the last step's view.
func (c *Controller) fenceState(s *fencer.Setup, v View, policy string) FenceState {
	st := FenceState{Enabled: s.Options.Enabled}
	for _, d := range s.Devices {
		st.Devices = append(st.Devices, d.ID+" ("+d.Agent+")")
	}
	if s.Options.WatchdogTimeout != 0 {
		st.Devices = append(st.Devices, "watchdog (stonith-watchdog-timeout "+s.Options.WatchdogTimeout.String()+")")
	}
	var unsafe []string
	if !s.Options.Enabled {
		unsafe = append(unsafe, "stonith-enabled=false: a lost node is assumed to have stopped its resources")
	}
	if policy == "ignore" {
		unsafe = append(unsafe, "no-quorum policy ignore: both halves of a split run resources")
	}
	st.Unsafe = strings.Join(unsafe, "; ")
	if c.cfg.Fencer != nil {
		st.History = c.cfg.Fencer.History()
	}
	if !s.Options.Enabled {
		return st
	}
	f := c.fence
	for _, n := range f.unclean(v) {
		f.mu.Lock()
		u := UncleanNode{Node: n, LastSeen: f.lastSeen[n], Fencing: f.running[n], Error: f.lastErr[n]}
		f.mu.Unlock()
		st.Unclean = append(st.Unclean, u)
	}
	return st
}

// noFencingReason explains, for the status, why fencing cannot work at
// all: safe by default means no failover then.
func noFencingReason(s *fencer.Setup) string {
	if !s.Options.Enabled || len(s.Devices) > 0 || s.Options.WatchdogTimeout != 0 {
		return ""
	}
	return "fencing is enabled but no fence device (class=\"stonith\" primitive) and no watchdog (stonith-watchdog-timeout) is configured: " +
		"a lost node's resources are never recovered elsewhere. Configure one, or set stonith-enabled=false to accept split brain"
}

// requires returns a primitive's requires meta attribute (its own, its
// parents', then rsc_defaults), with Pacemaker's defaults: "quorum" for
// stonith devices, "fencing" otherwise.
func requires(doc *cib.CIB, prim *cib.Resource) string {
	for r := prim; r != nil; r = r.Parent {
		if v, ok := firstValues(r.Meta)["requires"]; ok {
			return v
		}
	}
	if v, ok := firstValues(doc.RscDefaults)["requires"]; ok {
		return v
	}
	if prim.Class == "stonith" {
		return "quorum"
	}
	return "fencing"
}

// heldByFencing reports whether an action must wait while a lost node is
// unclean: starting or promoting a resource that requires fencing (or
// unfencing) could make a second owner. Stops, demotes and monitors run,
// and so does everything of a resource that requires only quorum or
// nothing.
func heldByFencing(doc *cib.CIB, a *scheduler.Action) bool {
	switch a.Task {
	case "stop", "demote", "monitor", "notify", "cancel":
		return false
	}
	switch requires(doc, a.Primitive) {
	case "nothing", "quorum":
		return false
	}
	return true
}

// failureFencing returns the members whose failures call for fencing: a
// failed stop (its on-fail is fence unless set otherwise, with fencing
// enabled) or any failed operation configured with on-fail=fence.
func (c *Controller) failureFencing(doc *cib.CIB, members []string) map[string]string {
	out := map[string]string{}
	for _, m := range members {
		for _, f := range c.cluster.Failures(m) {
			prim := doc.FindResource(f.Resource)
			if prim == nil {
				if base, _, ok := strings.Cut(f.Resource, ":"); ok {
					prim = doc.FindResource(base)
				}
			}
			onFail := ""
			if prim != nil {
				for _, op := range prim.Ops {
					if op.Name == f.Operation && (op.Interval == f.Interval || f.Operation != "monitor") && op.OnFail != "" {
						onFail = op.OnFail
					}
				}
			}
			if onFail == "fence" || (f.Operation == "stop" && onFail == "") {
				out[m] = fmt.Sprintf("%s %s failed (on-fail=fence)", f.Resource, f.Operation)
			}
		}
	}
	return out
}

// fenceFailed fences members whose failures call for it. The DC cannot
// fence itself with a device: it asks a peer's fencer.
func (c *Controller) fenceFailed(ctx context.Context, targets map[string]string) {
	f := c.fence
	for n, why := range targets {
		f.mu.Lock()
		_, done := f.fenced[n]
		busy := f.running[n] || done || time.Now().Before(f.retryAt[n])
		if !busy {
			f.running[n] = true
		}
		f.mu.Unlock()
		if busy {
			continue
		}
		c.log.Warn("fencing node after a failure", "target", n, "why", why)
		go func() {
			var res fencer.Result
			if n == c.cfg.Node {
				res = c.askPeerToFence(ctx, n)
			} else {
				res = c.cfg.Fencer.Fence(ctx, fencer.Request{Target: n, Origin: c.cfg.Node})
			}
			c.fenceDone(n, res)
		}()
	}
}

// askPeerToFence has a live peer's fencer fence this node.
func (c *Controller) askPeerToFence(ctx context.Context, target string) fencer.Result {
	var res fencer.Result
	var errs []string
	for _, p := range c.cfg.Members.Alive() {
		if p == c.cfg.Node {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		err := c.client.Call(cctx, c.peerAddrs(p), "fence", target, &res)
		cancel()
		if err == nil && res.OK {
			return res
		}
		if err != nil {
			errs = append(errs, p+": "+err.Error())
		} else {
			errs = append(errs, p+": "+res.Error)
		}
	}
	if len(errs) == 0 {
		errs = append(errs, "no live peer to ask (a node never fences itself with a device)")
	}
	return fencer.Result{Target: target, Origin: c.cfg.Node, Error: strings.Join(errs, "; ")}
}

// isFenceAction reports whether a scheduler action fences its node
// (Pacemaker's stonith pseudo-resource task). The controller decides
// lost-node and failure fencing itself today; this is the seam through
// which the scheduler's fence actions reach the fencer.
func isFenceAction(a *scheduler.Action) bool {
	return a.Primitive == nil && (a.Task == "stonith" || a.Task == "fence" || a.Task == "off" || a.Task == "reboot")
}
