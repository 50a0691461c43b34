package crm_test

import (
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/harness/cluster"
)

// Stopping a node's daemon (SIGTERM, as systemctl stop does) moves its
// resources to the peer before the daemon exits: when it is gone, it holds
// nothing, and the peer runs the group.
func TestStoppedDaemonHandsOverFirst(t *testing.T) {
	c := cluster.New(t, cluster.Options{Agents: []string{"Dummy"}, Resources: dummyGroup,
		Constraints: `<rsc_location id="g-pref" rsc="g" node="node1" score="100"/>`})
	for _, n := range c.Nodes {
		n.Start(t)
	}
	n1, n2 := c.Nodes[0], c.Nodes[1]
	waitFor(t, n2, 30*time.Second, "the group on node1, seen by node2", func(st clusterState) bool {
		w := where(st)
		return st.Quorate && len(st.Members) == 2 && w["d1"] == "node1" && w["d2"] == "node1"
	})
	if !n1.HasFile("/run/Dummy-d2.state") {
		t.Fatal("node1 should hold d2's state file")
	}

	n1.StopDaemon()
	if !n1.WaitDaemonExit(60 * time.Second) {
		t.Fatal("node1's daemon did not exit within 60s of SIGTERM")
	}
	for _, f := range []string{"/run/Dummy-d1.state", "/run/Dummy-d2.state"} {
		if n1.HasFile(f) {
			t.Errorf("node1's daemon exited while %s was still there: it left a resource running", f)
		}
	}
	waitFor(t, n2, 30*time.Second, "the group on node2", func(st clusterState) bool {
		w := where(st)
		return w["d1"] == "node2" && w["d2"] == "node2"
	})
	for _, f := range []string{"/run/Dummy-d1.state", "/run/Dummy-d2.state"} {
		if !n2.HasFile(f) {
			t.Errorf("node2 lacks %s", f)
		}
	}
}
