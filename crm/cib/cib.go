// Package cib reads Pacemaker's Cluster Information Base (CIB) XML into a
// plain Go model: cluster options, nodes, resources, constraints and the
// status section (membership, transient attributes, operation history).
//
// The model keeps configuration order everywhere because Pacemaker's
// decisions (allocation order, tie breaks, output order) depend on it.
package cib

import (
	"time"

	"github.com/beevik/etree"
)

// MaxVersion bounds admin_epoch, epoch and num_updates (2^53-1, exact in
// JSON and far from int64's wrap: a change every microsecond for 285
// years).
const MaxVersion = 1<<53 - 1

// CIB is one parsed CIB document.
type CIB struct {
	ValidateWith string
	HaveQuorum   bool
	// ExecutionDate is "now" for rule evaluation when the document carries
	// an execution-date attribute (the scheduler regression tests do).
	ExecutionDate time.Time
	DCUUID        string
	// LastWritten, UpdateOrigin, UpdateClient and UpdateUser say when and by
	// whom the configuration last changed (crm_mon's "Last change").
	LastWritten  string
	UpdateOrigin string
	UpdateClient string
	UpdateUser   string

	CrmConfig   []NVSet
	Nodes       []*Node
	Resources   []*Resource // top-level resources in configuration order
	Locations   []*Location
	Colocations []*Colocation
	Orders      []*Order
	RscDefaults []NVSet
	OpDefaults  []NVSet
	Status      []*NodeState
	// Templates are the <template> elements by id: primitives naming one
	// with template= inherit its class, type, attributes and operations.
	Templates map[string]*Resource
	// Tags are the <tags> section: a tag id names a list of resource or
	// template ids, usable wherever a constraint names a resource.
	Tags map[string][]string

	// Warnings are problems Pacemaker tolerates (with a fallback); verify
	// reports them.
	Warnings Errors

	doc *source
}

// NVSet is one instance_attributes, meta_attributes or
// cluster_property_set block, optionally guarded by a rule.
type NVSet struct {
	ID    string
	Score int
	Rule  *Rule
	Pairs []NVPair
}

// NVPair is one name/value pair.
type NVPair struct {
	ID    string
	Name  string
	Value string
}

// Node is a cluster node from the nodes section.
type Node struct {
	ID    string
	Uname string
	Type  string
	Attrs []NVSet // instance_attributes (e.g. standby)
	// Utilization is the node's capacity (utilization attributes).
	Utilization []NVSet
	Line        int
}

// Kind is the kind of a configured resource.
type Kind int

// Resource kinds.
const (
	Primitive Kind = iota
	Group
	Clone
)

func (k Kind) String() string {
	switch k {
	case Group:
		return "group"
	case Clone:
		return "clone"
	}
	return "primitive"
}

// Resource is a configured primitive, group or clone (promotable or not).
type Resource struct {
	ID       string
	Kind     Kind
	Tag      string // element name as written: primitive, group, clone, master
	Class    string
	Provider string
	Type     string
	Meta     []NVSet
	Instance []NVSet
	Ops      []Op
	// Template is the id of the <template> a primitive is derived from.
	Template string
	// Utilization is the resource's utilization attributes.
	Utilization []NVSet
	Children    []*Resource
	Parent      *Resource
	Line        int
	el          *etree.Element
}

// Agent returns "class:provider:type" as Pacemaker prints it.
func (r *Resource) Agent() string {
	if r.Provider != "" {
		return r.Class + ":" + r.Provider + ":" + r.Type
	}
	return r.Class + ":" + r.Type
}

// Op is a configured operation.
type Op struct {
	ID       string
	Name     string
	Interval time.Duration
	Role     string // normalised: Started, Promoted, Unpromoted or ""
	OnFail   string
	Enabled  bool
	Meta     []NVSet
}

// Location is an rsc_location constraint.
type Location struct {
	ID           string
	Rsc          string
	RscPattern   string
	Node         string
	Score        int
	HasScore     bool
	Role         string
	Rules        []*Rule
	DiscoverMode string
	// Sets, when present, name the resources instead of Rsc.
	Sets []*ResourceSet
	Line int
	el   *etree.Element
}

// Colocation is an rsc_colocation constraint: Rsc (the dependent) is placed
// relative to WithRsc (the primary).
type Colocation struct {
	ID          string
	Rsc         string
	WithRsc     string
	Score       int
	RscRole     string
	WithRscRole string
	NodeAttr    string
	// Sets, when present, replace Rsc and WithRsc: each set is colocated
	// with the next one.
	Sets []*ResourceSet
	Line int
	el   *etree.Element
}

// Order is an rsc_order constraint.
type Order struct {
	ID          string
	First       string
	Then        string
	FirstAction string
	ThenAction  string
	Kind        string // Mandatory, Optional, Serialize
	Score       int
	HasScore    bool
	Symmetrical bool
	// RequireAll=false (deprecated, like clone-min=1 on first): then may
	// start once one instance of the first clone can.
	RequireAll bool
	// Sets, when present, replace First and Then: each set is ordered
	// before the next one.
	Sets []*ResourceSet
	Line int
	el   *etree.Element
}

