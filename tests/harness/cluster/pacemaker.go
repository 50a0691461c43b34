package cluster

import (
	"context"
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
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
	if err := n.bootPacemaker(); err != nil {
		t.Fatal(err)
	}
}

// bootPacemaker runs pcmk-node.sh in the node, which returns once both
// daemons are started.
func (n *Node) bootPacemaker() error {
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
		return fmt.Errorf("%s: starting corosync and pacemaker: exit %d: %s", n.Name, code, out)
	}
	return nil
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

// isPacemakerDaemon reports whether a process's command name (comm, at
// most 15 characters: "pacemaker-contr") is Corosync's or one of
// Pacemaker's daemons: together the node's cluster manager, what baton
// daemon is alone.
func isPacemakerDaemon(comm string) bool {
	return comm == "corosync" || strings.HasPrefix(comm, "pacemaker")
}

// pacemakerPids returns the node's Corosync and Pacemaker processes,
// pacemakerd first (so that a signal reaches the supervisor before it could
// respawn a child that died of it).
func (n *Node) pacemakerPids() []int {
	var first, rest []int
	for _, p := range n.processes() {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", p))
		if err != nil {
			continue
		}
		switch comm := strings.TrimSpace(string(b)); {
		case comm == "pacemakerd":
			first = append(first, p)
		case isPacemakerDaemon(comm):
			rest = append(rest, p)
		}
	}
	return append(first, rest...)
}

// SignalPacemaker sends sig to every Corosync and Pacemaker process of the
// node, not to the resources they started: SIGKILL is the manager's crash,
// SIGSTOP its hang. It returns false when none runs.
func (n *Node) SignalPacemaker(sig syscall.Signal) bool {
	pids := n.pacemakerPids()
	for _, p := range pids {
		_ = syscall.Kill(p, sig)
	}
	return len(pids) > 0
}

// PacemakerRunning reports whether any Corosync or Pacemaker process runs
// on the node.
func (n *Node) PacemakerRunning() bool { return len(n.pacemakerPids()) > 0 }

// WaitPacemakerExit waits at most limit until no Corosync or Pacemaker
// process runs on the node.
func (n *Node) WaitPacemakerExit(limit time.Duration) bool {
	return waitUntil(limit, func() bool { return !n.PacemakerRunning() })
}

// WaitPoweredOff waits at most limit for every process of the node to be
// gone: a fence that killed one of them is killing the rest.
func (n *Node) WaitPoweredOff(limit time.Duration) bool {
	return waitUntil(limit, func() bool { return !n.PoweredOn() })
}

// waitUntil polls cond every 50 ms until it holds (true) or limit passes
// (false).
func waitUntil(limit time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return true
}

// StartPacemakerAgain starts Corosync and Pacemaker on a running node whose
// manager died (the node was not fenced): the resources it left keep
// running, and Pacemaker's probes find them when it rejoins. It fails when
// the node is powered off meanwhile (the peer fenced it): the caller boots
// it instead.
func (n *Node) StartPacemakerAgain() error { return n.bootPacemaker() }
