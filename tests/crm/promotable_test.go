package crm_test

import (
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/harness/cluster"
)

// TestPromotableCloneUnderBaton runs ocf:baton:Stateful as a promotable
// clone: its promotion scores travel from the agent through the attribute
// socket to the DC's scheduler, which promotes exactly one instance; when
// the promoted node dies the other instance is promoted.
func TestPromotableCloneUnderBaton(t *testing.T) {
	c := cluster.New(t, cluster.Options{Agents: []string{"Stateful"}, Resources: `
<clone id="ms">
  <meta_attributes id="ms-m"><nvpair id="ms-p" name="promotable" value="true"/><nvpair id="ms-n" name="notify" value="true"/></meta_attributes>
  <primitive id="st" class="ocf" provider="baton" type="Stateful">
    <instance_attributes id="st-ia"><nvpair id="st-env" name="envfile" value="/run/st.env"/></instance_attributes>
    <operations>
      <op id="st-mon-p" name="monitor" interval="3s" role="Promoted" timeout="10s"/>
      <op id="st-mon-u" name="monitor" interval="4s" role="Unpromoted" timeout="10s"/>
    </operations>
  </primitive>
</clone>`})
	startAll(t, c)
	roles := func(st clusterState) map[string]string {
		m := map[string]string{}
		for _, r := range st.Resources {
			for _, n := range r.Nodes {
				m[n] = r.Role
			}
		}
		return m
	}
	st := waitFor(t, c.Nodes[0], 40*time.Second, "one promoted and one unpromoted instance", func(st clusterState) bool {
		r := roles(st)
		return st.Quorate && ((r["node1"] == "Promoted" && r["node2"] == "Unpromoted") || (r["node1"] == "Unpromoted" && r["node2"] == "Promoted"))
	})
	waitFor(t, c.Nodes[1], 20*time.Second, "node2 to see both nodes", func(st clusterState) bool {
		return st.Quorate && len(st.Members) == 2
	})
	promoted, other := c.Nodes[0], c.Nodes[1]
	if roles(st)["node2"] == "Promoted" {
		promoted, other = other, promoted
	}
	// notify=true: both instances heard about the promotion before and
	// after it, with the lists Pacemaker passes.
	for _, n := range c.Nodes {
		env, err := n.ReadFile("/run/st.env")
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"OCF_RESKEY_CRM_meta_notify_type=pre", "OCF_RESKEY_CRM_meta_notify_type=post",
			"OCF_RESKEY_CRM_meta_notify_operation=promote", "OCF_RESKEY_CRM_meta_notify_promote_uname=" + promoted.Name,
			"OCF_RESKEY_CRM_meta_notify_active_uname="} {
			if !strings.Contains(string(env), want) {
				t.Errorf("%s's notifications lack %s", n.Name, want)
			}
		}
	}
	promoted.Kill()
	waitFor(t, other, 30*time.Second, "the surviving instance promoted", func(st clusterState) bool {
		return roles(st)[other.Name] == "Promoted"
	})
}
