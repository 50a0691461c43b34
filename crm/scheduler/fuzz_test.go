package scheduler

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/baton-ha/baton/crm/cib"
)

// FuzzSchedule: whatever CIB parses, scheduling it never panics and its
// graph orders without losing actions.
func FuzzSchedule(f *testing.F) {
	f.Add(testCIB{nodes: []string{"n1", "n2"}, resources: prim("a") + `<group id="g">` + prim("b") + `</group>`,
		constraints: `<rsc_order id="o" first="a" then="g"/><rsc_colocation id="c" rsc="g" with-rsc="a" score="INFINITY"/>`}.xml())
	f.Add(testCIB{nodes: []string{"n1", "n2"},
		resources:   `<clone id="ms"><meta_attributes id="ms-m"><nvpair id="ms-p" name="promotable" value="true"/></meta_attributes>` + prim("p") + `</clone>` + prim("x"),
		constraints: `<rsc_colocation id="c" rsc="x" with-rsc="ms" with-rsc-role="Promoted" score="INFINITY"/><rsc_order id="o" first="x" then="ms"/><rsc_order id="o2" first="ms" then="x"/>`,
		status:      map[string]string{"n1": running("p", RolePromoted) + failedMonitor("x")}}.xml())
	// Resource sets, a template and a tag.
	f.Add(testCIB{nodes: []string{"n1", "n2", "n3"},
		resources: `<template id="t" class="ocf" provider="x" type="y"><operations><op id="t-m" name="monitor" interval="PT10S"/></operations></template>` +
			`<primitive id="a" template="t"/><primitive id="b" template="t"/>` + prim("c") + prim("d"),
		constraints: `<rsc_order id="o"><resource_set id="s1" sequential="false" require-all="false"><resource_ref id="a"/><resource_ref id="b"/></resource_set>` +
			`<resource_set id="s2" sequential="true"><resource_ref id="c"/><resource_ref id="d"/></resource_set></rsc_order>` +
			`<rsc_colocation id="co" score="-INFINITY"><resource_set id="s3"><resource_ref id="a"/><resource_ref id="b"/><resource_ref id="c"/></resource_set></rsc_colocation>` +
			`<rsc_location id="l" node="n1" score="100"><resource_set id="s4"><resource_ref id="t"/></resource_set></rsc_location>` +
			`<rsc_colocation id="co2" rsc="t" with-rsc="d" score="50"/>`}.xml())
	// Real CIBs from Pacemaker's corpus, when it is next to the repository.
	if files, _ := filepath.Glob("../../../shared/scheduler-corpus/xml/*.xml"); len(files) > 0 {
		added := 0
		for _, name := range files {
			if data, err := os.ReadFile(name); err == nil && len(data) < 8000 && added < 15 {
				f.Add(string(data))
				added++
			}
		}
	}
	f.Fuzz(func(t *testing.T, data string) {
		doc, err := cib.Parse([]byte(data))
		if err != nil {
			return
		}
		res, err := Schedule(doc)
		if err != nil {
			return
		}
		ordered, cyclic := res.Graph.Order()
		if len(ordered)+len(cyclic) != len(res.Graph.Actions) {
			t.Fatalf("graph order lost actions: %d+%d != %d", len(ordered), len(cyclic), len(res.Graph.Actions))
		}
		_ = FormatSummary(res.Summary)
	})
}
