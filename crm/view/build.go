package view

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/baton-ha/baton/crm/cib"
	"github.com/baton-ha/baton/crm/scheduler"
)

// FromCIB reads the view from a CIB with its status section. It unpacks the
// status the way the scheduler does (so a resource's role and nodes here are
// the ones the scheduler starts from) but computes no transition. now is
// the view's "last update".
func FromCIB(doc *cib.CIB, now time.Time) (*View, error) {
	c, err := scheduler.NewCluster(doc)
	if err != nil {
		return nil, err
	}
	v := &View{LastUpdate: now, Quorate: doc.HaveQuorum,
		LastChange:  Change{Time: doc.LastWritten, User: doc.UpdateUser, Client: doc.UpdateClient, Origin: doc.UpdateOrigin},
		Constraints: len(doc.Locations) + len(doc.Colocations) + len(doc.Orders)}
	for _, l := range doc.Locations {
		if l.Node != "" && l.HasScore && l.Rsc != "" {
			v.Locations = append(v.Locations, Location{ID: l.ID, Resource: l.Rsc, Node: l.Node, Role: l.Role, Score: l.Score})
		}
	}
	opts := cib.Values(doc.CrmConfig, cib.RuleContext{Now: c.Now, NodeAttrs: map[string]string{}})
	startupFencing := true
	if v, ok := cib.ParseBool(opts["startup-fencing"]); ok {
		startupFencing = v
	}
	v.Options = ClusterOptions{StonithEnabled: c.FencingEnabled, Symmetric: c.Symmetric, NoQuorumPolicy: c.NoQuorumPolicy,
		Maintenance: c.Maintenance, StopAll: c.StopAll,
		StonithTimeoutMS:       durationOption(opts["stonith-timeout"], 60*time.Second).Milliseconds(),
		PriorityFencingDelayMS: durationOption(opts["priority-fencing-delay"], 0).Milliseconds()}

	b := &builder{c: c, doc: doc, running: map[string]int{}, byCfg: map[string]*scheduler.Resource{}}
	for _, top := range c.Resources {
		v.Resources = append(v.Resources, b.resource(top, "", ""))
	}
	for _, o := range c.Orphans {
		if len(o.RunningOn) > 0 {
			v.Resources = append(v.Resources, b.resource(o, "", ""))
		}
	}
	for _, n := range c.Nodes {
		st := doc.NodeState(n.ID, "")
		if st == nil {
			st = doc.NodeState("", n.Name)
		}
		node := Node{Name: n.Name, ID: n.ID, Online: n.Online, Maintenance: n.Maintenance,
			Standby: isTrue(n.Attrs["standby"]), IsDC: doc.DCUUID != "" && doc.DCUUID == n.ID,
			ResourcesRunning: b.running[n.Name]}
		if s := n.Attrs["shutdown"]; s != "" && s != "0" {
			node.Shutdown = true
		}
		if st == nil {
			// Never seen since the cluster started: with fencing on, its
			// state is unknown until it is fenced (startup-fencing).
			node.Unclean = c.FencingEnabled && startupFencing
		} else {
			node.ExpectedUp = st.Expected == "member"
			inCCM := st.InCCM == "true" || isNumber(st.InCCM)
			crmd := st.Crmd == "online" || isNumber(st.Crmd)
			node.Pending = inCCM && crmd && st.Join != "member" && st.Join != "down" && st.Join != ""
			// A member that vanished without a clean shutdown is unclean
			// until fenced (only meaningful where fencing is on).
			node.Unclean = !n.Online && !inCCM && node.ExpectedUp && c.FencingEnabled
		}
		if node.IsDC {
			v.DC, v.DCID = n.Name, n.ID
		}
		v.Nodes = append(v.Nodes, node)
		if node.Online {
			v.Members = append(v.Members, node.Name)
		}
		if n.Online {
			if attrs := shownAttrs(n.Attrs, st); len(attrs) > 0 {
				if v.NodeAttrs == nil {
					v.NodeAttrs = map[string]map[string]string{}
				}
				v.NodeAttrs[n.Name] = attrs
			}
		}
	}
	// The history in the order of the status section, as crm_mon lists it.
	for _, st := range doc.Status {
		for _, n := range c.Nodes {
			if n.Online && (n.ID == st.ID || st.ID == "" && n.Name == st.Uname) {
				b.history(v, n, st)
			}
		}
	}
	return v, nil
}

