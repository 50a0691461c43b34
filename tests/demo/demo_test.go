// Package demo is `make demo`: a local two-node Baton cluster serving NFS
// through a floating IP, and a failover, narrated. It runs only when
// BATON_DEMO=1 (make demo sets it); the same scenario with assertions is
// tests/crm's TestNFSStackFailover, which make test runs.
package demo

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/harness/nfsstack"
)

func say(format string, args ...any) { fmt.Printf(format+"\n", args...) }

func TestDemo(t *testing.T) {
	if os.Getenv("BATON_DEMO") == "" {
		t.Skip("run with make demo")
	}
	start := time.Now()
	say("\n== Baton demo: two-node HA NFS with a failover ==")
	say("Building two nodes (each in its own network and mount namespaces, with a heartbeat link and a service link),")
	say("a client on the service network, a witness (`baton witness`) on a third network as the quorum tie-breaker,")
	say("and a 256 MiB loop device with ext4 as the shared /data disk.")
	s := nfsstack.New(t, nfsstack.Options{Prefer: 100, Witness: true})
	for _, n := range s.C.Nodes {
		say("  %s: heartbeat %s, service %s", n.Name, n.HBAddr, n.SvcAddr)
	}
	say("  client: %s; VIP %s; disk %s", s.C.Client.Addr, s.VIP, s.Disk.Path)
	say("\nStarting `baton daemon` on both nodes with a Pacemaker CIB: group nfs = Filesystem(/data) -> nfsserver(Ganesha) -> exportfs -> IPaddr.")
	for _, n := range s.C.Nodes {
		n.Start(t)
	}
	if !s.WaitRunning(t, 0, "node1", 90*time.Second) || !s.WaitJoined(t, 30*time.Second) {
		t.Fatal("the NFS stack did not start on node1 with both nodes joined")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	out, _ := s.C.Nodes[0].Baton(ctx, "status")
	cancel()
	say("\n$ baton status   (on node1)\n%s", indent(out))
	say("Failover timeline:")
	tl := s.KillFailover(t, os.Stdout)
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	out, _ = s.C.Nodes[1].Baton(ctx, "status")
	cancel()
	say("\n$ baton status   (on node2)\n%s", indent(out))
	verdict := "no acknowledged write lost"
	if !tl.Intact {
		verdict = "ACKNOWLEDGED WRITES LOST"
		t.Fail()
	}
	if len(tl.Violations) > 0 {
		say("!! two nodes held the VIP or the mount at once: %v", tl.Violations)
		t.Fail()
	}
	say("Client-visible stall: %.2f s (goal: at most 5 s); %s; at most one node held the VIP and /data at every sample.", tl.Stall.Seconds(), verdict)
	say("Cleaning up (namespaces, daemons, loop device). Demo took %.0f s.\n", time.Since(start).Seconds())
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "    " + l
	}
	return strings.Join(lines, "\n") + "\n"
}
