package crm_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/baton-ha/baton/tests/harness"
	"github.com/baton-ha/baton/tests/harness/cluster"
	"github.com/baton-ha/baton/tests/harness/crmmon"
	"github.com/baton-ha/baton/tests/harness/prom"
)

// TestWatchingTheCluster watches a running two-node cluster the three ways
// an administrator does: crm_mon's XML read by pcs and crmsh, the live view
// in a terminal (tmux), and Prometheus metrics; a node going to standby
// shows up in each.
func TestWatchingTheCluster(t *testing.T) {
	harness.NeedCommand(t, "tmux", "curl")
	c := cluster.New(t, cluster.Options{Agents: []string{"Dummy"}, Resources: dummyGroup, Metrics: true,
		Constraints: `<rsc_location id="g-pref" rsc="g" node="node1" score="100"/>`})
	startAll(t, c)
	started(t, c, "node1", 30*time.Second)
	n1, n2 := c.Nodes[0], c.Nodes[1]
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// crm_mon's XML from a live daemon: valid, and read by pcs and crmsh.
	out, code := n2.Baton(ctx, "status", "--output-as=xml")
	if code != 0 {
		t.Fatalf("baton status --output-as=xml: exit %d\n%s", code, out)
	}
	crmmon.Validate(t, []byte(out))
	p := crmmon.ReadWithPcs(t, []byte(out), "g", "d1")
	if got := p.Resources["g"]["Started"]; len(got) != 1 || got[0] != "node1" {
		t.Errorf("pcs reads group g as %v, want Started on node1", p.Resources["g"])
	}
	if !p.Nodes["node1"].Online || !p.Nodes["node2"].Online || p.Nodes["node1"].ResourcesRunning != 2 {
		t.Errorf("pcs reads the nodes as %+v", p.Nodes)
	}
	cs := crmmon.ReadWithCrmsh(t, []byte(out), []string{"node1", "node2"}, []string{"d1", "d2"})
	if !cs.NodeOnline["node1"] || !cs.NodeOnline["node2"] || !cs.Started["d1"] || !cs.Started["d2"] {
		t.Errorf("crmsh reads %+v", cs)
	}

	// The live view, in a terminal as over ssh.
	tm := startTmux(t, c, n2, 120, 40)
	tm.waitScreen(t, 20*time.Second, "the group on node1", func(s string) bool {
		return strings.Contains(s, "Online: [ node1 node2 ]") && regexpLine(s, "d1", "Started node1")
	})
	before := scrapeMetrics(t, ctx, n2)
	if v := prom.Value(t, before, "ha_cluster_pacemaker_nodes", map[string]string{"node": "node1", "status": "standby"}); v != 0 {
		t.Errorf("node1 standby = %v before standby", v)
	}

	if out, code := n1.Exec(ctx, c.Bin, "node", "standby", "--config", filepath.Join(n1.Dir, "baton.toml"), "node1"); code != 0 {
		t.Fatalf("baton node standby: exit %d\n%s", code, out)
	}
	tm.waitScreen(t, 30*time.Second, "node1 in standby and the group on node2", func(s string) bool {
		return strings.Contains(s, "Node node1: standby") && regexpLine(s, "d1", "Started node2") && regexpLine(s, "d2", "Started node2")
	})

	// Prometheus: the same change, in ha_cluster_exporter's terms, and
	// the heartbeat links in Baton's.
	deadline := time.Now().Add(20 * time.Second)
	for {
		m := scrapeMetrics(t, ctx, n2)
		standby := prom.Values(m, "ha_cluster_pacemaker_nodes", map[string]string{"node": "node1", "status": "standby"})
		active := prom.Values(m, "ha_cluster_pacemaker_resources", map[string]string{"node": "node2", "resource": "d1",
			"role": "started", "status": "active", "group": "g", "agent": "ocf:baton:Dummy"})
		if len(standby) == 1 && standby[0] == 1 && len(active) == 1 && active[0] == 1 {
			for _, link := range []string{"hb", "svc"} {
				if v := prom.Value(t, m, "baton_heartbeat_link_up", map[string]string{"peer": "node1", "link": link}); v != 1 {
					t.Errorf("link %s to node1 up = %v", link, v)
				}
				if age := prom.Value(t, m, "baton_heartbeat_last_seen_seconds", map[string]string{"peer": "node1", "link": link}); age < 0 || age > 2 {
					t.Errorf("link %s to node1 last seen %v s ago", link, age)
				}
			}
			if v := prom.Value(t, m, "ha_cluster_corosync_quorate", nil); v != 1 {
				t.Errorf("quorate = %v", v)
			}
			if v := prom.Value(t, m, "ha_cluster_pacemaker_nodes", map[string]string{"node": "node1", "status": "dc"}); v != 1 {
				t.Errorf("node1 dc = %v (node1 has the lower id)", v)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics do not show node1 in standby with d1 active on node2: standby %v, active %v", standby, active)
		}
		time.Sleep(500 * time.Millisecond)
	}

	// A failover: node1 back online takes the group back (its
	// preference); killing it moves the group to node2, and node2's
	// metrics time it from node1's last heartbeat.
	if out, code := n1.Exec(ctx, c.Bin, "node", "online", "--config", filepath.Join(n1.Dir, "baton.toml"), "node1"); code != 0 {
		t.Fatalf("baton node online: exit %d\n%s", code, out)
	}
	tm.waitScreen(t, 30*time.Second, "the group back on node1", func(s string) bool {
		return strings.Contains(s, "Online: [ node1 node2 ]") && regexpLine(s, "d2", "Started node1")
	})
	n1.Kill()
	tm.waitScreen(t, 30*time.Second, "node1 offline and the group on node2", func(s string) bool {
		return strings.Contains(s, "OFFLINE: [ node1 ]") && regexpLine(s, "d1", "Started node2") && regexpLine(s, "d2", "Started node2")
	})
	deadline = time.Now().Add(10 * time.Second)
	for {
		m := scrapeMetrics(t, ctx, n2)
		if took := prom.Values(m, "baton_last_failover_duration_seconds", nil); len(took) == 1 {
			// At least the deadtime (2 s), at most what the screen took.
			if took[0] < 2 || took[0] > 30 {
				t.Errorf("failover took %v s by the metrics", took[0])
			}
			t.Logf("failover measured by node2: %.2f s", took[0])
			if v := prom.Value(t, m, "baton_peer_alive", map[string]string{"peer": "node1"}); v != 0 {
				t.Errorf("node1 alive = %v after it was killed", v)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no baton_last_failover_duration_seconds after the failover")
		}
		time.Sleep(300 * time.Millisecond)
	}

	// Off the loopback, nothing answers: a host-less listen is local.
	if out, code := n2.Exec(ctx, "curl", "-s", "--max-time", "2", fmt.Sprintf("http://%s:%d/metrics", n2.HBAddr, cluster.MetricsPort)); code == 0 {
		t.Errorf("metrics answer on %s:\n%.200s", n2.HBAddr, out)
	}
	tm.quit(t)
}

// regexpLine reports whether a line of s holds the resource id and then
// want (the text layout puts tabs between them).
func regexpLine(s, id, want string) bool {
	for _, line := range strings.Split(s, "\n") {
		f := strings.Fields(line)
		if len(f) > 1 && f[0] == "*" && f[1] == id && strings.Contains(strings.Join(f, " "), want) {
			return true
		}
	}
	return false
}

func scrapeMetrics(t *testing.T, ctx context.Context, n *cluster.Node) map[string]*dto.MetricFamily {
	t.Helper()
	out, code := n.Exec(ctx, "curl", "-sf", "--max-time", "5", fmt.Sprintf("http://127.0.0.1:%d/metrics", cluster.MetricsPort))
	if code != 0 {
		t.Fatalf("scrape %s: exit %d\n%s", n.Name, code, out)
	}
	prom.Check(t, out)
	return prom.Parse(t, out)
}

// tmux is `baton status --watch` running in a detached tmux session on a
// private server socket, as an administrator's terminal.
type tmux struct {
	socket, session string
	last            string
}

func startTmux(t *testing.T, c *cluster.Cluster, n *cluster.Node, cols, rows int) *tmux {
	t.Helper()
	tm := &tmux{socket: filepath.Join(t.TempDir(), "tmux.sock"), session: "watch" + strconv.Itoa(os.Getpid())}
	// The command runs inside the node (nsenter), without a shell.
	args := append([]string{"-S", tm.socket, "new-session", "-d", "-s", tm.session, "-x", strconv.Itoa(cols), "-y", strconv.Itoa(rows), "--"},
		n.Command(context.Background(), c.Bin, "status", "--watch", "--interval", "500ms", "--config", filepath.Join(n.Dir, "baton.toml")).Args...)
	if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", tm.socket, "kill-server").Run() })
	return tm
}

// screen returns what the pane shows now.
func (tm *tmux) screen(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("tmux", "-S", tm.socket, "capture-pane", "-p", "-t", tm.session).CombinedOutput()
	if err != nil {
		t.Fatalf("tmux capture-pane: %v\n%s", err, out)
	}
	return string(out)
}

// waitScreen polls the pane until cond holds, at most limit.
func (tm *tmux) waitScreen(t *testing.T, limit time.Duration, what string, cond func(string) bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		s := tm.screen(t)
		if cond(s) {
			tm.last = s
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the watch screen did not show %s within %v; it shows:\n%s", what, limit, s)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// quit sends Ctrl-C, as a user ends crm_mon, and waits for the session to
// end (the program exited and gave the terminal back).
func (tm *tmux) quit(t *testing.T) {
	t.Helper()
	if out, err := exec.Command("tmux", "-S", tm.socket, "send-keys", "-t", tm.session, "C-c").CombinedOutput(); err != nil {
		t.Fatalf("tmux send-keys: %v\n%s", err, out)
	}
	deadline := time.Now().Add(10 * time.Second)
	for exec.Command("tmux", "-S", tm.socket, "has-session", "-t", tm.session).Run() == nil {
		if time.Now().After(deadline) {
			t.Fatalf("baton status --watch did not end on Ctrl-C; screen:\n%s", tm.screen(t))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
