package crm_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/harness/cluster"
)

// pingDampenClone is the seed's connectivity check with Baton's drop-in
// agent: a ping clone with dampen, as a Pacemaker user configures it.
func pingDampenClone(host, dampen string) string {
	return `<clone id="ping-clone"><primitive id="ping" class="ocf" provider="baton" type="ping">` +
		`<instance_attributes id="ping-ia"><nvpair id="ping-hosts" name="host_list" value="` + host + `"/>` +
		`<nvpair id="ping-mult" name="multiplier" value="100"/><nvpair id="ping-dampen" name="dampen" value="` + dampen + `"/>` +
		`<nvpair id="ping-timeout" name="timeout" value="1"/><nvpair id="ping-attempts" name="attempts" value="1"/></instance_attributes>` +
		`<operations><op id="ping-mon" name="monitor" interval="1s" timeout="10s"/></operations></primitive></clone>`
}

var pingdOfNode1 = regexp.MustCompile(`(?s)<node_state[^>]*uname="node1".*?<nvpair[^>]*name="pingd"[^>]*value="([^"]*)"`)

// TestPingDampenUnderDaemon: ocf:baton:ping's dampen works under baton
// daemon as under Pacemaker's attribute manager. A service-link flap shorter
// than dampen never reaches the CIB (pingd stays 100, nothing moves); a
// loss that lasts moves the group, and not before dampen has passed since
// the first monitor that saw it.
func TestPingDampenUnderDaemon(t *testing.T) {
	const dampen = 4 * time.Second
	c := cluster.New(t, cluster.Options{Agents: []string{"Dummy", "ping"},
		ResourcesFunc: func(c *cluster.Cluster) string {
			return dummyGroup + pingDampenClone(fmt.Sprintf("10.214.%d.100", c.Subnet), dampen.String())
		},
		Constraints: groupNeedsPing})
	startAll(t, c)
	n1, n2 := c.Nodes[0], c.Nodes[1]
	pingd := func() string {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		out, code := n2.Baton(ctx, "cib", "show")
		if code != 0 {
			return "(no CIB: " + out + ")"
		}
		if m := pingdOfNode1.FindStringSubmatch(out); m != nil {
			return m[1]
		}
		return "(unset)"
	}
	started(t, c, "node1", 60*time.Second)
	deadline := time.Now().Add(20 * time.Second)
	for pingd() != "100" {
		if time.Now().After(deadline) {
			t.Fatalf("node1's pingd is %s, want 100", pingd())
		}
		time.Sleep(200 * time.Millisecond)
	}

	// A flap of 2.5 s: a monitor or two fail (every 1 s, 1 s timeout), and the
	// link is back well within dampen. Watched until the flap's dampen
	// is over and two more: pingd stays 100, the group on node1.
	n1.CutLink("svc")
	time.Sleep(2500 * time.Millisecond) // the flap's length, not an assertion
	n1.PlugLink("svc")
	for end := time.Now().Add(dampen + 2*time.Second); time.Now().Before(end); {
		if v := pingd(); v != "100" {
			t.Fatalf("a flap shorter than dampen reached the CIB: node1's pingd = %s", v)
		}
		if st, ok := n2.Status(); ok && where(st)["d1"] != "node1" {
			t.Fatalf("a flap shorter than dampen moved the group: %v", where(st))
		}
		time.Sleep(200 * time.Millisecond)
	}

	// A loss: the group moves, after dampen.
	cut := time.Now()
	n1.CutLink("svc")
	waitFor(t, n2, 30*time.Second, "the group on node2 after node1 lost its service link", func(st clusterState) bool {
		w := where(st)
		return w["d1"] == "node2" && w["d2"] == "node2"
	})
	took := time.Since(cut)
	t.Logf("the group moved %v after the cut (dampen %v, monitor 1 s)", took.Round(100*time.Millisecond), dampen)
	if took < dampen {
		t.Errorf("the group moved %v after the cut, before dampen (%v) was over", took, dampen)
	}
	if v := pingd(); v != "0" {
		t.Errorf("node1's pingd = %s after the move, want 0", v)
	}
}
