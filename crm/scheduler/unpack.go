package scheduler

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/baton-ha/baton/crm/cib"
)

// Cluster is the scheduler's working view of one CIB.
type Cluster struct {
	CIB       *cib.CIB
	Nodes     []*Node
	Resources []*Resource // top-level, configuration order
	Orphans   []*Resource
	Now       time.Time
	// deviceChanged: nodes to unfence again because a fence device's
	// definition changed, with the reason (digest.go).
	deviceChanged map[*Node]string
	// reunfenced: nodes unfenced again in this transition.
	reunfenced map[*Node]bool

	Symmetric         bool
	FencingEnabled    bool
	NoQuorumPolicy    string
	HaveQuorum        bool
	StopOrphans       bool
	StartFailureFatal bool
	Maintenance       bool
	StopAll           bool
	// Strategy is placement-strategy: default, utilization, minimal or
	// balanced.
	Strategy string

	nodeByID    map[string]*Node
	nodeByName  map[string]*Node
	cfgByID     map[string]*Resource // configured id -> resource (clone children: the template's first instance is not stored)
	byID        map[string]*Resource // every printed id -> resource
	templates   map[string]*cib.Resource
	cloneOf     map[string]*Resource // template id -> its clone
	options     map[string]string
	haveDevices bool
	assignOrder []*Resource // top-level resources in assignment order
	// Fences are the fencing actions of this transition, in node order.
	Fences       []Fence
	Warnings     []string
	promotedLocs []promotedLoc
	// Scores are the allocation and promotion scores computed on the way.
	Scores []ScoreLine
}

func (c *Cluster) warnf(format string, args ...any) {
	c.Warnings = append(c.Warnings, fmt.Sprintf(format, args...))
}

// NewCluster builds the scheduler's view: nodes, resources (with clone
// instances) and their current state from the status section.
func NewCluster(doc *cib.CIB) (*Cluster, error) {
	c := &Cluster{CIB: doc, nodeByID: map[string]*Node{}, nodeByName: map[string]*Node{},
		cfgByID: map[string]*Resource{}, byID: map[string]*Resource{}, templates: map[string]*cib.Resource{},
		cloneOf: map[string]*Resource{}}
	c.Now = doc.ExecutionDate
	if c.Now.IsZero() {
		c.Now = time.Now()
	}
	ctx := cib.RuleContext{Now: c.Now, NodeAttrs: map[string]string{}}
	c.options = cib.Values(doc.CrmConfig, ctx)
	opt := func(name, dflt string) string {
		if v, ok := c.options[name]; ok {
			return v
		}
		return dflt
	}
	c.Symmetric = boolOpt(opt("symmetric-cluster", "true"), true)
	c.FencingEnabled = boolOpt(opt("stonith-enabled", "true"), true)
	if v, ok := c.options["fencing-enabled"]; ok {
		c.FencingEnabled = boolOpt(v, true)
	}
	c.NoQuorumPolicy = opt("no-quorum-policy", "stop")
	c.HaveQuorum = doc.HaveQuorum
	c.StopOrphans = boolOpt(opt("stop-orphan-resources", "true"), true)
	c.StartFailureFatal = boolOpt(opt("start-failure-is-fatal", "true"), true)
	c.Maintenance = boolOpt(opt("maintenance-mode", "false"), false)
	c.StopAll = boolOpt(opt("stop-all-resources", "false"), false)
	c.Strategy = opt("placement-strategy", strategyDefault)
	switch c.Strategy {
	case strategyDefault, "utilization", strategyMinimal, strategyBalanced:
	default:
		c.warnf("placement-strategy %q unknown: using default", c.Strategy)
		c.Strategy = strategyDefault
	}

	c.haveDevices = c.haveFencingDevices()
	c.unpackNodes()
	for _, r := range doc.Resources {
		res := c.buildResource(r, nil, -1)
		c.Resources = append(c.Resources, res)
	}
	c.unpackStatus()
	return c, nil
}

