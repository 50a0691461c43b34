package cli_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	fencevm "github.com/baton-ha/baton/agents/fence_baton_vm"
	"github.com/baton-ha/baton/tests/harness"
)

// TestVerifyFencing: `baton verify` reports a cluster that cannot fail over
// safely (no device, no watchdog), an unknown device in a fencing level, and
// with --config an unsafe watchdog timing; a sound setup passes and prints
// its bound.
func TestVerifyFencing(t *testing.T) {
	bin := harness.Baton(t)
	dir := t.TempDir()
	cibWith := func(name, opts, extra string) string {
		x := `<cib epoch="1" num_updates="0" admin_epoch="0" validate-with="pacemaker-3.9"><configuration>
<crm_config><cluster_property_set id="o">` + opts + `</cluster_property_set></crm_config>
<nodes><node id="1" uname="node1"/><node id="2" uname="node2"/></nodes>
<resources><primitive id="d" class="ocf" provider="baton" type="Dummy"/>` + extra + `</resources><constraints/>` +
			strings.TrimPrefix(name, "topology:") + `</configuration><status/></cib>`
		if !strings.HasPrefix(name, "topology:") {
			x = strings.Replace(x, name, "", 1)
		}
		f := filepath.Join(dir, "cib.xml")
		if err := os.WriteFile(f, []byte(x), 0o644); err != nil {
			t.Fatal(err)
		}
		return f
	}
	out, code := run(t, nil, bin, "verify", "-x", cibWith("", "", ""))
	if code != 2 || !strings.Contains(out, "no fence device") || !strings.Contains(out, "stonith-enabled=false") {
		t.Errorf("no device: exit %d\n%s", code, out)
	}
	dev := `<primitive id="f" class="stonith" type="fence_ipmilan"><instance_attributes id="f-ia"><nvpair id="f1" name="pcmk_host_list" value="node1 node2"/></instance_attributes></primitive>`
	out, code = run(t, nil, bin, "verify", "-x", cibWith(`topology:<fencing-topology><fencing-level id="l1" index="1" target="node1" devices="f,nosuch"/></fencing-topology>`, "", dev))
	if code != 2 || !strings.Contains(out, `fencing-level "l1": devices names "nosuch"`) {
		t.Errorf("unknown device in a level: exit %d\n%s", code, out)
	}
	if out, code = run(t, nil, bin, "verify", "-x", cibWith("", "", dev)); code != 0 {
		t.Errorf("a device for both nodes: exit %d\n%s", code, out)
	}

	key := filepath.Join(dir, "key")
	if err := os.WriteFile(key, []byte("0123456789abcdef0123456789abcdef"), 0o600); err != nil {
		t.Fatal(err)
	}
	conf := func(policy string) string {
		f := filepath.Join(dir, "baton.toml")
		c := `node = "node1"
node_id = 1
cib = "/nonexistent/cib.xml"
auth_key = "` + key + `"
[[link]]
name = "hb"
address = "10.0.1.1"
[[link]]
name = "svc"
address = "10.0.0.1"
[[peer]]
name = "node2"
node_id = 2
addresses = ["10.0.1.2", "10.0.0.2"]
[quorum]
policy = "` + policy + `"
witness = "10.0.0.3:5406"
[watchdog]
device = "/dev/watchdog-never-opened-by-verify"
timeout = "5s"
`
		if err := os.WriteFile(f, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
		return f
	}
	short := cibWith("", `<nvpair id="w" name="stonith-watchdog-timeout" value="6s"/>`, "")
	out, code = run(t, nil, bin, "verify", "-x", short, "--config", conf("witness"))
	if code != 2 || !strings.Contains(out, "must be at least 9s") {
		t.Errorf("stonith-watchdog-timeout 6s with a 5s watchdog: exit %d\n%s", code, out)
	}
	good := cibWith("", `<nvpair id="w" name="stonith-watchdog-timeout" value="10s"/>`, "")
	out, code = run(t, nil, bin, "verify", "-x", good, "--config", conf("witness"))
	if code != 0 || !strings.Contains(out, "a lost node counts as fenced 10s after its last sign of life, at worst 14s") {
		t.Errorf("sound watchdog setup: exit %d\n%s", code, out)
	}
	out, code = run(t, nil, bin, "verify", "-x", good, "--config", conf("fence"))
	if code != 2 || !strings.Contains(out, "needs the witness") {
		t.Errorf("watchdog fencing without an arbiter: exit %d\n%s", code, out)
	}
}

// TestFenceAgentSymlink: fence_baton_netns answers the fence-agents API's
// metadata and list actions through its symlink, and refuses what it cannot
// do with exit 1 and a message.
func TestFenceAgentSymlink(t *testing.T) {
	bin := harness.Baton(t)
	dir := t.TempDir()
	agent := filepath.Join(dir, "fence_baton_netns")
	if err := os.Symlink(bin, agent); err != nil {
		t.Fatal(err)
	}
	if out, code := run(t, nil, agent, "-o", "metadata"); code != 0 || !strings.Contains(out, `<parameter name="plug"`) {
		t.Errorf("metadata: exit %d\n%s", code, out)
	}
	devs := filepath.Join(dir, "devs")
	if err := os.MkdirAll(devs, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(devs, "node1.json"), []byte(`{"netns":"/nonexistent","mntns":"mnt:[1]"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, code := run(t, nil, agent, "-o", "list", "--devices-dir", devs); code != 0 || strings.TrimSpace(out) != "node1,node1" {
		t.Errorf("list: exit %d %q", code, out)
	}
	if out, code := run(t, nil, agent, "-o", "off", "--devices-dir", devs); code != 1 || !strings.Contains(out, "needs plug") {
		t.Errorf("off without plug: exit %d %q", code, out)
	}
}

// switchPower is a power switch's guests as booleans.
type switchPower struct {
	mu sync.Mutex
	on map[string]bool
}

func (p *switchPower) Plugs() []string { return []string{"nodea", "nodeb"} }
func (p *switchPower) On(plug string) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.on[plug], nil
}
func (p *switchPower) PowerOff(_ context.Context, plug string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.on[plug] = false
	return nil
}
func (p *switchPower) PowerOn(_ context.Context, plug string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.on[plug] = true
	return nil
}

// TestVMFenceAgentSymlink: the binary invoked as fence_baton_vm is that
// agent: its metadata, and off and status against a power switch on
// loopback, as the fencer runs it.
func TestVMFenceAgentSymlink(t *testing.T) {
	bin := harness.Baton(t)
	dir := t.TempDir()
	agent := filepath.Join(dir, "fence_baton_vm")
	if err := os.Symlink(bin, agent); err != nil {
		t.Fatal(err)
	}
	if out, code := run(t, nil, agent, "-o", "metadata"); code != 0 || !strings.Contains(out, `<parameter name="key_file"`) {
		t.Errorf("metadata: exit %d\n%s", code, out)
	}
	key := []byte("cli-test-power-switch-key-0123456789")
	keyFile := filepath.Join(dir, "key")
	if err := os.WriteFile(keyFile, key, 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &switchPower{on: map[string]bool{"nodea": true, "nodeb": true}}
	sw := &fencevm.Switch{Key: fencevm.Key(key), Power: p}
	go sw.Serve(l)
	t.Cleanup(func() { sw.Close() })
	args := []string{"-a", l.Addr().String(), "-k", keyFile, "-n", "nodea"}
	if out, code := run(t, nil, agent, append([]string{"-o", "off"}, args...)...); code != 0 || !strings.Contains(out, "Powered OFF") {
		t.Errorf("off: exit %d %q", code, out)
	}
	if out, code := run(t, nil, agent, append([]string{"-o", "status"}, args...)...); code != 2 || !strings.Contains(out, "Status: OFF") {
		t.Errorf("status after off: exit %d %q", code, out)
	}
	if on, _ := p.On("nodeb"); !on {
		t.Error("nodeb was powered off")
	}
}
