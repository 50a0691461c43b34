package crm_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/harness"
	"github.com/baton-ha/baton/tests/harness/nfsstack"
)

// TestNFSStackFailover is the demo's scenario with assertions: the NFS
// stack (Filesystem, nfsserver with Ganesha, exportfs, IPaddr) under baton
// daemon; node1 is killed; the client resumes, never saw two nodes holding
// the VIP or the mount, and lost no acknowledged write.
func TestNFSStackFailover(t *testing.T) {
	harness.NeedRoot(t)
	s := nfsstack.New(t, nfsstack.Options{Prefer: 100, Witness: true})
	for _, n := range s.C.Nodes {
		n.Start(t)
	}
	if !s.WaitRunning(t, 0, "node1", 60*time.Second) || !s.WaitJoined(t, 30*time.Second) {
		t.Fatal("the NFS stack did not start on node1 with both nodes joined")
	}
	tl := s.KillFailover(t, nil)
	checkTimeline(t, tl)
	if !s.WaitRunning(t, 1, "node2", 10*time.Second) {
		t.Error("node2 does not report the stack as running there")
	}
	t.Logf("client-visible stall: %.2f s", tl.Stall.Seconds())
}

// TestGaneshaKilledRecoversThenMoves kills the NFS server process: the
// monitor notices, the cluster restarts it in place; at the second failure
// migration-threshold (2) is reached and the whole stack moves.
func TestGaneshaKilledRecoversThenMoves(t *testing.T) {
	harness.NeedRoot(t)
	s := nfsstack.New(t, nfsstack.Options{Prefer: 100, MigrationThreshold: 2})
	for _, n := range s.C.Nodes {
		n.Start(t)
	}
	if !s.WaitRunning(t, 0, "node1", 60*time.Second) {
		t.Fatal("the NFS stack did not start on node1")
	}
	n1 := s.C.Nodes[0]
	kill := func() int {
		pids := n1.Pids("ganesha.nfsd")
		if len(pids) != 1 {
			t.Fatalf("want one ganesha.nfsd on node1, found %v", pids)
		}
		if err := syscall.Kill(pids[0], syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		return pids[0]
	}
	old := kill()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if p := n1.Pids("ganesha.nfsd"); len(p) == 1 && p[0] != old && s.WaitRunning(t, 0, "node1", time.Second) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("ganesha was not restarted on node1")
		}
		time.Sleep(200 * time.Millisecond)
	}
	kill()
	if !s.WaitRunning(t, 1, "node2", 30*time.Second) {
		t.Fatal("after the second failure the stack should move to node2")
	}
	if p := n1.Pids("ganesha.nfsd"); len(p) != 0 {
		t.Errorf("ganesha still runs on node1: %v", p)
	}
}

// TestNFSDaemonFailureIsFenced: the daemon on the active node of the NFS
// stack dies or freezes while Ganesha, the mount and the VIP stay up. The
// survivor fences node1 with fence_baton_netns (its processes, Ganesha
// included, are gone; its VIP is dropped) and only then takes over: at no
// 100 ms sample do two nodes hold the VIP or /data, and no acknowledged
// write is lost.
func TestNFSDaemonFailureIsFenced(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a cluster with an NFS server")
	}
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGSTOP} {
		t.Run(sig.String(), func(t *testing.T) {
			s := nfsstack.New(t, nfsstack.Options{Prefer: 100, Witness: true, Fencing: true})
			for _, n := range s.C.Nodes {
				n.Start(t)
			}
			if !s.WaitRunning(t, 0, "node1", 60*time.Second) || !s.WaitJoined(t, 30*time.Second) {
				t.Fatal("the NFS stack did not start on node1 with both nodes joined")
			}
			n1 := s.C.Nodes[0]
			if len(n1.Pids("ganesha.nfsd")) != 1 {
				t.Fatal("no Ganesha on node1")
			}
			tl := s.Failover(t, nil, "node1's daemon got "+sig.String(), func() {
				if err := n1.Signal(sig); err != nil {
					t.Error(err)
				}
			}, "node2")
			checkTimeline(t, tl)
			if n1.PoweredOn() {
				t.Errorf("node1 still runs processes (Ganesha: %v): it was not fenced", n1.Pids("ganesha.nfsd"))
			}
			if !s.WaitRunning(t, 1, "node2", 10*time.Second) {
				t.Error("node2 does not report the stack as running there")
			}
			t.Logf("takeover by node2 after node1 was fenced; longest client stall: %.2f s", tl.Stall.Seconds())
		})
	}
}

// checkTimeline logs a failover's timeline and fails the test if two nodes
// ever held the VIP or the mount, or an acknowledged write was lost.
func checkTimeline(t *testing.T, tl *nfsstack.Timeline) {
	t.Helper()
	for _, e := range tl.Events {
		t.Log(e)
	}
	if len(tl.Violations) > 0 {
		t.Errorf("two nodes held the VIP or the mount at once: %v", tl.Violations)
	}
	if !tl.Intact || tl.Bytes == 0 {
		t.Errorf("acknowledged writes lost: intact=%v bytes=%d", tl.Intact, tl.Bytes)
	}
}
