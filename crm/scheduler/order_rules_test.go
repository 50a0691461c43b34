package scheduler

import (
	"strings"
	"testing"
)

// orderRuleCases pin Pacemaker's ordering rules (and the reasons it
// gives); the expected summaries are what crm_simulate 2.1.5 prints for
// the same CIBs, except where a comment says that 2.1.5 is older than the
// rule (the corpus records the newer behaviour).
var orderRuleCases = []struct {
	name string
	tc   testCIB
	want []string
}{
	{"interleaved instance without a partner stops", testCIB{nodes: three,
		resources:   clone("c1", prim("p1")) + clone("c2", prim("p2"), "interleave", "true"),
		constraints: `<rsc_order id="o" first="c1" then="c2"/><rsc_location id="l" rsc="c1" node="n1" score="-INFINITY"/>`,
		status:      map[string]string{"n1": up("p1", "") + up("p2", ""), "n2": up("p1", "") + up("p2", ""), "n3": up("p1", "") + up("p2", "")}},
		[]string{"Stop p1:0 ( n1 ) due to node availability", "Stop p2:0 ( n1 )"}},
	{"clone-min keeps interleaved instances", testCIB{nodes: three,
		resources:   clone("c1", prim("p1"), "clone-min", "2") + clone("c2", prim("p2"), "interleave", "true"),
		constraints: `<rsc_order id="o" first="c1" then="c2"/><rsc_location id="l" rsc="c1" node="n1" score="-INFINITY"/>`,
		status:      map[string]string{"n1": up("p1", "") + up("p2", ""), "n2": up("p1", "") + up("p2", ""), "n3": up("p1", "") + up("p2", "")}},
		[]string{"Stop p1:0 ( n1 ) due to node availability"}},
	{"require-all=false keeps the then clone", testCIB{nodes: three,
		resources:   clone("c1", prim("p1")) + clone("c2", prim("p2")),
		constraints: `<rsc_order id="o" first="c1" then="c2" require-all="false"/><rsc_location id="l" rsc="c1" node="n1" score="-INFINITY"/><rsc_location id="l2" rsc="c1" node="n2" score="-INFINITY"/>`,
		status:      map[string]string{"n1": up("p1", "") + up("p2", ""), "n2": up("p1", "") + up("p2", ""), "n3": up("p1", "") + up("p2", "")}},
		[]string{"Stop p1:0 ( n1 ) due to node availability", "Stop p1:1 ( n2 ) due to node availability"}},
	{"a stopping first stops the then resource", testCIB{nodes: three,
		resources:   prim("a") + prim("b"),
		constraints: `<rsc_order id="o" first="a" then="b"/><rsc_location id="l" rsc="a" node="n1" score="-INFINITY"/><rsc_location id="l2" rsc="a" node="n2" score="-INFINITY"/><rsc_location id="l3" rsc="a" node="n3" score="-INFINITY"/>`,
		status:      map[string]string{"n1": up("a", "") + up("b", "")}},
		[]string{"Stop a ( n1 ) due to node availability", "Stop b ( n1 ) due to required a start"}},
	{"a moving first restarts the then resource", testCIB{nodes: three,
		resources:   prim("a") + prim("b"),
		constraints: `<rsc_order id="o" first="a" then="b"/><rsc_location id="l" rsc="a" node="n1" score="-INFINITY"/>`,
		status:      map[string]string{"n1": up("a", "") + up("b", "")}},
		[]string{"Move a ( n1 -> n2 )", "Restart b ( n1 ) due to required a start"}},
	{"instances after an unrunnable clone are blocked starts", testCIB{nodes: two,
		resources:   clone("c1", prim("p1"), "target-role", "Stopped") + clone("c2", prim("p2")),
		constraints: `<rsc_order id="o" first="c1" then="c2"/>`},
		[]string{"Start p2:0 ( n1 ) due to unrunnable c1 running (blocked)", "Start p2:1 ( n2 ) due to unrunnable c1 running (blocked)"}},
	{"interleaved instances without partners are not listed", testCIB{nodes: two,
		resources:   clone("c1", prim("p1"), "target-role", "Stopped") + clone("c2", prim("p2"), "interleave", "true") + clone("c3", prim("p3"), "interleave", "true"),
		constraints: `<rsc_order id="o" first="c1" then="c2"/><rsc_order id="o2" first="c2" then="c3"/>`},
		nil},
	{"clone-min not met blocks interleaved starts", testCIB{nodes: three,
		resources: clone("c1", prim("p1"), "clone-min", "2") + clone("c2", prim("p2"), "interleave", "true") + clone("c3", prim("p3"), "interleave", "true"),
		constraints: `<rsc_order id="o" first="c1" then="c2"/><rsc_order id="o2" first="c2" then="c3"/>` +
			`<rsc_location id="l" rsc="c1" node="n2" score="-INFINITY"/><rsc_location id="l2" rsc="c1" node="n3" score="-INFINITY"/>`},
		[]string{"Start p1:0 ( n1 )", "Start p2:0 ( n2 ) due to unrunnable clone-one-or-more:o (blocked)", "Start p2:1 ( n3 ) due to unrunnable clone-one-or-more:o (blocked)", "Start p2:2 ( n1 ) due to unrunnable clone-one-or-more:o (blocked)", "Start p3:0 ( n2 ) due to unrunnable p2:0 start (blocked)", "Start p3:1 ( n3 ) due to unrunnable p2:1 start (blocked)", "Start p3:2 ( n1 ) due to unrunnable p2:2 start (blocked)"}},
	{"instances after an unrunnable primitive are blocked starts", testCIB{nodes: two,
		resources:   prim("a", "target-role", "Stopped") + clone("c2", prim("p2")),
		constraints: `<rsc_order id="o" first="a" then="c2"/>`},
		[]string{"Start p2:0 ( n1 ) due to unrunnable a start (blocked)", "Start p2:1 ( n2 ) due to unrunnable a start (blocked)"}},
	{"cloned group members after an unrunnable clone are blocked starts", testCIB{nodes: two,
		resources:   clone("c1", prim("p1"), "target-role", "Stopped") + clone("c2", `<group id="g">`+prim("x")+prim("y")+`</group>`),
		constraints: `<rsc_order id="o" first="c1" then="c2"/>`},
		[]string{"Start x:0 ( n1 ) due to unrunnable c1 running (blocked)", "Start y:0 ( n1 ) due to unrunnable c1 running (blocked)", "Start x:1 ( n2 ) due to unrunnable c1 running (blocked)", "Start y:1 ( n2 ) due to unrunnable c1 running (blocked)"}},
	{"promotable instances after an unrunnable clone are blocked starts", testCIB{nodes: two,
		resources:   clone("c1", prim("p1"), "target-role", "Stopped") + clone("c2", prim("p2"), "promotable", "true"),
		constraints: `<rsc_order id="o" first="c1" then="c2"/>`},
		[]string{"Start p2:0 ( n1 ) due to unrunnable c1 running (blocked)", "Start p2:1 ( n2 ) due to unrunnable c1 running (blocked)"}},
	{"an interleaved instance starts only next to a partner", testCIB{nodes: three,
		resources:   clone("c1", prim("p1")) + clone("c2", prim("p2"), "interleave", "true"),
		constraints: `<rsc_order id="o" first="c1" then="c2"/><rsc_location id="l" rsc="c1" node="n3" score="-INFINITY"/>`,
		status:      map[string]string{"n1": up("p1", "") + up("p2", "")}},
		[]string{"Start p1:1 ( n2 )", "Start p2:2 ( n2 )"}},
	{"an asymmetric interleaved order does not need a partner", testCIB{nodes: two,
		resources:   clone("c1", prim("p1"), "target-role", "Stopped") + clone("c2", prim("p2"), "interleave", "true"),
		constraints: `<rsc_order id="o" first="c1" then="c2" symmetrical="false"/>`},
		[]string{"Start p2:0 ( n1 )", "Start p2:1 ( n2 )"}},
	{"a primitive after an unrunnable clone is a blocked start", testCIB{nodes: two,
		resources:   clone("c1", prim("p1"), "target-role", "Stopped") + prim("b"),
		constraints: `<rsc_order id="o" first="c1" then="b"/>`},
		[]string{"Start b ( n1 ) due to unrunnable c1 running (blocked)"}},
	{"a clone colocated with a blocked clone is blocked", testCIB{nodes: two,
		resources:   clone("c1", prim("p1")) + clone("c0", prim("p0"), "target-role", "Stopped") + clone("c2", prim("p2")),
		constraints: `<rsc_order id="o" first="c0" then="c1"/><rsc_colocation id="co" rsc="c2" with-rsc="c1" score="INFINITY"/>`},
		[]string{"Start p1:0 ( n1 ) due to unrunnable c0 running (blocked)", "Start p1:1 ( n2 ) due to unrunnable c0 running (blocked)", "Start p2:0 ( n1 ) due to colocation with c1 (blocked)", "Start p2:1 ( n2 ) due to colocation with c1 (blocked)"}},
	{"a first that never ran stops the then resource", testCIB{nodes: two,
		resources:   prim("a", "target-role", "Stopped") + prim("b"),
		constraints: `<rsc_order id="o" first="a" then="b"/>`,
		status:      map[string]string{"n1": up("b", "")}},
		[]string{"Stop b ( n1 ) due to unrunnable a start"}},
	{"a disabled first requires the then start it blocks", testCIB{nodes: two,
		resources:   prim("a", "target-role", "Stopped") + prim("b"),
		constraints: `<rsc_order id="o" first="a" then="b"/>`,
		status:      map[string]string{"n1": up("a", "") + up("b", "")}},
		[]string{"Stop a ( n1 ) due to node availability", "Stop b ( n1 ) due to required a start"}},
	{"a banned first that never ran blocks the then start", testCIB{nodes: two,
		resources:   prim("a") + prim("b"),
		constraints: `<rsc_order id="o" first="a" then="b"/><rsc_location id="l" rsc="a" node="n1" score="-INFINITY"/><rsc_location id="l2" rsc="a" node="n2" score="-INFINITY"/>`,
		status:      map[string]string{"n1": up("b", "")}},
		[]string{"Stop b ( n1 ) due to unrunnable a start"}},
	{"a banned running first requires the then start it blocks", testCIB{nodes: two,
		resources:   prim("a") + prim("b"),
		constraints: `<rsc_order id="o" first="a" then="b"/><rsc_location id="l" rsc="a" node="n1" score="-INFINITY"/><rsc_location id="l2" rsc="a" node="n2" score="-INFINITY"/>`,
		status:      map[string]string{"n1": up("b", ""), "n2": up("a", "")}},
		[]string{"Stop a ( n2 ) due to node availability", "Stop b ( n1 ) due to required a start"}},
	{"group members after an unrunnable start are blocked", testCIB{nodes: two,
		resources:   prim("a", "target-role", "Stopped") + `<group id="g">` + prim("x") + prim("y") + prim("z") + `</group>`,
		constraints: `<rsc_order id="o" first="a" then="g"/>`},
		[]string{"Start x ( n1 ) due to unrunnable a start (blocked)", "Start y ( n1 ) due to unrunnable a start (blocked)", "Start z ( n1 ) due to unrunnable a start (blocked)"}},
	{"unordered group members after an unrunnable start are blocked", testCIB{nodes: two,
		resources:   prim("a", "target-role", "Stopped") + `<group id="g"><meta_attributes id="g-m"><nvpair id="g-o" name="ordered" value="false"/></meta_attributes>` + prim("x") + prim("y") + `</group>`,
		constraints: `<rsc_order id="o" first="a" then="g"/>`},
		[]string{"Start x ( n1 ) due to unrunnable a start (blocked)", "Start y ( n1 ) due to unrunnable a start (blocked)"}},
	{"colocated with a blocked start it stops", testCIB{nodes: two,
		resources:   prim("z", "target-role", "Stopped") + prim("a") + prim("b"),
		constraints: `<rsc_order id="o" first="z" then="a"/><rsc_colocation id="c" rsc="b" with-rsc="a" score="INFINITY"/>`,
		status:      map[string]string{"n1": up("b", "")}},
		[]string{"Start a ( n1 ) due to unrunnable z start (blocked)", "Stop b ( n1 ) due to colocation with a"}},
	{"a running group restarts along its members", testCIB{nodes: two,
		resources:   prim("a") + `<group id="g">` + prim("x") + prim("y") + prim("z") + `</group>`,
		constraints: `<rsc_order id="o" first="a" then="g"/><rsc_location id="l" rsc="a" node="n1" score="-INFINITY"/><rsc_location id="l2" rsc="g" node="n1" score="100"/>`,
		status:      map[string]string{"n1": up("a", "") + up("x", "") + up("y", "") + up("z", "")}},
		[]string{"Move a ( n1 -> n2 )", "Restart x ( n1 ) due to required a start", "Restart y ( n1 ) due to required x start", "Restart z ( n1 ) due to required y start"}},
	{"a disabled first member stops the group", testCIB{nodes: two,
		resources: `<group id="g">` + prim("x", "target-role", "Stopped") + prim("y") + prim("z") + `</group>`,
		status:    map[string]string{"n1": up("x", "") + up("y", "") + up("z", "")}},
		[]string{"Stop x ( n1 ) due to node availability", "Stop y ( n1 ) due to node availability", "Stop z ( n1 ) due to node availability"}},
	{"a start waits for the probe on a pending node", testCIB{nodes: []string{"n1", "n2", "n3:pending"}, opts: fencing,
		resources: stonith + prim("a"), status: map[string]string{"n1": upStonith}},
		[]string{"Start a ( n2 ) blocked"}},
	// (as in Pacemaker's leftover-pending-monitor; crm_simulate 2.1.5
	// still stopped the running instance here)
	{"an instance start waits for the first instance's probe", testCIB{nodes: []string{"n1", "n2", "n3:pending"}, opts: fencing,
		resources: stonith + clone("c", prim("p")),
		status:    map[string]string{"n1": upStonith + up("p", "")}},
		[]string{"Start p:1 ( n2 ) due to unrunnable p:0 monitor (blocked)"}},
	{"a stop after a blocked stop is blocked", testCIB{nodes: two,
		resources:   prim("a", "target-role", "Stopped") + blockOnFail("b"),
		constraints: `<rsc_order id="o" first="b" first-action="stop" then="a" then-action="stop"/>`,
		status:      map[string]string{"n1": up("a", "") + failedMonitor("b")}},
		[]string{"Stop a ( n1 ) due to node availability (blocked)"}},
	{"a stop before a blocked resource's stop is blocked", testCIB{nodes: two,
		resources:   prim("a", "target-role", "Stopped") + blockOnFail("b"),
		constraints: `<rsc_order id="o" first="a" then="b"/>`,
		status:      map[string]string{"n1": up("a", "") + failedMonitor("b")}},
		[]string{"Stop a ( n1 ) due to node availability (blocked)"}},
	{"an unmanaged stop does not block", testCIB{nodes: two,
		resources:   prim("a", "target-role", "Stopped") + prim("b", "is-managed", "false"),
		constraints: `<rsc_order id="o" first="b" first-action="stop" then="a" then-action="stop"/>`,
		status:      map[string]string{"n1": up("a", "") + up("b", "")}},
		[]string{"Stop a ( n1 ) due to node availability"}},
	// (Pacemaker's unmanaged-block-restart: a start before members that
	// must restart but cannot stop waits; crm_simulate 2.1.5 still
	// started it)
	{"a group member start waits for the next member's stuck stop", testCIB{nodes: two,
		resources: `<group id="g">` + prim("x") + prim("y") + blockOnFail("w") + `</group>`,
		status:    map[string]string{"n1": up("y", "") + failedMonitor("w")}},
		[]string{"Start x ( n1 ) due to unrunnable y stop (blocked)", "Stop y ( n1 ) due to unrunnable w stop (blocked)"}},
}

