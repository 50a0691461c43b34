package crm_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/harness/cluster"
)

// fencedCluster starts two nodes with a fence_baton_netns stonith device and
// the group on node1.
func fencedCluster(t *testing.T, o cluster.Options) *cluster.Cluster {
	t.Helper()
	o.Agents = []string{"Dummy"}
	o.Resources = dummyGroup
	o.Constraints = `<rsc_location id="g-pref" rsc="g" node="node1" score="100"/>`
	o.Fencing = true
	if o.Policy == "" {
		o.Policy = "fence"
	}
	c := cluster.New(t, o)
	startAll(t, c)
	started(t, c, "node1", 40*time.Second)
	return c
}

// ownersWatch samples every 100 ms whether both nodes run the group
// (Dummy's state file in each node's private /run) until stop is closed.
func ownersWatch(c *cluster.Cluster, stop <-chan struct{}) <-chan []string {
	out := make(chan []string, 1)
	go func() {
		var bad []string
		start := time.Now()
		for {
			select {
			case <-stop:
				out <- bad
				return
			case <-time.After(100 * time.Millisecond):
			}
			if c.Nodes[0].HasFile("/run/Dummy-d1.state") && c.Nodes[1].HasFile("/run/Dummy-d1.state") {
				bad = append(bad, time.Since(start).Round(time.Millisecond).String())
			}
		}
	}()
	return out
}

// TestDaemonFailureIsFencedBeforeTakeover: the daemon on the active node
// dies (SIGKILL) or freezes (SIGSTOP) while the resources it started keep
// running. The survivor must fence the node (its processes are gone) before
// it starts the group, and at no sample do both nodes run it.
func TestDaemonFailureIsFencedBeforeTakeover(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGSTOP} {
		t.Run(sig.String(), func(t *testing.T) {
			c := fencedCluster(t, cluster.Options{})
			n1, n2 := c.Nodes[0], c.Nodes[1]
			stop := make(chan struct{})
			owners := ownersWatch(c, stop)
			failed := time.Now()
			if err := n1.Signal(sig); err != nil {
				t.Fatal(err)
			}
			waitFor(t, n2, 40*time.Second, "the group on node2", func(st clusterState) bool {
				w := where(st)
				return w["d1"] == "node2" && w["d2"] == "node2"
			})
			took := time.Since(failed)
			st, _ := n2.FenceStatus()
			close(stop)
			if bad := <-owners; len(bad) > 0 {
				t.Errorf("both nodes ran the group at samples %v", bad)
			}
			if n1.PoweredOn() {
				t.Error("node1 still has processes: it was not fenced")
			}
			fenced := false
			for _, h := range st.Fencing.History {
				fenced = fenced || (h.Target == "node1" && h.OK && h.Executor == "node2")
			}
			if !fenced {
				t.Errorf("node2's fence history has no successful fence of node1: %+v", st.Fencing.History)
			}
			t.Logf("%v of node1's daemon: node1 fenced and the group on node2 after %.1f s", sig, took.Seconds())
		})
	}
}

// TestBrokenFenceDeviceStartsNothing: with a device that fails, hangs or
// is not installed, the survivor never starts the lost node's resources,
// and its status says why.
func TestBrokenFenceDeviceStartsNothing(t *testing.T) {
	for _, tc := range []struct{ name, agent, script, want string }{
		{"missing", "fence_nosuch", "", "not found"},
		{"failing", "fence_fails", "#!/bin/sh\ncat >/dev/null\necho 'switch refused' >&2\nexit 1\n", "switch refused"},
		{"hanging", "fence_hangs", "#!/bin/sh\ncase \"$*\" in *metadata*) exit 1;; esac\ncat >/dev/null\nexec sleep 60\n", "timed out"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := cluster.New(t, cluster.Options{Agents: []string{"Dummy"}, Resources: dummyGroup, Fencing: true, FenceAgent: tc.agent,
				Policy: "ignore", Constraints: `<rsc_location id="g-pref" rsc="g" node="node1" score="100"/>`,
				CrmConfig: `<nvpair id="opt-st-to" name="stonith-timeout" value="2s"/>`})
			if tc.script != "" {
				writeAgent(t, c, tc.agent, tc.script)
			}
			startAll(t, c)
			waitFor(t, c.Nodes[1], 40*time.Second, "the group on node1", func(st clusterState) bool {
				w := where(st)
				return st.Quorate && len(st.Members) == 2 && w["d1"] == "node1" && w["d2"] == "node1"
			})
			n1, n2 := c.Nodes[0], c.Nodes[1]
			if err := n1.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			st := waitFence(t, n2, 30*time.Second, "node2 to report the failed fence", func(st cluster.FenceStatus) bool {
				return len(st.Fencing.Unclean) == 1 && strings.Contains(st.Fencing.Unclean[0].Error, tc.want)
			})
			if !strings.Contains(st.Holding, "recovery waits for the fencing of node1") {
				t.Errorf("holding %q", st.Holding)
			}
			if n2.HasFile("/run/Dummy-d1.state") || !n1.HasFile("/run/Dummy-d1.state") {
				t.Error("node2 started the group although node1 was not fenced")
			}
		})
	}
}

