package crm_test

import (
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/harness/nfsstack"
)

// TestNFSStackFailover is the demo's scenario with assertions: the NFS
// stack (Filesystem, nfsserver with Ganesha, exportfs, IPaddr) under baton
// daemon; node1 is killed; the client resumes, never saw two nodes holding
// the VIP or the mount, and lost no acknowledged write.
func TestNFSStackFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a cluster with an NFS server")
	}
	s := nfsstack.New(t, nfsstack.Options{Prefer: 100})
	for _, n := range s.C.Nodes {
		n.Start(t)
	}
	if !s.WaitRunning(t, 0, "node1", 60*time.Second) {
		t.Fatal("the NFS stack did not start on node1")
	}
	tl := s.KillFailover(t, nil)
	for _, e := range tl.Events {
		t.Log(e)
	}
	if len(tl.Violations) > 0 {
		t.Errorf("two nodes held the VIP or the mount at once: %v", tl.Violations)
	}
	if !tl.Intact || tl.Bytes == 0 {
		t.Errorf("acknowledged writes lost: intact=%v bytes=%d", tl.Intact, tl.Bytes)
	}
	if !s.WaitRunning(t, 1, "node2", 10*time.Second) {
		t.Error("node2 does not report the stack as running there")
	}
	t.Logf("client-visible stall: %.2f s", tl.Stall.Seconds())
}