func boolOpt(s string, dflt bool) bool {
	if v, ok := cib.ParseBool(s); ok {
		return v
	}
	return dflt
}

// unpackNodes builds the node list. Pacemaker keeps nodes sorted by name
// (numbers inside names compare numerically), and that order is the final
// tie breaker of placement, so the list is sorted the same way.
func (c *Cluster) unpackNodes() {
	cfg := append([]*cib.Node(nil), c.CIB.Nodes...)
	sort.SliceStable(cfg, func(i, j int) bool { return naturalLess(cfg[i].Uname, cfg[j].Uname) })
	for i, n := range cfg {
		node := &Node{ID: n.ID, Name: n.Uname, Index: i, Attrs: map[string]string{}}
		ctx := cib.RuleContext{Now: c.Now, NodeAttrs: map[string]string{"#uname": n.Uname, "#id": n.ID}}
		for k, v := range cib.Values(n.Attrs, ctx) {
			node.Attrs[k] = v
		}
		st := c.CIB.NodeState(n.ID, "")
		if st == nil {
			st = c.CIB.NodeState("", n.Uname)
		}
		if st != nil {
			for k, v := range st.Attrs {
				node.Attrs[k] = v
			}
		}
		util := n.Utilization
		if st != nil {
			util = append(append([]cib.NVSet(nil), util...), st.Utilization...)
		}
		node.capacity = c.utilizationValues(util, node.Attrs)
		node.remaining = map[string]int{}
		for k, v := range node.capacity {
			node.remaining[k] = v
		}
		node.Attrs["#uname"] = n.Uname
		node.Attrs["#id"] = n.ID
		node.Attrs["#kind"] = "cluster"
		if c.CIB.DCUUID != "" {
			node.Attrs["#is_dc"] = strconv.FormatBool(c.CIB.DCUUID == n.ID)
		}
		if v, ok := cib.ParseBool(node.Attrs["standby"]); ok && v {
			node.Standby = true
		}
		if v, ok := cib.ParseBool(node.Attrs["maintenance"]); ok && v {
			node.Maintenance = true
		}
		if s := node.Attrs["shutdown"]; s != "" && s != "0" {
			node.Standby = true
			node.Shutdown = true
		}
		switch {
		case st != nil && c.FencingEnabled:
			c.nodeStateWithFencing(node, st)
		case st != nil:
			node.Online = st.Online()
		case c.FencingEnabled && boolOpt(c.options["startup-fencing"], true):
			// Never seen: it may be running anything.
			c.markUnclean(node, "node is unclean")
		}
		if !c.HaveQuorum && node.Online && c.NoQuorumPolicy == "suicide" {
			// no-quorum-policy=suicide: every node of a partition without
			// quorum is fenced.
			c.markUnclean(node, "cluster does not have quorum")
		}
		c.Nodes = append(c.Nodes, node)
		c.nodeByID[n.ID] = node
		c.nodeByName[n.Uname] = node
	}
}

// meta resolves meta attributes: the resource's own, then its parents'
// (children inherit them), then rsc_defaults.
func (c *Cluster) meta(r *cib.Resource) map[string]string {
	ctx := cib.RuleContext{Now: c.Now, NodeAttrs: map[string]string{},
		Rsc: &cib.RscContext{Class: r.Class, Provider: r.Provider, Type: r.Type}}
	m := map[string]string{}
	for x := r; x != nil; x = x.Parent {
		cib.MergeValues(m, x.Meta, ctx)
	}
	cib.MergeValues(m, c.CIB.RscDefaults, ctx)
	// Old CIBs spell some meta attributes with underscores.
	for k, v := range m {
		if strings.Contains(k, "_") {
			nk := strings.ReplaceAll(k, "_", "-")
			if _, ok := m[nk]; !ok {
				m[nk] = v
			}
		}
	}
	return m
}

func intMeta(m map[string]string, dflt int, names ...string) int {
	for _, n := range names {
		if v, ok := m[n]; ok {
			s, err := cib.ParseScore(v)
			if err == nil {
				return s
			}
		}
	}
	return dflt
}

