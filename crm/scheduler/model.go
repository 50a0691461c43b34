package scheduler

import (
	"github.com/baton-ha/baton/crm/cib"
)

// Roles, as Pacemaker names them.
const (
	RoleStopped    = "Stopped"
	RoleStarted    = "Started"
	RoleUnpromoted = "Unpromoted"
	RolePromoted   = "Promoted"
)

const inf = cib.Infinity

// Node is a cluster node as the scheduler sees it.
type Node struct {
	ID      string
	Name    string
	Index   int // position in the CIB's nodes section: the last tie breaker
	Online  bool
	Standby bool
	// Maintenance: resources here are left alone and nothing new starts.
	Maintenance bool
	// Unclean: the node's state is unknown and it must be fenced before
	// its resources may run elsewhere; FenceReason says why.
	Unclean     bool
	FenceReason string
	// Pending: a member still joining; Shutdown: it asked to leave.
	Pending  bool
	Shutdown bool
	// fenced: a fence of this node is part of the transition.
	fenced bool
	Attrs  map[string]string
	// assigned counts resources placed here so far (load balancing on ties).
	assigned int
	// capacity and remaining: utilization attributes (placement-strategy).
	capacity, remaining map[string]int
}

// Available reports whether resources may be placed on the node.
func (n *Node) Available() bool {
	return n.Online && !n.Standby && !n.Maintenance && !n.Unclean && !n.Pending
}

// Resource is a configured resource or a clone instance.
type Resource struct {
	ID       string // printed id: "rsc", or "prim:N" for clone instances
	Cfg      *cib.Resource
	Kind     cib.Kind
	Parent   *Resource
	Children []*Resource
	Instance int // instance number inside a clone, -1 otherwise
	Meta     map[string]string

	Priority           int
	Stickiness         int
	MigrationThreshold int
	Managed            bool
	TargetRole         string
	Promotable         bool
	Unique             bool
	Interleave         bool
	CloneMax           int
	CloneNodeMax       int
	PromotedMax        int
	PromotedNodeMax    int
	Orphan             bool

	// Current state (primitives).
	RunningOn []*Node
	Role      string
	Failed    bool
	Blocked   bool // a failed stop or on-fail=block: nothing may be done
	// multiplyActive: active on more nodes than it may be (multiple-active).
	multiplyActive bool
	// failedOnlyActive: it counts as failed only for being multiply active.
	failedOnlyActive bool
	// demoteOnly: a failure with on-fail=demote: it is demoted, not
	// recovered.
	demoteOnly bool
	// lockedTo: a shutdown lock keeps it on this node (shutdownlock.go).
	lockedTo *Node
	// util is a primitive's utilization (placement-strategy).
	util map[string]int
	// partialTarget: a migrate_to succeeded towards this node but the
	// migrate_from has not happened yet.
	partialTarget *Node
	// migrating: it moves by live migration (migration.go).
	migrating bool
	// stopFailed: its last stop failed and nobody can fence it away.
	stopFailed bool
	// activeOn remembers nodes whose history this instance already owns.
	historyOn map[*Node]bool
	// historyID: the other name its history was recorded under, if any
	// (an anonymous instance's old number).
	historyID string
	// histories are its lrm_resource entries, node by node.
	histories []nodeHistory
	// defChanges: nodes where a changed definition restarts it (digest.go).
	defChanges map[*Node]definitionChange

	// Placement.
	loc          []int // location score per node index (rules, constraints, bans)
	allowedSet   bool  // asymmetric cluster: loc only counts where allowed
	allowed      []bool
	assigning    bool
	assignedDone bool
	Assigned     *Node
	NextRole     string
	thisWith     []*colocation // this resource is the dependent
	withThis     []*colocation // this resource is the primary
	promoScore   int
	cloneWeights []int // a clone's node scores at assignment

	plan plan
}

// IsInstance reports whether the resource is (inside) a clone instance.
func (r *Resource) IsInstance() bool { return r.Instance >= 0 }

// Leaves returns the primitives of r in configuration/instance order.
func (r *Resource) Leaves() []*Resource {
	if r.Kind == cib.Primitive {
		return []*Resource{r}
	}
	var out []*Resource
	for _, c := range r.Children {
		out = append(out, c.Leaves()...)
	}
	return out
}

// clone returns the nearest clone ancestor (or r itself), or nil.
func (r *Resource) clone() *Resource {
	for x := r; x != nil; x = x.Parent {
		if x.Kind == cib.Clone {
			return x
		}
	}
	return nil
}

// top returns the top-level resource containing r.
func (r *Resource) top() *Resource {
	x := r
	for x.Parent != nil {
		x = x.Parent
	}
	return x
}

// Current returns the first node the resource is active on, or nil.
func (r *Resource) Current() *Node {
	if len(r.RunningOn) == 0 {
		return nil
	}
	return r.RunningOn[0]
}

func (r *Resource) runningOn(n *Node) bool {
	for _, x := range r.RunningOn {
		if x == n {
			return true
		}
	}
	return false
}

type colocation struct {
	cfg         *cib.Colocation
	dependent   *Resource
	primary     *Resource
	score       int
	depRole     string
	primaryRole string
	nodes       []*Node // all nodes, for node-attribute matching
}

// plan is the set of actions decided for one primitive.
type plan struct {
	stopOn          []*Node // nodes to stop on (required)
	start           bool    // a start on Assigned is required
	startRunnable   bool
	stopRunnable    bool
	promote         bool
	promoteRunnable bool
	demote          bool
	noQuorum        bool // the start cannot run for lack of quorum
	// noPartner: an interleaved mandatory order found no instance of the
	// first clone on this instance's node, so the instance cannot run.
	noPartner bool
	// Reasons of the actions (the first one found wins, as in Pacemaker):
	// what made them required or unrunnable.
	startReason, stopReason, promoteReason, demoteReason string
}

// setReason records why task is required or cannot run, unless a reason
// is known already.
func (p *plan) setReason(task, reason string) {
	var f *string
	switch task {
	case "start":
		f = &p.startReason
	case "stop":
		f = &p.stopReason
	case "promote":
		f = &p.promoteReason
	case "demote":
		f = &p.demoteReason
	default:
		return
	}
	if *f == "" {
		*f = reason
	}
}

func (p *plan) stopsOn(n *Node) bool {
	for _, x := range p.stopOn {
		if x == n {
			return true
		}
	}
	return false
}

func (p *plan) addStop(n *Node) bool {
	if n == nil || p.stopsOn(n) {
		return false
	}
	p.stopOn = append(p.stopOn, n)
	return true
}
