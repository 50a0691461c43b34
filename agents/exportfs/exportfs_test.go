package exportfs

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/agents/nfsbackend/hostsys/fakehost"
	"github.com/baton-ha/baton/ocf"
)

// waits records the waits the agent asked for, instead of taking them.
type waits []time.Duration

func (w *waits) wait(ctx context.Context, d time.Duration) error {
	*w = append(*w, d)
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		return context.DeadlineExceeded // a real wait would run into it
	}
	return ctx.Err()
}

func fixture(t *testing.T, lookPathOK bool, change ...func(*Config)) (*ocf.Agent, *fakehost.Host, string) {
	a, h, root, _ := fixtureWaits(t, lookPathOK, change...)
	return a, h, root
}

// fixtureWaits is fixture that also returns the waits the agent asked for;
// change adjusts the agent's dependencies.
func fixtureWaits(t *testing.T, lookPathOK bool, change ...func(*Config)) (*ocf.Agent, *fakehost.Host, string, *waits) {
	t.Helper()
	root := t.TempDir()
	if err := fakehost.CopyTree("testdata/root", root); err != nil {
		t.Fatal(err)
	}
	h := fakehost.New(root)
	w := &waits{}
	c := Config{Root: root, Sys: h, Poll: time.Millisecond, Wait: w.wait, ExportWait: 200 * time.Millisecond,
		LookPath: func(p string) (string, error) {
			if !lookPathOK {
				return "", os.ErrNotExist
			}
			return "/usr/sbin/" + p, nil
		}}
	for _, f := range change {
		f(&c)
	}
	return NewWith(c), h, root, w
}

func run(t *testing.T, a *ocf.Agent, action string, params map[string]string, extraEnv ...string) (ocf.ExitCode, string) {
	t.Helper()
	env := append([]string{"OCF_RESOURCE_INSTANCE=exp", "HA_RSCTMP=" + t.TempDir(), "OCF_RESKEY_ganesha_dir=" + t.TempDir()}, extraEnv...)
	for k, v := range params {
		env = append(env, "OCF_RESKEY_"+k+"="+v)
	}
	var out, errb bytes.Buffer
	code := ocf.Run(a, ocf.RunOptions{Args: []string{action}, Environ: env, Stdout: &out, Stderr: &errb})
	return code, errb.String()
}

var base = map[string]string{
	"clientspec": "10.0.0.0/24 *", "directory": "/data/export", "fsid": "7",
	"options": "rw,no_root_squash,fsid=99", "unlock_on_stop": "true", "wait_for_leasetime_on_stop": "true",
}

func TestKernelExport(t *testing.T) {
	a, h, root, waited := fixtureWaits(t, true)
	if code, out := run(t, a, "monitor", base); code != ocf.NotRunning {
		t.Fatalf("probe: %v\n%s", code, out)
	}
	// An rmtab backup from the other node is merged in on start.
	_ = os.WriteFile(filepath.Join(root, "data/export/.rmtab"), []byte("client3.example:/data/export:0x00000001\n"), 0o644)
	if code, out := run(t, a, "start", base); code != ocf.Success {
		t.Fatalf("start: %v\n%s", code, out)
	}
	want := []string{
		`write /var/lib/nfs/rmtab "client1.example:/data/export:0x00000001\nclient2.example:/srv/local:0x00000001\nclient3.example:/data/export:0x00000001\n"`,
		"run exportfs -o rw,no_root_squash,fsid=7 10.0.0.0/24:/data/export",
		"run exportfs -o rw,no_root_squash,fsid=7 *:/data/export",
	}
	if strings.Join(h.Events, "\n") != strings.Join(want, "\n") {
		t.Fatalf("start did\n%s\nwant\n%s", strings.Join(h.Events, "\n"), strings.Join(want, "\n"))
	}
	if code, out := run(t, a, "monitor", base); code != ocf.Success {
		t.Fatalf("monitor: %v\n%s", code, out)
	}
	h.Reset()
	if code, out := run(t, a, "stop", base, "OCF_RESKEY_CRM_meta_timeout=30000"); code != ocf.Success {
		t.Fatalf("stop: %v\n%s", code, out)
	}
	// wait_for_leasetime_on_stop waits the configured lease (10 s in
	// the fixture), not 90 s, and only once.
	if len(*waited) != 1 || (*waited)[0] != 10*time.Second {
		t.Errorf("stop waited %v, want once the 10 s lease", *waited)
	}
	want = []string{
		"run exportfs -u 10.0.0.0/24:/data/export",
		"run exportfs -u *:/data/export",
		`write /data/export/.rmtab "client1.example:/data/export:0x00000001\nclient3.example:/data/export:0x00000001\n"`,
		`write /proc/fs/nfsd/unlock_filesystem "/data/export\n"`,
	}
	if strings.Join(h.Events, "\n") != strings.Join(want, "\n") {
		t.Fatalf("stop did\n%s\nwant\n%s", strings.Join(h.Events, "\n"), strings.Join(want, "\n"))
	}
	if code, out := run(t, a, "monitor", base); code != ocf.NotRunning {
		t.Fatalf("monitor after stop: %v\n%s", code, out)
	}
}

