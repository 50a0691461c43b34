package view_test

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/baton-ha/baton/crm/cib"
	"github.com/baton-ha/baton/crm/cibdoc"
	"github.com/baton-ha/baton/crm/status"
	"github.com/baton-ha/baton/crm/view"
	"github.com/baton-ha/baton/tests/harness/crmmon"
)

const configuration = `<cib epoch="3" num_updates="0" admin_epoch="0" validate-with="pacemaker-3.0" cib-last-written="Wed Dec  2 04:00:00 2026" update-client="baton" update-origin="node1">
<configuration>
  <crm_config><cluster_property_set id="opts">
    <nvpair id="opts-stonith" name="stonith-enabled" value="false"/>
    <nvpair id="opts-nq" name="no-quorum-policy" value="ignore"/>
  </cluster_property_set></crm_config>
  <nodes>
    <node id="1" uname="node1"/>
    <node id="2" uname="node2"><instance_attributes id="n2-ia"><nvpair id="n2-sb" name="standby" value="off"/></instance_attributes></node>
  </nodes>
  <resources>
    <group id="g">
      <primitive id="d1" class="ocf" provider="baton" type="Dummy"/>
      <primitive id="d2" class="ocf" provider="baton" type="Dummy"/>
    </group>
    <clone id="st-clone">
      <meta_attributes id="st-clone-meta"><nvpair id="st-clone-p" name="promotable" value="true"/></meta_attributes>
      <primitive id="st" class="ocf" provider="baton" type="Stateful"/>
    </clone>
    <primitive id="vip" class="ocf" provider="baton" type="IPaddr">
      <meta_attributes id="vip-meta"><nvpair id="vip-mt" name="migration-threshold" value="3"/></meta_attributes>
    </primitive>
    <primitive id="off" class="ocf" provider="baton" type="Dummy">
      <meta_attributes id="off-meta"><nvpair id="off-tr" name="target-role" value="Stopped"/></meta_attributes>
    </primitive>
  </resources>
  <constraints><rsc_location id="g-pref" rsc="g" node="node1" score="100"/></constraints>
</configuration>
<status/>
</cib>`

