// Package controller is the per-node brain of `baton daemon`. Every node
// executes what it is told and keeps its own operation history; the
// designated controller (DC), the live node with the lowest node id,
// collects every node's history, runs the scheduler on the CIB plus that
// status, and hands the resulting actions to the nodes in order. Results,
// failed monitors and attribute changes start a new transition. The CIB,
// status included, is versioned as Pacemaker versions it and replicated to
// every node after each change.
package controller

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/baton-ha/baton/crm/cibdoc"
	"github.com/baton-ha/baton/crm/config"
	"github.com/baton-ha/baton/crm/executor"
	"github.com/baton-ha/baton/crm/fencer"
	"github.com/baton-ha/baton/crm/membership"
	"github.com/baton-ha/baton/crm/statedir"
	"github.com/baton-ha/baton/crm/status"
	"github.com/baton-ha/baton/crm/verify"
	"github.com/baton-ha/baton/crm/watchdog"
	"github.com/baton-ha/baton/crm/wire"
	"github.com/baton-ha/baton/ocf"
)

// Peer is another node as the controller reaches it.
type Peer struct {
	Name  string
	ID    int
	Addrs []string // host:port of its daemon, one per link
}

// Members is the membership layer as the controller uses it.
type Members interface {
	Alive() []string
	Snapshot() []membership.PeerState
	Changes() <-chan struct{}
}

// Config wires a controller.
type Config struct {
	Cluster string
	Node    string
	NodeID  int
	Peers   []Peer
	Key     membership.Key
	Members Members
	Exec    *executor.Executor
	Quorum  *Quorum
	// Fencer fences lost and failed nodes; nil means nothing can be fenced
	// (lost nodes stay unclean unless stonith-enabled=false).
	Fencer     fencer.Fencer
	CIBPath    string // where this node keeps its copy of the CIB
	WaitForAll bool
	Log        *slog.Logger
	// WatchdogTimeout is this node's watchdog timeout (0: none); a negative
	// stonith-watchdog-timeout means twice it.
	WatchdogTimeout time.Duration
}

// Controller runs one node.
type Controller struct {
	cfg    Config
	log    *slog.Logger
	client *wire.Client

	mu         sync.Mutex
	doc        *cibdoc.Doc
	dc         string
	quorate    bool
	reason     string
	seen       map[string]bool // peers seen since start, for wait_for_all
	pulledFrom string          // the DC whose CIB this node last fetched
	// sentMembers and sentAt record the DC's last broadcast of the CIB.
	sentMembers string
	sentAt      time.Time

	local    *status.Status // this node's own history and attributes
	cluster  *status.Status // the DC's view of everything
	monitors *executor.Monitors

	kick       chan struct{}
	transition int
	retry      retry

	fence     *fencing
	lastView  View
	fenceErrs string          // the fencing setup's errors, as last logged
	holding   string          // why recovery waits (unclean nodes), as last logged
	devices   map[string]bool // stonith resources started on this node

	// Health, for the watchdog: when the loop last moved, until when a
	// running operation may keep it busy, and what this node may run.
	lastProgress time.Time
	opDeadline   time.Time
	active       map[string]bool
	activeOrder  []string
	promoted     map[string]bool // clone instances promoted here
	cloned       map[string]bool // resources run here as clone instances
	watchdog     func() watchdog.State
	// live is the watchdog's own quorum decision, made beside the main
	// loop (watchQuorum); zero until that runs.
	live liveQuorum
	// stopParams are the parameters each resource here was started with,
	// for stopping it after it left the configuration.
	stopParams map[string]map[string]string
}

// New returns a controller starting from doc (the CIB read at start).
func New(cfg Config, doc *cibdoc.Doc) *Controller {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	c := &Controller{
		cfg:      cfg,
		log:      cfg.Log,
		client:   &wire.Client{Key: cfg.Key, From: cfg.Node},
		doc:      doc,
		seen:     map[string]bool{},
		local:    status.New(),
		cluster:  status.New(),
		monitors: executor.NewMonitors(cfg.Exec),
		kick:     make(chan struct{}, 1),
		fence:    newFencing(),
	}
	c.local.SetMember(strconv.Itoa(cfg.NodeID), cfg.Node, true)
	cfg.ensureNodes(c.doc)
	return c
}