// TestKernelStartFullFilesystem: with nfs_shared_infodir, etab lives on the
// filesystem the clients write to. When they have filled it, exportfs(8)
// leaves an empty table and exits 0 (seen in the VM tier after a failover);
// start must fail and say why, not only that the export is missing.
func TestKernelStartFullFilesystem(t *testing.T) {
	for _, tc := range []struct {
		name     string
		free     uint64
		wantFull bool
	}{
		{"full", 4096, true},
		{"room left", 1 << 30, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, h, _ := fixture(t, true, func(c *Config) {
				c.FreeBytes = func(p string) (uint64, error) {
					if p != "/var/lib/nfs" {
						t.Errorf("free space asked of %s, want /var/lib/nfs", p)
					}
					return tc.free, nil
				}
			})
			h.EtabFull = true
			code, out := run(t, a, "start", base)
			if code != ocf.ErrGeneric {
				t.Fatalf("start with exportfs unable to write etab: %v, want 1\n%s", code, out)
			}
			if got := strings.Contains(out, "bytes left, so exportfs(8) could not write the table"); got != tc.wantFull {
				t.Fatalf("reason names the full filesystem: %v, want %v\n%s", got, tc.wantFull, out)
			}
		})
	}
}

// TestKernelStartOverStaleEtab: after a power cut, the shared etab still
// lists the dead node's exports; start on the survivor takes them over.
func TestKernelStartOverStaleEtab(t *testing.T) {
	a, _, root := fixture(t, true)
	stale := "/data/export\t10.0.0.0/24(rw,no_root_squash,fsid=7)\n/data/export\t<world>(rw,no_root_squash,fsid=7)\n"
	if err := os.WriteFile(filepath.Join(root, "var/lib/nfs/etab"), []byte(stale), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out := run(t, a, "start", base); code != ocf.Success {
		t.Fatalf("start over a stale etab: %v\n%s", code, out)
	}
	if code, out := run(t, a, "monitor", base); code != ocf.Success {
		t.Fatalf("monitor: %v\n%s", code, out)
	}
}

func TestKernelMonitorPartial(t *testing.T) {
	a, _, root := fixture(t, true)
	_ = os.WriteFile(filepath.Join(root, "var/lib/nfs/etab"), []byte("/data/export\t10.0.0.0/24(rw,fsid=7)\n"), 0o644)
	code, out := run(t, a, "monitor", base)
	if code != ocf.ErrGeneric || !strings.Contains(out, "no longer exported to *") {
		t.Fatalf("monitor with one client missing: %v\n%s", code, out)
	}
}

func with(kv ...string) map[string]string {
	m := map[string]string{}
	for k, v := range base {
		m[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(m, kv[i])
		} else {
			m[kv[i]] = kv[i+1]
		}
	}
	return m
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		params map[string]string
		look   bool
		code   ocf.ExitCode
		reason string
	}{
		{"fine", base, true, ocf.Success, ""},
		{"missing fsid", with("fsid", ""), true, ocf.ErrConfigured, "fsid"},
		{"bad fsid", with("fsid", "abc"), true, ocf.ErrConfigured, "neither a number"},
		{"uuid fsid", with("fsid", "6b0b1d3c-2f5e-4c1a-9d7e-0a1b2c3d4e5f"), true, ocf.Success, ""},
		{"ganesha needs a small number", with("server", "ganesha", "fsid", "70000"), true, ocf.ErrConfigured, "1 to 65535"},
		{"on the root filesystem", with("directory", "/srv/local"), true, ocf.Success, "root filesystem"},
		{"several directories", with("directory", "/data/export /srv/local"), true, ocf.ErrConfigured, "one exportfs resource per directory"},
		{"missing dir", with("directory", "/data/nope"), true, ocf.ErrConfigured, "does not exist"},
		{"relative", with("directory", "data/export"), true, ocf.ErrConfigured, "absolute"},
		{"unknown server", with("server", "knfsd"), true, ocf.ErrConfigured, "not one of"},
		{"ganesha bad option", with("server", "ganesha", "options", "rw,frob"), true, ocf.ErrConfigured, "frob"},
		{"no exportfs", base, false, ocf.ErrInstalled, "nfs-kernel-server"},
		{"clientspec with shell syntax", with("clientspec", "*;rm"), true, ocf.ErrConfigured, "wildcard"},
		{"clientspec with a quote", with("clientspec", `10.0.0.0/24 "x"`), true, ocf.ErrConfigured, "neither a host name"},
		{"clientspec bad network", with("clientspec", "10.0.0.0/33"), true, ocf.ErrConfigured, "out of range"},
		{"ganesha clientspec brace", with("server", "ganesha", "clientspec", "a}b"), true, ocf.ErrConfigured, "neither a host name"},
		{"ganesha seed clientspec", with("server", "ganesha", "clientspec", "192.168.0.0/24", "options", "rw,sync,no_root_squash"), true, ocf.Success, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, _, _ := fixture(t, tc.look)
			code, out := run(t, a, "validate-all", tc.params)
			if code != tc.code || !strings.Contains(out, tc.reason) {
				t.Fatalf("validate-all = %v, want %v with %q\n%s", code, tc.code, tc.reason, out)
			}
		})
	}
}