// batonCIB is a CIB whose status Baton's controller wrote (crm/status):
// the group and the promoted instance on node1, the other instance and
// the VIP on node2, whose monitor failed once.
func batonCIB(t *testing.T) *cib.CIB {
	t.Helper()
	s := status.New()
	s.SetMember("1", "node1", true)
	s.SetMember("2", "node2", true)
	at := time.Unix(1796000000, 0)
	ok := func(node, id, typ, op string, interval time.Duration, rc int) {
		s.Record(node, status.Resource{ID: id, Class: "ocf", Provider: "baton", Type: typ},
			status.Op{Operation: op, Interval: interval, RC: rc, TargetRC: rc, When: at, ExecTime: 12 * time.Millisecond,
				Transition: status.TransitionKey(1, 1, rc, "u")})
	}
	for _, n := range []string{"node1", "node2"} {
		for _, r := range []string{"d1", "d2", "vip", "off"} {
			ok(n, r, "Dummy", "monitor", 0, 7) // probes: not running
		}
	}
	ok("node1", "d1", "Dummy", "start", 0, 0)
	ok("node1", "d1", "Dummy", "monitor", 2*time.Second, 0)
	ok("node1", "d2", "Dummy", "start", 0, 0)
	ok("node1", "st", "Stateful", "start", 0, 0)
	ok("node1", "st", "Stateful", "promote", 0, 0)
	ok("node2", "st", "Stateful", "start", 0, 0)
	ok("node2", "vip", "IPaddr", "start", 0, 0)
	s.Record("node2", status.Resource{ID: "vip", Class: "ocf", Provider: "baton", Type: "IPaddr"},
		status.Op{Operation: "monitor", Interval: 5 * time.Second, RC: 7, TargetRC: 0, When: at.Add(time.Minute),
			Reason: "address gone", Transition: status.TransitionKey(2, 1, 0, "u")})
	d, err := cibdoc.Parse([]byte(configuration))
	if err != nil {
		t.Fatal(err)
	}
	d.SetStatus(s.Element())
	doc, err := cib.Parse(d.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestFromBatonStatus(t *testing.T) {
	v, err := view.FromCIB(batonCIB(t), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		ID, Role string
		Nodes    string
		Failed   bool
	}
	var got []row
	for _, p := range v.Primitives() {
		var ns []string
		for _, n := range p.Nodes {
			ns = append(ns, n.Name)
		}
		got = append(got, row{p.ID, p.Role, strings.Join(ns, " "), p.Failed})
	}
	want := []row{
		{"d1", "Started", "node1", false},
		{"d2", "Started", "node1", false},
		{"st", "Promoted", "node1", false},
		{"st", "Unpromoted", "node2", false},
		// Its monitor found it stopped: Pacemaker counts it as still
		// there and failed until it is stopped (recovery).
		{"vip", "Started", "node2", true},
		{"off", "Stopped", "", false},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("resources (-want +got):\n%s", d)
	}
	var vipHist *view.ResourceHistory
	for _, h := range v.History {
		for i, r := range h.Resources {
			if h.Node == "node2" && r.ID == "vip" {
				vipHist = &h.Resources[i]
			}
		}
	}
	if vipHist == nil || vipHist.FailCount != 1 || vipHist.MigrationThreshold != 3 || vipHist.LastFailure.IsZero() {
		t.Errorf("vip's history on node2: %+v, want fail count 1, migration-threshold 3 and a last failure", vipHist)
	}
	if len(v.Failures) != 1 || v.Failures[0].OpKey != "vip_monitor_5000" || v.Failures[0].Reason != "address gone" {
		t.Errorf("failures: %+v, want vip_monitor_5000 with its reason", v.Failures)
	}
	if v.Constraints != 1 || v.LastChange.Time != "Wed Dec  2 04:00:00 2026" {
		t.Errorf("constraints %d, last change %q", v.Constraints, v.LastChange.Time)
	}
}

// TestXMLIsCrmMonXML validates the XML against Pacemaker's schema and has
// pcs's and crmsh's crm_mon parsers read it.
func TestXMLIsCrmMonXML(t *testing.T) {
	v, err := view.FromCIB(batonCIB(t), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	v.DC, v.Quorate = "node1", true
	v.Nodes[0].IsDC = true
	var buf bytes.Buffer
	if err := v.WriteXML(&buf, "baton status --output-as=xml"); err != nil {
		t.Fatal(err)
	}
	doc := buf.Bytes()
	crmmon.Validate(t, doc)

	p := crmmon.ReadWithPcs(t, doc, "g", "st-clone", "vip", "off")
	wantNodes := map[string]crmmon.PcsNode{
		"node1": {Online: true, IsDC: true, ResourcesRunning: 3},
		"node2": {Online: true, ResourcesRunning: 2},
	}
	if d := cmp.Diff(wantNodes, p.Nodes); d != "" {
		t.Errorf("pcs's nodes (-want +got):\n%s", d)
	}
	if p.NodesConfigured != 2 || p.ResourcesConfigured != 6 {
		t.Errorf("pcs: %d nodes, %d resources configured; want 2 and 6", p.NodesConfigured, p.ResourcesConfigured)
	}
	wantRscs := map[string]map[string][]string{
		"g":        {"Started": {"node1"}},
		"st-clone": {"Promoted": {"node1"}, "Unpromoted": {"node2"}},
		"vip":      {}, // failed instances are not running for pcs
		"off":      {},
	}
	if d := cmp.Diff(wantRscs, p.Resources); d != "" {
		t.Errorf("pcs's resource states (-want +got):\n%s", d)
	}

	c := crmmon.ReadWithCrmsh(t, doc, []string{"node1", "node2", "node3"}, []string{"d1", "vip", "ocf:baton:Dummy"})
	want := crmmon.Crmsh{NodeOnline: map[string]bool{"node1": true, "node2": true, "node3": false},
		Started: map[string]bool{"d1": true, "vip": true, "ocf:baton:Dummy": true}, AnyRunning: true}
	if d := cmp.Diff(want, c); d != "" {
		t.Errorf("crmsh's answers (-want +got):\n%s", d)
	}
}

// TestXMLStructure pins the elements and attributes a consumer such as
// ha_cluster_exporter reads, by name.
func TestXMLStructure(t *testing.T) {
	v, err := view.FromCIB(batonCIB(t), time.Unix(1796000000, 0))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := v.WriteXML(&buf, "r"); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Summary struct {
			LastChange struct {
				Time string `xml:"time,attr"`
			} `xml:"last_change"`
			Rscs struct {
				Number   int `xml:"number,attr"`
				Disabled int `xml:"disabled,attr"`
			} `xml:"resources_configured"`
		} `xml:"summary"`
		History []struct {
			Name string `xml:"name,attr"`
			Rscs []struct {
				ID        string `xml:"id,attr"`
				Threshold int    `xml:"migration-threshold,attr"`
				FailCount int    `xml:"fail-count,attr"`
			} `xml:"resource_history"`
		} `xml:"node_history>node"`
		Clones []struct {
			ID         string `xml:"id,attr"`
			MultiState bool   `xml:"multi_state,attr"`
			Rscs       []struct {
				ID   string `xml:"id,attr"`
				Role string `xml:"role,attr"`
			} `xml:"resource"`
		} `xml:"resources>clone"`
		Failures []struct {
			OpKey  string `xml:"op_key,attr"`
			Reason string `xml:"exitreason,attr"`
			Status string `xml:"exitstatus,attr"`
		} `xml:"failures>failure"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if _, err := time.Parse(time.ANSIC, doc.Summary.LastChange.Time); err != nil {
		t.Errorf("last_change time %q is not ANSIC (ha_cluster_exporter parses it so): %v", doc.Summary.LastChange.Time, err)
	}
	if doc.Summary.Rscs.Number != 6 || doc.Summary.Rscs.Disabled != 1 {
		t.Errorf("resources_configured %+v, want 6 with 1 disabled", doc.Summary.Rscs)
	}
	if len(doc.Clones) != 1 || !doc.Clones[0].MultiState || len(doc.Clones[0].Rscs) != 2 {
		t.Fatalf("clones: %+v", doc.Clones)
	}
	found := false
	for _, n := range doc.History {
		for _, r := range n.Rscs {
			if n.Name == "node2" && r.ID == "vip" {
				found = r.Threshold == 3 && r.FailCount == 1
			}
		}
	}
	if !found {
		t.Errorf("node_history lacks vip on node2 with migration-threshold=3 fail-count=1: %+v", doc.History)
	}
	if len(doc.Failures) != 1 || doc.Failures[0].OpKey != "vip_monitor_5000" || doc.Failures[0].Status != "not running" ||
		doc.Failures[0].Reason != "address gone" {
		t.Errorf("failures: %+v", doc.Failures)
	}
}

// TestFenceHistoryNamesTheDevice: the text's fence history says which
// devices fenced the node (crm_mon's XML has no place for it).
func TestFenceHistoryNamesTheDevice(t *testing.T) {
	v, err := view.FromCIB(batonCIB(t), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	v.Fencing = []view.FenceEvent{{Target: "node1", Action: "reboot", Status: "success", Origin: "node2", Client: "baton", Devices: []string{"vm-power"}}}
	var b bytes.Buffer
	if err := v.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if want := "reboot of node1 success: origin=node2, client=baton, device=vm-power\n"; !strings.Contains(b.String(), want) {
		t.Errorf("fence history lacks %q:\n%s", want, b.String())
	}
}