// ensureNodes lists every configured node in the CIB's nodes section, as
// Pacemaker's controller adds a node when it joins: a CIB written offline
// (pcs -f, crmsh with CIB_file) has an empty one, and the scheduler places
// resources only on listed nodes.
func (cfg Config) ensureNodes(d *cibdoc.Doc) {
	d.EnsureNode(strconv.Itoa(cfg.NodeID), cfg.Node)
	for _, p := range cfg.Peers {
		d.EnsureNode(strconv.Itoa(p.ID), p.Name)
	}
}

// Kick asks for a new transition soon.
func (c *Controller) Kick() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// Run drives the node until ctx ends; it then stops the recurring monitors
// and leaves the resources as they are (a daemon that shuts down has moved
// them off first: RequestShutdown).
func (c *Controller) Run(ctx context.Context) error {
	defer c.monitors.Stop()
	c.progress(time.Time{})
	if c.cfg.Quorum != nil {
		go c.watchQuorum(ctx)
	}
	c.probeLocal(ctx)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	c.Kick()
	for {
		ticked := false
		select {
		case <-ctx.Done():
			return nil
		case <-c.cfg.Members.Changes():
		case <-c.kick:
		case <-tick.C:
			ticked = true
		}
		c.progress(time.Time{})
		c.step(ctx, ticked)
		c.progress(time.Time{})
	}
}

// State is what `baton status` shows.
type State struct {
	Node    string              `json:"node"`
	DC      string              `json:"dc"`
	Quorate bool                `json:"quorate"`
	Reason  string              `json:"quorum_reason"`
	Members []string            `json:"members"`
	Links   map[string][]string `json:"links"` // peer -> state per link
	CIB     string              `json:"cib"`
	Fencing FenceState          `json:"fencing"`
	// Holding says why the DC runs no transition now (recovery waits for
	// the fencing of a lost node).
	Holding string `json:"holding,omitempty"`
	// Watchdog is this node's self-fencing watchdog, when it has one.
	Watchdog *watchdog.State `json:"watchdog,omitempty"`
}

// SetWatchdogState lets the status show the watchdog.
func (c *Controller) SetWatchdogState(f func() watchdog.State) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.watchdog = f
}

// Snapshot returns the node's view for status output.
func (c *Controller) Snapshot() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := State{Node: c.cfg.Node, DC: c.dc, Quorate: c.quorate, Reason: c.reason, Members: c.cfg.Members.Alive(), Links: map[string][]string{}}
	for _, p := range c.cfg.Members.Snapshot() {
		for _, l := range p.Links {
			st.Links[p.Name] = append(st.Links[p.Name], l.String())
		}
	}
	st.CIB = string(c.fullDoc().Bytes())
	v, holding := c.lastView, c.holding
	st.Holding = holding
	if c.watchdog != nil {
		w := c.watchdog()
		st.Watchdog = &w
	}
	c.mu.Unlock()
	s, _ := c.fencingSetup()
	st.Fencing = c.fenceState(s, v, c.cfg.Quorum.Policy)
	if why := noFencingReason(s); why != "" {
		st.Holding = strings.TrimPrefix(strings.Join([]string{st.Holding, why}, "; "), "; ")
	}
	c.mu.Lock()
	return st
}

// fullDoc returns the CIB with the best status this node has: the DC's view
// on the DC, the replicated copy elsewhere. Callers hold c.mu.
func (c *Controller) fullDoc() *cibdoc.Doc {
	d := c.doc.Clone()
	if c.dc == c.cfg.Node {
		d.SetStatus(c.cluster.Element())
	}
	return d
}

// view computes membership, suspects and the DC.
func (c *Controller) view() (View, string) {
	v := View{Self: c.cfg.Node, SelfID: c.cfg.NodeID, Members: c.cfg.Members.Alive()}
	v.All = append(v.All, c.cfg.Node)
	ids := map[string]int{c.cfg.Node: c.cfg.NodeID}
	for _, p := range c.cfg.Peers {
		v.All = append(v.All, p.Name)
		ids[p.Name] = p.ID
	}
	for _, p := range c.cfg.Members.Snapshot() {
		if !p.Alive {
			continue
		}
		late := true
		for _, l := range p.Links {
			if l == membership.LinkUp {
				late = false
			}
		}
		if late {
			v.Suspect = append(v.Suspect, p.Name)
		}
	}
	c.mu.Lock()
	v.Idle = c.idle()
	c.mu.Unlock()
	dc := ""
	for _, m := range v.Members {
		if dc == "" || ids[m] < ids[dc] {
			dc = m
		}
	}
	return v, dc
}