func (c *Cluster) buildResource(cfg *cib.Resource, parent *Resource, instance int) *Resource {
	r := &Resource{Cfg: cfg, Kind: cfg.Kind, Parent: parent, Instance: instance, ID: cfg.ID, historyOn: map[*Node]bool{}}
	if instance >= 0 {
		r.ID = fmt.Sprintf("%s:%d", cfg.ID, instance)
	}
	r.Meta = c.meta(cfg)
	m := r.Meta
	r.Priority = intMeta(m, 0, "priority")
	r.Stickiness = intMeta(m, 0, "resource-stickiness")
	if _, ok := m["resource-stickiness"]; !ok && cfg.Kind == cib.Primitive && r.clone() != nil {
		r.Stickiness = 1 // Pacemaker's default stickiness for clone instances
	}
	if _, ok := m["resource-stickiness"]; !ok && cfg.Kind == cib.Primitive && parent != nil && parent.Kind == cib.Group && parent.clone() != nil {
		r.Stickiness = 1
	}
	r.MigrationThreshold = intMeta(m, inf, "migration-threshold")
	r.Managed = boolOpt(m["is-managed"], true) && !c.Maintenance && !boolOpt(m["maintenance"], false)
	r.TargetRole = RoleStarted
	if c.StopAll {
		m["target-role"] = RoleStopped
	}
	if v, ok := m["target-role"]; ok {
		if role, ok := cib.NormalizeRole(v); ok && role != "" {
			r.TargetRole = role
		} else if !ok {
			c.warnf("resource %s: unknown target-role %q ignored", cfg.ID, v)
		}
	}
	if cfg.Kind == cib.Primitive {
		r.util = c.utilizationValues(cfg.Utilization, nil)
	}
	c.byID[r.ID] = r
	if instance < 0 {
		c.cfgByID[cfg.ID] = r
	}
	switch cfg.Kind {
	case cib.Group:
		for _, ch := range cfg.Children {
			r.Children = append(r.Children, c.buildResource(ch, r, instance))
		}
	case cib.Clone:
		r.Promotable = cfg.Tag == "master" || cfg.Tag == "master_slave" || boolOpt(m["promotable"], false)
		r.Unique = boolOpt(m["globally-unique"], false)
		r.Interleave = boolOpt(m["interleave"], false)
		r.CloneMax = intMeta(m, len(c.Nodes), "clone-max")
		r.CloneNodeMax = intMeta(m, 1, "clone-node-max")
		r.PromotedMax = intMeta(m, 1, "promoted-max", "master-max")
		r.PromotedNodeMax = intMeta(m, 1, "promoted-node-max", "master-node-max")
		if r.CloneMax < 0 {
			r.CloneMax = 0
		}
		if len(cfg.Children) == 1 {
			c.templates[cfg.Children[0].ID] = cfg.Children[0]
			cfg.Children[0].Walk(func(x *cib.Resource) {
				c.templates[x.ID] = x
				c.cloneOf[x.ID] = r
			})
			for i := 0; i < r.CloneMax; i++ {
				r.Children = append(r.Children, c.buildResource(cfg.Children[0], r, i))
			}
		}
	}
	return r
}

// newInstance appends another (orphan) instance to a clone.
func (c *Cluster) newInstance(clone *Resource) *Resource {
	n := len(clone.Children)
	inst := c.buildResource(clone.Cfg.Children[0], clone, n)
	inst.Walk(func(x *Resource) { x.Orphan = true })
	clone.Children = append(clone.Children, inst)
	return inst
}

// Walk visits r and its descendants.
func (r *Resource) Walk(fn func(*Resource)) {
	fn(r)
	for _, c := range r.Children {
		c.Walk(fn)
	}
}

func stripInstance(id string) (string, int) {
	if i := strings.LastIndexByte(id, ':'); i > 0 {
		if n, err := strconv.Atoi(id[i+1:]); err == nil {
			return id[:i], n
		}
	}
	return id, -1
}

