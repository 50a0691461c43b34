// Package status holds what Baton's controller knows about the cluster at
// run time: which nodes are members, their transient attributes (promotion
// scores, pingd, fail counts) and every resource's operation history. It
// renders all of it as the CIB's <status> section in Pacemaker's format, so
// the scheduler reads it exactly as it reads a Pacemaker CIB, and so the
// file loads into Pacemaker unchanged.
package status

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/beevik/etree"
)

// Status is the cluster status. It is safe for concurrent use.
type Status struct {
	mu     sync.Mutex
	nodes  map[string]*node // by uname
	callID int
}

type node struct {
	id     string
	uname  string
	online bool
	attrs  map[string]string
	rscs   map[string]*resource
}

type resource struct {
	id, class, provider, typ string
	ops                      map[string]*Op // by history id: RSC_last_0, RSC_last_failure_0, RSC_monitor_10000
	order                    int
}

// Op is one recorded operation result.
type Op struct {
	Operation  string        // start, stop, monitor, promote, demote, notify ...
	Interval   time.Duration // recurring monitors
	RC         int
	OpStatus   int // 0 done; 2 timed out (Pacemaker's PCMK_EXEC_TIMEOUT); 4 error
	TargetRC   int
	Transition string // transition key "action:transition:target:uuid"
	CallID     int
	When       time.Time
	ExecTime   time.Duration
	Reason     string
}

// Failed reports whether the op ended unexpectedly.
func (o *Op) Failed() bool { return o.OpStatus != 0 || o.RC != o.TargetRC }

// Resource identifies a resource (instance) in the history.
type Resource struct {
	ID, Class, Provider, Type string
}

// New returns an empty status.
func New() *Status { return &Status{nodes: map[string]*node{}} }

func (s *Status) get(uname string) *node {
	n := s.nodes[uname]
	if n == nil {
		n = &node{id: uname, uname: uname, attrs: map[string]string{}, rscs: map[string]*resource{}}
		s.nodes[uname] = n
	}
	return n
}

// SetMember records whether a node is an active member; id is its CIB node
// id. A node that leaves loses its transient attributes and its history, as
// in Pacemaker: what ran there is gone with it.
func (s *Status) SetMember(id, uname string, member bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.get(uname)
	n.id = id
	if n.online && !member {
		n.attrs = map[string]string{}
		n.rscs = map[string]*resource{}
	}
	n.online = member
}

// Member reports whether a node is an active member.
func (s *Status) Member(uname string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nodes[uname]
	return n != nil && n.online
}

// SetAttr sets (or, with value "", deletes) a transient node attribute.
func (s *Status) SetAttr(uname, name, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.get(uname)
	if value == "" {
		delete(n.attrs, name)
	} else {
		n.attrs[name] = value
	}
}

// Attr returns a transient node attribute.
func (s *Status) Attr(uname, name string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nodes[uname]
	if n == nil {
		return "", false
	}
	v, ok := n.attrs[name]
	return v, ok
}

// Record adds an operation result to a node's history, as Pacemaker's
// controller does: the latest one-shot op replaces RSC_last_0, a failure is
// also kept as RSC_last_failure_0 and counted in fail-count-RSC#OP_INTERVAL,
// recurring monitors keep one entry each, and a successful stop removes the
// recurring entries (they were cancelled).
func (s *Status) Record(uname string, r Resource, op Op) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.get(uname)
	rs := n.rscs[r.ID]
	if rs == nil {
		rs = &resource{id: r.ID, class: r.Class, provider: r.Provider, typ: r.Type, ops: map[string]*Op{}, order: len(n.rscs)}
		n.rscs[r.ID] = rs
	}
	s.callID++
	op.CallID = s.callID
	if op.When.IsZero() {
		op.When = time.Now()
	}
	if op.Interval > 0 {
		rs.ops[fmt.Sprintf("%s_%s_%d", r.ID, op.Operation, op.Interval.Milliseconds())] = &op
	} else {
		rs.ops[r.ID+"_last_0"] = &op
	}
	if op.Operation == "stop" && !op.Failed() {
		for k, o := range rs.ops {
			if o.Interval > 0 {
				delete(rs.ops, k)
			}
		}
	}
	if op.Failed() {
		cp := op
		rs.ops[r.ID+"_last_failure_0"] = &cp
		key := fmt.Sprintf("%s#%s_%d", r.ID, op.Operation, op.Interval.Milliseconds())
		cnt, _ := strconv.Atoi(n.attrs["fail-count-"+key])
		n.attrs["fail-count-"+key] = strconv.Itoa(cnt + 1)
		n.attrs["last-failure-"+key] = strconv.FormatInt(op.When.Unix(), 10)
	}
}

// Forget removes a resource's history and fail counts on a node (or on every
// node when uname is ""), as `crm_resource --cleanup` does, so that it is
// probed again.
func (s *Status) Forget(uname, rsc string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.nodes {
		if uname != "" && n.uname != uname {
			continue
		}
		delete(n.rscs, rsc)
		for k := range n.attrs {
			if strings.HasPrefix(k, "fail-count-"+rsc+"#") || strings.HasPrefix(k, "last-failure-"+rsc+"#") {
				delete(n.attrs, k)
			}
		}
	}
}