type builder struct {
	c       *scheduler.Cluster
	doc     *cib.CIB
	running map[string]int                 // node name -> primitives active there
	byCfg   map[string]*scheduler.Resource // configured primitive id -> a resource built from it
}

func (b *builder) resource(r *scheduler.Resource, group, clone string) Resource {
	out := Resource{ID: r.ID, Managed: r.Managed, Orphaned: r.Orphan, Blocked: r.Blocked,
		TargetRole: r.Meta["target-role"], Disabled: disabled(r), Group: group, Clone: clone}
	switch r.Kind {
	case cib.Primitive:
		out.Kind = KindPrimitive
		if r.Cfg != nil {
			out.Agent = r.Cfg.Agent()
			if _, ok := b.byCfg[r.Cfg.ID]; !ok {
				b.byCfg[r.Cfg.ID] = r
			}
			if cl := cloneOf(r); cl != nil && !cl.Unique {
				// Anonymous instances go by their configured id.
				out.ID = r.Cfg.ID
			}
		}
		out.Role = r.Role
		if out.Role == scheduler.RoleStarted && inPromotable(r) {
			out.Role = scheduler.RoleUnpromoted
		}
		if len(r.RunningOn) == 0 {
			out.Role = scheduler.RoleStopped
		}
		out.Active = len(r.RunningOn) > 0
		out.Failed = r.Failed
		for _, n := range r.RunningOn {
			out.Nodes = append(out.Nodes, NodeRef{Name: n.Name, ID: n.ID})
			b.running[n.Name]++
		}
	case cib.Group:
		out.Kind = KindGroup
		for _, ch := range r.Children {
			m := b.resource(ch, r.ID, clone)
			out.Children = append(out.Children, m)
			out.Active = out.Active || m.Active
			out.Failed = out.Failed || m.Failed
		}
	case cib.Clone:
		out.Kind = KindClone
		out.Promotable, out.Unique = r.Promotable, r.Unique
		for _, ch := range r.Children {
			m := b.resource(ch, "", r.ID)
			out.Children = append(out.Children, m)
			out.Active = out.Active || m.Active
		}
	}
	return out
}

// history adds a node's operation history and failed operations.
func (b *builder) history(v *View, n *scheduler.Node, st *cib.NodeState) {
	if st == nil {
		return
	}
	nh := NodeHistory{Node: n.Name}
	seen := map[int]bool{} // failures by call id: RSC_last_0 and RSC_last_failure_0 may be one op
	for _, lr := range st.Resources {
		base := lr.ID
		if i := strings.LastIndexByte(base, ':'); i > 0 {
			if _, err := strconv.Atoi(base[i+1:]); err == nil {
				base = base[:i]
			}
		}
		rh := ResourceHistory{ID: lr.ID, MigrationThreshold: cib.Infinity}
		if r := b.byCfg[base]; r != nil {
			rh.MigrationThreshold = r.MigrationThreshold
			if cl := cloneOf(r); cl != nil && !cl.Unique {
				rh.ID = base // anonymous instances go by their configured id
			}
		} else {
			rh.Orphan = true
		}
		rh.FailCount, rh.LastFailure = failCount(st.Attrs, lr.ID)
		if base != lr.ID {
			// Fail counts of anonymous clone instances are kept under the
			// configured id.
			n, last := failCount(st.Attrs, base)
			rh.FailCount = min(rh.FailCount+n, cib.Infinity)
			if last.After(rh.LastFailure) {
				rh.LastFailure = last
			}
		}
		ops := append([]*cib.LrmOp(nil), lr.Ops...)
		sort.SliceStable(ops, func(i, j int) bool { return ops[i].CallID < ops[j].CallID })
		for _, op := range ops {
			task := op.Operation
			if task == "monitor" && op.Interval == 0 {
				task = "probe"
			}
			if task == "notify" || task == "probe" && op.RC == 7 {
				continue
			}
			oh := OpHistory{Call: op.CallID, Task: task, Interval: op.Interval, RC: op.RC,
				ExecTime: op.ExecTime, QueueTime: op.QueueTime}
			if op.LastRCChange > 0 {
				oh.LastRCChange = time.Unix(op.LastRCChange, 0)
			}
			rh.Ops = append(rh.Ops, oh)
			// A probe reports state: finding a resource running (or
			// promoted) where it was thought stopped is not a failure.
			probeOK := task == "probe" && op.OpStatus == 0 && (op.RC == 0 || op.RC == 7 || op.RC == 8)
			if op.Failed() && !probeOK && !seen[op.CallID] {
				seen[op.CallID] = true
				f := Failure{OpKey: op.OperationKey, Resource: lr.ID, Node: n.Name, Task: op.Operation, Interval: op.Interval,
					RC: op.RC, OpStatus: op.OpStatus, Reason: op.ExitReason, Call: op.CallID,
					LastRCChange: oh.LastRCChange, ExecTime: op.ExecTime, QueueTime: op.QueueTime}
				if f.OpKey == "" {
					f.ID = op.ID
				}
				v.Failures = append(v.Failures, f)
			}
		}
		if len(rh.Ops) > 0 {
			nh.Resources = append(nh.Resources, rh)
		}
	}
	if len(nh.Resources) > 0 {
		v.History = append(v.History, nh)
	}
}