func (c *Cluster) unpackStatus() {
	for _, st := range c.CIB.Status {
		node := c.nodeByID[st.ID]
		if node == nil {
			node = c.nodeByName[st.Uname]
		}
		// With fencing, what an offline node last ran still counts: it
		// may still run it, until it is fenced.
		if node == nil || !node.Online && !c.FencingEnabled {
			continue
		}
		for _, lr := range st.Resources {
			r := c.findHistoryResource(lr, node)
			if r == nil {
				continue
			}
			c.unpackHistory(r, node, lr)
		}
	}
	for _, top := range c.Resources {
		top.Walk(func(r *Resource) {
			if r.Kind == cib.Primitive && r.Role == "" {
				r.Role = RoleStopped
			}
			if r.Kind == cib.Primitive && len(r.RunningOn) > 1 {
				r.multiplyActive = c.multiplyActive(r)
			}
			if r.Kind == cib.Primitive {
				c.checkDefinitions(r)
			}
			if r.multiplyActive {
				// Active on several nodes: multiple-active says what to do.
				switch r.Meta["multiple-active"] {
				case "block":
					r.Blocked = true
				case "stop_only":
					r.TargetRole = RoleStopped
				default: // stop_start, stop_unexpected
					r.failedOnlyActive = !r.Failed
					r.Failed = true
				}
			}
		})
	}
}

// findHistoryResource maps an lrm_resource entry to the resource (or clone
// instance) it records, creating an orphan when the id is not configured.
func (c *Cluster) findHistoryResource(lr *cib.LrmResource, node *Node) *Resource {
	if r, ok := c.byID[lr.ID]; ok && r.Kind == cib.Primitive && r.clone() == nil {
		return r
	}
	base, num := stripInstance(lr.ID)
	tmpl := c.templates[base]
	if tmpl == nil {
		// Very old histories name unique instances "rsc-N".
		if i := strings.LastIndexByte(lr.ID, '-'); i > 0 {
			if n, err := strconv.Atoi(lr.ID[i+1:]); err == nil && c.templates[lr.ID[:i]] != nil {
				base, num, tmpl = lr.ID[:i], n, c.templates[lr.ID[:i]]
			}
		}
	}
	if tmpl == nil {
		if r, ok := c.cfgByID[base]; ok && r.Kind == cib.Primitive && r.clone() == nil {
			return r
		}
		// Not configured: an orphan, stopped if it is active.
		r := c.byID[lr.ID]
		if r == nil {
			r = &Resource{ID: lr.ID, Kind: cib.Primitive, Instance: -1, Orphan: true, Managed: true,
				Meta: map[string]string{}, historyOn: map[*Node]bool{}, MigrationThreshold: inf, TargetRole: RoleStopped,
				Cfg: &cib.Resource{ID: lr.ID, Kind: cib.Primitive, Class: lr.Class, Provider: lr.Provider, Type: lr.Type}}
			c.byID[lr.ID] = r
			c.Orphans = append(c.Orphans, r)
		}
		return r
	}
	clone := c.cloneOf[base]
	if clone == nil {
		return nil
	}
	memberOf := func(inst *Resource) *Resource {
		var m *Resource
		inst.Walk(func(x *Resource) {
			if x.Kind == cib.Primitive && x.Cfg.ID == base {
				m = x
			}
		})
		return m
	}
	if clone.Unique && num >= 0 {
		for len(clone.Children) <= num {
			c.newInstance(clone)
		}
		return memberOf(clone.Children[num])
	}
	// What an offline or unclean node ran is not trusted to an existing
	// instance unless fencing will settle it or the clone may run on
	// every node: it is an orphan instance.
	if (!node.Online || node.Unclean) && clone.CloneMax < len(c.Nodes) {
		if m := memberOf(clone.Children[0]); m != nil && !c.requiresFencing(m) && historyActive(lr) {
			return memberOf(c.newInstance(clone))
		}
	}
	// Anonymous clone: the instance already active on this node (for a
	// cloned group, any of its members), else the first instance active
	// nowhere. Inactive history does not claim an instance.
	duplicate := false
	for _, inst := range clone.Children {
		here := false
		inst.Walk(func(x *Resource) {
			if x.Kind == cib.Primitive && x.runningOn(node) {
				here = true
			}
		})
		if here {
			if m := memberOf(inst); m != nil && m.runningOn(node) && historyActive(lr) {
				// The same primitive is already active here: a second
				// active copy on one node belongs to another instance
				// here (another member's orphan copy), or a new one.
				duplicate = true
				continue
			}
			return memberOf(inst)
		}
	}
	if duplicate {
		return memberOf(c.newInstance(clone))
	}
	for _, inst := range clone.Children {
		active := false
		inst.Walk(func(x *Resource) {
			if len(x.RunningOn) > 0 {
				active = true
			}
		})
		if !active {
			return memberOf(inst)
		}
	}
	return memberOf(c.newInstance(clone))
}

