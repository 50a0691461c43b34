// Package nfs_test runs ocf:baton:nfsserver and ocf:baton:exportfs with
// NFS-Ganesha for real: two server nodes sharing one ext4 filesystem, a
// client namespace, and a move of the whole stack from one node to the
// other while a long-lived NFSv3 client keeps writing to one open file
// handle and an NFSv4 client keeps creating files.
package nfs_test

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/nfs/nfsenv"
)

func TestGaneshaFailover(t *testing.T) {
	r := nfsenv.New(t)
	a, b := r.Nodes[0], r.Nodes[1]
	server := r.ServerParams(nil)

	// On A: filesystem, nfsserver, exportfs, VIP.
	r.StartAll(a, server)
	r.MustAgent(a, "nfsserver", "nfs", "monitor", server, 0)
	r.MustAgent(a, "exportfs", "exp", "monitor", r.ExportParams(), 0)
	// Ganesha announces the VIP as its scope from a UTS namespace of that
	// name, like the kernel server would.
	pid := strings.TrimSpace(r.MustNode(a, "cat", "/run/baton/ganesha/ganesha.pid"))
	if got := strings.TrimSpace(r.MustNode(a, "nsenter", "-t", pid, "-u", "hostname")); got != nfsenv.VIP {
		t.Errorf("ganesha.nfsd runs with host name %q, want the scope %s", got, nfsenv.VIP)
	}

	// The client writes over NFSv3 and reads over NFSv4 with libnfs.
	src := filepath.Join(t.TempDir(), "blob")
	blob := make([]byte, 1<<20)
	_, _ = rand.Read(blob)
	if err := os.WriteFile(src, blob, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, code := r.ClientRun(30*time.Second, "nfs-cp", src, r.URL("blob", false)); code != 0 {
		t.Fatalf("nfs-cp over NFSv3: exit %d\n%s", code, out)
	}
	got, code := r.ClientRun(30*time.Second, "nfs-cat", r.URL("blob", true))
	if code != 0 || !bytes.Equal([]byte(got), blob) {
		t.Fatalf("nfs-cat over NFSv4: exit %d, %d bytes back of %d", code, len(got), len(blob))
	}

	// A long-lived NFSv3 writer on one file handle, and an NFSv4 client
	// that creates files (and so holds a client record Ganesha keeps in
	// its recovery directory on the shared filesystem).
	w := r.StartWriter("stream.dat")
	v4 := r.StartV4Creator(250 * time.Millisecond)
	if !w.WaitWrites(time.Now(), 20, 20*time.Second) {
		t.Fatalf("the writer did not get going: %v", w.Events())
	}
	if ok, failed := v4.WaitOKAfter(time.Now(), 20*time.Second); ok.IsZero() {
		t.Fatalf("no NFSv4 create worked before the move: %v", failed)
	}

	m := r.MoveTo(a, b, server)
	if !w.WaitWrites(m.Done, 20, 60*time.Second) {
		t.Fatalf("the writer did not resume on B: last events %v", tail(w.Events(), 10))
	}
	v4ok, v4failed := v4.WaitOKAfter(m.Began, 60*time.Second)
	v4.Stop()
	if v4ok.IsZero() {
		t.Fatalf("no NFSv4 create worked after the move: %v", tail2(v4failed, 5))
	}
	ev, err := w.Stop(30 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !ev.Intact {
		t.Fatalf("the writer's file lost acknowledged data after the move (%d bytes written)", ev.Bytes)
	}
	for _, e := range w.Events() {
		if strings.Contains(e.Err, "STALE") || strings.Contains(strings.ToLower(e.Err), "stale") {
			t.Fatalf("stale file handle after the move: %+v", e)
		}
	}

	st := w.StallAcross(m)
	v4Stall := v4ok.Sub(m.Began)
	v4AfterUp := v4ok.Sub(m.ServerUp)
	t.Logf("VIP moved by ocf:baton:IPaddr (gratuitous ARP, tickle ACKs): %v", r.UseIPaddr)
	t.Logf("move: stop on A %v, start on B %v (server up at +%v); stop steps %v", m.Stopped.Sub(m.Began), m.Done.Sub(m.Stopped), m.ServerUp.Sub(m.Began), m.Steps)
	t.Logf("NFSv3 writer: longest gap %v, first write %v after the server was up, %d failed attempts", st.Gap, st.AfterServerUp, st.Failed)
	t.Logf("NFSv4 creator: first create %v after the move began, %v after the server was up", v4Stall, v4AfterUp)

	if testing.Verbose() {
		var prev time.Time
		for _, e := range w.Events() {
			if e.Kind == "write" && e.Time().After(m.Began.Add(-time.Second)) && !prev.IsZero() && e.Time().Sub(prev) > 200*time.Millisecond {
				t.Logf("writer: %v without an acknowledged write, until +%v after the move began (ok=%v %s)", e.Time().Sub(prev).Round(time.Millisecond), e.Time().Sub(m.Began).Round(time.Millisecond), e.OK, e.Err)
			}
			prev = e.Time()
		}
	}
	logB := r.GaneshaLog(b)
	if !strings.Contains(logB, "IN GRACE, duration 10") {
		t.Errorf("Ganesha on B did not use the 10 s grace period:\n%s", grep(logB, "GRACE"))
	}
	// The NFSv4 clients had state on A: B knows them from the recovery
	// directory on the shared filesystem (else it would leave grace at
	// once and they could not reclaim).
	if strings.Contains(logB, "clid count(0)") || !strings.Contains(logB, "clid count(") {
		t.Errorf("Ganesha on B found no client records from A in the shared recovery directory:\n%s", grep(logB, "grace"))
	}
	// A v4 client sees grace no longer than grace_time (10 s), plus the
	// libnfs retry interval of this loop.
	if v4AfterUp > 10*time.Second+2*time.Second {
		t.Errorf("NFSv4 creates resumed %v after the server came up, longer than grace_time 10 s", v4AfterUp)
	}

	// What A wrote is there on B, over NFSv4 and NFSv3.
	for _, v4 := range []bool{true, false} {
		got, code := r.ClientRun(30*time.Second, "nfs-cat", r.URL("blob", v4))
		if code != 0 || !bytes.Equal([]byte(got), blob) {
			t.Errorf("nfs-cat (v4 %v) on B after the move: exit %d, %d bytes of %d", v4, code, len(got), len(blob))
		}
	}

	// Monitors on B, nothing left on A.
	r.MustAgent(b, "nfsserver", "nfs", "monitor", server, 0)
	r.MustAgent(b, "exportfs", "exp", "monitor", r.ExportParams(), 0)
	r.MustAgent(a, "nfsserver", "nfs", "monitor", server, 7)
	r.MustAgent(a, "exportfs", "exp", "monitor", r.ExportParams(), 7)
	if left := r.Procs(a); len(left) != 0 {
		t.Errorf("processes left on A after stop: %v", left)
	}
	r.StopAll(b, server)
}

func tail(e []nfsenv.WriterEvent, n int) []nfsenv.WriterEvent {
	if len(e) > n {
		return e[len(e)-n:]
	}
	return e
}

func tail2(e []nfsenv.V4Try, n int) []nfsenv.V4Try {
	if len(e) > n {
		return e[len(e)-n:]
	}
	return e
}

func grep(text, what string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(strings.ToLower(l), strings.ToLower(what)) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