// Known reports whether a node has any history of a resource (whether it
// was probed there).
func (s *Status) Known(uname, rsc string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nodes[uname]
	return n != nil && n.rscs[rsc] != nil
}

// Element renders the <status> section.
func (s *Status) Element() *etree.Element {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := etree.NewElement("status")
	names := make([]string, 0, len(s.nodes))
	for k := range s.nodes {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		n := s.nodes[name]
		ns := st.CreateElement("node_state")
		ns.CreateAttr("id", n.id)
		ns.CreateAttr("uname", n.uname)
		if n.online {
			ns.CreateAttr("in_ccm", "true")
			ns.CreateAttr("crmd", "online")
			ns.CreateAttr("crm-debug-origin", "baton")
			ns.CreateAttr("join", "member")
			ns.CreateAttr("expected", "member")
		} else {
			ns.CreateAttr("in_ccm", "false")
			ns.CreateAttr("crmd", "offline")
			ns.CreateAttr("crm-debug-origin", "baton")
			ns.CreateAttr("join", "down")
			ns.CreateAttr("expected", "down")
		}
		if len(n.attrs) > 0 {
			ta := ns.CreateElement("transient_attributes")
			ta.CreateAttr("id", n.id)
			ia := ta.CreateElement("instance_attributes")
			ia.CreateAttr("id", "status-"+n.id)
			keys := make([]string, 0, len(n.attrs))
			for k := range n.attrs {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				nv := ia.CreateElement("nvpair")
				nv.CreateAttr("id", "status-"+n.id+"-"+k)
				nv.CreateAttr("name", k)
				nv.CreateAttr("value", n.attrs[k])
			}
		}
		lrm := ns.CreateElement("lrm")
		lrm.CreateAttr("id", n.id)
		lrs := lrm.CreateElement("lrm_resources")
		rscs := make([]*resource, 0, len(n.rscs))
		for _, r := range n.rscs {
			rscs = append(rscs, r)
		}
		sort.Slice(rscs, func(i, j int) bool { return rscs[i].order < rscs[j].order })
		for _, r := range rscs {
			lr := lrs.CreateElement("lrm_resource")
			lr.CreateAttr("id", r.id)
			lr.CreateAttr("class", r.class)
			if r.provider != "" {
				lr.CreateAttr("provider", r.provider)
			}
			lr.CreateAttr("type", r.typ)
			ids := make([]string, 0, len(r.ops))
			for k := range r.ops {
				ids = append(ids, k)
			}
			sort.Slice(ids, func(i, j int) bool { return r.ops[ids[i]].CallID < r.ops[ids[j]].CallID })
			for _, id := range ids {
				o := r.ops[id]
				e := lr.CreateElement("lrm_rsc_op")
				e.CreateAttr("id", id)
				e.CreateAttr("operation_key", fmt.Sprintf("%s_%s_%d", r.id, o.Operation, o.Interval.Milliseconds()))
				e.CreateAttr("operation", o.Operation)
				e.CreateAttr("crm-debug-origin", "baton")
				e.CreateAttr("transition-key", o.Transition)
				e.CreateAttr("transition-magic", fmt.Sprintf("%d:%d;%s", o.OpStatus, o.RC, o.Transition))
				if o.Reason != "" {
					e.CreateAttr("exit-reason", o.Reason)
				}
				e.CreateAttr("on_node", n.uname)
				e.CreateAttr("call-id", strconv.Itoa(o.CallID))
				e.CreateAttr("rc-code", strconv.Itoa(o.RC))
				e.CreateAttr("op-status", strconv.Itoa(o.OpStatus))
				e.CreateAttr("interval", strconv.FormatInt(o.Interval.Milliseconds(), 10))
				e.CreateAttr("last-rc-change", strconv.FormatInt(o.When.Unix(), 10))
				e.CreateAttr("exec-time", strconv.FormatInt(o.ExecTime.Milliseconds(), 10))
				e.CreateAttr("queue-time", "0")
			}
		}
	}
	return st
}

// TransitionKey formats Pacemaker's transition key.
func TransitionKey(action, transition, targetRC int, uuid string) string {
	return fmt.Sprintf("%d:%d:%d:%s", action, transition, targetRC, uuid)
}

// FailedOp is an operation whose latest result on a node is a failure.
type FailedOp struct {
	Resource  string
	Operation string
	Interval  time.Duration
}

// Failures returns the operations whose latest result on the node failed:
// the last one-shot operation of each resource and each recurring monitor.
func (s *Status) Failures(uname string) []FailedOp {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nodes[uname]
	if n == nil {
		return nil
	}
	var out []FailedOp
	for _, r := range n.rscs {
		for k, o := range r.ops {
			if strings.HasSuffix(k, "_last_failure_0") || !o.Failed() {
				continue
			}
			out = append(out, FailedOp{Resource: r.id, Operation: o.Operation, Interval: o.Interval})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Resource != out[j].Resource {
			return out[i].Resource < out[j].Resource
		}
		return out[i].Operation < out[j].Operation
	})
	return out
}
