package scheduler

import (
	"fmt"
	"strings"
	"testing"

	"github.com/baton-ha/baton/crm/cib"
)

// drbdPairCIB: a promotable clone of two instances, n2 gone (offline,
// clean: the fence is decided elsewhere), n1's instance running in the role
// given (start or promote as its last operation), the partition's quorum
// and no-quorum-policy as given.
func drbdPairCIB(quorum, policy, n1Last string) string {
	return fmt.Sprintf(`<cib have-quorum="%s"><configuration><crm_config><cluster_property_set id="o">
<nvpair id="o1" name="stonith-enabled" value="false"/><nvpair id="o2" name="no-quorum-policy" value="%s"/></cluster_property_set></crm_config>
<nodes><node id="1" uname="n1"/><node id="2" uname="n2"/></nodes>
<resources><clone id="ms"><meta_attributes id="ms-m"><nvpair id="ms-p" name="promotable" value="true"/><nvpair id="ms-n" name="notify" value="true"/></meta_attributes>
<primitive id="d" class="ocf" provider="linbit" type="drbd"><operations>
<op id="d-m1" name="monitor" interval="9s" role="Promoted"/><op id="d-m2" name="monitor" interval="10s" role="Unpromoted"/></operations></primitive></clone></resources>
<constraints/></configuration>
<status><node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member">
<transient_attributes id="1"><instance_attributes id="s1"><nvpair id="s1-m" name="master-d" value="10000"/></instance_attributes></transient_attributes>
<lrm id="1"><lrm_resources><lrm_resource id="d" class="ocf" provider="linbit" type="drbd">
<lrm_rsc_op id="d_last_0" operation="%s" call-id="3" rc-code="0" op-status="0" interval="0" transition-key="1:1:0:x"/>
</lrm_resource></lrm_resources></lrm></node_state>
<node_state id="2" uname="n2" in_ccm="false" crmd="offline" join="down" expected="member"/></status></cib>`, quorum, policy, n1Last)
}

// A partition without quorum never promotes (Pacemaker: promote needs
// quorum like start): a DRBD Secondary whose peer is only out of reach
// would otherwise become a second Primary. What is promoted stays so under
// freeze and stop as far as promotion goes; demote demotes it.
func TestNoPromotionWithoutQuorum(t *testing.T) {
	tests := []struct {
		quorum, policy, last string
		promote, demote      bool
	}{
		{"1", "stop", "start", true, false},
		{"0", "stop", "start", false, false},
		{"0", "freeze", "start", false, false},
		{"0", "demote", "start", false, false},
		{"0", "suicide", "start", false, false},
		{"0", "ignore", "start", true, false},
		{"0", "freeze", "promote", false, false},
		{"0", "demote", "promote", false, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("quorum=%s,policy=%s,last=%s", tt.quorum, tt.policy, tt.last), func(t *testing.T) {
			doc, err := cib.Parse([]byte(drbdPairCIB(tt.quorum, tt.policy, tt.last)))
			if err != nil {
				t.Fatal(err)
			}
			res, err := Schedule(doc)
			if err != nil {
				t.Fatal(err)
			}
			var promote, demote bool
			var acts []string
			ordered, _ := res.Graph.Order()
			for _, a := range ordered {
				acts = append(acts, a.String())
				if a.Runnable && a.Node == "n1" && a.Task == "promote" {
					promote = true
				}
				if a.Runnable && a.Node == "n1" && a.Task == "demote" {
					demote = true
				}
			}
			if promote != tt.promote || demote != tt.demote {
				t.Errorf("promote %v (want %v), demote %v (want %v); actions:\n  %s", promote, tt.promote, demote, tt.demote, strings.Join(acts, "\n  "))
			}
		})
	}
}