type opRecord struct {
	*cib.LrmOp
}

// unpackHistory replays one resource's operation history on one node.
func (c *Cluster) unpackHistory(r *Resource, node *Node, lr *cib.LrmResource) {
	r.historyOn[node] = true
	r.histories = append(r.histories, nodeHistory{node, lr})
	if lr.ID != r.ID && lr.ID != r.Cfg.ID {
		r.historyID = lr.ID
	}
	// On a node already known to be unclean, failures need no handling:
	// fencing it recovers everything that ran there.
	uncleanBefore := node.Unclean
	ops := sortedOps(lr)
	role := RoleStopped
	failed := false
	blocked := false
	blockedBy := ""  // the operation whose failure blocked it
	failOnFail := "" // on-fail of the last failure
	for _, op := range ops {
		if op.OpStatus == 1 || op.OpStatus == -1 && op.Operation != "start" {
			continue // cancelled or still pending
		}
		if op.OpStatus == -1 {
			// A start still in progress: it counts as running there.
			role, failed = RoleStarted, false
			continue
		}
		task := op.Operation
		if task == "notify" || task == "meta-data" || task == "reload" || task == "reload-agent" {
			continue
		}
		ok := !op.Failed()
		if task == "monitor" && op.Interval == 0 && op.OpStatus == 0 && (op.RC == 0 || op.RC == 7 || op.RC == 8) {
			// A probe reports state; finding it running is not a failure.
			ok = true
		}
		if task == "migrate_from" {
			task = "start"
		}
		if task == "migrate_to" {
			target := c.nodeByName[op.MigrateTarget]
			from := c.migrateFromOn(target, lr.ID)
			switch {
			case ok && from != nil && !from.Failed():
				// Migrated: it runs on the target now.
				role = RoleStopped
			case ok && from == nil && target != nil:
				// Partially migrated: still here; the migration may go
				// on to the same target. If the source has moved on
				// (stopped it since), it may still be active on the
				// target, unless the target has a newer state too.
				sourceNewer := false
				for _, later := range ops {
					if later.CallID > op.CallID && later.Operation != "monitor" {
						sourceNewer = true
					}
				}
				if !sourceNewer {
					r.partialTarget = target
				} else if target.Online && !c.changedSince(target, lr.ID, op, nil) {
					c.addActive(r, target)
					if node.Online {
						r.partialTarget = target
					}
				}
			default:
				// migrate_to, or the migrate_from on the target, failed:
				// it may be active here and on the target (unless the
				// target stopped it since), and must be recovered.
				failed = true
				c.maybeActiveOnTarget(r, target, lr.ID, op, from)
			}
			continue
		}
		if ok && op.RC == 7 && task != "monitor" {
			// "Not running", as expected: whatever the task, it is
			// stopped there.
			role, failed = RoleStopped, false
			continue
		}
		if ok {
			switch task {
			case "start":
				role, failed = RoleStarted, false
			case "stop":
				role, failed, blocked = RoleStopped, false, false
			case "promote":
				role, failed = RolePromoted, false
			case "demote":
				// A demote does not clear an earlier failure (only one
				// handled by on-fail=demote, which ends with it).
				role = RoleUnpromoted
				if failOnFail == "demote" {
					failed = false
				}
			case "monitor":
				if blockedBy == task+op.Interval.String() && (op.RC == 0 || op.RC == 8) {
					// The monitor that failed and blocked it succeeds
					// again: the block is over.
					blocked, blockedBy = false, ""
				}
				switch op.RC {
				case 0:
					if role == RoleStopped || role == RolePromoted && op.Interval == 0 {
						role = RoleStarted
					}
					if op.Interval == 0 {
						failed = false
					}
				case 8:
					role = RolePromoted
				case 7:
					role, failed = RoleStopped, false
				}
			}
			continue
		}
		// A failure, unless failure-timeout has expired it.
		if task != "stop" && c.failureExpired(r, op) {
			continue
		}
		onFail := c.onFail(r, task, op.Interval)
		failOnFail = onFail
		if onFail == "fence" && task == "stop" && !c.CanFence(node) {
			// A stop that failed where nobody can fence: the resource
			// stays blocked where it is.
			onFail = "block"
		}
		if onFail == "fence" {
			c.markUnclean(node, r.ID+" failed there")
		}
		if onFail == "demote" && (role == RolePromoted || op.RC == 8 || op.RC == 9) && task != "stop" && task != "start" {
			// Demoted where it is rather than recovered.
			role = RolePromoted
			r.demoteOnly = true
			continue
		}
		if onFail == "ignore" {
			if task == "start" || task == "monitor" && op.RC != 7 {
				role = RoleStarted
			}
			continue
		}
		switch op.RC {
		case 5: // not installed: the node cannot run it
			r.banOn(node, c)
			if task != "stop" {
				role = RoleStopped
				continue
			}
		case 6: // not configured: cannot run anywhere
			r.banEverywhere(c)
		}
		failed = true
		switch task {
		case "start":
			// The controller turns a failed start into an INFINITY fail
			// count (start-failure-is-fatal); the scheduler only reads it.
			role = RoleStarted
		case "stop":
			role = RoleStarted
			if !c.FencingEnabled || onFail == "block" {
				blocked = true
				r.stopFailed = true
			}
		case "promote":
			role = RolePromoted
		case "demote":
			// A failed demote leaves it unpromoted (and failed) unless the
			// failure blocks it where it is.
			role = RoleUnpromoted
			if onFail == "block" {
				role = RolePromoted
				blocked = true
			}
		case "monitor":
			switch {
			case op.RC == 9 || op.RC == 8:
				role = RolePromoted
			case op.RC == 7 && op.Interval == 0:
				role = RoleStopped
				failed = false
			case role == RoleStopped:
				role = RoleStarted
			}
		default:
			if role == RoleStopped {
				role = RoleStarted
			}
		}
		if onFail == "block" && task != "stop" {
			blocked, blockedBy = true, task+op.Interval.String()
		}
		if onFail == "stop" {
			r.TargetRole = RoleStopped
		}
		if onFail == "standby" {
			node.Standby = true
		}
	}
	if uncleanBefore {
		failed, blocked = false, false
	}
	if role != RoleStopped && !node.Online && !node.Maintenance && r.Managed && c.FencingEnabled {
		c.markUnclean(node, r.ID+" is thought to be active there")
	}
	if role != RoleStopped && !r.runningOn(node) {
		r.RunningOn = append(r.RunningOn, node)
		if r.Role == "" || r.Role == RoleStopped || role == RolePromoted {
			r.Role = role
		}
	}
	if failed && role != RoleStopped {
		r.Failed = true
	}
	if blocked && role != RoleStopped {
		r.Blocked = true
	}
}

