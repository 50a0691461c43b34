// Package view is the cluster as an administrator sees it: the nodes, where
// each resource runs and in which role, the operation history with fail
// counts, the failed operations and the fencing history. It is read straight
// from a CIB and its status section, as crm_mon reads it: nothing is
// scheduled. `baton status` renders a View as text, as crm_mon's XML or as
// JSON; the daemon's Prometheus metrics are computed from one.
package view

import (
	"sort"
	"time"

	"github.com/baton-ha/baton/crm/controller"
	"github.com/baton-ha/baton/crm/watchdog"
)

// View is one look at the cluster.
type View struct {
	// Node is the node that answered ("" when read from a file).
	Node string `json:"node,omitempty"`
	// DC is the designated controller's name ("" when there is none).
	DC           string `json:"dc"`
	DCID         string `json:"dc_id,omitempty"`
	Quorate      bool   `json:"quorate"`
	QuorumReason string `json:"quorum_reason,omitempty"`

	LastUpdate  time.Time      `json:"last_update"`
	LastChange  Change         `json:"last_change"`
	Options     ClusterOptions `json:"cluster_options"`
	Constraints int            `json:"constraints"`
	// Locations are the location constraints that name a node and a
	// score (bans, preferences, --move's and --ban's).
	Locations []Location `json:"locations,omitempty"`

	Nodes []Node `json:"nodes"`
	// Members names the nodes online, as the answering node sees them.
	Members   []string      `json:"members"`
	Resources []Resource    `json:"resources"`
	History   []NodeHistory `json:"node_history,omitempty"`
	Failures  []Failure     `json:"failures,omitempty"`
	Fencing   []FenceEvent  `json:"fence_history,omitempty"`
	// NodeAttrs are the nodes' attributes crm_mon shows (promotion
	// scores, pingd), by node name.
	NodeAttrs map[string]map[string]string `json:"node_attributes,omitempty"`

	// Links is Baton's own: the state of each heartbeat link to each peer,
	// as the answering node sees it.
	Links []Link `json:"links,omitempty"`
	// Safety, Holding and Watchdog are Baton's own too: the daemon's
	// fencing (devices, unclean nodes, why it is unsafe), why it does not
	// fail over now, and its self-fencing watchdog.
	Safety   *controller.FenceState `json:"fencing,omitempty"`
	Holding  string                 `json:"holding,omitempty"`
	Watchdog *watchdog.State        `json:"watchdog,omitempty"`
}

// Location is a location constraint with a node and a score.
type Location struct {
	ID       string `json:"id"`
	Resource string `json:"resource"`
	Node     string `json:"node"`
	Role     string `json:"role,omitempty"`
	Score    int    `json:"score"`
}

// Change says when and by whom the configuration last changed.
type Change struct {
	Time   string `json:"time"`
	User   string `json:"user,omitempty"`
	Client string `json:"client,omitempty"`
	Origin string `json:"origin,omitempty"`
}

// ClusterOptions are the cluster options crm_mon summarises.
type ClusterOptions struct {
	StonithEnabled         bool   `json:"stonith_enabled"`
	Symmetric              bool   `json:"symmetric_cluster"`
	NoQuorumPolicy         string `json:"no_quorum_policy"`
	Maintenance            bool   `json:"maintenance_mode"`
	StopAll                bool   `json:"stop_all_resources"`
	StonithTimeoutMS       int64  `json:"stonith_timeout_ms"`
	PriorityFencingDelayMS int64  `json:"priority_fencing_delay_ms"`
}

// Node is one cluster node.
type Node struct {
	Name             string `json:"name"`
	ID               string `json:"id"`
	Online           bool   `json:"online"`
	Standby          bool   `json:"standby"`
	Maintenance      bool   `json:"maintenance"`
	Pending          bool   `json:"pending"`
	Unclean          bool   `json:"unclean"`
	Shutdown         bool   `json:"shutdown"`
	ExpectedUp       bool   `json:"expected_up"`
	IsDC             bool   `json:"is_dc"`
	ResourcesRunning int    `json:"resources_running"`
}

// Kinds of Resource.
const (
	KindPrimitive = "primitive"
	KindGroup     = "group"
	KindClone     = "clone"
)

// Resource is a primitive (or clone instance), a group or a clone, with its
// members.
type Resource struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
	// Agent is class:provider:type (primitives).
	Agent string `json:"agent,omitempty"`
	// Role is Stopped, Started, Unpromoted or Promoted (primitives).
	Role string `json:"role,omitempty"`
	// TargetRole is the target-role meta attribute as written, if any.
	TargetRole     string     `json:"target_role,omitempty"`
	Active         bool       `json:"active"`
	Orphaned       bool       `json:"orphaned,omitempty"`
	Blocked        bool       `json:"blocked,omitempty"`
	Managed        bool       `json:"managed"`
	Failed         bool       `json:"failed"`
	FailureIgnored bool       `json:"failure_ignored,omitempty"`
	Disabled       bool       `json:"disabled,omitempty"`
	Promotable     bool       `json:"promotable,omitempty"`
	Unique         bool       `json:"unique,omitempty"`
	Nodes          []NodeRef  `json:"nodes,omitempty"`
	Children       []Resource `json:"children,omitempty"`

	// Group and Clone name the enclosing group and clone, if any.
	Group string `json:"group,omitempty"`
	Clone string `json:"clone,omitempty"`
}

