package nfsstack

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/demo"
	"github.com/baton-ha/baton/tests/harness/cluster"
	"github.com/baton-ha/baton/tests/harness/nfswriter"
)

// Timeline records what happened during a failover, for the demo's output
// and the benchmark.
type Timeline struct {
	Start      time.Time
	Events     []string
	Killed     time.Time
	Stall      time.Duration
	Violations []string // samples where two nodes held the VIP or the mount
	Intact     bool
	Bytes      int64
}

func (tl *Timeline) add(out io.Writer, format string, args ...any) {
	line := fmt.Sprintf("%6.2fs  %s", time.Since(tl.Start).Seconds(), fmt.Sprintf(format, args...))
	tl.Events = append(tl.Events, line)
	if out != nil {
		fmt.Fprintln(out, line)
	}
}

// running returns where each resource runs, as a node's daemon reports it.
func running(n *cluster.Node) map[string][]string {
	m := map[string][]string{}
	st, _ := n.Status()
	for _, r := range st.Resources {
		m[r.ID] = r.Nodes
	}
	return m
}

// WaitRunning waits until every resource of the stack runs on node, as the
// node named `from` reports it.
func (s *Stack) WaitRunning(t testing.TB, from int, node string, limit time.Duration) bool {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		m := running(s.C.Nodes[from])
		ok := true
		for _, id := range []string{"fs", "nfsd", "exp", "vip"} {
			if len(m[id]) != 1 || m[id][0] != node {
				ok = false
			}
		}
		if ok {
			return true
		}
		time.Sleep(250 * time.Millisecond)
	}
	return false
}

// waitRecorded waits until the VIP's tickle record lists the client: real
// clients are connected long before a failure.
func (s *Stack) waitRecorded(tl *Timeline, out io.Writer) {
	client := strings.Split(s.C.Client.Addr, "/")[0]
	deadline := time.Now().Add(15 * time.Second)
	for {
		b, _ := s.C.Nodes[0].ReadFile("/data/.tickle/baton-tickle-" + s.VIP)
		if strings.Contains(string(b), client+":") {
			tl.add(out, "the VIP's record lists the client's TCP connection on /data for tickle ACKs")
			return
		}
		if time.Now().After(deadline) {
			tl.add(out, "the VIP's record does not list the client's connection; failing over without tickle ACKs")
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// KillFailover runs the demo's scenario on a started stack: a client writes
// through the VIP, the active node (node1) is killed outright, and the
// client's writes are followed until they resume. A sampler checks all
// along that at most one node holds the VIP and the mount. out, when not
// nil, gets the timeline as it happens.
func (s *Stack) KillFailover(t testing.TB, out io.Writer) *Timeline {
	t.Helper()
	return s.Failover(t, out, "node1 killed: every process SIGKILLed, links down", s.C.Nodes[0].Kill, "")
}

// Failover is KillFailover with another fault of node1: fault runs at the
// moment the stall is measured from, and what describes it. With owner set
// the scenario lasts until that node holds the VIP and the mount and the
// client's writes go on after that (a fault that leaves node1 serving for
// a while, such as its daemon dying, ends only with the takeover).
func (s *Stack) Failover(t testing.TB, out io.Writer, what string, fault func(), owner string) *Timeline {
	t.Helper()
	tl := &Timeline{Start: time.Now()}
	tl.add(out, "cluster up: the NFS stack runs on node1, VIP %s", s.VIP)
	w := nfswriter.Start(t, s.C.Client, s.VIP, s.Export, "demo.dat")
	connected := time.Now()
	if !w.WaitWrites(time.Now(), 20, 30*time.Second) {
		t.Fatalf("the client could not write through the VIP: %v", w.Events())
	}
	tl.add(out, "client writing through the VIP (NFSv3, FILE_SYNC, one 4 KiB write every 20 ms)")
	if s.RecentClient > 0 {
		// Nothing but the agent's own watcher can have recorded this
		// connection: no monitor waits for it.
		if d := s.RecentClient - time.Since(connected); d > 0 {
			time.Sleep(d)
		}
		tl.add(out, "killing node1 %.2f s after the client connected", time.Since(connected).Seconds())
	} else {
		s.waitRecorded(tl, out)
	}

	stopWatch := demo.WatchOwners(s.Holders, tl.Start)

	tl.Killed = time.Now()
	fault()
	tl.add(out, "%s", what)
	seenVIP, seenMount := false, false
	since := tl.Killed // writes must resume after this
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		vip, mount := s.Holders()
		moved := owner == "" || (len(vip) == 1 && vip[0] == owner && len(mount) == 1 && mount[0] == owner)
		if !seenMount && len(mount) == 1 && moved {
			seenMount = true
			tl.add(out, "/data mounted on %s", mount[0])
		}
		if !seenVIP && len(vip) == 1 && moved {
			seenVIP = true
			tl.add(out, "VIP up on %s", vip[0])
			if owner != "" {
				since = time.Now()
			}
		}
		if moved && seenVIP && w.WaitWrites(since, 10, 100*time.Millisecond) || owner == "" && w.WaitWrites(since, 10, 100*time.Millisecond) {
			break
		}
		if !moved {
			time.Sleep(100 * time.Millisecond)
		}
	}
	tl.Violations = stopWatch()
	tl.Stall = nfswriter.Stall(w.Events(), tl.Killed)
	tl.add(out, "client writes resumed; longest gap between acknowledged writes: %.2f s", tl.Stall.Seconds())
	v, err := w.Stop(30 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	tl.Intact, tl.Bytes = v.Intact, v.Bytes
	tl.add(out, "read back %d acknowledged bytes: intact=%v", v.Bytes, v.Intact)
	return tl
}

// WaitJoined waits until every node's daemon sees every node and quorum:
// killing a node before its peer ever heard it would test wait_for_all,
// not failover.
func (s *Stack) WaitJoined(t testing.TB, limit time.Duration) bool {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		all := true
		for _, n := range s.C.Nodes {
			if st, ok := n.Status(); !ok || !st.Quorate || len(st.Members) != len(s.C.Nodes) {
				all = false
			}
		}
		if all {
			return true
		}
		time.Sleep(200 * time.Millisecond)
	}
	return false
}
