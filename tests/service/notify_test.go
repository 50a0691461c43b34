// Package service_test runs `baton daemon` as systemd runs it: with a
// notification socket (NOTIFY_SOCKET) and a watchdog interval
// (WATCHDOG_USEC), and stopped with SIGTERM. It checks the unit files too.
package service_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/harness"
)

// manager is the service manager's end of NOTIFY_SOCKET: a unixgram socket.
type manager struct {
	conn *net.UnixConn
	path string
	msgs chan string
}

func newManager(t *testing.T) *manager {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	m := &manager{conn: conn, path: path, msgs: make(chan string, 1000)}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				close(m.msgs)
				return
			}
			m.msgs <- string(buf[:n])
		}
	}()
	return m
}

// waitFor returns the first datagram holding want (a line such as
// "READY=1"), and every datagram before it.
func (m *manager) waitFor(t *testing.T, want string, limit time.Duration) (string, []string) {
	t.Helper()
	var before []string
	deadline := time.After(limit)
	for {
		select {
		case s, ok := <-m.msgs:
			if !ok {
				t.Fatalf("notification socket closed before %s; got %q", want, before)
			}
			for _, line := range strings.Split(s, "\n") {
				if line == want {
					return s, before
				}
			}
			before = append(before, s)
		case <-deadline:
			t.Fatalf("no %s within %v; got %q", want, limit, before)
		}
	}
}

// inOwnNetwork runs bin in a new network namespace whose loopback carries
// the link addresses of oneNode (192.0.2.1 and .2, TEST-NET-1): baton
// refuses loopback addresses as links, since they reach no other node.
func inOwnNetwork(bin string, args ...string) *exec.Cmd {
	script := `ip link set lo up && ip addr add 192.0.2.1/32 dev lo && ip addr add 192.0.2.2/32 dev lo && exec "$0" "$@"`
	return exec.Command("unshare", append([]string{"-n", "sh", "-c", script, bin}, args...)...)
}

// oneNode writes the configuration of a node whose peer never appears:
// wait_for_all off and quorum policy ignore, so it runs the resources alone.
// It returns the configuration's path and the Dummy resource's state file.
func oneNode(t *testing.T, bin string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	ocfDir := filepath.Join(dir, "ocf", "resource.d", "baton")
	if err := os.MkdirAll(ocfDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(bin, filepath.Join(ocfDir, "Dummy")); err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(dir, "authkey")
	if out, err := exec.Command(bin, "keygen", key).CombinedOutput(); err != nil {
		t.Fatalf("keygen: %v\n%s", err, out)
	}
	state := filepath.Join(dir, "d1.state")
	cib := fmt.Sprintf(`<cib admin_epoch="0" epoch="1" num_updates="0" validate-with="pacemaker-3.9">
  <configuration>
    <crm_config>
      <!-- A lone node whose peer never came: without fencing declared off,
           Baton (as Pacemaker) would wait to fence the peer before starting. -->
      <cluster_property_set id="opts"><nvpair id="opts-stonith" name="stonith-enabled" value="false"/></cluster_property_set>
    </crm_config>
    <nodes/>
    <resources>
      <primitive id="d1" class="ocf" provider="baton" type="Dummy">
        <instance_attributes id="d1-ia"><nvpair id="d1-state" name="state" value=%q/></instance_attributes>
        <operations><op id="d1-mon" name="monitor" interval="1s" timeout="10s"/></operations>
      </primitive>
    </resources>
    <constraints/>
  </configuration>
  <status/>
</cib>
`, state)
	cibPath := filepath.Join(dir, "cib.xml")
	if err := os.WriteFile(cibPath, []byte(cib), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`cluster = "svc"
node = "n1"
node_id = 1
cib = %q
auth_key = %q
state_dir = %q
ocf_root = %q
wait_for_all = false

[heartbeat]
port = %d

[[link]]
name = "a"
address = "192.0.2.1"

[[link]]
name = "b"
address = "192.0.2.2"

[[peer]]
name = "n2"
node_id = 2
addresses = ["192.0.2.3", "192.0.2.4"]

[quorum]
policy = "ignore"
`, cibPath, key, filepath.Join(dir, "state"), filepath.Join(dir, "ocf"), 5405) // its own network namespace: always free
	path := filepath.Join(dir, "baton.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, state
}

// The daemon tells systemd READY=1 once it has joined, feeds the watchdog,
// and on SIGTERM says STOPPING=1, stops its resources and only then exits.
func TestDaemonUnderSystemdProtocol(t *testing.T) {
	harness.NeedRoot(t)
	bin := harness.Baton(t)
	cfg, state := oneNode(t, bin)
	m := newManager(t)
	log, err := os.Create(filepath.Join(t.TempDir(), "daemon.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	cmd := inOwnNetwork(bin, "daemon", "--config", cfg)
	cmd.Env = append(os.Environ(), "NOTIFY_SOCKET="+m.path, "WATCHDOG_USEC=600000")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			b, _ := os.ReadFile(log.Name())
			t.Logf("daemon log:\n%s", b)
		}
	}()

	ready, before := m.waitFor(t, "READY=1", 15*time.Second)
	if len(before) > 0 {
		t.Errorf("notifications before READY=1: %q", before)
	}
	if !strings.Contains(ready, "STATUS=cluster svc: DC n1") {
		t.Errorf("READY=1 without the cluster status: %q", ready)
	}
	// WATCHDOG_USEC=600ms: pings every 200ms while healthy.
	m.waitFor(t, "WATCHDOG=1", 2*time.Second)
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(state); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the daemon never started d1")
		}
		time.Sleep(100 * time.Millisecond)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	m.waitFor(t, "STOPPING=1", 5*time.Second)
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("daemon exited with %v after SIGTERM", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("daemon did not exit within 30s of SIGTERM")
	}
	// Dummy's stop removes the state file; nothing else does.
	if _, err := os.Stat(state); err == nil {
		t.Error("d1 still runs (state file present) after the daemon stopped")
	}
}

// The witness tells systemd READY=1 once its socket is bound.
func TestWitnessNotifiesReady(t *testing.T) {
	harness.NeedRoot(t)
	bin := harness.Baton(t)
	key := filepath.Join(t.TempDir(), "authkey")
	if out, err := exec.Command(bin, "keygen", key).CombinedOutput(); err != nil {
		t.Fatalf("keygen: %v\n%s", err, out)
	}
	m := newManager(t)
	cmd := exec.Command(bin, "witness", "--listen", "127.0.0.1:0", "--auth-key", key)
	cmd.Env = append(os.Environ(), "NOTIFY_SOCKET="+m.path)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("witness output:\n%s", out.String())
		}
	}()
	m.waitFor(t, "READY=1", 10*time.Second)
}
