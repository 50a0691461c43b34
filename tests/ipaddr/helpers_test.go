// Package ipaddr_test runs ocf:baton:IPaddr for real: two server namespaces
// and a client namespace on a bridge (tests/harness/netns), the agent run
// through its OCF symlink inside a server's namespace, and the client's
// neighbour table, captured frames and TCP connections as the evidence.
package ipaddr_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/harness"
	bnetns "github.com/baton-ha/baton/tests/harness/netns"
)

// lab is one test network: servers a and b, client c.
type lab struct {
	t       *testing.T
	net     *bnetns.Network
	a, b, c *bnetns.Host
	agent   string // path of the IPaddr symlink
	rscTmp  map[string]string
}

func newLab(t *testing.T) *lab {
	t.Helper()
	harness.NeedRoot(t)
	n := bnetns.New(t)
	l := &lab{t: t, net: n, agent: filepath.Join(harness.AgentDir(t, "IPaddr"), "IPaddr"), rscTmp: map[string]string{}}
	l.a = n.AddHost("a", "10.213.50.1/24")
	l.b = n.AddHost("b", "10.213.50.2/24")
	l.c = n.AddHost("c", "10.213.50.3/24")
	for i, h := range []*bnetns.Host{l.a, l.b, l.c} {
		h.MustExec(t, "ip", "addr", "add", fmt.Sprintf("fd00:213:50::%d/64", i+1), "dev", "eth0", "nodad")
		l.rscTmp[h.Name] = t.TempDir()
	}
	// Background processes (the tickle record's watcher runs until stop)
	// must not outlive the test: end those the agent recorded in its
	// pidfiles, by pid, before the namespaces go.
	t.Cleanup(func() {
		for _, dir := range l.rscTmp {
			files, _ := filepath.Glob(filepath.Join(dir, "IPaddr-announce-*.pid"))
			for _, f := range files {
				b, _ := os.ReadFile(f)
				pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
				if err != nil || pid <= 1 {
					continue
				}
				if cl, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); strings.Contains(string(cl), "ipaddr-announce") {
					_ = syscall.Kill(pid, syscall.SIGKILL)
				}
			}
		}
	})
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for _, h := range []*bnetns.Host{l.a, l.b} {
			if b, err := os.ReadFile(filepath.Join(l.rscTmp[h.Name], "agent.log")); err == nil {
				t.Logf("agent log on %s:\n%s", h.Name, b)
			}
		}
	})
	// The interfaces' own link-local addresses finish DAD in the background;
	// nothing here depends on them.
	return l
}

// run runs the agent in host's namespace and returns its exit code and
// combined output.
func (l *lab) run(h *bnetns.Host, action string, params map[string]string, extra ...string) (int, string) {
	l.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	env := []string{"OCF_ROOT=/usr/lib/ocf", "OCF_RESOURCE_INSTANCE=vip", "OCF_RESOURCE_TYPE=IPaddr",
		"OCF_RESOURCE_PROVIDER=baton", "HA_RSCTMP=" + l.rscTmp[h.Name], "OCF_RESKEY_CRM_meta_timeout=30000",
		// The background announcer has no stderr: its messages go here.
		"HA_LOGFILE=" + filepath.Join(l.rscTmp[h.Name], "agent.log"), "HA_debug=1"}
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, "OCF_RESKEY_"+k+"="+params[k])
	}
	env = append(env, extra...)
	out, code := harness.Run(ctx, env, "ip", "netns", "exec", h.Name, l.agent, action)
	return code, out
}

// runOutside runs the agent in the test's own network namespace, with
// network_namespace naming h's: the agent must enter it by itself.
func (l *lab) runOutside(h *bnetns.Host, action string, params map[string]string) (int, string) {
	l.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	env := []string{"OCF_ROOT=/usr/lib/ocf", "OCF_RESOURCE_INSTANCE=vip", "HA_RSCTMP=" + l.rscTmp[h.Name],
		"HA_LOGFILE=" + filepath.Join(l.rscTmp[h.Name], "agent.log"), "HA_debug=1",
		"OCF_RESKEY_network_namespace=" + h.Name}
	for k, v := range params {
		env = append(env, "OCF_RESKEY_"+k+"="+v)
	}
	out, code := harness.Run(ctx, env, l.agent, action)
	return code, out
}

// must runs the agent and fails the test unless it exits with want.
func (l *lab) must(h *bnetns.Host, action string, params map[string]string, want int, extra ...string) string {
	l.t.Helper()
	code, out := l.run(h, action, params, extra...)
	if code != want {
		l.t.Fatalf("%s on %s: exit %d, want %d\n%s", action, h.Name, code, want, out)
	}
	return out
}

// mac returns the hardware address of eth0 in h.
func (l *lab) mac(h *bnetns.Host) string {
	l.t.Helper()
	return strings.TrimSpace(h.MustExec(l.t, "cat", "/sys/class/net/eth0/address"))
}

// neighbour returns the client's link-layer address for ip, "" if none.
func (l *lab) neighbour(h *bnetns.Host, ip string) string {
	l.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, _ := h.Exec(ctx, "ip", "neigh", "show", ip, "dev", "eth0")
	f := strings.Fields(out)
	for i := 0; i+1 < len(f); i++ {
		if f[i] == "lladdr" {
			return f[i+1]
		}
	}
	return ""
}

// waitNeighbour polls the client's neighbour entry for ip until it shows
// mac, and returns how long that took, or fails after limit.
func (l *lab) waitNeighbour(h *bnetns.Host, ip, mac string, since time.Time, limit time.Duration) time.Duration {
	l.t.Helper()
	for {
		if got := l.neighbour(h, ip); got == mac {
			return time.Since(since)
		}
		if time.Since(since) > limit {
			l.t.Fatalf("the client's neighbour entry for %s is %q, not %s, %v after the takeover started", ip, l.neighbour(h, ip), mac, limit)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// interfaceIn returns eth0 as seen in the namespace.
func interfaceIn(t testing.TB, name string) *net.Interface {
	var ifi *net.Interface
	if err := bnetns.Do(name, func() (err error) {
		ifi, err = net.InterfaceByName("eth0")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return ifi
}

func init() {
	// Keep the agent's syslog quiet in tests: its messages go to stderr,
	// which the tests print on failure.
	os.Unsetenv("HA_LOGFACILITY")
}
