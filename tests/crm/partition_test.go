package crm_test

import (
	"context"
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/harness/cluster"
)

// started waits until the group runs on want, as seen from every live node.
func started(t *testing.T, c *cluster.Cluster, want string, limit time.Duration) {
	t.Helper()
	for _, n := range c.Nodes {
		if !n.Alive() {
			continue
		}
		waitFor(t, n, limit, "the group on "+want+" as "+n.Name+" sees it", func(st clusterState) bool {
			w := where(st)
			return st.Quorate && len(st.Members) == len(c.Nodes) && w["d1"] == want && w["d2"] == want
		})
	}
}

func startAll(t *testing.T, c *cluster.Cluster) {
	for _, n := range c.Nodes {
		n.Start(t)
	}
}

func TestDedicatedLinkCutIsNoFailover(t *testing.T) {
	c := cluster.New(t, cluster.Options{Agents: []string{"Dummy"}, Resources: dummyGroup,
		Constraints: `<rsc_location id="g-pref" rsc="g" node="node1" score="100"/>`})
	startAll(t, c)
	started(t, c, "node1", 30*time.Second)
	n1, n2 := c.Nodes[0], c.Nodes[1]
	n1.CutLink("hb")
	// Three deadtimes: the service link alone keeps the nodes together.
	deadline := time.Now().Add(6 * time.Second)
	for time.Now().Before(deadline) {
		if n2.HasFile("/run/Dummy-d1.state") {
			t.Fatal("node2 started the group although node1 still answered on the service link")
		}
		time.Sleep(300 * time.Millisecond)
	}
	st, _ := state(t, n2)
	if len(st.Members) != 2 || where(st)["d1"] != "node1" {
		t.Fatalf("after cutting the heartbeat link only: %+v", st)
	}
}

func TestWitnessLetsExactlyOneSideRun(t *testing.T) {
	c := cluster.New(t, cluster.Options{Agents: []string{"Dummy"}, Resources: dummyGroup, Witness: true,
		Constraints: `<rsc_location id="g-pref" rsc="g" node="node1" score="100"/>`})
	startAll(t, c)
	started(t, c, "node1", 30*time.Second)
	n1, n2 := c.Nodes[0], c.Nodes[1]
	// Both links between the nodes go; each still reaches the witness.
	n1.CutLink("hb")
	n1.CutLink("svc")
	both := 0
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		a, b := n1.HasFile("/run/Dummy-d1.state"), n2.HasFile("/run/Dummy-d1.state")
		if a && b {
			both++
		}
		time.Sleep(100 * time.Millisecond)
	}
	if both > 0 {
		t.Errorf("both sides ran the group at %d samples", both)
	}
	a, b := n1.HasFile("/run/Dummy-d1.state"), n2.HasFile("/run/Dummy-d1.state")
	if a == b {
		t.Fatalf("exactly one side should run the group: node1=%v node2=%v", a, b)
	}
	t.Logf("after the split: node1 runs the group: %v, node2: %v", a, b)
}

func TestRecoverInPlaceThenMove(t *testing.T) {
	c := cluster.New(t, cluster.Options{Agents: []string{"Dummy"}, Resources: dummyGroup,
		Constraints: `<rsc_location id="g-pref" rsc="g" node="node1" score="100"/>`,
		RscDefaults: `<nvpair id="mt" name="migration-threshold" value="2"/>`})
	startAll(t, c)
	started(t, c, "node1", 30*time.Second)
	n1 := c.Nodes[0]
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	fail := func() {
		if out, code := n1.Exec(ctx, "rm", "/run/Dummy-d2.state"); code != 0 {
			t.Fatalf("rm: %s", out)
		}
	}
	// First failure: recovered on node1 (fail count 1 < 2).
	fail()
	waitFor(t, n1, 20*time.Second, "d2 recovered on node1", func(st clusterState) bool {
		return n1.HasFile("/run/Dummy-d2.state") && where(st)["d2"] == "node1"
	})
	// Second failure: the threshold is reached and the group moves.
	fail()
	started(t, c, "node2", 30*time.Second)
}

func TestRejoin(t *testing.T) {
	for _, tc := range []struct {
		name      string
		defaults  string
		wantAfter string
	}{
		{"stickiness keeps it on node2", `<nvpair id="st" name="resource-stickiness" value="200"/>`, "node2"},
		{"location preference brings it back", "", "node1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := cluster.New(t, cluster.Options{Agents: []string{"Dummy"}, Resources: dummyGroup, RscDefaults: tc.defaults,
				Constraints: `<rsc_location id="g-pref" rsc="g" node="node1" score="100"/>`})
			startAll(t, c)
			started(t, c, "node1", 30*time.Second)
			n1, n2 := c.Nodes[0], c.Nodes[1]
			n1.Kill()
			waitFor(t, n2, 20*time.Second, "failover to node2", func(st clusterState) bool {
				return where(st)["d2"] == "node2"
			})
			n1.Restart(t)
			started(t, c, tc.wantAfter, 30*time.Second)
		})
	}
}

// groupNeedsPing prefers node1 for the group g and keeps it off a node
// whose pingd is 0 or not defined, as the seed's connectivity rule does.
const groupNeedsPing = `<rsc_location id="g-pref" rsc="g" node="node1" score="100"/>
<rsc_location id="g-ping" rsc="g">
  <rule id="g-ping-rule" score="-INFINITY" boolean-op="or">
    <expression id="g-ping-undef" attribute="pingd" operation="not_defined"/>
    <expression id="g-ping-zero" attribute="pingd" operation="lte" value="0"/>
  </rule>
</rsc_location>`

// TestPingAttributeMovesResources: each node pings the client's address and
// publishes pingd; a location rule keeps the group off a node that cannot
// reach it. Cutting node1's service link (its heartbeat link stays up, so it
// remains a member) moves the group to node2.
func TestPingAttributeMovesResources(t *testing.T) {
	c := cluster.New(t, cluster.Options{Agents: []string{"Dummy"}, Resources: dummyGroup, PingClient: true,
		Constraints: groupNeedsPing})
	startAll(t, c)
	started(t, c, "node1", 40*time.Second)
	c.Nodes[0].CutLink("svc")
	waitFor(t, c.Nodes[1], 30*time.Second, "the group on node2 after node1 lost its uplink", func(st clusterState) bool {
		w := where(st)
		return len(st.Members) == 2 && w["d1"] == "node2" && w["d2"] == "node2"
	})
}