// onFail returns the configured or default on-fail for an operation.
func (c *Cluster) onFail(r *Resource, task string, interval time.Duration) string {
	if r.Cfg != nil {
		for _, op := range r.Cfg.Ops {
			if op.Name == task && (op.Interval == interval || task != "monitor") && op.OnFail != "" {
				if op.OnFail == "fence" && !c.FencingEnabled {
					// Without fencing Pacemaker falls back to stopping
					// (a failed stop can only block).
					if task == "stop" {
						return "block"
					}
					return "stop"
				}
				return op.OnFail
			}
		}
	}
	if task == "stop" {
		if c.FencingEnabled {
			return "fence"
		}
		return "block"
	}
	return "restart"
}

func (r *Resource) ensureLoc(n int) {
	if r.loc == nil {
		r.loc = make([]int, n)
	}
}

// banTarget is where a node ban for r lands: anonymous clone instances ban
// the whole clone, like Pacemaker's fail-count handling.
func (r *Resource) banTarget() *Resource {
	if cl := r.clone(); cl != nil && !cl.Unique {
		return cl
	}
	return r
}

func (r *Resource) banOn(n *Node, c *Cluster) {
	t := r.banTarget()
	t.ensureLoc(len(c.Nodes))
	t.loc[n.Index] = -inf
}

