package cluster

import (
	"context"
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/crm/cibdoc"
	"github.com/baton-ha/baton/tests/harness/pacemaker"
)

//go:embed pcmk-node.sh
var pcmkScript string

// StartPacemaker runs real Corosync 3 and Pacemaker 2.1 on every node
// instead of `baton daemon`, over the same two links, with the same agents
// and CIB: the reference to compare Baton's own manager with. With
// Options.Fencing the CIB's stonith primitive runs fence_baton_netns through
// pacemaker-fenced, as Baton's fencer runs it. It returns when every node is
// online with a DC and the CIB is loaded.
func (c *Cluster) StartPacemaker(t testing.TB) {
	t.Helper()
	var nodelist strings.Builder
	for _, n := range c.Nodes {
		fmt.Fprintf(&nodelist, "    node {\n        ring0_addr: %s\n        ring1_addr: %s\n        name: %s\n        nodeid: %d\n    }\n",
			n.HBAddr, n.SvcAddr, n.Name, n.ID)
	}
	quorum := "    provider: corosync_votequorum\n"
	if len(c.Nodes) == 2 {
		quorum += "    two_node: 1\n"
	}
	conf := fmt.Sprintf("totem {\n    version: 2\n    cluster_name: baton-bench\n    transport: knet\n    crypto_cipher: none\n    crypto_hash: none\n}\n"+
		"nodelist {\n%s}\nquorum {\n%s}\nlogging {\n    to_logfile: yes\n    logfile: /var/log/corosync.log\n    to_stderr: no\n    to_syslog: no\n}\n",
		nodelist.String(), quorum)
	c.pacemaker = true
	must(t, os.WriteFile(filepath.Join(c.Dir, "pcmk-node.sh"), []byte(pcmkScript), 0o755))
	for _, n := range c.Nodes {
		st := filepath.Join(n.Dir, "pcmk")
		must(t, os.MkdirAll(st, 0o755))
		must(t, os.Chmod(n.Dir, 0o755))
		pacemaker.PrepareState(t, st, conf, filepath.Join(c.ocfRoot, "resource.d", "baton"))
		n.startPacemaker(t)
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		out, code := c.Nodes[0].Exec(ctx, "crm_mon", "-1")
		cancel()
		online := code == 0 && strings.Contains(out, "Current DC:") && !strings.Contains(out, "NONE") &&
			strings.Contains(out, "Online: [ "+c.nodeNames()+" ]")
		if online {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pacemaker did not come online on all nodes:\n%s", out)
		}
		time.Sleep(time.Second)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Pacemaker refuses a CIB older than its own, which counted epochs
	// while the nodes joined: give ours a higher admin_epoch.
	b, err := os.ReadFile(filepath.Join(c.Nodes[0].Dir, "cib.xml"))
	must(t, err)
	doc, err := cibdoc.Parse(b)
	must(t, err)
	doc.SetVersion(cibdoc.Version{Admin: 1, Epoch: 1})
	cibFile := filepath.Join(c.Nodes[0].Dir, "cib-pacemaker.xml")
	must(t, os.WriteFile(cibFile, doc.Bytes(), 0o644))
	if out, code := c.Nodes[0].Exec(ctx, "cibadmin", "--replace", "--xml-file", cibFile); code != 0 {
		t.Fatalf("cibadmin --replace: %s", out)
	}
}

// startPacemaker starts Corosync and Pacemaker on the node from its state
// directory: at first start, and when a powered-off node boots again (its
// CIB and Corosync state survive there, as on a disk).
func (n *Node) startPacemaker(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	args := []string{filepath.Join(n.c.Dir, "pcmk-node.sh"), filepath.Join(n.Dir, "pcmk")}
	if n.c.fencing {
		// pacemaker-fenced runs fence agents only from /usr/sbin (its
		// build-time directory): the node sees the harness's agents there.
		args = append(args, n.c.FenceDir)
	}
	out, code := n.Exec(ctx, "bash", args...)
	if code != 0 {
		t.Fatalf("%s: starting corosync and pacemaker: %s", n.Name, out)
	}
}

// CrmMon returns the node's `crm_mon --output-as=xml` (Pacemaker runs), or
// false when it does not answer.
func (n *Node) CrmMon() (*pacemaker.Status, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, code := n.Exec(ctx, "crm_mon", "-1", "--output-as=xml")
	if code != 0 {
		return nil, false
	}
	st, err := pacemaker.ParseStatus([]byte(out))
	return st, err == nil
}

func (c *Cluster) nodeNames() string {
	var names []string
	for _, n := range c.Nodes {
		names = append(names, n.Name)
	}
	return strings.Join(names, " ")
}
