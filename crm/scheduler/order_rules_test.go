package scheduler

import (
	"strings"
	"testing"
)

// orderRuleCases pin Pacemaker's ordering rules for clones; the expected
// summaries are what crm_simulate 2.1.5 prints for the same CIBs.
var orderRuleCases = []struct {
	name string
	tc   testCIB
	want []string
}{
	{"interleaved instance without a partner stops", testCIB{nodes: three,
		resources:   clone("c1", prim("p1")) + clone("c2", prim("p2"), "interleave", "true"),
		constraints: `<rsc_order id="o" first="c1" then="c2"/><rsc_location id="l" rsc="c1" node="n1" score="-INFINITY"/>`,
		status:      map[string]string{"n1": up("p1", "") + up("p2", ""), "n2": up("p1", "") + up("p2", ""), "n3": up("p1", "") + up("p2", "")}},
		[]string{"Stop p1:0 ( n1 )", "Stop p2:0 ( n1 )"}},
	{"clone-min keeps interleaved instances", testCIB{nodes: three,
		resources:   clone("c1", prim("p1"), "clone-min", "2") + clone("c2", prim("p2"), "interleave", "true"),
		constraints: `<rsc_order id="o" first="c1" then="c2"/><rsc_location id="l" rsc="c1" node="n1" score="-INFINITY"/>`,
		status:      map[string]string{"n1": up("p1", "") + up("p2", ""), "n2": up("p1", "") + up("p2", ""), "n3": up("p1", "") + up("p2", "")}},
		[]string{"Stop p1:0 ( n1 )"}},
	{"require-all=false keeps the then clone", testCIB{nodes: three,
		resources:   clone("c1", prim("p1")) + clone("c2", prim("p2")),
		constraints: `<rsc_order id="o" first="c1" then="c2" require-all="false"/><rsc_location id="l" rsc="c1" node="n1" score="-INFINITY"/><rsc_location id="l2" rsc="c1" node="n2" score="-INFINITY"/>`,
		status:      map[string]string{"n1": up("p1", "") + up("p2", ""), "n2": up("p1", "") + up("p2", ""), "n3": up("p1", "") + up("p2", "")}},
		[]string{"Stop p1:0 ( n1 )", "Stop p1:1 ( n2 )"}},
	{"a stopping first stops the then resource", testCIB{nodes: three,
		resources:   prim("a") + prim("b"),
		constraints: `<rsc_order id="o" first="a" then="b"/><rsc_location id="l" rsc="a" node="n1" score="-INFINITY"/><rsc_location id="l2" rsc="a" node="n2" score="-INFINITY"/><rsc_location id="l3" rsc="a" node="n3" score="-INFINITY"/>`,
		status:      map[string]string{"n1": up("a", "") + up("b", "")}},
		[]string{"Stop a ( n1 )", "Stop b ( n1 )"}},
	{"a moving first restarts the then resource", testCIB{nodes: three,
		resources:   prim("a") + prim("b"),
		constraints: `<rsc_order id="o" first="a" then="b"/><rsc_location id="l" rsc="a" node="n1" score="-INFINITY"/>`,
		status:      map[string]string{"n1": up("a", "") + up("b", "")}},
		[]string{"Move a ( n1 -> n2 )", "Restart b ( n1 )"}},
	{"instances after an unrunnable clone are blocked starts", testCIB{nodes: two,
		resources:   clone("c1", prim("p1"), "target-role", "Stopped") + clone("c2", prim("p2")),
		constraints: `<rsc_order id="o" first="c1" then="c2"/>`},
		[]string{"Start p2:0 ( n1 ) blocked", "Start p2:1 ( n2 ) blocked"}},
	{"interleaved instances without partners are not listed", testCIB{nodes: two,
		resources:   clone("c1", prim("p1"), "target-role", "Stopped") + clone("c2", prim("p2"), "interleave", "true") + clone("c3", prim("p3"), "interleave", "true"),
		constraints: `<rsc_order id="o" first="c1" then="c2"/><rsc_order id="o2" first="c2" then="c3"/>`},
		nil},
	{"clone-min not met blocks interleaved starts", testCIB{nodes: three,
		resources: clone("c1", prim("p1"), "clone-min", "2") + clone("c2", prim("p2"), "interleave", "true") + clone("c3", prim("p3"), "interleave", "true"),
		constraints: `<rsc_order id="o" first="c1" then="c2"/><rsc_order id="o2" first="c2" then="c3"/>` +
			`<rsc_location id="l" rsc="c1" node="n2" score="-INFINITY"/><rsc_location id="l2" rsc="c1" node="n3" score="-INFINITY"/>`},
		[]string{"Start p1:0 ( n1 )", "Start p2:0 ( n2 ) blocked", "Start p2:1 ( n3 ) blocked", "Start p2:2 ( n1 ) blocked",
			"Start p3:0 ( n2 ) blocked", "Start p3:1 ( n3 ) blocked", "Start p3:2 ( n1 ) blocked"}},
	{"instances after an unrunnable primitive are blocked starts", testCIB{nodes: two,
		resources:   prim("a", "target-role", "Stopped") + clone("c2", prim("p2")),
		constraints: `<rsc_order id="o" first="a" then="c2"/>`},
		[]string{"Start p2:0 ( n1 ) blocked", "Start p2:1 ( n2 ) blocked"}},
	{"cloned group members after an unrunnable clone are blocked starts", testCIB{nodes: two,
		resources:   clone("c1", prim("p1"), "target-role", "Stopped") + clone("c2", `<group id="g">`+prim("x")+prim("y")+`</group>`),
		constraints: `<rsc_order id="o" first="c1" then="c2"/>`},
		[]string{"Start x:0 ( n1 ) blocked", "Start y:0 ( n1 ) blocked", "Start x:1 ( n2 ) blocked", "Start y:1 ( n2 ) blocked"}},
	{"promotable instances after an unrunnable clone are blocked starts", testCIB{nodes: two,
		resources:   clone("c1", prim("p1"), "target-role", "Stopped") + clone("c2", prim("p2"), "promotable", "true"),
		constraints: `<rsc_order id="o" first="c1" then="c2"/>`},
		[]string{"Start p2:0 ( n1 ) blocked", "Start p2:1 ( n2 ) blocked"}},
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
		[]string{"Start b ( n1 ) blocked"}},
	{"a clone colocated with a blocked clone is blocked", testCIB{nodes: two,
		resources:   clone("c1", prim("p1")) + clone("c0", prim("p0"), "target-role", "Stopped") + clone("c2", prim("p2")),
		constraints: `<rsc_order id="o" first="c0" then="c1"/><rsc_colocation id="co" rsc="c2" with-rsc="c1" score="INFINITY"/>`},
		[]string{"Start p1:0 ( n1 ) blocked", "Start p1:1 ( n2 ) blocked", "Start p2:0 ( n1 ) blocked", "Start p2:1 ( n2 ) blocked"}},
}

var (
	two   = []string{"n1", "n2"}
	three = []string{"n1", "n2", "n3"}
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
			got := summarize(t, tt.tc)
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