func (r *Resource) banEverywhere(c *Cluster) {
	t := r.banTarget()
	t.ensureLoc(len(c.Nodes))
	for i := range t.loc {
		t.loc[i] = -inf
	}
}

// naturalLess compares case-insensitively with digit runs compared as
// numbers ("node2" < "node10").
func naturalLess(a, b string) bool {
	a, b = strings.ToLower(a), strings.ToLower(b)
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		ca, cb := a[i], b[j]
		if isDigit(ca) && isDigit(cb) {
			si := i
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			sj := j
			for j < len(b) && isDigit(b[j]) {
				j++
			}
			na := strings.TrimLeft(a[si:i], "0")
			nb := strings.TrimLeft(b[sj:j], "0")
			if len(na) != len(nb) {
				return len(na) < len(nb)
			}
			if na != nb {
				return na < nb
			}
			continue
		}
		if ca != cb {
			return ca < cb
		}
		i++
		j++
	}
	return len(a)-i < len(b)-j
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// failureExpired reports whether a failed operation is older than the
// resource's failure-timeout: Pacemaker then ignores it.
func (c *Cluster) failureExpired(r *Resource, op *cib.LrmOp) bool {
	ft := r.Meta["failure-timeout"]
	if ft == "" || op.LastRCChange <= 0 {
		return false
	}
	d, err := cib.ParseInterval(ft)
	if err != nil || d <= 0 {
		return false
	}
	return !c.Now.Before(time.Unix(op.LastRCChange, 0).Add(d))
}

// multiplyActive reports whether r, active on several nodes, counts as
// multiply active. A resource that requires fencing counts every node;
// one that does not (fence devices, requires=quorum or nothing) only the
// clean ones, since what runs on an unclean node is stopped by fencing it.
// The clean nodes are moved to the front of RunningOn.
func (c *Cluster) multiplyActive(r *Resource) bool {
	var clean, unclean []*Node
	for _, n := range r.RunningOn {
		if n.Unclean {
			unclean = append(unclean, n)
		} else {
			clean = append(clean, n)
		}
	}
	if c.requiresFencing(r) {
		return true
	}
	r.RunningOn = append(clean, unclean...)
	return len(clean) > 1
}

// requiresFencing reports whether r's requires is fencing (the default
// with fencing enabled, except for fence devices).
func (c *Cluster) requiresFencing(r *Resource) bool {
	switch r.Meta["requires"] {
	case "fencing", "unfencing":
		return c.FencingEnabled
	case "nothing", "quorum":
		return false
	}
	return c.FencingEnabled && (r.Cfg == nil || r.Cfg.Class != "stonith")
}

