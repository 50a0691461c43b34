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
}

var three = []string{"n1", "n2", "n3"}

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