func writeAgent(t *testing.T, c *cluster.Cluster, name, script string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(c.FenceDir, name), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
}

// TestDaemonRestartReconciles: the daemon on the active node is killed and
// started again at once (faster than the peer's deadtime, so nobody fences
// the node). The new daemon probes, finds the group running and leaves it
// alone: no second start, no stop/start flap, no fence.
func TestDaemonRestartReconciles(t *testing.T) {
	c := fencedCluster(t, cluster.Options{})
	n1, n2 := c.Nodes[0], c.Nodes[1]
	inode := func() uint64 {
		b, err := n1.Stat("/run/Dummy-d1.state")
		if err != nil {
			return 0
		}
		return b
	}
	before := inode()
	if before == 0 {
		t.Fatal("no state file of d1 on node1")
	}
	old := n1.DaemonPid()
	n1.RestartDaemon(t)
	if n1.DaemonPid() == old {
		t.Fatal("the daemon was not restarted")
	}
	// Watch until the new daemon has probed and settled: its status shows
	// the group on node1 with both nodes, from its own history.
	deadline := time.Now().Add(30 * time.Second)
	settled := 0
	for settled < 10 {
		if in := inode(); in != before {
			t.Fatalf("d1's state file changed (inode %d -> %d): the group was stopped or started again", before, in)
		}
		if st, ok := n1.Status(); ok && st.Quorate && len(st.Members) == 2 && where(st)["d1"] == "node1" && where(st)["d2"] == "node1" {
			settled++
		}
		if time.Now().After(deadline) {
			t.Fatal("the restarted daemon did not settle with the group on node1")
		}
		time.Sleep(100 * time.Millisecond)
	}
	st, _ := n2.FenceStatus()
	if len(st.Fencing.History) > 0 {
		t.Errorf("node1 was fenced although its daemon came back in time: %+v", st.Fencing.History)
	}
	log, _ := os.ReadFile(filepath.Join(n1.Dir, "daemon.log"))
	if i := strings.LastIndex(string(log), "baton daemon running"); i < 0 || strings.Contains(string(log[i:]), `action="d1 start`) ||
		strings.Contains(string(log[i:]), `action="d1 stop`) || !strings.Contains(string(log[i:]), "op=d1_monitor_0 rc=0") {
		t.Errorf("after the restart node1 must probe d1 (rc 0) and neither start nor stop it:\n%s", log[max(0, i):])
	}

	// stonith_admin's part: fence node1 by hand from node2; the group
	// then moves, and node2's status shows the fence in its history.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// Flags after NODE would be arguments to urfave/cli: the config comes
	// from the environment.
	if out, code := n2.Exec(ctx, "env", "BATON_CONFIG="+filepath.Join(n2.Dir, "baton.toml"), c.Bin, "fence", "node1"); code != 0 || !strings.Contains(out, "Node node1 fenced (off) by node2") {
		t.Fatalf("baton fence node1: exit %d\n%s", code, out)
	}
	if n1.PoweredOn() {
		t.Error("node1 runs processes after baton fence")
	}
	waitFor(t, n2, 30*time.Second, "the group on node2 after the manual fence", func(st clusterState) bool {
		return where(st)["d1"] == "node2" && where(st)["d2"] == "node2"
	})
	if out, _ := n2.Baton(ctx, "status"); !strings.Contains(out, "Fencing History:") || !strings.Contains(out, "off of node1 success: origin=node2 (baton fence)") {
		t.Errorf("baton status lacks the fence history:\n%s", out)
	}
}