// historyActive guesses from an operation history whether the resource is
// active: its last completed operation started, promoted or found it
// running.
func historyActive(lr *cib.LrmResource) bool {
	var last *cib.LrmOp
	for _, op := range lr.Ops {
		if op.OpStatus != 0 || op.Operation == "notify" {
			continue
		}
		if last == nil || op.CallID > last.CallID {
			last = op
		}
	}
	if last == nil || last.Failed() && !(last.Operation == "monitor" && last.Interval == 0) {
		return false
	}
	switch last.Operation {
	case "start", "promote", "demote", "migrate_from":
		return true
	case "monitor":
		return last.RC == 0 || last.RC == 8
	}
	return false
}

// migrateFromOn returns the migrate_from record of resource id on node n,
// or nil.
func (c *Cluster) migrateFromOn(n *Node, id string) *cib.LrmOp {
	if n == nil {
		return nil
	}
	for _, lr := range c.historyOf(n, id) {
		for _, op := range lr.Ops {
			if op.Operation == "migrate_from" && op.OpStatus != 1 {
				return op
			}
		}
	}
	return nil
}

func (c *Cluster) historyOf(n *Node, id string) []*cib.LrmResource {
	st := c.CIB.NodeState(n.ID, "")
	if st == nil {
		st = c.CIB.NodeState("", n.Name)
	}
	if st == nil {
		return nil
	}
	var out []*cib.LrmResource
	for _, lr := range st.Resources {
		if lr.ID == id {
			out = append(out, lr)
		}
	}
	return out
}

// changedSince reports whether the target of a migration has no history
// of the resource, or a newer state than the migration: an operation other
// than a monitor, or a monitor finding it stopped, that happened later
// (results on different nodes are compared by when they changed).
func (c *Cluster) changedSince(n *Node, id string, migrateTo, migrateFrom *cib.LrmOp) bool {
	hs := c.historyOf(n, id)
	if len(hs) == 0 {
		return true
	}
	for _, lr := range hs {
		for _, op := range lr.Ops {
			if op == migrateFrom || !newerOp(op, migrateTo, migrateFrom) {
				continue
			}
			if op.Operation != "monitor" || op.RC == 7 {
				return true
			}
		}
	}
	return false
}

// newerOp reports whether op, on a migration's target, happened after the
// migration: after its migrate_from there by call id, else after its
// migrate_to (on another node) by when their results changed, when both
// times are known.
func newerOp(op, migrateTo, migrateFrom *cib.LrmOp) bool {
	if migrateFrom != nil {
		return op.CallID > migrateFrom.CallID
	}
	return op.LastRCChange > 0 && migrateTo.LastRCChange > 0 && op.LastRCChange > migrateTo.LastRCChange
}

// maybeActiveOnTarget counts r as active on the target of a failed
// migration, unless the target has stopped it since.
func (c *Cluster) maybeActiveOnTarget(r *Resource, target *Node, id string, migrateTo, migrateFrom *cib.LrmOp) {
	if target == nil || !target.Online || r.runningOn(target) || c.changedSince(target, id, migrateTo, migrateFrom) {
		return
	}
	c.addActive(r, target)
}

// addActive counts r as started on n besides the nodes it is known on.
func (c *Cluster) addActive(r *Resource, n *Node) {
	if r.runningOn(n) {
		return
	}
	r.RunningOn = append(r.RunningOn, n)
	r.historyOn[n] = true
	if r.Role == "" || r.Role == RoleStopped {
		r.Role = RoleStarted
	}
}

// sortedOps returns a history's operations oldest first, as Pacemaker
// orders them: by call id, and an operation and its last_failure record
// (same call id) by the time their result changed.
func sortedOps(lr *cib.LrmResource) []*cib.LrmOp {
	ops := append([]*cib.LrmOp(nil), lr.Ops...)
	sort.SliceStable(ops, func(i, j int) bool {
		if ops[i].CallID != ops[j].CallID {
			return ops[i].CallID < ops[j].CallID
		}
		return ops[i].LastRCChange < ops[j].LastRCChange
	})
	return ops
}