// ResourceSet is one resource_set of a constraint.
type ResourceSet struct {
	ID        string
	Resources []string
	// Sequential: members are ordered (or colocated) among themselves.
	// Defaults to true.
	Sequential bool
	// SequentialSet: sequential was written as true. Between the sets of
	// an order only an explicit sequential=true makes the set's ends
	// stand for it.
	SequentialSet bool
	// RequireAll (orders): the next set waits for every member, or for
	// any one of them when false. Defaults to true.
	RequireAll bool
	Role       string // normalised role, "" for any
	Action     string // order action for the members, "" for the constraint's
	Score      int
	HasScore   bool
	Kind       string
	// Ordering is the deprecated ordering attribute: "group" (the
	// default) colocates each member with the one before it, "listed"
	// each with the one after it.
	Ordering string
	Line     int
	el       *etree.Element
}

// Rule is a rule element: expressions combined with and/or.
type Rule struct {
	ID             string
	Score          int
	HasScore       bool
	ScoreAttribute string
	Role           string
	BooleanOp      string // "and" (default) or "or"
	Exprs          []Expr
	Line           int
}

// Expr is one condition of a rule. Exactly one of the fields groups is used
// depending on Kind.
type Expr struct {
	Kind      string // "attr", "date", "rule"
	ID        string
	Attribute string
	Operation string
	Value     string
	Type      string
	ValueSrc  string
	Start     string
	End       string
	Sub       *Rule
	// Class and Provider of an rsc_expression (its type is in Value).
	Class, Provider string
}

// NodeState is one node_state entry of the status section.
type NodeState struct {
	ID    string
	Uname string
	InCCM string
	// InCCMMissing: the entry has no in_ccm attribute at all.
	InCCMMissing bool
	Crmd         string
	Join         string
	Expected     string
	Shutdown     string
	Attrs        map[string]string // transient attributes
	// Utilization: transient utilization attributes (configured node
	// utilization wins over them).
	Utilization []NVSet
	Resources   []*LrmResource
	Line        int
}

// LrmResource is the operation history of one resource on one node.
type LrmResource struct {
	ID       string
	Class    string
	Provider string
	Type     string
	// ShutdownLock is when the resource was locked to this node by a
	// clean shutdown (shutdown-lock), 0 if it is not.
	ShutdownLock int64
	Ops          []*LrmOp
}

// LrmOp is one recorded operation result.
type LrmOp struct {
	ID            string
	Operation     string
	Interval      time.Duration
	RC            int
	OpStatus      int
	CallID        int
	TargetRC      int
	TransitionKey string
	LastRCChange  int64
	Digest        string
	// RestartDigest and ForceRestart: the digest of the parameters that
	// need a restart to change, and their names (space separated); an
	// agent that records them supports reload.
	RestartDigest string
	ForceRestart  string
	// SecureDigest: the digest without the private parameters listed in
	// SecureParams (what a sanitized CIB can still be compared with).
	SecureDigest  string
	SecureParams  string
	FeatureSet    string
	MigrateSource string
	MigrateTarget string
	// OperationKey is RSC_TASK_INTERVAL; ExitReason the agent's
	// ocf-exit-reason; ExecTime and QueueTime are milliseconds as written
	// ("" when absent).
	OperationKey string
	ExitReason   string
	ExecTime     string
	QueueTime    string
	Line         int
}

// Failed reports whether the operation did not produce its expected result.
func (o *LrmOp) Failed() bool {
	return o.OpStatus != 0 || o.RC != o.TargetRC
}

// Online reports whether Pacemaker would count the node as an active member.
func (n *NodeState) Online() bool {
	inCCM := n.InCCM == "true" || isTimestamp(n.InCCM)
	crmd := n.Crmd == "online" || isTimestamp(n.Crmd)
	return inCCM && crmd && n.Join == "member"
}

func isTimestamp(s string) bool {
	if s == "" || s == "0" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Walk calls fn for r and every descendant, depth first in configuration order.
func (r *Resource) Walk(fn func(*Resource)) {
	fn(r)
	for _, c := range r.Children {
		c.Walk(fn)
	}
}

// FindResource returns the configured resource (at any depth) with this id.
func (c *CIB) FindResource(id string) *Resource {
	var found *Resource
	for _, r := range c.Resources {
		r.Walk(func(x *Resource) {
			if found == nil && x.ID == id {
				found = x
			}
		})
	}
	return found
}

// NodeState returns the status entry for a node id or uname, or nil.
func (c *CIB) NodeState(id, uname string) *NodeState {
	for _, s := range c.Status {
		if s.ID == id {
			return s
		}
	}
	for _, s := range c.Status {
		if id == "" && s.Uname == uname && uname != "" {
			return s
		}
	}
	return nil
}