// waitFence waits until a node's fencing state satisfies cond.
func waitFence(t *testing.T, n *cluster.Node, limit time.Duration, what string, cond func(cluster.FenceStatus) bool) cluster.FenceStatus {
	t.Helper()
	deadline := time.Now().Add(limit)
	var last cluster.FenceStatus
	for time.Now().Before(deadline) {
		if st, ok := n.FenceStatus(); ok {
			last = st
			if cond(st) {
				return st
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s; last fencing state %+v", what, last)
	return last
}

// TestUnfencingBeforeResourcesAndAfterFence: with a fence device that
// provides unfencing, each node is unfenced ("on" with the device) before
// it runs the group; a node fenced and booted again is unfenced again
// before anything starts there.
func TestUnfencingBeforeResourcesAndAfterFence(t *testing.T) {
	c := fencedCluster(t, cluster.Options{FenceMeta: `<nvpair id="fence-netns-provides" name="provides" value="unfencing"/>`})
	n1, n2 := c.Nodes[0], c.Nodes[1]
	unfenced := func(st cluster.FenceStatus, target string, after time.Time) bool {
		for _, h := range st.Fencing.History {
			if h.Target == target && h.Action == "on" && h.OK && h.Completed.After(after) {
				return true
			}
		}
		return false
	}
	// The DC's history holds both nodes' unfencing.
	deadline := time.Now().Add(20 * time.Second)
	for {
		st1, _ := n1.FenceStatus()
		st2, _ := n2.FenceStatus()
		if (unfenced(st1, "node1", time.Time{}) || unfenced(st2, "node1", time.Time{})) &&
			(unfenced(st1, "node2", time.Time{}) || unfenced(st2, "node2", time.Time{})) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("both nodes run the cluster, yet not both were unfenced: node1's history %+v, node2's %+v", st1.Fencing.History, st2.Fencing.History)
		}
		time.Sleep(200 * time.Millisecond) // polling the status, bounded above
	}

	// node1's daemon dies: node2 fences it and takes the group.
	if err := n1.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, n2, 40*time.Second, "the group on node2", func(st clusterState) bool {
		w := where(st)
		return w["d1"] == "node2" && w["d2"] == "node2"
	})
	st, _ := n2.FenceStatus()
	var fencedAt time.Time
	for _, h := range st.Fencing.History {
		if h.Target == "node1" && h.OK && h.Action != "on" {
			fencedAt = h.Completed
		}
	}
	if fencedAt.IsZero() {
		t.Fatalf("node2 has no fence of node1 in its history: %+v", st.Fencing.History)
	}
	// node1 boots again and joins: it is unfenced again before it runs
	// anything (the group is moved back by its location preference).
	n1.Kill()
	n1.Restart(t)
	waitFor(t, n2, 60*time.Second, "the group back on node1", func(st clusterState) bool {
		w := where(st)
		return w["d1"] == "node1" && w["d2"] == "node1"
	})
	// The DC's history (node1's new daemon, or node2's) shows node1's
	// unfencing since its fence; the status may take a moment to answer.
	deadline = time.Now().Add(10 * time.Second)
	for {
		st1, ok1 := n1.FenceStatus()
		st2, ok2 := n2.FenceStatus()
		if unfenced(st1, "node1", fencedAt) || unfenced(st2, "node1", fencedAt) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node1 runs the group again without an unfencing after its fence at %v: node1's history (answered %v) %+v, node2's (answered %v) %+v",
				fencedAt, ok1, st1.Fencing.History, ok2, st2.Fencing.History)
		}
		time.Sleep(200 * time.Millisecond) // polling the status, bounded above
	}
}
