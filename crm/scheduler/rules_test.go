package scheduler

import (
	"fmt"
	"strings"
	"testing"

	"github.com/baton-ha/baton/crm/cib"
)

// cibXML builds a small CIB: opts are cluster options, nodes is
// "name[:standby|:offline|:pending]" list, resources and constraints are raw XML,
// status is raw node_state content keyed by node name.
type testCIB struct {
	quorum      string
	opts        map[string]string
	nodes       []string
	resources   string
	constraints string
	defaults    string
	status      map[string]string // node -> lrm_resources XML
	attrs       map[string]string // node -> transient nvpairs XML
}

func (tc testCIB) xml() string {
	var b strings.Builder
	q := tc.quorum
	if q == "" {
		q = "1"
	}
	fmt.Fprintf(&b, `<cib have-quorum="%s" execution-date="1700000000"><configuration><crm_config><cluster_property_set id="o">`, q)
	if _, ok := tc.opts["stonith-enabled"]; !ok {
		b.WriteString(`<nvpair id="o-st" name="stonith-enabled" value="false"/>`)
	}
	for k, v := range tc.opts {
		fmt.Fprintf(&b, `<nvpair id="o-%s" name="%s" value="%s"/>`, k, k, v)
	}
	b.WriteString(`</cluster_property_set></crm_config><nodes>`)
	for _, n := range tc.nodes {
		name, mode, _ := strings.Cut(n, ":")
		fmt.Fprintf(&b, `<node id="%s" uname="%s">`, name, name)
		if mode == "standby" {
			fmt.Fprintf(&b, `<instance_attributes id="%s-a"><nvpair id="%s-sb" name="standby" value="on"/></instance_attributes>`, name, name)
		}
		b.WriteString(`</node>`)
	}
	fmt.Fprintf(&b, `</nodes><resources>%s</resources><constraints>%s</constraints>`, tc.resources, tc.constraints)
	if tc.defaults != "" {
		fmt.Fprintf(&b, `<rsc_defaults><meta_attributes id="rd">%s</meta_attributes></rsc_defaults>`, tc.defaults)
	}
	b.WriteString(`</configuration><status>`)
	for _, n := range tc.nodes {
		name, mode, _ := strings.Cut(n, ":")
		if mode == "offline" {
			continue
		}
		if mode == "pending" {
			// in the membership, its controller not joined yet
			fmt.Fprintf(&b, `<node_state id="%s" uname="%s" in_ccm="true" crmd="offline" join="down" expected="down"/>`, name, name)
			continue
		}
		fmt.Fprintf(&b, `<node_state id="%s" uname="%s" in_ccm="true" crmd="online" join="member" expected="member">`, name, name)
		fmt.Fprintf(&b, `<transient_attributes id="%s"><instance_attributes id="%s-t">%s</instance_attributes></transient_attributes>`, name, name, tc.attrs[name])
		fmt.Fprintf(&b, `<lrm id="%s"><lrm_resources>%s</lrm_resources></lrm></node_state>`, name, tc.status[name])
	}
	b.WriteString(`</status></cib>`)
	return b.String()
}

func prim(id string, meta ...string) string {
	m := ""
	if len(meta) > 0 {
		m = `<meta_attributes id="` + id + `-m">`
		for i := 0; i+1 < len(meta); i += 2 {
			m += fmt.Sprintf(`<nvpair id="%s-m%d" name="%s" value="%s"/>`, id, i, meta[i], meta[i+1])
		}
		m += `</meta_attributes>`
	}
	return fmt.Sprintf(`<primitive id="%s" class="ocf" provider="heartbeat" type="Dummy">%s</primitive>`, id, m)
}

var callID = 10

// running records a successful start (rc 0) or promote (role Promoted).
func running(id, role string) string {
	callID++
	s := fmt.Sprintf(`<lrm_resource id="%s" class="ocf" provider="heartbeat" type="Dummy"><lrm_rsc_op id="%s_start_0" operation="start" call-id="%d" rc-code="0" op-status="0" interval="0" transition-key="1:1:0:x"/>`, id, id, callID)
	if role == RolePromoted {
		callID++
		s += fmt.Sprintf(`<lrm_rsc_op id="%s_promote_0" operation="promote" call-id="%d" rc-code="0" op-status="0" interval="0" transition-key="1:1:0:x"/>`, id, callID)
	}
	return s + `</lrm_resource>`
}

func failedMonitor(id string) string {
	callID += 2
	return fmt.Sprintf(`<lrm_resource id="%s" class="ocf" provider="heartbeat" type="Dummy"><lrm_rsc_op id="%s_start_0" operation="start" call-id="%d" rc-code="0" op-status="0" interval="0" transition-key="1:1:0:x"/><lrm_rsc_op id="%s_monitor_10000" operation="monitor" call-id="%d" rc-code="7" op-status="0" interval="10000" transition-key="1:1:0:x"/></lrm_resource>`, id, id, callID-1, id, callID)
}

