package scheduler

import (
	"fmt"
	"strings"
	"testing"

	"github.com/baton-ha/baton/crm/cib"
)

// fencingCIB: fencing enabled, n1 a healthy member, n2 in the state given
// by its node_state attributes, ip running on n2, a fence device fd
// (unless noDevice).
func fencingCIB(n2State, quorum string, noDevice bool) string {
	dev := `<primitive id="fd" class="stonith" type="fence_dummy"/>`
	if noDevice {
		dev = ""
	}
	return fmt.Sprintf(`<cib have-quorum="%s" execution-date="1700000000"><configuration><crm_config><cluster_property_set id="o">
<nvpair id="o1" name="fencing-enabled" value="true"/></cluster_property_set></crm_config>
<nodes><node id="1" uname="n1"/><node id="2" uname="n2"/></nodes>
<resources>%s<primitive id="ip" class="ocf" provider="heartbeat" type="IPaddr2"/></resources><constraints/></configuration>
<status><node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member"/>
<node_state id="2" uname="n2" %s><lrm id="2"><lrm_resources><lrm_resource id="ip" class="ocf" provider="heartbeat" type="IPaddr2">
<lrm_rsc_op id="ip_start_0" operation="start" call-id="3" rc-code="0" op-status="0" interval="0" transition-key="1:1:0:x"/>
</lrm_resource></lrm_resources></lrm></node_state></status></cib>`, quorum, dev, n2State)
}

func TestFencing(t *testing.T) {
	const lost = `in_ccm="false" crmd="offline" join="down" expected="member"`
	tests := []struct {
		name   string
		xml    string
		fences []Fence
		want   []string
	}{
		{"lost node is fenced before its resource moves", fencingCIB(lost, "1", false),
			[]Fence{{Node: "n2", Action: "reboot", Reason: "peer is no longer part of the cluster"}},
			[]string{"Fence (reboot) n2 'peer is no longer part of the cluster'", "Start fd ( n1 )", "Move ip ( n2 -> n1 )"}},
		{"controller gone", fencingCIB(`in_ccm="true" crmd="offline" join="member" expected="member"`, "1", false),
			[]Fence{{Node: "n2", Action: "reboot", Reason: "peer process is no longer available"}},
			[]string{"Fence (reboot) n2 'peer process is no longer available'", "Start fd ( n1 )", "Move ip ( n2 -> n1 )"}},
		{"a node that left cleanly but still shows ip running is fenced", fencingCIB(`in_ccm="false" crmd="offline" join="down" expected="down"`, "1", false),
			[]Fence{{Node: "n2", Action: "reboot", Reason: "ip is thought to be active there"}},
			[]string{"Fence (reboot) n2 'ip is thought to be active there'", "Start fd ( n1 )", "Move ip ( n2 -> n1 )"}},
		{"without quorum an outside node is not fenced and its resource is stuck", fencingCIB(lost, "0", false),
			nil, []string{"Start fd ( n1 ) due to no quorum (blocked)", "Stop ip ( n2 ) due to no quorum (blocked)"}},
		{"fencing without a device leaves everything alone", fencingCIB(lost, "1", true),
			nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := cib.Parse([]byte(tt.xml))
			if err != nil {
				t.Fatal(err)
			}
			res, err := Schedule(doc)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(res.Fences) != fmt.Sprint(tt.fences) {
				t.Errorf("fences %v, want %v", res.Fences, tt.fences)
			}
			var got []string
			for _, l := range FormatSummary(res.Summary) {
				got = append(got, NormalizeLine(l, true))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("summary:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
			// A fence runs before the start it guards, and ip's stop on
			// the fenced node is not an action of its own.
			ordered, _ := res.Graph.Order()
			pos := map[string]int{}
			for i, a := range ordered {
				pos[a.Key()] = i
				if a.Fence == nil && a.Task == "stop" && a.Node == "n2" && len(tt.fences) > 0 {
					t.Errorf("stop on the fenced node in the graph: %s", a)
				}
			}
			if len(tt.fences) > 0 {
				f, ok1 := pos["stonith-n2-reboot"]
				s, ok2 := pos["ip_start_0"]
				if !ok1 || !ok2 || f > s {
					t.Errorf("fence (%v at %d) must come before ip's start (%v at %d)", ok1, f, ok2, s)
				}
			}
		})
	}
}
