package view

import (
	"io"
	"strconv"
	"time"

	"github.com/beevik/etree"
)

// APIVersion is the pacemaker-result API version the XML follows: that of
// crm_mon in Pacemaker 2.1.5 (/usr/share/pacemaker/api/api-result-2.25.rng).
const APIVersion = "2.25"

// crm_mon's time formats: ctime for summaries and history, ISO 8601 with
// the zone for failures.
const (
	ctimeLayout   = "Mon Jan _2 15:04:05 2006"
	failureLayout = "2006-01-02 15:04:05Z07:00"
)

// WriteXML writes the view as `crm_mon --output-as=xml` does: a
// <pacemaker-result> document valid against Pacemaker's api-result schema,
// so that pcs, crmsh, ha_cluster_exporter and scripts read it as they read
// crm_mon. request is what the document says was asked. Baton's own
// additions (heartbeat links, the quorum reason) are not in it: the schema
// has no place for them; --output-as=json carries them.
func (v *View) WriteXML(w io.Writer, request string) error {
	doc := etree.NewDocument()
	root := doc.CreateElement("pacemaker-result")
	root.CreateAttr("api-version", APIVersion)
	root.CreateAttr("request", request)
	v.summaryXML(root.CreateElement("summary"))
	nodes := root.CreateElement("nodes")
	for _, n := range v.Nodes {
		e := nodes.CreateElement("node")
		attrs(e, "name", n.Name, "id", n.ID, "online", b(n.Online), "standby", b(n.Standby), "standby_onfail", "false",
			"maintenance", b(n.Maintenance), "pending", b(n.Pending), "unclean", b(n.Unclean), "shutdown", b(n.Shutdown),
			"expected_up", b(n.ExpectedUp), "is_dc", b(n.IsDC), "resources_running", strconv.Itoa(n.ResourcesRunning),
			"type", "member")
	}
	rs := root.CreateElement("resources")
	for _, r := range v.Resources {
		resourceXML(rs, r)
	}
	if len(v.NodeAttrs) > 0 {
		na := root.CreateElement("node_attributes")
		for _, n := range v.Nodes {
			attrsOf, ok := v.NodeAttrs[n.Name]
			if !ok {
				continue
			}
			ne := na.CreateElement("node")
			ne.CreateAttr("name", n.Name)
			for _, k := range sortedKeys(attrsOf) {
				a := ne.CreateElement("attribute")
				attrs(a, "name", k, "value", attrsOf[k])
			}
		}
	}
	if len(v.History) > 0 {
		nh := root.CreateElement("node_history")
		for _, h := range v.History {
			ne := nh.CreateElement("node")
			ne.CreateAttr("name", h.Node)
			for _, r := range h.Resources {
				re := ne.CreateElement("resource_history")
				attrs(re, "id", r.ID, "orphan", b(r.Orphan))
				if !r.Orphan {
					re.CreateAttr("migration-threshold", strconv.Itoa(r.MigrationThreshold))
					if r.FailCount > 0 {
						re.CreateAttr("fail-count", strconv.Itoa(r.FailCount))
					}
					if !r.LastFailure.IsZero() {
						re.CreateAttr("last-failure", r.LastFailure.Local().Format(ctimeLayout))
					}
				}
				for _, op := range r.Ops {
					oe := re.CreateElement("operation_history")
					attrs(oe, "call", strconv.Itoa(op.Call), "task", op.Task, "rc", strconv.Itoa(op.RC), "rc_text", RCText(op.RC))
					if op.Interval > 0 {
						oe.CreateAttr("interval", strconv.FormatInt(op.Interval.Milliseconds(), 10)+"ms")
					}
					if !op.LastRCChange.IsZero() {
						oe.CreateAttr("last-rc-change", op.LastRCChange.Local().Format(ctimeLayout))
					}
					if op.ExecTime != "" {
						oe.CreateAttr("exec-time", op.ExecTime+"ms")
					}
					if op.QueueTime != "" {
						oe.CreateAttr("queue-time", op.QueueTime+"ms")
					}
				}
			}
		}
	}
	if len(v.Failures) > 0 {
		fl := root.CreateElement("failures")
		for _, f := range v.Failures {
			fe := fl.CreateElement("failure")
			if f.OpKey != "" {
				fe.CreateAttr("op_key", f.OpKey)
			} else {
				fe.CreateAttr("id", f.ID)
			}
			reason := f.Reason
			if reason == "" {
				reason = "none"
			}
			attrs(fe, "node", f.Node, "exitstatus", RCText(f.RC), "exitreason", reason, "exitcode", strconv.Itoa(max(f.RC, 0)),
				"call", strconv.Itoa(f.Call), "status", ExecStatusText(f.OpStatus))
			if !f.LastRCChange.IsZero() {
				attrs(fe, "last-rc-change", f.LastRCChange.Local().Format(failureLayout), "queued", msOrZero(f.QueueTime),
					"exec", msOrZero(f.ExecTime), "interval", strconv.FormatInt(f.Interval.Milliseconds(), 10), "task", f.Task)
			}
		}
	}
	fh := root.CreateElement("fence_history")
	for _, ev := range v.Fencing {
		fe := fh.CreateElement("fence_event")
		attrs(fe, "status", ev.Status)
		if ev.Reason != "" {
			fe.CreateAttr("exit-reason", ev.Reason)
		}
		if ev.Delegate != "" {
			fe.CreateAttr("delegate", ev.Delegate)
		}
		attrs(fe, "action", ev.Action, "target", ev.Target, "client", ev.Client, "origin", ev.Origin)
		if !ev.Completed.IsZero() {
			fe.CreateAttr("completed", ev.Completed.Local().Format("2006-01-02 15:04:05Z07:00"))
		}
	}
	st := root.CreateElement("status")
	attrs(st, "code", "0", "message", "OK")
	doc.Indent(2)
	_, err := doc.WriteTo(w)
	return err
}

