package crm_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/harness/cluster"
)

// TestDRBDFenceHandlersThroughBaton runs DRBD's fence-peer and unfence-peer
// handlers (`baton drbd ...`) on a node of a running Baton cluster: the
// constraint goes through the daemon into the CIB and reaches the other
// node, as crm-fence-peer's does through Pacemaker's CIB.
func TestDRBDFenceHandlersThroughBaton(t *testing.T) {
	c := cluster.New(t, cluster.Options{Agents: []string{"drbd"}, Resources: `
<clone id="ms_r0">
  <meta_attributes id="ms_r0-m">
    <nvpair id="ms_r0-p" name="promotable" value="true"/><nvpair id="ms_r0-n" name="notify" value="true"/>
    <nvpair id="ms_r0-tr" name="target-role" value="Stopped"/>
  </meta_attributes>
  <primitive id="p_r0" class="ocf" provider="baton" type="drbd">
    <instance_attributes id="p_r0-ia"><nvpair id="p_r0-res" name="drbd_resource" value="r0"/></instance_attributes>
  </primitive>
</clone>`})
	startAll(t, c)
	n1, n2 := c.Nodes[0], c.Nodes[1]
	waitFor(t, n2, 30*time.Second, "the cluster", func(st clusterState) bool { return st.Quorate && len(st.Members) == 2 })
	handler := func(n *cluster.Node, args ...string) (string, int) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return n.Exec(ctx, "env", append([]string{"BATON_CONFIG=" + filepath.Join(n.Dir, "baton.toml"), "DRBD_RESOURCE=r0", c.Bin, "drbd"}, args...)...)
	}
	cibOn := func(n *cluster.Node) string {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		out, _ := n.Baton(ctx, "cib", "show")
		return out
	}
	out, code := handler(n1, "fence-peer", "--node", "node1")
	if code != 4 {
		t.Fatalf("fence-peer: exit %d, want 4 (peer outdated)\n%s", code, out)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(cibOn(n2), "drbd-fence-by-handler-r0-ms_r0") {
		if time.Now().After(deadline) {
			t.Fatalf("the constraint did not reach node2:\n%s", cibOn(n2))
		}
		time.Sleep(200 * time.Millisecond)
	}
	if out, code := handler(n2, "unfence-peer"); code != 0 {
		t.Fatalf("unfence-peer on node2: exit %d\n%s", code, out)
	}
	deadline = time.Now().Add(10 * time.Second)
	for strings.Contains(cibOn(n1), "drbd-fence-by-handler-r0") {
		if time.Now().After(deadline) {
			t.Fatal("the constraint is still in node1's CIB after unfence-peer")
		}
		time.Sleep(200 * time.Millisecond)
	}
}
