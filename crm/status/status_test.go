package status

import (
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/baton-ha/baton/crm/cib"
)

func render(s *Status) string {
	d := etree.NewDocument()
	d.SetRoot(s.Element())
	d.Indent(1)
	out, _ := d.WriteToString()
	return out
}

func TestRecordAndRender(t *testing.T) {
	s := New()
	s.SetMember("1", "node1", true)
	s.SetMember("2", "node2", false)
	r := Resource{ID: "vip", Class: "ocf", Provider: "baton", Type: "IPaddr"}
	when := time.Unix(1700000000, 0)
	s.Record("node1", r, Op{Operation: "monitor", RC: 7, TargetRC: 7, Transition: TransitionKey(1, 0, 7, "u"), When: when})
	s.Record("node1", r, Op{Operation: "start", RC: 0, TargetRC: 0, Transition: TransitionKey(2, 0, 0, "u"), When: when})
	s.Record("node1", r, Op{Operation: "monitor", Interval: 10 * time.Second, RC: 0, TargetRC: 0, When: when})
	s.Record("node1", r, Op{Operation: "monitor", Interval: 10 * time.Second, RC: 7, TargetRC: 0, Reason: "gone", When: when})
	if v, _ := s.Attr("node1", "fail-count-vip#monitor_10000"); v != "1" {
		t.Errorf("fail count %q", v)
	}
	out := render(s)
	for _, want := range []string{
		`<node_state id="1" uname="node1" in_ccm="true" crmd="online"`,
		`<node_state id="2" uname="node2" in_ccm="false" crmd="offline"`,
		`<lrm_rsc_op id="vip_last_0" operation_key="vip_start_0" operation="start"`,
		`<lrm_rsc_op id="vip_monitor_10000" operation_key="vip_monitor_10000"`,
		`<lrm_rsc_op id="vip_last_failure_0" operation_key="vip_monitor_10000"`,
		`exit-reason="gone"`,
		`name="fail-count-vip#monitor_10000" value="1"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %s\n%s", want, out)
		}
	}
	// Pacemaker's reader (our cib package) understands it.
	doc, err := cib.Parse([]byte(`<cib validate-with="pacemaker-3.7" epoch="1" admin_epoch="0" num_updates="0"><configuration><crm_config/><nodes/><resources/><constraints/></configuration>` + strings.TrimSpace(strings.TrimPrefix(out, `<?xml version="1.0" encoding="UTF-8"?>`)) + `</cib>`))
	if err != nil {
		t.Fatal(err)
	}
	ns := doc.NodeState("1", "node1")
	if ns == nil || !ns.Online() || len(ns.Resources) != 1 || len(ns.Resources[0].Ops) != 3 {
		t.Fatalf("parsed back: %+v", ns)
	}

	// A successful stop drops the recurring entries; leaving drops it all.
	s.Record("node1", r, Op{Operation: "stop", RC: 0, TargetRC: 0})
	if strings.Contains(render(s), "vip_monitor_10000\" operation_key") {
		t.Error("recurring monitor kept after stop")
	}
	if !s.Known("node1", "vip") {
		t.Error("history lost")
	}
	s.Forget("node1", "vip")
	if s.Known("node1", "vip") {
		t.Error("Forget kept history")
	}
	if _, ok := s.Attr("node1", "fail-count-vip#monitor_10000"); ok {
		t.Error("Forget kept the fail count")
	}
	s.SetAttr("node1", "master-drbd", "10000")
	s.SetMember("1", "node1", false)
	if _, ok := s.Attr("node1", "master-drbd"); ok || s.Member("node1") {
		t.Error("a node that leaves keeps its transient attributes")
	}
}