// blockOnFail is a primitive whose failed monitor blocks it.
func blockOnFail(id string) string {
	return `<primitive id="` + id + `" class="ocf" provider="heartbeat" type="Dummy"><operations><op id="` + id +
		`-mon" name="monitor" interval="10s" on-fail="block"/></operations></primitive>`
}

var (
	fencing = map[string]string{"stonith-enabled": "true"}
	stonith = `<primitive id="st" class="stonith" type="fence_dummy"/>`
	// upStonith: st started on a node
	upStonith = `<lrm_resource id="st" class="stonith" type="fence_dummy"><lrm_rsc_op id="st_start_0" operation="start" call-id="2" rc-code="0" op-status="0" interval="0" transition-key="1:1:0:x" op-digest="` + paramsDigest(nil) + `"/></lrm_resource>`
	two       = []string{"n1", "n2"}
	three     = []string{"n1", "n2", "n3"}
)

func clone(id string, child string, meta ...string) string {
	m := ""
	if len(meta) > 0 {
		m = `<meta_attributes id="` + id + `-m">`
		for i := 0; i+1 < len(meta); i += 2 {
			m += `<nvpair id="` + id + `-m` + meta[i] + `" name="` + meta[i] + `" value="` + meta[i+1] + `"/>`
		}
		m += `</meta_attributes>`
	}
	return `<clone id="` + id + `">` + m + child + `</clone>`
}

func TestOrderRules(t *testing.T) {
	for _, tt := range orderRuleCases {
		t.Run(tt.name, func(t *testing.T) {
			got := summarizeStrict(t, tt.tc)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
		})
	}
}

// up records a successful start with the digest of an empty parameter
// set, so that crm_simulate sees no definition change either.
func up(id, role string) string {
	return strings.Replace(running(id, role), `interval="0"`, `interval="0" op-digest="`+paramsDigest(nil)+`"`, -1)
}
