package ping

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baton-ha/baton/ocf"
)

// reach is a fake network: the hosts that answer.
type reach struct {
	mu    sync.Mutex
	up    map[string]bool
	asked []string
}

func (n *reach) alive(_ context.Context, host string, attempts int, wait time.Duration) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.asked = append(n.asked, host)
	return n.up[host]
}

// dampened records what a Dampener channel is asked, over memory storage.
type dampened struct {
	*ocf.MemoryAttributes
	delays []time.Duration
	firsts []bool
}

func (d *dampened) SetDampened(ctx context.Context, name, value string, delay time.Duration, first bool) error {
	d.delays = append(d.delays, delay)
	d.firsts = append(d.firsts, first)
	return d.Set(ctx, name, value, ocf.Reboot)
}

func (d *dampened) DeleteDampened(ctx context.Context, name string, delay time.Duration) error {
	d.delays = append(d.delays, delay)
	return d.Delete(ctx, name, ocf.Reboot)
}

func run(t *testing.T, n *reach, attrs ocf.Attributes, state, action string, params ...string) (ocf.ExitCode, string) {
	t.Helper()
	env := []string{"OCF_RESOURCE_INSTANCE=ping", "OCF_RESKEY_pidfile=" + state, "OCF_RESKEY_CRM_meta_timeout=20000"}
	for _, p := range params {
		env = append(env, "OCF_RESKEY_"+p)
	}
	var out, errb bytes.Buffer
	code := ocf.Run(New(Config{Alive: n.alive}), ocf.RunOptions{Args: []string{action}, Environ: env, Stdout: &out, Stderr: &errb, Attrs: attrs})
	return code, errb.String()
}

func TestLifecycle(t *testing.T) {
	n := &reach{up: map[string]bool{"192.0.2.1": true, "192.0.2.2": true}}
	attrs := &dampened{MemoryAttributes: ocf.NewMemoryAttributes("ping")}
	state := filepath.Join(t.TempDir(), "ping-state")
	hosts := "host_list=192.0.2.1 192.0.2.2 192.0.2.3"
	value := func() string {
		v, ok, _ := attrs.Get(context.Background(), "pingd", ocf.Reboot)
		if !ok {
			return "(unset)"
		}
		return v
	}
	if code, log := run(t, n, attrs, state, "monitor", hosts); code != ocf.NotRunning {
		t.Fatalf("probe before start: %v\n%s", code, log)
	}
	if code, log := run(t, n, attrs, state, "start", hosts, "multiplier=100", "dampen=3s"); code != ocf.Success {
		t.Fatalf("start: %v\n%s", code, log)
	}
	if v := value(); v != "200" {
		t.Errorf("after start pingd = %s, want 200 (2 of 3 hosts x 100)", v)
	}
	if len(attrs.firsts) != 1 || !attrs.firsts[0] || attrs.delays[0] != 3*time.Second {
		t.Errorf("start must set the value and its 3 s delay: firsts %v delays %v", attrs.firsts, attrs.delays)
	}
	if len(n.asked) != 3 {
		t.Errorf("asked %v, want each of the 3 hosts once", n.asked)
	}
	// The service network goes: no host answers.
	n.up = map[string]bool{}
	if code, log := run(t, n, attrs, state, "monitor", hosts, "multiplier=100"); code != ocf.Success {
		t.Fatalf("monitor: %v\n%s", code, log)
	}
	if v := value(); v != "0" {
		t.Errorf("no host reachable: pingd = %s, want 0", v)
	}
	if code, log := run(t, n, attrs, state, "monitor", hosts, "failure_score=1"); code != ocf.ErrGeneric || !strings.Contains(log, "failure_score") {
		t.Errorf("below failure_score: %v, want 1 with a reason\n%s", code, log)
	}
	if code, log := run(t, n, attrs, state, "monitor", hosts, "name=uplink"); code != ocf.Success {
		t.Fatalf("monitor: %v\n%s", code, log)
	}
	if v, ok, _ := attrs.Get(context.Background(), "uplink", ocf.Reboot); !ok || v != "0" {
		t.Errorf("name=uplink: %q %v", v, ok)
	}
	if code, log := run(t, n, attrs, state, "stop", hosts); code != ocf.Success {
		t.Fatalf("stop: %v\n%s", code, log)
	}
	if v := value(); v != "(unset)" {
		t.Errorf("after stop pingd = %s, want it removed", v)
	}
	if _, err := os.Stat(state); !os.IsNotExist(err) {
		t.Errorf("state file left after stop: %v", err)
	}
	if code, _ := run(t, n, attrs, state, "stop", hosts); code != ocf.Success {
		t.Errorf("stop when stopped: %v", code)
	}
}

func TestConfigErrors(t *testing.T) {
	n := &reach{}
	state := filepath.Join(t.TempDir(), "s")
	for _, c := range []struct {
		params []string
		reason string
	}{
		{nil, "host_list"},
		{[]string{"host_list= "}, "host_list"},
		{[]string{"host_list=-f /etc/passwd"}, "host_list"},
		{[]string{"host_list=h", "attempts=0"}, "attempts"},
		{[]string{"host_list=h", "timeout=soon"}, "timeout"},
		{[]string{"host_list=h", "multiplier=x"}, "multiplier"},
	} {
		code, log := run(t, n, ocf.NewMemoryAttributes("ping"), state, "validate-all", c.params...)
		if code != ocf.ErrConfigured || !strings.Contains(log, c.reason) {
			t.Errorf("%q: %v, want 6 naming %s\n%s", c.params, code, c.reason, log)
		}
	}
}

// The timeout as the reference derives it when not given.
func TestTimeout(t *testing.T) {
	a := &agent{}
	for _, c := range []struct {
		param        string
		op           time.Duration
		hosts, tries int
		want         time.Duration
	}{
		{"", 20 * time.Second, 2, 3, 20 * time.Second / 6 * 10 / 11},
		{"", 2 * time.Second, 4, 3, 5 * time.Second},
		{"2", 20 * time.Second, 2, 3, 2 * time.Second},
		{"1500ms", 20 * time.Second, 2, 3, 1500 * time.Millisecond},
	} {
		env := ocf.EnvFromMap(map[string]string{"OCF_RESKEY_CRM_meta_timeout": strings.TrimSuffix(c.op.String(), "s") + "000"})
		env.Meta.Timeout = c.op
		p, _, err := ocf.ResolveParams(params(), map[string]string{"host_list": "h", "timeout": c.param}, env)
		if err != nil {
			t.Fatal(err)
		}
		if got := a.timeout(&ocf.Request{Env: env, Params: p}, c.hosts, c.tries); got != c.want {
			t.Errorf("timeout %q, op %v, %d hosts x %d: %v, want %v", c.param, c.op, c.hosts, c.tries, got, c.want)
		}
	}
}

// Echo against this host's loopback: the ICMP path for real.
func TestEchoLoopback(t *testing.T) {
	ctx := context.Background()
	if !Echo(ctx, "127.0.0.1", 2, time.Second) {
		if os.Geteuid() != 0 {
			t.Skip("no raw ICMP socket without root, and ping sockets are not allowed for this group")
		}
		t.Fatal("127.0.0.1 did not answer ICMP echo")
	}
	if Echo(ctx, "no-such-host.invalid", 1, 100*time.Millisecond) {
		t.Error("an unresolvable host counted as reachable")
	}
}