// step decides quorum and the DC and, on the DC, runs a transition.
// ticked says the one-second tick woke it: then a transition that failed is
// left to its retry timer (one loop per cause, with backoff) while quorum
// and membership are still decided every tick.
func (c *Controller) step(ctx context.Context, ticked bool) {
	v, dc := c.view()
	for _, m := range v.Members {
		c.seen[m] = true
	}
	c.fence.observe(v, time.Now())
	setup, errs := c.fencingSetup()
	if e := fmt.Sprint(errs); len(errs) > 0 && e != c.fenceErrs {
		c.log.Error("fencing configuration has errors; the usable part is used", "errors", e)
		c.fenceErrs = e
	}
	v.Fenced = c.fence.fencedNodes(v)
	quorate, reason := false, ""
	waiting := c.cfg.WaitForAll && len(c.seen) < len(v.All)
	if waiting {
		reason = fmt.Sprintf("waiting for all nodes at first start (seen %d of %d; wait_for_all)", len(c.seen), len(v.All))
	} else {
		quorate, reason = c.cfg.Quorum.Decide(ctx, v)
	}
	if !quorate && len(v.Members) > 1 {
		// Without quorum while still seeing a peer (the witness backs the
		// other side of a forming split): this node answers for itself
		// only, and stops what it runs now rather than wait for a DC it may
		// no longer reach.
		v.Members, dc = []string{c.cfg.Node}, c.cfg.Node
	}
	c.mu.Lock()
	if quorate != c.quorate || reason != c.reason {
		c.log.Info("quorum", "quorate", quorate, "reason", reason)
	}
	if dc != c.dc {
		c.log.Info("designated controller", "dc", dc)
	}
	c.dc, c.quorate, c.reason = dc, quorate, reason
	joined := missing(v.Members, c.lastView.Members)
	c.lastView = v
	c.mu.Unlock()
	if dc == c.cfg.Node {
		// A node that joins may bring a newer configuration than the DC's
		// (changed while this node was away: a node that rebooted, a DRBD
		// fence constraint placed by the survivor). As at Pacemaker's
		// join, the newest configuration wins: the DC fetches the joiner's
		// CIB and adopts it if newer, then replicates it to everyone.
		for _, n := range joined {
			if n != c.cfg.Node {
				go c.pull(n)
			}
		}
	}
	c.fence.mu.Lock()
	if !quorate {
		c.fence.quorate = time.Time{}
	} else if c.fence.quorate.IsZero() {
		c.fence.quorate = time.Now()
	}
	c.fence.mu.Unlock()
	var unclean []string
	if setup.Options.Enabled {
		unclean = c.fence.unclean(v)
	}
	// The DC of a partition that may run resources fences the nodes it
	// lost; under the fence policy the fencing itself decides the race.
	// A node still waiting for all nodes at first start fences nobody: it
	// has not seen them, so it knows nothing they could run.
	mayFence := quorate || (c.cfg.Quorum.Policy == config.QuorumFence && !waiting)
	if dc == c.cfg.Node && mayFence && len(unclean) > 0 && c.cfg.Fencer != nil {
		c.fenceLost(ctx, setup, unclean)
	}
	holding := ""
	if quorate && len(unclean) > 0 {
		holding = "recovery waits for the fencing of " + strings.Join(unclean, ", ")
	}
	c.mu.Lock()
	if holding != c.holding {
		if holding != "" {
			c.log.Warn("holding resources", "why", holding)
		} else {
			c.log.Info("every lost node is fenced; recovery may proceed")
		}
	}
	c.holding = holding
	c.mu.Unlock()
	if dc != c.cfg.Node {
		c.mu.Lock()
		fresh := dc != c.pulledFrom
		c.pulledFrom = dc
		c.mu.Unlock()
		if fresh {
			// A new DC: take its CIB now rather than wait for its next
			// broadcast, which we may have refused while we still thought
			// ourselves DC.
			go c.pull(dc)
		}
		return
	}
	c.mu.Lock()
	c.pulledFrom = ""
	c.mu.Unlock()
	if waiting {
		// Not yet joined at first start: no decision is made without the
		// cluster (what the start-up probe found is left as it is).
		return
	}
	if ticked && c.retry.waiting(time.Now()) {
		return
	}
	// While a lost node is unclean it may still run what it ran: starts of
	// resources that require fencing wait (heldByFencing).
	if err := c.runTransition(ctx, v, quorate, holding != ""); err != nil {
		cause, _, _ := strings.Cut(err.Error(), ": ")
		if d, ok := c.retry.failed(time.Now(), cause); ok {
			c.log.Warn("transition incomplete; retrying", "err", err, "in", d)
			time.AfterFunc(d, c.Kick)
		}
		return
	}
	c.retry.succeeded()
}