// failCount sums a resource's fail-count-RSC#OP_INTERVAL attributes (and the
// older fail-count-RSC) and returns the latest last-failure.
func failCount(attrs map[string]string, rsc string) (int, time.Time) {
	total := 0
	var last int64
	for k, val := range attrs {
		switch {
		case k == "fail-count-"+rsc || strings.HasPrefix(k, "fail-count-"+rsc+"#"):
			n, err := cib.ParseScore(val)
			if err == nil && n > 0 {
				total = min(total+n, cib.Infinity)
			}
		case k == "last-failure-"+rsc || strings.HasPrefix(k, "last-failure-"+rsc+"#"):
			if t, err := strconv.ParseInt(val, 10, 64); err == nil && t > last {
				last = t
			}
		}
	}
	if last == 0 {
		return total, time.Time{}
	}
	return total, time.Unix(last, 0)
}

// shownAttrs returns the node attributes crm_mon lists: not the fail counts,
// shutdown and standby requests or the automatic #attributes.
func shownAttrs(attrs map[string]string, st *cib.NodeState) map[string]string {
	out := map[string]string{}
	if st == nil {
		return out
	}
	for k, val := range st.Attrs {
		if strings.HasPrefix(k, "fail-count-") || strings.HasPrefix(k, "last-failure-") || strings.HasPrefix(k, "#") ||
			k == "shutdown" || k == "terminate" || k == "standby" {
			continue
		}
		out[k] = val
	}
	for k := range out {
		if v, ok := attrs[k]; ok {
			out[k] = v
		}
	}
	return out
}

func disabled(r *scheduler.Resource) bool {
	role := r.Meta["target-role"]
	n, ok := cib.NormalizeRole(role)
	if !ok {
		return false
	}
	return n == scheduler.RoleStopped || (r.Kind == cib.Clone && r.Promotable && n == scheduler.RoleUnpromoted)
}

func cloneOf(r *scheduler.Resource) *scheduler.Resource {
	for x := r.Parent; x != nil; x = x.Parent {
		if x.Kind == cib.Clone {
			return x
		}
	}
	return nil
}

func inPromotable(r *scheduler.Resource) bool {
	cl := cloneOf(r)
	return cl != nil && cl.Promotable
}

func isTrue(s string) bool {
	v, ok := cib.ParseBool(s)
	return ok && v
}

func isNumber(s string) bool {
	n, err := strconv.ParseInt(s, 10, 64)
	return err == nil && n > 0
}

// durationOption reads a Pacemaker interval option ("60s", "1min", "90").
func durationOption(s string, dflt time.Duration) time.Duration {
	if s == "" {
		return dflt
	}
	if d, err := cib.ParseInterval(s); err == nil {
		return d
	}
	return dflt
}
