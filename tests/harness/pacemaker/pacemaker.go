// Package pacemaker runs a real one-node Pacemaker 2.1 + Corosync 3 cluster
// for a test, inside its own network, mount and UTS namespaces, with Baton's
// agents installed as ocf:baton:*. The host's /etc, /var and OCF tree are
// never written: every directory the daemons write is a private bind mount.
package pacemaker

import (
	"context"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/harness"
)

//go:embed node.sh
var nodeScript string

// Cluster is a running one-node cluster.
type Cluster struct {
	Node  string // the node's name
	State string // host directory behind the node's private mounts
	pid   int    // the namespace holder (node.sh)
	netns string
	mntNS string // the holder's mount namespace, to find its processes
}

const corosyncConf = `totem {
    version: 2
    cluster_name: baton-test
    transport: knet
    crypto_cipher: none
    crypto_hash: none
}
nodelist {
    node {
        ring0_addr: 127.0.0.1
        name: %s
        nodeid: 1
    }
}
quorum {
    provider: corosync_votequorum
}
logging {
    to_logfile: yes
    logfile: /var/log/corosync.log
    to_stderr: no
    to_syslog: no
}
`

// Start boots the cluster and waits until the node is online with a DC
// (about 20 s: Pacemaker's start-up election). Baton's agents (every name in
// agentNames) are installed as ocf:baton:NAME; Debian's own agents stay
// available. Stonith is disabled. Everything is torn down in t.Cleanup.
func Start(t testing.TB, agentNames ...string) *Cluster {
	t.Helper()
	harness.NeedRoot(t)
	harness.NeedCommand(t, "corosync", "pacemakerd", "crm_mon", "cibadmin", "nsenter", "unshare", "ip")
	bin := harness.Baton(t)

	c := &Cluster{Node: "node1", State: t.TempDir(), netns: harness.UniqueName("pcmk")}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// Our agents: a copy of the binary the daemons (user hacluster) can
	// reach, and one symlink per agent.
	batonDir := filepath.Join(c.State, "agents")
	must(os.MkdirAll(batonDir, 0o755))
	data, err := os.ReadFile(bin)
	must(err)
	must(os.WriteFile(filepath.Join(batonDir, "baton"), data, 0o755))
	for _, n := range agentNames {
		must(os.Symlink(filepath.Join(batonDir, "baton"), filepath.Join(batonDir, n)))
	}
	PrepareState(t, c.State, fmt.Sprintf(corosyncConf, c.Node), batonDir)
	script := filepath.Join(c.State, "node.sh")
	must(os.WriteFile(script, []byte(nodeScript), 0o755))
	pidfile := filepath.Join(c.State, "holder.pid")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if out, code := harness.Run(ctx, nil, "ip", "netns", "add", c.netns); code != 0 {
		t.Fatalf("ip netns add: %s", out)
	}
	t.Cleanup(func() {
		_ = exec.Command("ip", "netns", "del", c.netns).Run()
	})
	cmd := exec.Command("ip", "netns", "exec", c.netns, "unshare", "-m", "-u", "--propagation", "private", "bash", script, c.State, c.Node, pidfile)
	log, err := os.Create(filepath.Join(c.State, "node.log"))
	must(err)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	must(cmd.Start())
	t.Cleanup(func() {
		c.stop(t)
		_ = cmd.Wait()
		log.Close()
		if t.Failed() {
			c.dumpLogs(t)
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile(pidfile)
		if err == nil {
			if c.pid, err = strconv.Atoi(strings.TrimSpace(string(b))); err == nil && c.pid > 0 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the node's namespace holder did not start; see %s", log.Name())
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.mntNS, _ = os.Readlink(fmt.Sprintf("/proc/%d/ns/mnt", c.pid))
	if err := c.WaitOnline(90 * time.Second); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"crm_attribute", "--type", "crm_config", "--name", "stonith-enabled", "--update", "false"},
		// A failed action should be visible to the test, not retried forever.
		{"crm_attribute", "--type", "rsc_defaults", "--name", "migration-threshold", "--update", "1"},
	} {
		c.MustExec(t, args...)
	}
	return c
}

// PrepareState lays out under dir the private copies of every directory
// Corosync and Pacemaker write (owned as they expect), writes corosync.conf,
// and builds an OCF tree with the host's providers plus batonDir as
// provider baton. node.sh and the cluster harness bind-mount these over the
// real paths inside a node's mount namespace.
func PrepareState(t testing.TB, dir, corosyncConf, batonDir string) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// Daemons running as hacluster must reach the state directory.
	must(os.Chmod(dir, 0o755))
	uid, gid := hacluster(t)
	for _, d := range []string{"/var/lib/pacemaker/cib", "/var/lib/pacemaker/pengine", "/var/lib/pacemaker/blackbox",
		"/var/lib/pacemaker/cores", "/var/lib/corosync", "/var/log/crmsh", "/var/log/pacemaker", "/etc/corosync",
		"/usr/lib/ocf/resource.d"} {
		must(os.MkdirAll(filepath.Join(dir, d), 0o755))
	}
	for _, d := range []string{"/var/lib/pacemaker/cib", "/var/lib/pacemaker/pengine", "/var/lib/pacemaker/blackbox",
		"/var/lib/pacemaker/cores", "/var/log/pacemaker"} {
		must(os.Chown(filepath.Join(dir, d), uid, gid))
		must(os.Chmod(filepath.Join(dir, d), 0o750))
	}
	must(os.WriteFile(filepath.Join(dir, "etc/corosync/corosync.conf"), []byte(corosyncConf), 0o644))
	// The host's providers are copied, not linked: inside the node this
	// tree is mounted over /usr/lib/ocf/resource.d, where a link to the
	// host's path would point back into itself.
	providers, err := os.ReadDir("/usr/lib/ocf/resource.d")
	must(err)
	for _, p := range providers {
		if p.Name() == "baton" {
			continue
		}
		if out, err := exec.Command("cp", "-a", filepath.Join("/usr/lib/ocf/resource.d", p.Name()), filepath.Join(dir, "usr/lib/ocf/resource.d")).CombinedOutput(); err != nil {
			t.Fatalf("copying OCF provider %s: %v\n%s", p.Name(), err, out)
		}
	}
	must(os.Symlink(batonDir, filepath.Join(dir, "usr/lib/ocf/resource.d/baton")))
}

func hacluster(t testing.TB) (int, int) {
	t.Helper()
	u, err := user.Lookup("hacluster")
	if err != nil {
		t.Fatalf("user hacluster missing (is pacemaker installed? run make deps): %v", err)
	}
	g, err := user.LookupGroup("haclient")
	if err != nil {
		t.Fatalf("group haclient missing: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(g.Gid)
	return uid, gid
}

// Exec runs a command inside the node's namespaces (as Pacemaker's CLI tools
// must be, to reach its IPC) and returns the combined output and exit code.
func (c *Cluster) Exec(ctx context.Context, args ...string) (string, int) {
	return harness.Run(ctx, nil, "nsenter", append([]string{"-t", strconv.Itoa(c.pid), "-n", "-m", "-u", "--"}, args...)...)
}

// MustExec is Exec with a 60 s bound that fails t on a non-zero exit.
func (c *Cluster) MustExec(t testing.TB, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, code := c.Exec(ctx, args...)
	if code != 0 {
		t.Fatalf("%s: exit %d\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

// WaitOnline waits until crm_mon shows the node online and a DC elected.
func (c *Cluster) WaitOnline(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	var last string
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		out, code := c.Exec(ctx, "crm_mon", "-1", "--output-as=xml")
		cancel()
		last = out
		if code == 0 {
			st, err := ParseStatus([]byte(out))
			if err == nil && st.HaveDC && st.NodeOnline(c.Node) {
				return nil
			}
		}
		time.Sleep(time.Second)
	}
	return fmt.Errorf("node %s not online with a DC within %v; last crm_mon:\n%s", c.Node, limit, last)
}

// Status returns the parsed `crm_mon --output-as=xml`.
func (c *Cluster) Status(t testing.TB) *Status {
	t.Helper()
	st, err := ParseStatus([]byte(c.MustExec(t, "crm_mon", "-1", "--output-as=xml")))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// WaitFor polls the status until cond holds or limit passes, and returns the
// last status seen.
func (c *Cluster) WaitFor(t testing.TB, limit time.Duration, cond func(*Status) bool) (*Status, bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		st := c.Status(t)
		if cond(st) {
			return st, true
		}
		if time.Now().After(deadline) {
			return st, false
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// stop ends every process in the node's mount namespace: the daemons, their
// children and any resource the agents left running. Processes elsewhere are
// never touched.
func (c *Cluster) stop(t testing.TB) {
	if c.pid <= 0 {
		return
	}
	if left := harness.KillMountNS(c.mntNS, 15*time.Second, syscall.SIGTERM, syscall.SIGKILL); len(left) > 0 {
		t.Errorf("processes left in the node's namespace: %v", left)
	}
}

func (c *Cluster) dumpLogs(t testing.TB) {
	for _, f := range []string{"node.log", "var/log/pacemaker.log"} {
		b, err := os.ReadFile(filepath.Join(c.State, f))
		if err != nil {
			continue
		}
		if len(b) > 20000 {
			b = b[len(b)-20000:]
		}
		t.Logf("--- %s (tail) ---\n%s", f, b)
	}
}