// ExecRequest asks a node to run one operation.
type ExecRequest struct {
	Op         executor.Operation `json:"op"`
	TargetRC   int                `json:"target_rc"`
	Probe      bool               `json:"probe"`
	Transition string             `json:"transition"`
}

// ExecReply is the result.
type ExecReply struct {
	RC       int    `json:"rc"`
	Reason   string `json:"reason"`
	TimedOut bool   `json:"timed_out"`
}

// execLocal runs an operation on this node and records it in the local
// history, managing recurring monitors as execd does.
func (c *Controller) execLocal(ctx context.Context, req ExecRequest) ExecReply {
	op := req.Op
	switch op.Action {
	case ocf.ActionStop, ocf.ActionPromote, ocf.ActionDemote:
		// Monitors for the old role would report the change as a failure.
		c.monitors.Cancel(op.Resource, "")
	}
	if op.Action == ocf.ActionStop && len(op.Params) == 0 {
		// A resource removed from the configuration (an orphan) is stopped
		// with the parameters it was started with, as Pacemaker does:
		// without them its agent cannot tell what to stop.
		op.Params = c.startParams(op.Resource)
	}
	timeout := op.Timeout
	if timeout <= 0 {
		timeout = ocf.DefaultTimeout
	}
	c.progress(time.Now().Add(timeout + 5*time.Second)) // the timeout, the kill grace, slack
	var res executor.Result
	if op.Class == "stonith" {
		res = c.execStonith(ctx, op, req.Probe)
	} else {
		res = c.cfg.Exec.Run(ctx, op)
		c.rememberParams(op, res)
	}
	target := req.TargetRC
	if req.Probe {
		switch res.RC {
		case ocf.Success, ocf.NotRunning, ocf.RunningPromoted:
			target = int(res.RC)
		default:
			target = int(ocf.NotRunning)
		}
	}
	c.noteActive(op, res.RC)
	c.progress(time.Time{})
	if op.Action != ocf.ActionNotify {
		// Notifications are not part of the history, as in Pacemaker: the
		// last real operation must keep telling the resource's state.
		c.record(op, res, target, req.Transition)
	}
	// Stonith devices are checked when started and when used; their
	// recurring monitors are not run by the executor.
	if op.Interval > 0 && int(res.RC) == target && op.Class != "stonith" {
		c.monitors.Start(op, res, func(r executor.Result) {
			c.log.Warn("recurring monitor result changed", "resource", op.Resource, "rc", int(r.RC), "reason", r.Reason)
			c.record(op, r, target, req.Transition)
			c.kickDC()
		})
	}
	if res.RC != ocf.ExitCode(target) {
		c.log.Warn("operation failed", "op", op.Key(), "rc", int(res.RC), "expected", target, "reason", res.Reason)
	} else {
		c.log.Info("operation done", "op", op.Key(), "rc", int(res.RC), "took", res.Took.Round(time.Millisecond))
	}
	return ExecReply{RC: int(res.RC), Reason: res.Reason, TimedOut: res.TimedOut}
}

// rememberParams keeps the parameters of a resource's successful start
// for its stop, and forgets them once it stopped.
func (c *Controller) rememberParams(op executor.Operation, res executor.Result) {
	if res.RC != ocf.Success {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch op.Action {
	case ocf.ActionStart:
		if c.stopParams == nil {
			c.stopParams = map[string]map[string]string{}
		}
		c.stopParams[op.Resource] = op.Params
	case ocf.ActionStop:
		delete(c.stopParams, op.Resource)
	}
}

func (c *Controller) startParams(rsc string) map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stopParams[rsc]
}

func (c *Controller) record(op executor.Operation, res executor.Result, target int, transition string) {
	o := status.Op{Operation: op.Action, Interval: op.Interval, RC: int(res.RC), TargetRC: target,
		Transition: transition, When: res.Started.Add(res.Took), ExecTime: res.Took, Reason: res.Reason}
	if res.TimedOut {
		o.OpStatus = 2 // PCMK_EXEC_TIMEOUT
	}
	c.local.Record(c.cfg.Node, status.Resource{ID: op.Resource, Class: op.Class, Provider: op.Provider, Type: op.Type}, o)
	if o.Failed() && op.Action == ocf.ActionStart && c.startFailureIsFatal() {
		// Pacemaker's default: a failed start bans the node at once.
		c.local.SetAttr(c.cfg.Node, fmt.Sprintf("fail-count-%s#start_0", op.Resource), "INFINITY")
	}
}

