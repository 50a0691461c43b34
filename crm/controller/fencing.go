package controller

import (
	"context"
	"fmt"
	"sort"
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
	joined   map[string]time.Time // last step at which the node became a member
	fenced   map[string]time.Time // confirmed fenced since it was last a member
	// left holds when a member announced its clean shutdown (it runs
	// nothing and its daemon is exiting). A node that then leaves the
	// membership within leftValid is offline and clean, as Pacemaker
	// counts a node whose controller left with expected="down": it is not
	// fenced, and nothing waits for its fencing.
	left    map[string]time.Time
	running map[string]bool
	retryAt map[string]time.Time
	lastErr map[string]string
	// unfenced holds, per node, the unfencing setup (fencer.Setup's
	// UnfenceDigest) it was unfenced with during its current boot; a node
	// that joins again or is fenced must be unfenced again.
	unfenced     map[string]string
	unfenceRetry map[string]time.Time
	priority     map[string]int // sum of resource priorities per node, last transition
	quorate      time.Time      // since when this partition is quorate (zero: not)
}

func newFencing() *fencing {
	return &fencing{member: map[string]bool{}, lastSeen: map[string]time.Time{}, fenced: map[string]time.Time{}, left: map[string]time.Time{}, joined: map[string]time.Time{},
		running: map[string]bool{}, retryAt: map[string]time.Time{}, lastErr: map[string]string{}, priority: map[string]int{},
		unfenced: map[string]string{}, unfenceRetry: map[string]time.Time{}}
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
			delete(f.left, m) // a new boot: its next loss is judged afresh
			delete(f.unfenced, m)
			f.joined[m] = now
		}
		f.lastSeen[m] = now
	}
	f.member = cur
}

// leftValid bounds the time between a node's announced clean shutdown and
// its leaving the membership: a node still heard long after it said it was
// going counts as lost, not as left, when it goes.
const leftValid = time.Minute

// markLeaving records a member's announcement that it shuts down cleanly.
func (f *fencing) markLeaving(node string, at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.left[node] = at
}

// leftCleanly reports whether a node outside the partition announced its
// clean shutdown shortly before it was last a member. Callers hold f.mu.
func (f *fencing) leftCleanly(n string) bool {
	at, ok := f.left[n]
	return ok && f.lastSeen[n].Sub(at) <= leftValid
}

// markFenced records a confirmed fence requested at requested. A node
// that joined after the request has booted again since the fence (a fence
// of a node down at the time can finish after the node came back): the
// confirmation speaks of a boot that is gone, and would otherwise make the
// running one count as fenced at its next loss. It is dropped; the node is
// fenced again when it is lost. It reports whether it was recorded.
func (f *fencing) markFenced(node string, requested, at time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.joined[node].After(requested) {
		return false
	}
	f.fenced[node] = at
	delete(f.lastErr, node)
	delete(f.unfenced, node)
	return true
}

// unclean returns the configured nodes outside the partition that were not
// confirmed fenced, sorted.
func (f *fencing) unclean(v View) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, n := range missing(v.All, v.Members) {
		if _, ok := f.fenced[n]; !ok && !f.leftCleanly(n) {
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
		if _, ok := f.fenced[n]; ok || f.leftCleanly(n) {
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
			c.fenceDone(n, now, c.cfg.Fencer.Fence(ctx, req))
		}()
	}
}

// fenceDone records the end of a fence the controller started: confirmed,
// or failed and to be retried after fenceRetry.
func (c *Controller) fenceDone(n string, requested time.Time, res fencer.Result) {
	f := c.fence
	if res.OK && !f.markFenced(n, requested, res.Completed) {
		c.log.Warn("fence confirmed after the node joined again; its new boot is not counted as fenced", "target", n)
	}
	f.mu.Lock()
	delete(f.running, n)
	if !res.OK {
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
	setup, errs := c.fencingSetup()
	if len(errs) > 0 {
		c.log.Warn("fencing setup has errors", "errs", errs)
	}
	requested := time.Now()
	res := c.cfg.Fencer.Fence(ctx, fencer.Request{Target: target, Action: action, Origin: c.cfg.Node + " (baton fence)"})
	switch {
	case res.OK && action == "on":
		if d := setup.UnfenceDigest(); d != "" {
			c.fence.markUnfenced(target, d)
		}
	case res.OK:
		c.fence.markFenced(target, requested, res.Completed)
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