// NodeRef names a node a resource runs on.
type NodeRef struct {
	Name string `json:"name"`
	ID   string `json:"id"`
}

// Primitives returns the primitives (and clone instances) under r, r
// included, depth first.
func (r Resource) Primitives() []Resource {
	if r.Kind == KindPrimitive {
		return []Resource{r}
	}
	var out []Resource
	for _, c := range r.Children {
		out = append(out, c.Primitives()...)
	}
	return out
}

// Primitives returns every primitive of the view in configuration order.
func (v *View) Primitives() []Resource {
	var out []Resource
	for _, r := range v.Resources {
		out = append(out, r.Primitives()...)
	}
	return out
}

// NodeHistory is one node's operation history.
type NodeHistory struct {
	Node      string            `json:"node"`
	Resources []ResourceHistory `json:"resources"`
}

// ResourceHistory is one resource's history on a node.
type ResourceHistory struct {
	ID     string `json:"id"`
	Orphan bool   `json:"orphan"`
	// MigrationThreshold is the resource's migration-threshold (1000000
	// for INFINITY, Pacemaker's default).
	MigrationThreshold int `json:"migration_threshold"`
	// FailCount sums the resource's fail counts on the node (1000000 for
	// INFINITY).
	FailCount   int         `json:"fail_count"`
	LastFailure time.Time   `json:"last_failure,omitzero"`
	Ops         []OpHistory `json:"ops"`
}

// OpHistory is one recorded operation.
type OpHistory struct {
	Call     int           `json:"call"`
	Task     string        `json:"task"` // "probe" for one-shot monitors
	Interval time.Duration `json:"interval"`
	RC       int           `json:"rc"`
	// LastRCChange is zero when the record does not say.
	LastRCChange time.Time `json:"last_rc_change,omitzero"`
	ExecTime     string    `json:"exec_time_ms,omitempty"`
	QueueTime    string    `json:"queue_time_ms,omitempty"`
}

// Failure is a failed operation.
type Failure struct {
	// OpKey is RSC_TASK_INTERVAL; ID the history entry's id, used when the
	// record has no key.
	OpKey        string        `json:"op_key,omitempty"`
	ID           string        `json:"id,omitempty"`
	Resource     string        `json:"resource"`
	Node         string        `json:"node"`
	Task         string        `json:"task"`
	Interval     time.Duration `json:"interval"`
	RC           int           `json:"rc"`
	OpStatus     int           `json:"op_status"`
	Reason       string        `json:"reason,omitempty"`
	Call         int           `json:"call"`
	LastRCChange time.Time     `json:"last_rc_change,omitzero"`
	ExecTime     string        `json:"exec_time_ms,omitempty"`
	QueueTime    string        `json:"queue_time_ms,omitempty"`
}

// FenceEvent is one fencing action.
type FenceEvent struct {
	Target string `json:"target"`
	Action string `json:"action"`
	// Status is "success", "failed" or "pending".
	Status   string `json:"status"`
	Origin   string `json:"origin"`
	Client   string `json:"client"`
	Delegate string `json:"delegate,omitempty"`
	// Devices are the fence devices whose level fenced the target (not
	// in crm_mon's XML, whose schema has no place for them).
	Devices   []string  `json:"devices,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	Completed time.Time `json:"completed,omitzero"`
}

// Link is the state of the heartbeat links to one peer.
type Link struct {
	Peer   string   `json:"peer"`
	States []string `json:"states"`
}

// RCText names an OCF exit code as crm_mon does.
func RCText(rc int) string {
	switch rc {
	case 0:
		return "ok"
	case 1:
		return "error"
	case 2:
		return "invalid parameter"
	case 3:
		return "unimplemented feature"
	case 4:
		return "insufficient privileges"
	case 5:
		return "not installed"
	case 6:
		return "not configured"
	case 7:
		return "not running"
	case 8:
		return "promoted"
	case 9:
		return "promoted (failed)"
	case 190:
		return "degraded"
	case 191:
		return "promoted (degraded)"
	}
	return "unknown"
}

// execStatus names Pacemaker's execution statuses (op-status), from -1
// (pending) on, as crm_mon prints them.
var execStatus = []string{"pending", "complete", "Cancelled", "Timed Out", "NOT SUPPORTED", "Error",
	"Hard error", "Fatal error", "Not installed", "Internal communication failure",
	"Cannot execute now", "No fence device", "CIB secrets unavailable"}

// ExecStatusText names an operation's execution status as crm_mon does.
func ExecStatusText(s int) string {
	if s < -1 || s+1 >= len(execStatus) {
		return "unknown"
	}
	return execStatus[s+1]
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
