package nfsnotify

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/baton-ha/baton/agents/nfsbackend/hostsys/fakehost"
	"github.com/baton-ha/baton/ocf"
)

const vip = "10.0.0.100"

type rig struct {
	a      *ocf.Agent
	h      *fakehost.Host
	root   string
	rsctmp string
	addrs  []netip.Addr
}

func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{root: t.TempDir(), rsctmp: t.TempDir()}
	for _, f := range []string{"var/lib/nfs/sm/client1.example", "var/lib/nfs/sm.bak/client2.example"} {
		if err := os.MkdirAll(filepath.Join(r.root, filepath.Dir(f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(r.root, f), []byte("0100007f 000186b5 00000003 00000010 "+filepath.Base(f)+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	_ = os.WriteFile(filepath.Join(r.root, "var/lib/nfs/state"), []byte{3, 0, 0, 0}, 0o644)
	_ = os.MkdirAll(filepath.Join(r.root, "proc"), 0o755)
	r.h = fakehost.New(r.root)
	r.addrs = []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("10.0.0.1")}
	r.a = NewWith(Config{Root: r.root, Sys: r.h,
		LookPath:   func(p string) (string, error) { return "/usr/sbin/" + p, nil },
		LocalAddrs: func() ([]netip.Addr, error) { return r.addrs, nil }})
	return r
}

func (r *rig) run(t *testing.T, action string, params map[string]string) (ocf.ExitCode, string) {
	t.Helper()
	env := []string{"OCF_RESOURCE_INSTANCE=notify", "HA_RSCTMP=" + r.rsctmp}
	for k, v := range params {
		env = append(env, "OCF_RESKEY_"+k+"="+v)
	}
	var out, errb bytes.Buffer
	code := ocf.Run(r.a, ocf.RunOptions{Args: []string{action}, Environ: env, Stdout: &out, Stderr: &errb})
	return code, errb.String()
}

// TestNotifyAfterVIP: start refuses while the floating address is not
// up, notifies from it once it is, and stays running while the same
// rpc.statd runs.
func TestNotifyAfterVIP(t *testing.T) {
	r := newRig(t)
	p := map[string]string{"source_host": vip}
	if code, out := r.run(t, "monitor", p); code != ocf.NotRunning {
		t.Fatalf("probe: %v\n%s", code, out)
	}
	if code, out := r.run(t, "start", p); code != ocf.ErrGeneric || !strings.Contains(out, "rpc.statd is not running") {
		t.Fatalf("start without rpc.statd: %v\n%s", code, out)
	}
	statd := r.h.Spawn("rpc.statd")
	if code, out := r.run(t, "start", p); code != ocf.ErrGeneric || !strings.Contains(out, "not an address of this node") {
		t.Fatalf("start before the VIP is up: %v\n%s", code, out)
	}
	if len(r.h.Events) != 0 {
		t.Fatalf("start without the VIP did %v", r.h.Events)
	}
	r.addrs = append(r.addrs, netip.MustParseAddr(vip))
	if code, out := r.run(t, "start", p); code != ocf.Success {
		t.Fatalf("start: %v\n%s", code, out)
	}
	want := "start sm-notify -f -d -m 15 -v " + vip + " -P /var/lib/nfs"
	if got := strings.Join(r.h.Events, "\n"); got != want {
		t.Fatalf("start did\n%s\nwant\n%s", got, want)
	}
	// In the foreground sm-notify logs to stderr only: to a file, not lost.
	if log := filepath.Join(r.rsctmp, "nfsnotify-notify.log"); len(r.h.Started) != 1 || r.h.Started[0].Log != log {
		t.Errorf("sm-notify started with %+v, want its output in %s", r.h.Started, log)
	}
	if code, out := r.run(t, "monitor", p); code != ocf.Success {
		t.Fatalf("monitor: %v\n%s", code, out)
	}
	// Start again: nothing to do.
	r.h.Reset()
	if code, _ := r.run(t, "start", p); code != ocf.Success || len(r.h.Events) != 0 {
		t.Fatalf("second start: %v, did %v", code, r.h.Events)
	}
	// rpc.statd restarted: its clients must be told again.
	_ = r.h.Signal(statd, 15)
	r.h.Spawn("rpc.statd")
	if code, out := r.run(t, "monitor", p); code != ocf.ErrGeneric || !strings.Contains(out, "notified again") {
		t.Fatalf("monitor after a statd restart: %v\n%s", code, out)
	}
	r.h.Reset()
	if code, out := r.run(t, "stop", p); code != ocf.Success {
		t.Fatalf("stop: %v\n%s", code, out)
	}
	if got := strings.Join(r.h.Events, "\n"); got != "signal sm-notify terminated" {
		t.Errorf("stop did %q, want the sm-notify it started ended", got)
	}
	if code, _ := r.run(t, "monitor", p); code != ocf.NotRunning {
		t.Fatalf("monitor after stop: %v", code)
	}
}

// TestSeveralSourceHosts: the second address notifies from a copy of the
// lists, taken before the first sm-notify empties them.
func TestSeveralSourceHosts(t *testing.T) {
	r := newRig(t)
	r.h.Spawn("rpc.statd")
	r.addrs = append(r.addrs, netip.MustParseAddr(vip), netip.MustParseAddr("fd00::100"))
	p := map[string]string{"source_host": vip + ",fd00::100", "notify_args": "-p 2020", "nfs_smnotify_retry_time": "2"}
	if code, out := r.run(t, "start", p); code != ocf.Success {
		t.Fatalf("start: %v\n%s", code, out)
	}
	copyDir := filepath.Join(r.rsctmp, "nfsnotify-notify", "fd00__100")
	want := []string{
		"start sm-notify -f -d -m 2 -p 2020 -v " + vip + " -P /var/lib/nfs",
		"start sm-notify -f -d -m 2 -p 2020 -v fd00::100 -P " + copyDir,
	}
	if got := strings.Join(r.h.Events, "\n"); got != strings.Join(want, "\n") {
		t.Fatalf("start did\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}
	for _, f := range []string{"sm/client1.example", "sm.bak/client2.example", "state"} {
		if _, err := os.Stat(filepath.Join(copyDir, f)); err != nil {
			t.Errorf("the copy lacks %s: %v", f, err)
		}
	}
	if code, _ := r.run(t, "stop", p); code != ocf.Success {
		t.Fatal("stop failed")
	}
	if _, err := os.Stat(copyDir); !os.IsNotExist(err) {
		t.Errorf("stop left the copy: %v", err)
	}
}

// TestNotifyFailsAtOnce: sm-notify ends at once when it cannot use the
// source address (seen in the VM tier: the VIP had no host name, "my_name
// '10.0.0.100' is unusable"); start must fail with its words, not report
// clients notified while none were.
func TestNotifyFailsAtOnce(t *testing.T) {
	r := newRig(t)
	r.h.Spawn("rpc.statd")
	r.addrs = append(r.addrs, netip.MustParseAddr(vip))
	r.h.ExitAtOnce = map[string]string{"sm-notify": "sm-notify: my_name '10.0.0.100' is unusable: Name or service not known\n"}
	p := map[string]string{"source_host": vip}
	code, out := r.run(t, "start", p)
	if code != ocf.ErrGeneric || !strings.Contains(out, "is unusable") || !strings.Contains(out, "/etc/hosts") {
		t.Fatalf("start with sm-notify failing at once: %v, want 1 with its message and the /etc/hosts hint\n%s", code, out)
	}
	if code, _ := r.run(t, "stop", p); code != ocf.Success {
		t.Fatal("stop after the failed start failed")
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		params map[string]string
		code   ocf.ExitCode
		reason string
	}{
		{map[string]string{}, ocf.Success, ""},
		{map[string]string{"source_host": "10.0.0.100,nfs.example"}, ocf.Success, ""},
		{map[string]string{"source_host": "10.0.0.100;reboot"}, ocf.ErrConfigured, "neither an IP address"},
		{map[string]string{"notify_args": "-P /tmp"}, ocf.ErrConfigured, "must not set -P"},
		{map[string]string{"statd_dir": "var/lib/nfs"}, ocf.ErrConfigured, "absolute"},
	} {
		r := newRig(t)
		code, out := r.run(t, "validate-all", tc.params)
		if code != tc.code || !strings.Contains(out, tc.reason) {
			t.Errorf("validate-all %v = %v, want %v with %q\n%s", tc.params, code, tc.code, tc.reason, out)
		}
	}
}
