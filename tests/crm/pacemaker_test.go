package crm_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/harness"
	"github.com/baton-ha/baton/tests/harness/cluster"
)

// crmMonWhere returns the node crm_mon shows a primitive started on.
func crmMonWhere(n *cluster.Node, rsc string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, code := n.Exec(ctx, "crm_resource", "--locate", "-r", rsc)
	if code != 0 {
		return ""
	}
	// "resource d1 is running on: node2"
	if i := strings.LastIndex(out, "running on: "); i >= 0 {
		return strings.Fields(out[i+len("running on: "):])[0]
	}
	return ""
}

// TestSameCIBUnderPacemaker runs the cluster of the other tests under real
// Corosync and Pacemaker instead of baton daemon: same namespaces, links,
// agents and CIB. It is the reference the failover benchmark compares with.
func TestSameCIBUnderPacemaker(t *testing.T) {
	harness.NeedRoot(t)
	c := cluster.New(t, cluster.Options{Agents: []string{"Dummy"}, Resources: dummyGroup,
		Constraints: `<rsc_location id="g-pref" rsc="g" node="node1" score="100"/>`})
	c.StartPacemaker(t)
	n1, n2 := c.Nodes[0], c.Nodes[1]
	deadline := time.Now().Add(60 * time.Second)
	for crmMonWhere(n1, "d2") != "node1" {
		if time.Now().After(deadline) {
			t.Fatal("pacemaker did not start the group on node1")
		}
		time.Sleep(500 * time.Millisecond)
	}
	killed := time.Now()
	n1.Kill()
	deadline = time.Now().Add(60 * time.Second)
	for crmMonWhere(n2, "d2") != "node2" {
		if time.Now().After(deadline) {
			t.Fatal("pacemaker did not move the group to node2")
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("pacemaker: group on node2 %.1f s after node1 was killed", time.Since(killed).Seconds())
}