func (v *View) summaryXML(s *etree.Element) {
	s.CreateElement("stack").CreateAttr("type", "baton")
	dc := s.CreateElement("current_dc")
	if v.DC != "" {
		id := v.DCID
		if id == "" {
			id = v.DC
		}
		attrs(dc, "present", "true", "version", "baton", "name", v.DC, "id", id, "with_quorum", b(v.Quorate), "mixed_version", "false")
	} else {
		dc.CreateAttr("present", "false")
	}
	up := v.LastUpdate
	if up.IsZero() {
		up = time.Now()
	}
	s.CreateElement("last_update").CreateAttr("time", up.Local().Format(ctimeLayout))
	attrs(s.CreateElement("last_change"), "time", v.LastChange.Time, "user", v.LastChange.User,
		"client", v.LastChange.Client, "origin", v.LastChange.Origin)
	s.CreateElement("nodes_configured").CreateAttr("number", strconv.Itoa(len(v.Nodes)))
	prims, dis, blocked := 0, 0, 0
	for _, p := range v.Primitives() {
		prims++
		if p.Disabled {
			dis++
		}
		if p.Blocked {
			blocked++
		}
	}
	attrs(s.CreateElement("resources_configured"), "number", strconv.Itoa(prims), "disabled", strconv.Itoa(dis),
		"blocked", strconv.Itoa(blocked))
	o := v.Options
	attrs(s.CreateElement("cluster_options"), "stonith-enabled", b(o.StonithEnabled), "symmetric-cluster", b(o.Symmetric),
		"no-quorum-policy", o.NoQuorumPolicy, "maintenance-mode", b(o.Maintenance), "stop-all-resources", b(o.StopAll),
		"stonith-timeout-ms", strconv.FormatInt(o.StonithTimeoutMS, 10),
		"priority-fencing-delay-ms", strconv.FormatInt(o.PriorityFencingDelayMS, 10))
}

func resourceXML(parent *etree.Element, r Resource) {
	switch r.Kind {
	case KindGroup:
		e := parent.CreateElement("group")
		attrs(e, "id", r.ID, "number_resources", strconv.Itoa(len(r.Children)), "managed", b(r.Managed), "disabled", b(r.Disabled))
		for _, c := range r.Children {
			resourceXML(e, c)
		}
	case KindClone:
		e := parent.CreateElement("clone")
		attrs(e, "id", r.ID, "multi_state", b(r.Promotable), "unique", b(r.Unique), "managed", b(r.Managed),
			"disabled", b(r.Disabled), "failed", b(r.Failed), "failure_ignored", b(r.FailureIgnored))
		if r.TargetRole != "" {
			e.CreateAttr("target_role", r.TargetRole)
		}
		for _, c := range r.Children {
			resourceXML(e, c)
		}
	default:
		e := parent.CreateElement("resource")
		attrs(e, "id", r.ID, "resource_agent", r.Agent, "role", r.Role)
		if r.TargetRole != "" {
			e.CreateAttr("target_role", r.TargetRole)
		}
		attrs(e, "active", b(r.Active), "orphaned", b(r.Orphaned), "blocked", b(r.Blocked), "managed", b(r.Managed),
			"failed", b(r.Failed), "failure_ignored", b(r.FailureIgnored), "nodes_running_on", strconv.Itoa(len(r.Nodes)))
		for _, n := range r.Nodes {
			attrs(e.CreateElement("node"), "name", n.Name, "id", n.ID, "cached", "true")
		}
	}
}

// attrs sets name/value pairs in order.
func attrs(e *etree.Element, kv ...string) {
	for i := 0; i+1 < len(kv); i += 2 {
		e.CreateAttr(kv[i], kv[i+1])
	}
}

func b(v bool) string { return strconv.FormatBool(v) }

func msOrZero(s string) string {
	if _, err := strconv.ParseUint(s, 10, 64); err != nil {
		return "0"
	}
	return s
}
