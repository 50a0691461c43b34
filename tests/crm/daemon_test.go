// Package crm_test runs Baton's own cluster manager for real: daemons in
// network and mount namespaces, heartbeats over two links, agents executed
// on the nodes, and failures caused by killing processes and cutting links.
package crm_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/harness"

	"github.com/baton-ha/baton/tests/harness/cluster"
)

type clusterState = cluster.Status

func state(t *testing.T, n *cluster.Node) (clusterState, bool) { return n.Status() }

// where returns the node each resource runs on ("" when stopped, "+" when on
// several).
func where(st clusterState) map[string]string {
	out := map[string]string{}
	for _, r := range st.Resources {
		switch len(r.Nodes) {
		case 0:
			out[r.ID] = ""
		case 1:
			out[r.ID] = r.Nodes[0]
		default:
			out[r.ID] = "+"
		}
	}
	return out
}

func waitFor(t *testing.T, n *cluster.Node, limit time.Duration, what string, cond func(clusterState) bool) clusterState {
	t.Helper()
	deadline := time.Now().Add(limit)
	var last clusterState
	for time.Now().Before(deadline) {
		if st, ok := state(t, n); ok {
			last = st
			if cond(st) {
				return st
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s; last state %+v", what, last)
	return last
}

const dummyGroup = `<group id="g">
  <primitive id="d1" class="ocf" provider="baton" type="Dummy"><operations><op id="d1-mon" name="monitor" interval="2s" timeout="10s"/></operations></primitive>
  <primitive id="d2" class="ocf" provider="baton" type="Dummy"><operations><op id="d2-mon" name="monitor" interval="2s" timeout="10s"/></operations></primitive>
</group>`

func TestDummyGroupFailsOver(t *testing.T) {
	c := cluster.New(t, cluster.Options{Agents: []string{"Dummy"}, Resources: dummyGroup,
		Constraints: `<rsc_location id="g-pref" rsc="g" node="node1" score="100"/>`})
	for _, n := range c.Nodes {
		n.Start(t)
	}
	n1, n2 := c.Nodes[0], c.Nodes[1]
	waitFor(t, n1, 30*time.Second, "the group on node1", func(st clusterState) bool {
		w := where(st)
		return st.Quorate && w["d1"] == "node1" && w["d2"] == "node1"
	})
	waitFor(t, n2, 10*time.Second, "node2 to see the cluster", func(st clusterState) bool {
		return st.Quorate && len(st.Members) == 2 && where(st)["d2"] == "node1"
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if out, code := n1.Exec(ctx, "test", "-e", "/run/Dummy-d2.state"); code != 0 {
		t.Fatalf("node1 should hold d2's state file: %s", out)
	}
	killed := time.Now()
	n1.Kill()
	waitFor(t, n2, 30*time.Second, "the group on node2", func(st clusterState) bool {
		w := where(st)
		return w["d1"] == "node2" && w["d2"] == "node2"
	})
	t.Logf("group running on node2 %.1f s after node1 was killed", time.Since(killed).Seconds())

	// The replicated CIB, status included, is Pacemaker's format: its own
	// checker accepts it, and its scheduler sees the group on node2.
	out, code := n2.Baton(ctx, "cib", "show")
	if code != 0 {
		t.Fatal(out)
	}
	f := filepath.Join(t.TempDir(), "cib.xml")
	if err := os.WriteFile(f, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, code := harness.Run(ctx, nil, "crm_verify", "-V", "-x", f); code != 0 {
		t.Errorf("crm_verify rejects Baton's CIB: %s", out)
	}
	if out, code := harness.Run(ctx, nil, "crm_simulate", "-x", f, "-S"); code != 0 || !strings.Contains(out, "d2\t(ocf:baton:Dummy):\t Started node2") && !strings.Contains(out, "Started node2") {
		t.Errorf("crm_simulate on Baton's CIB: %s", out)
	}
}
