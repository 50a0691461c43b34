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