func summarize(t *testing.T, tc testCIB) []string {
	t.Helper()
	return summarizeMode(t, tc, false)
}

// summarizeStrict is summarize with the reasons kept.
func summarizeStrict(t *testing.T, tc testCIB) []string {
	t.Helper()
	return summarizeMode(t, tc, true)
}

func summarizeMode(t *testing.T, tc testCIB, strict bool) []string {
	t.Helper()
	doc, err := cib.Parse([]byte(tc.xml()))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	res, err := Schedule(doc)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range FormatSummary(res.Summary) {
		out = append(out, NormalizeLine(l, strict))
	}
	return out
}

func TestSchedulerRules(t *testing.T) {
	two := []string{"n1", "n2"}
	tests := []struct {
		name string
		tc   testCIB
		want []string
	}{
		{"start where location prefers", testCIB{nodes: two, resources: prim("a"),
			constraints: `<rsc_location id="l" rsc="a" node="n2" score="100"/>`},
			[]string{"Start a ( n2 )"}},
		{"balance across nodes", testCIB{nodes: two, resources: prim("a") + prim("b")},
			[]string{"Start a ( n1 )", "Start b ( n2 )"}},
		{"stickiness beats a weaker preference", testCIB{nodes: two, resources: prim("a", "resource-stickiness", "100"),
			constraints: `<rsc_location id="l" rsc="a" node="n2" score="50"/>`, status: map[string]string{"n1": running("a", "")}},
			nil},
		{"a stronger preference moves it", testCIB{nodes: two, resources: prim("a", "resource-stickiness", "10"),
			constraints: `<rsc_location id="l" rsc="a" node="n2" score="50"/>`, status: map[string]string{"n1": running("a", "")}},
			[]string{"Move a ( n1 -> n2 )"}},
		{"standby node is left", testCIB{nodes: []string{"n1:standby", "n2"}, resources: prim("a"),
			status: map[string]string{"n1": running("a", "")}},
			[]string{"Move a ( n1 -> n2 )"}},
		{"failed monitor recovers in place", testCIB{nodes: two, resources: prim("a", "resource-stickiness", "100"),
			status: map[string]string{"n1": failedMonitor("a")}},
			[]string{"Recover a ( n1 )"}},
		{"migration-threshold moves it", testCIB{nodes: two, resources: prim("a", "resource-stickiness", "100", "migration-threshold", "2"),
			status: map[string]string{"n1": failedMonitor("a")}, attrs: map[string]string{"n1": `<nvpair id="fc" name="fail-count-a#monitor_10000" value="2"/>`}},
			[]string{"Recover a ( n1 -> n2 )"}},
		{"target-role Stopped", testCIB{nodes: two, resources: prim("a", "target-role", "Stopped"),
			status: map[string]string{"n1": running("a", "")}},
			[]string{"Stop a ( n1 )"}},
		{"unmanaged is left alone", testCIB{nodes: []string{"n1:standby", "n2"}, resources: prim("a", "is-managed", "false"),
			status: map[string]string{"n1": running("a", "")}},
			nil},
		{"multiply active", testCIB{nodes: two, resources: prim("a"),
			status: map[string]string{"n1": running("a", ""), "n2": running("a", "")}},
			[]string{"Recover a ( n1 )"}}, // stopped on both, started on n1: one line, as Pacemaker prints it
		{"group members follow the first", testCIB{nodes: two, resources: `<group id="g">` + prim("a") + prim("b") + `</group>`,
			constraints: `<rsc_location id="l" rsc="g" node="n2" score="10"/>`},
			[]string{"Start a ( n2 )", "Start b ( n2 )"}},
		{"group member failure restarts later members", testCIB{nodes: two, defaults: `<nvpair id="rs" name="resource-stickiness" value="100"/>`,
			resources: `<group id="g">` + prim("a") + prim("b") + `</group>`,
			status:    map[string]string{"n1": failedMonitor("a") + running("b", "")}},
			[]string{"Recover a ( n1 )", "Restart b ( n1 )"}},
		{"mandatory colocation with a stopped primary", testCIB{nodes: two, resources: prim("a", "target-role", "Stopped") + prim("b"),
			constraints: `<rsc_colocation id="c" rsc="b" with-rsc="a" score="INFINITY"/>`, status: map[string]string{"n1": running("a", "") + running("b", "")}},
			[]string{"Stop a ( n1 )", "Stop b ( n1 )"}},
		{"ordering restarts the dependent", testCIB{nodes: two, defaults: `<nvpair id="rs" name="resource-stickiness" value="100"/>`,
			resources: prim("a") + prim("b"), constraints: `<rsc_order id="o" first="a" then="b"/>`,
			status: map[string]string{"n1": failedMonitor("a"), "n2": running("b", "")}},
			[]string{"Recover a ( n1 )", "Restart b ( n2 )"}},
		{"optional ordering does not", testCIB{nodes: two, defaults: `<nvpair id="rs" name="resource-stickiness" value="100"/>`,
			resources: prim("a") + prim("b"), constraints: `<rsc_order id="o" first="a" then="b" kind="Optional"/>`,
			status: map[string]string{"n1": failedMonitor("a"), "n2": running("b", "")}},
			[]string{"Recover a ( n1 )"}},
		{"unrunnable first blocks the start", testCIB{nodes: two, resources: prim("a", "target-role", "Stopped") + prim("b"),
			constraints: `<rsc_order id="o" first="a" then="b"/>`},
			[]string{"Start b ( n1 ) blocked"}},
		{"asymmetric cluster needs a location", testCIB{nodes: two, opts: map[string]string{"symmetric-cluster": "false"},
			resources: prim("a") + prim("b"), constraints: `<rsc_location id="l" rsc="b" node="n2" score="0"/>`},
			[]string{"Start b ( n2 )"}},
		{"no quorum stops everything", testCIB{nodes: two, quorum: "0", resources: prim("a"),
			status: map[string]string{"n1": running("a", "")}},
			[]string{"Stop a ( n1 )"}},
		{"no quorum freeze keeps it", testCIB{nodes: two, quorum: "0", opts: map[string]string{"no-quorum-policy": "freeze"},
			resources: prim("a") + prim("b"), status: map[string]string{"n1": running("a", "")}},
			[]string{"Start b ( n2 ) blocked"}}, // placed, but it cannot start (quorum freeze), as in Pacemaker's rec-node-8
		{"no quorum ignore starts", testCIB{nodes: two, quorum: "0", opts: map[string]string{"no-quorum-policy": "ignore"},
			resources: prim("a")},
			[]string{"Start a ( n1 )"}},
		{"asymmetric order holds back only what must start", testCIB{nodes: two, resources: prim("a", "target-role", "Stopped") + prim("b"),
			constraints: `<rsc_order id="o" first="a" then="b" symmetrical="false"/>`, status: map[string]string{"n1": running("b", "")}},
			nil},
		{"symmetric order stops what cannot start again", testCIB{nodes: two, resources: prim("a", "target-role", "Stopped") + prim("b"),
			constraints: `<rsc_order id="o" first="a" then="b"/>`, status: map[string]string{"n1": running("b", "")}},
			[]string{"Stop b ( n1 )"}},
		{"multiple-active=block leaves it", testCIB{nodes: two, resources: prim("a", "multiple-active", "block"),
			status: map[string]string{"n1": running("a", ""), "n2": running("a", "")}},
			nil},
		{"multiple-active=stop_only stops it everywhere", testCIB{nodes: two, resources: prim("a", "multiple-active", "stop_only"),
			status: map[string]string{"n1": running("a", ""), "n2": running("a", "")}},
			[]string{"Stop a ( n1 )", "Stop a ( n2 )"}},
		{"stop-all-resources", testCIB{nodes: two, opts: map[string]string{"stop-all-resources": "true"}, resources: prim("a"),
			status: map[string]string{"n1": running("a", "")}},
			[]string{"Stop a ( n1 )"}},
		{"non-collocated group members go their own way", testCIB{nodes: two,
			resources:   `<group id="g"><meta_attributes id="g-m"><nvpair id="g-c" name="collocated" value="false"/></meta_attributes>` + prim("a") + prim("b") + `</group>`,
			constraints: `<rsc_location id="l" rsc="b" node="n2" score="10"/><rsc_location id="l2" rsc="a" node="n1" score="10"/>`},
			[]string{"Start a ( n1 )", "Start b ( n2 )"}},
		{"clone instance leaves for a better node", testCIB{nodes: two, resources: `<clone id="c">` + prim("p") + `</clone>`,
			constraints: `<rsc_location id="l" rsc="c" node="n1" score="10"/>`, status: map[string]string{"n2": running("p", "")}},
			[]string{"Move p:0 ( n2 -> n1 )", "Start p:1 ( n2 )"}},
		{"maintenance node keeps its resources and takes no new ones", testCIB{nodes: two, resources: prim("a") + prim("b"),
			constraints: `<rsc_location id="l" rsc="b" node="n1" score="10"/>`,
			status:      map[string]string{"n1": running("a", "")}, attrs: map[string]string{"n1": `<nvpair id="mt" name="maintenance" value="true"/>`}},
			[]string{"Start b ( n2 )"}},
		{"node-attribute colocation follows the site", testCIB{nodes: []string{"n1", "n2", "n3"}, resources: prim("a") + prim("b"),
			constraints: `<rsc_location id="l" rsc="a" node="n1" score="100"/><rsc_location id="l2" rsc="b" node="n2" score="10"/>` +
				`<rsc_location id="l3" rsc="b" node="n1" score="-INFINITY"/><rsc_colocation id="c" rsc="b" with-rsc="a" score="INFINITY" node-attribute="site"/>`,
			attrs: map[string]string{"n1": `<nvpair id="s1" name="site" value="x"/>`, "n2": `<nvpair id="s2" name="site" value="x"/>`, "n3": `<nvpair id="s3" name="site" value="y"/>`}},
			[]string{"Start a ( n1 )", "Start b ( n2 )"}},
		{"clone runs everywhere", testCIB{nodes: two, resources: `<clone id="c">` + prim("p") + `</clone>`},
			[]string{"Start p:0 ( n1 )", "Start p:1 ( n2 )"}},
		{"promotion follows the promotion score", testCIB{nodes: two,
			resources: `<clone id="ms"><meta_attributes id="ms-m"><nvpair id="ms-p" name="promotable" value="true"/></meta_attributes>` + prim("p") + `</clone>`,
			status:    map[string]string{"n1": running("p", ""), "n2": running("p", "")},
			attrs:     map[string]string{"n1": `<nvpair id="m1" name="master-p" value="5"/>`, "n2": `<nvpair id="m2" name="master-p" value="10"/>`}},
			[]string{"Promote p:1 ( Unpromoted -> Promoted n2 )"}},
		{"promoted location moves promotion", testCIB{nodes: two,
			resources:   `<clone id="ms"><meta_attributes id="ms-m"><nvpair id="ms-p" name="promotable" value="true"/></meta_attributes>` + prim("p") + `</clone>`,
			constraints: `<rsc_location id="l" rsc="ms" role="Promoted" node="n1" score="100"/>`,
			status:      map[string]string{"n1": running("p", ""), "n2": running("p", RolePromoted)},
			attrs:       map[string]string{"n1": `<nvpair id="m1" name="master-p" value="5"/>`, "n2": `<nvpair id="m2" name="master-p" value="10"/>`}},
			[]string{"Promote p:0 ( Unpromoted -> Promoted n1 )", "Demote p:1 ( Promoted -> Unpromoted n2 )"}},
		{"no promotion score, no promotion", testCIB{nodes: two,
			resources: `<clone id="ms"><meta_attributes id="ms-m"><nvpair id="ms-p" name="promotable" value="true"/></meta_attributes>` + prim("p") + `</clone>`,
			status:    map[string]string{"n1": running("p", RolePromoted), "n2": running("p", "")}},
			[]string{"Demote p:0 ( Promoted -> Unpromoted n1 )"}},
		{"group follows the promoted instance", testCIB{nodes: two,
			resources:   `<clone id="ms"><meta_attributes id="ms-m"><nvpair id="ms-p" name="promotable" value="true"/></meta_attributes>` + prim("p") + `</clone><group id="g">` + prim("fs") + `</group>`,
			constraints: `<rsc_colocation id="c" rsc="g" with-rsc="ms" with-rsc-role="Promoted" score="INFINITY"/><rsc_order id="o" first="ms" first-action="promote" then="g"/>`,
			status:      map[string]string{"n1": running("p", ""), "n2": running("p", RolePromoted)},
			attrs:       map[string]string{"n1": `<nvpair id="m1" name="master-p" value="5"/>`, "n2": `<nvpair id="m2" name="master-p" value="10"/>`}},
			[]string{"Start fs ( n2 )"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := summarize(t, tt.tc)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
		})
	}
}

func TestGraphOrdersActions(t *testing.T) {
	tc := testCIB{nodes: []string{"n1", "n2"}, resources: `<group id="g">` + prim("a") + prim("b") + `</group>`}
	doc, err := cib.Parse([]byte(tc.xml()))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Schedule(doc)
	if err != nil {
		t.Fatal(err)
	}
	ordered, cyclic := res.Graph.Order()
	if len(cyclic) != 0 {
		t.Fatalf("cycle: %v", cyclic)
	}
	pos := map[string]int{}
	for i, a := range ordered {
		pos[a.String()] = i
	}
	if pos["a start on n1"] >= pos["b start on n1"] {
		t.Errorf("group order not kept: %v", ordered)
	}
}
