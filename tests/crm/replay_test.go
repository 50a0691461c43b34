package crm_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/harness/capture"
	"github.com/baton-ha/baton/tests/harness/cluster"
)

func udp(ip string, port int) *net.UDPAddr { return &net.UDPAddr{IP: net.ParseIP(ip), Port: port} }

// linkUp brings a killed node's interface up again without its daemon: the
// attacker now owns its address.
func linkUp(t *testing.T, n *cluster.Node, iface string) {
	t.Helper()
	if out, err := exec.Command("ip", "-n", n.NS, "link", "set", "dev", iface, "up").CombinedOutput(); err != nil {
		t.Fatalf("link up %s in %s: %v %s", iface, n.NS, err, out)
	}
}

// A recording of node2's real heartbeats, replayed from node2's own address
// after node2 died and node1 restarted, must not make node2 a member of
// node1's view (before, node1 showed both nodes online and quorate for as
// long as the replay ran).
func TestReplayedHeartbeatsDoNotRevivePeer(t *testing.T) {
	c := cluster.New(t, cluster.Options{Agents: []string{"Dummy"}, Resources: dummyGroup,
		Constraints: `<rsc_location id="g-pref" rsc="g" node="node1" score="100"/>`})
	startAll(t, c)
	started(t, c, "node1", 30*time.Second)
	n1, n2 := c.Nodes[0], c.Nodes[1]
	pkts := capture.Record(t, n1.NS, "eth0", fmt.Sprintf("udp and src host %s and dst port 5405", n2.HBAddr), 8, 20*time.Second)

	n2.Kill()
	n1.Kill()
	logPath := filepath.Join(n1.Dir, "daemon.log")
	st, err := os.Stat(logPath)
	if err != nil {
		t.Fatal(err)
	}
	from := st.Size()
	n1.Restart(t)
	linkUp(t, n2, "eth0")
	const every = 250 * time.Millisecond
	stop := capture.Replay(t, n2.NS, udp(n2.HBAddr, 5405), udp(n1.HBAddr, 5405), pkts, every)
	defer stop()
	replayed := time.Now()

	// Watch node1 until it has refused most of the first round of the
	// recording (later rounds repeat sequence numbers and are dropped
	// without a word) and the recording went round twice; node2 must never
	// be a member meanwhile.
	want := len(pkts) / 2
	rounds := 2 * time.Duration(len(pkts)) * every
	deadline := time.Now().Add(30 * time.Second)
	for {
		if st, ok := n1.Status(); ok && slices.Contains(st.Members, "node2") {
			t.Fatalf("a replay of node2's heartbeats made it a member again: %+v", st)
		}
		b, _ := os.ReadFile(logPath)
		refused := 0
		if int64(len(b)) > from {
			refused = strings.Count(string(b[from:]), "does not answer this boot's challenge")
		}
		if refused >= want && time.Since(replayed) > rounds {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node1 refused %d replayed heartbeats in 30 s, want %d", refused, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// A recording of node1's real vote requests, replayed at the witness from
// node1's address every 250 ms after node1 died, must not keep the vote
// from the survivor (before, node2 stayed non-quorate with the service
// stopped for as long as the replay ran).
func TestReplayedWitnessRequestsDoNotHoldTheVote(t *testing.T) {
	c := cluster.New(t, cluster.Options{Agents: []string{"Dummy"}, Resources: dummyGroup, Witness: true,
		Constraints: `<rsc_location id="g-pref" rsc="g" node="node1" score="100"/>`})
	startAll(t, c)
	started(t, c, "node1", 30*time.Second)
	// Split the nodes: one side wins the vote and renews it with the
	// witness; record its asks there.
	c.Nodes[0].CutLink("hb")
	c.Nodes[0].CutLink("svc")
	var winner, loser *cluster.Node
	waitFor(t, c.Nodes[1], 30*time.Second, "one side to hold the vote", func(clusterState) bool {
		a, b := c.Nodes[0].HasFile("/run/Dummy-d1.state"), c.Nodes[1].HasFile("/run/Dummy-d1.state")
		switch {
		case a && !b:
			winner, loser = c.Nodes[0], c.Nodes[1]
		case b && !a:
			winner, loser = c.Nodes[1], c.Nodes[0]
		}
		return winner != nil
	})
	mgmt := fmt.Sprintf("10.215.%d.%d", c.Subnet, winner.ID)
	pkts := capture.Record(t, c.WitnessHost.Name, "eth0", fmt.Sprintf("udp and src host %s and dst port 5406", mgmt), 12, 30*time.Second)

	winner.Kill()
	linkUp(t, winner, "eth2")
	stop := capture.Replay(t, winner.NS, udp(mgmt, 0), udp(fmt.Sprintf("10.215.%d.100", c.Subnet), 5406), pkts, 250*time.Millisecond)
	defer stop()
	witnessLog := filepath.Join(c.Dir, "witness.log")
	deadline := time.Now().Add(20 * time.Second)
	for {
		b, _ := os.ReadFile(witnessLog)
		if strings.Contains(string(b), "refused a stale or replayed request") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the witness logged no refused replay in 20 s:\n%s", b)
		}
		time.Sleep(200 * time.Millisecond)
	}
	waitFor(t, loser, 30*time.Second, "the survivor quorate and running the group while the dead node's requests are replayed", func(st clusterState) bool {
		return st.Quorate && where(st)["d1"] == loser.Name
	})
}