func (c *Controller) startFailureIsFatal() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.doc.ClusterOption("start-failure-is-fatal")
	return !ok || isTrue(v)
}

// peerAddrs returns a peer's daemon addresses.
func (c *Controller) peerAddrs(name string) []string {
	for _, p := range c.cfg.Peers {
		if p.Name == name {
			return p.Addrs
		}
	}
	return nil
}

// execOn runs an operation on a node: directly on this one, over the wire
// on a peer.
func (c *Controller) execOn(ctx context.Context, node string, req ExecRequest) (ExecReply, error) {
	if node == c.cfg.Node {
		return c.execLocal(ctx, req), nil
	}
	var rep ExecReply
	// The agent's timeout plus the kill grace and some slack for the wire.
	c.progress(time.Now().Add(req.Op.Timeout + 5*time.Second))
	cctx, cancel := c.whileMember(ctx, node, req.Op.Timeout+5*time.Second)
	defer cancel()
	err := c.client.Call(cctx, c.peerAddrs(node), "exec", req, &rep)
	return rep, err
}

// kickDC tells the DC that something changed here.
func (c *Controller) kickDC() {
	c.mu.Lock()
	dc := c.dc
	c.mu.Unlock()
	if dc == "" || dc == c.cfg.Node {
		c.Kick()
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		if err := c.client.Call(ctx, c.peerAddrs(dc), "kick", nil, nil); err != nil {
			c.log.Debug("cannot reach the DC", "dc", dc, "err", err)
		}
	}()
}

// Register installs the node's handlers on a wire server.
func (c *Controller) Register(s *wire.Server) {
	s.Handle("exec", func(ctx context.Context, _ string, body json.RawMessage) (any, error) {
		var req ExecRequest
		if err := json.Unmarshal(body, &req); err != nil {
			return nil, err
		}
		return c.execLocal(ctx, req), nil
	})
	s.Handle("state", func(context.Context, string, json.RawMessage) (any, error) {
		return c.local.Dump(c.cfg.Node), nil
	})
	s.Handle("kick", func(context.Context, string, json.RawMessage) (any, error) {
		c.Kick()
		return nil, nil
	})
	s.Handle("cib", func(_ context.Context, from string, body json.RawMessage) (any, error) {
		var x string
		if err := json.Unmarshal(body, &x); err != nil {
			return nil, err
		}
		d, err := verify.Parse([]byte(x))
		if err != nil {
			c.log.Warn("refused a CIB from a peer; keeping the running one", "from", from, "err", err)
			return nil, err
		}
		c.adopt(d, from)
		return nil, nil
	})
	s.Handle("cib-get", func(context.Context, string, json.RawMessage) (any, error) {
		c.mu.Lock()
		defer c.mu.Unlock()
		return string(c.fullDoc().Bytes()), nil
	})
	s.Handle("fence", func(ctx context.Context, from string, body json.RawMessage) (any, error) {
		// A peer whose own stop failed asks for its fence.
		var target string
		if err := json.Unmarshal(body, &target); err != nil {
			return nil, err
		}
		return c.FenceNode(ctx, target, "")
	})
	s.Handle("leaving", func(_ context.Context, from string, _ json.RawMessage) (any, error) {
		// A peer shuts down cleanly: it runs nothing and its daemon exits.
		if c.peerAddrs(from) == nil {
			return nil, fmt.Errorf("leaving: %q is not a peer of %s", from, c.cfg.Node)
		}
		c.log.Info("peer shuts down cleanly; it will not be fenced when it leaves", "peer", from)
		c.fence.markLeaving(from, time.Now())
		return nil, nil
	})
	s.Handle("forget", func(_ context.Context, _ string, body json.RawMessage) (any, error) {
		var rsc string
		if err := json.Unmarshal(body, &rsc); err != nil {
			return nil, err
		}
		c.monitors.Cancel(rsc, "")
		c.local.Forget(c.cfg.Node, rsc)
		c.kickDC()
		return nil, nil
	})
}