// TestReferenceDefaults: as ocf:heartbeat:exportfs, stop releases the
// export's NLM locks unless told not to, and two resources may export one
// directory (to different clients).
func TestReferenceDefaults(t *testing.T) {
	a, h, _ := fixture(t, true)
	p := with("unlock_on_stop", "", "wait_for_leasetime_on_stop", "")
	if code, out := run(t, a, "start", p); code != ocf.Success {
		t.Fatalf("start: %v\n%s", code, out)
	}
	h.Reset()
	if code, out := run(t, a, "stop", p); code != ocf.Success {
		t.Fatalf("stop: %v\n%s", code, out)
	}
	if ev := strings.Join(h.Events, "\n"); !strings.Contains(ev, `write /proc/fs/nfsd/unlock_filesystem "/data/export\n"`) {
		t.Errorf("stop with unlock_on_stop unset did not release the locks:\n%s", ev)
	}
	h.Reset()
	_, _ = run(t, a, "start", p)
	h.Reset()
	if code, out := run(t, a, "stop", with("unlock_on_stop", "0", "wait_for_leasetime_on_stop", "")); code != ocf.Success {
		t.Fatalf("stop: %v\n%s", code, out)
	}
	if ev := strings.Join(h.Events, "\n"); strings.Contains(ev, "unlock_filesystem") {
		t.Errorf("stop with unlock_on_stop=0 released the locks:\n%s", ev)
	}
	var meta bytes.Buffer
	ocf.Run(a, ocf.RunOptions{Args: []string{"meta-data"}, Stdout: &meta, Stderr: &meta})
	if !strings.Contains(meta.String(), `<parameter name="directory" required="1" unique="0">`) {
		t.Errorf("directory is declared unique:\n%s", meta.String())
	}
}

// A stop timeout shorter than the lease wait fails the stop with a reason
// that says what to raise.
func TestLeaseWaitLongerThanStopTimeout(t *testing.T) {
	a, _, _ := fixture(t, true)
	if code, out := run(t, a, "start", base); code != ocf.Success {
		t.Fatalf("start: %v\n%s", code, out)
	}
	code, out := run(t, a, "stop", base, "OCF_RESKEY_CRM_meta_timeout=5000")
	if code != ocf.ErrGeneric || !strings.Contains(out, "shorter than the 10 s lease") {
		t.Fatalf("stop with a 5 s timeout: %v\n%s", code, out)
	}
}