// adopt takes a CIB from a peer. The configuration with the higher
// (admin_epoch, epoch) wins wherever it comes from; the status is the DC's,
// so from the DC a copy with an equal configuration is taken too, whatever
// its num_updates: while the nodes were apart each counted its own.
func (c *Controller) adopt(d *cibdoc.Doc, from string) {
	c.mu.Lock()
	cur, got := c.doc.Version(), d.Version()
	curCfg, gotCfg := cibdoc.Version{Admin: cur.Admin, Epoch: cur.Epoch}, cibdoc.Version{Admin: got.Admin, Epoch: got.Epoch}
	take := curCfg.Less(gotCfg) || (from == c.dc && from != c.cfg.Node && !gotCfg.Less(curCfg))
	if take {
		c.doc = d
	}
	c.mu.Unlock()
	if take {
		c.log.Debug("adopted CIB", "from", from, "version", got)
		c.persist()
		c.Kick()
	}
}

// pull fetches a peer's CIB (the DC's, or on the DC a joining node's) and
// adopts it by adopt's rules.
func (c *Controller) pull(peer string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var x string
	if err := c.client.Call(ctx, c.peerAddrs(peer), "cib-get", nil, &x); err != nil {
		c.log.Debug("cannot fetch a peer's CIB", "peer", peer, "err", err)
		c.mu.Lock()
		if c.pulledFrom == peer {
			c.pulledFrom = "" // try again at the next step
		}
		c.mu.Unlock()
		return
	}
	d, err := verify.Parse([]byte(x))
	if err != nil {
		c.log.Warn("refused a peer's CIB; keeping the running one", "peer", peer, "err", err)
		return
	}
	c.adopt(d, peer)
}

// ReplaceCIB installs a new configuration (from `baton cib replace` or the
// resource and node commands): it must be newer than the current one, or it
// is made so, and it goes to every peer.
func (c *Controller) ReplaceCIB(d *cibdoc.Doc) {
	c.cfg.ensureNodes(d)
	c.mu.Lock()
	cur := c.doc.Version()
	if !cur.Less(d.Version()) {
		d.SetVersion(cur)
		d.ConfigChanged()
	}
	c.doc = d
	c.mu.Unlock()
	c.persist()
	c.broadcast()
	c.Kick()
}

// CIB returns a copy of the current CIB.
func (c *Controller) CIB() *cibdoc.Doc {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fullDoc()
}

// Forget clears a resource's history and fail counts on every node, as
// `crm_resource --cleanup` does.
func (c *Controller) Forget(ctx context.Context, rsc string) {
	c.monitors.Cancel(rsc, "")
	c.local.Forget(c.cfg.Node, rsc)
	for _, p := range c.cfg.Peers {
		_ = c.client.Call(ctx, p.Addrs, "forget", rsc, nil)
	}
	c.Kick()
}

func (c *Controller) persist() {
	c.mu.Lock()
	b := c.fullDoc().Bytes()
	c.mu.Unlock()
	if c.cfg.CIBPath == "" {
		return
	}
	if err := statedir.WriteFile(filepath.Dir(c.cfg.CIBPath), filepath.Base(c.cfg.CIBPath), b); err != nil {
		c.log.Error("cannot save the CIB", "path", c.cfg.CIBPath, "err", err)
	}
}

// broadcast sends the CIB to every live peer.
func (c *Controller) broadcast() {
	c.mu.Lock()
	x := string(c.fullDoc().Bytes())
	c.mu.Unlock()
	alive := map[string]bool{}
	for _, m := range c.cfg.Members.Alive() {
		alive[m] = true
	}
	for _, p := range c.cfg.Peers {
		if !alive[p.Name] {
			continue
		}
		go func(p Peer) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := c.client.Call(ctx, p.Addrs, "cib", x, nil); err != nil {
				c.log.Debug("cannot send the CIB", "peer", p.Name, "err", err)
			}
		}(p)
	}
}

// SetLocalAttr records a transient attribute of this node (an agent's
// promotion score, pingd) and tells the DC. It implements the store behind
// the agents' attribute socket.
func (c *Controller) SetLocalAttr(name, value string) {
	if v, _ := c.local.Attr(c.cfg.Node, name); v == value {
		return
	}
	c.local.SetAttr(c.cfg.Node, name, value)
	c.kickDC()
}

// LocalAttr returns a transient attribute of this node.
func (c *Controller) LocalAttr(name string) (string, bool, error) {
	v, ok := c.local.Attr(c.cfg.Node, name)
	return v, ok, nil
}
