package nfsserver

import (
	"bytes"
	"context"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/agents/nfsbackend/hostsys/fakehost"
	"github.com/baton-ha/baton/agents/nfsbackend/nfsdfs"
	"github.com/baton-ha/baton/ocf"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// fixture copies testdata/root (the /proc and /var/lib/nfs of a Debian 12
// host with nfsd loaded and stopped) and returns the agent wired to it.
func fixture(t *testing.T, change ...func(*Config)) (*ocf.Agent, *fakehost.Host, string) {
	t.Helper()
	root := t.TempDir()
	if err := fakehost.CopyTree("testdata/root", root); err != nil {
		t.Fatal(err)
	}
	h := fakehost.New(root)
	c := Config{
		Root:     root,
		Sys:      h,
		LookPath: func(p string) (string, error) { return "/usr/sbin/" + p, nil },
		Poll:     time.Millisecond,
		// No rpcbind listens in a fixture tree.
		Ping: func(context.Context, string, uint32, uint32) error { return nil },
		// The fixture's nfs_ip is up: the notification runs.
		LocalAddrs: func() ([]netip.Addr, error) { return []netip.Addr{netip.MustParseAddr("10.0.0.100")}, nil },
	}
	for _, f := range change {
		f(&c)
	}
	return NewWith(c), h, root
}

func run(t *testing.T, a *ocf.Agent, action string, rsctmp string, params map[string]string) (ocf.ExitCode, string) {
	t.Helper()
	// Ganesha's directory is a host path: keep fixture runs out of /run.
	env := []string{"OCF_RESOURCE_INSTANCE=nfs", "HA_RSCTMP=" + rsctmp, "HA_debug=0", "OCF_RESKEY_ganesha_dir=" + filepath.Join(rsctmp, "ganesha")}
	for k, v := range params {
		env = append(env, "OCF_RESKEY_"+k+"="+v)
	}
	var out, errb bytes.Buffer
	code := ocf.Run(a, ocf.RunOptions{Args: []string{action}, Environ: env, Stdout: &out, Stderr: &errb})
	return code, errb.String()
}

func golden(t *testing.T, name string, got []string) {
	t.Helper()
	text := strings.Join(got, "\n") + "\n"
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != text {
		t.Errorf("%s differs (go test -update rewrites it)\n--- got\n%s--- want\n%s", name, text, want)
	}
}

var kernelParams = map[string]string{
	"nfs_shared_infodir": "/data/nfs",
	"nfs_ip":             "10.0.0.100",
	"grace_time":         "10",
	"lease_time":         "10",
	"threads":            "4",
	"statd_port":         "662",
	"lockd_tcp_port":     "32803",
}

// TestKernelStartStop runs start, monitor, stop and monitor against the
// fixture tree and compares every change, in order, with a golden file.
func TestKernelStartStop(t *testing.T) {
	a, h, root := fixture(t)
	tmp := t.TempDir()

	if code, out := run(t, a, "monitor", tmp, kernelParams); code != ocf.NotRunning {
		t.Fatalf("probe before start: %v\n%s", code, out)
	}
	if code, out := run(t, a, "start", tmp, kernelParams); code != ocf.Success {
		t.Fatalf("start: %v\n%s", code, out)
	}
	golden(t, "kernel-start.golden", h.Events)

	// What must hold before nfsd starts: all state on the shared
	// directory, grace and lease written, nfs.conf mirrored.
	at := func(prefix string) int {
		for i, e := range h.Events {
			if strings.HasPrefix(e, prefix) {
				return i
			}
		}
		t.Fatalf("no event %q in\n%s", prefix, strings.Join(h.Events, "\n"))
		return -1
	}
	nfsd := at("run [uts 10.0.0.100] rpc.nfsd")
	for _, before := range []string{
		"mount bind /data/nfs /var/lib/nfs",
		"mount rpc_pipefs sunrpc /var/lib/nfs/rpc_pipefs",
		`write /proc/fs/nfsd/nfsv4gracetime "10\n"`,
		`write /proc/fs/nfsd/nfsv4leasetime "10\n"`,
		"write " + NFSConfFile,
		`write /proc/sys/fs/nfs/nlm_tcpport "32803\n"`,
		"run rpcbind", "run rpc.statd", "run nfsdcld", "run rpc.mountd",
	} {
		if i := at(before); i > nfsd {
			t.Errorf("%q happens after nfsd starts", before)
		}
	}
	if at("run sm-notify -f -v 10.0.0.100") < nfsd {
		t.Errorf("sm-notify ran before nfsd")
	}
	for f, want := range map[string]string{
		nfsdfs.GraceTimeFile: "10", nfsdfs.LeaseTimeFile: "10", nfsdfs.ThreadsFile: "4",
	} {
		b, _ := os.ReadFile(filepath.Join(root, f))
		if strings.TrimSpace(string(b)) != want {
			t.Errorf("%s = %q, want %s", f, b, want)
		}
	}
	for _, d := range []string{"v4recovery", "nfsdcld", "sm", "sm.bak", "etab", "rmtab"} {
		if _, err := os.Stat(filepath.Join(root, "data/nfs", d)); err != nil {
			t.Errorf("shared state %s not prepared: %v", d, err)
		}
	}

	if code, out := run(t, a, "monitor", tmp, kernelParams); code != ocf.Success {
		t.Fatalf("monitor after start: %v\n%s", code, out)
	}
	// start again is a no-op.
	h.Reset()
	if code, out := run(t, a, "start", tmp, kernelParams); code != ocf.Success || len(h.Events) != 0 {
		t.Fatalf("second start: %v, events %q\n%s", code, h.Events, out)
	}

	h.Reset()
	if code, out := run(t, a, "stop", tmp, kernelParams); code != ocf.Success {
		t.Fatalf("stop: %v\n%s", code, out)
	}
	golden(t, "kernel-stop.golden", h.Events)
	for _, comm := range []string{"nfsd", "rpc.mountd", "nfsdcld", "rpc.statd", "rpcbind"} {
		if pids, _ := nfsdfs.New(root).Pids(comm); len(pids) != 0 {
			t.Errorf("%s left running after stop: %v", comm, pids)
		}
	}
	mounts, _ := nfsdfs.New(root).Mounts()
	if nfsdfs.IsMountPoint(mounts, "/var/lib/nfs") {
		t.Errorf("/var/lib/nfs still bind-mounted after stop")
	}
	if code, out := run(t, a, "monitor", tmp, kernelParams); code != ocf.NotRunning {
		t.Fatalf("monitor after stop: %v\n%s", code, out)
	}
	h.Reset()
	if code, out := run(t, a, "stop", tmp, kernelParams); code != ocf.Success {
		t.Fatalf("second stop: %v\n%s", code, out)
	}
}

// TestKernelMonitorDeadDaemon: nfsd threads alone are not a running
// server.
func TestKernelMonitorDeadDaemon(t *testing.T) {
	a, h, root := fixture(t)
	tmp := t.TempDir()
	if code, out := run(t, a, "start", tmp, kernelParams); code != ocf.Success {
		t.Fatalf("start: %v\n%s", code, out)
	}
	pids, _ := nfsdfs.New(root).Pids("rpc.mountd")
	if err := h.Signal(pids[0], 9); err != nil {
		t.Fatal(err)
	}
	code, out := run(t, a, "monitor", tmp, kernelParams)
	if code != ocf.ErrGeneric || !strings.Contains(out, "rpc.mountd") {
		t.Fatalf("monitor with rpc.mountd dead: %v\n%s", code, out)
	}
}

// TestKernelStartDropsStaleExports: after a power cut, the shared etab
// still lists the dead node's exports (here one to everyone that its
// exportfs resource no longer has); start rewrites the table from
// /etc/exports (none in the fixture) before rpc.mountd reads it, so that only
// the exportfs resources started here export anything.
func TestKernelStartDropsStaleExports(t *testing.T) {
	a, h, root := fixture(t)
	etab := filepath.Join(root, nfsdfs.EtabFile)
	if err := os.WriteFile(etab, []byte("/data/export\t<world>(rw,no_root_squash,fsid=1)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out := run(t, a, "start", t.TempDir(), kernelParams); code != ocf.Success {
		t.Fatalf("start: %v\n%s", code, out)
	}
	if b, _ := os.ReadFile(etab); len(b) != 0 {
		t.Errorf("etab after start = %q, want the stale export gone", b)
	}
	reset, mountd := -1, -1
	for i, e := range h.Events {
		switch e {
		case "run exportfs -r":
			reset = i
		case "run rpc.mountd":
			mountd = i
		}
	}
	if reset < 0 || reset > mountd {
		t.Errorf("exportfs -r at event %d, rpc.mountd at %d: want the table reset before mountd reads it\n%s", reset, mountd, strings.Join(h.Events, "\n"))
	}
}

// TestKernelRpcbindLeftAlone: an rpcbind the agent did not start keeps
// running after stop.
func TestKernelRpcbindLeftAlone(t *testing.T) {
	a, h, root := fixture(t)
	tmp := t.TempDir()
	h.Spawn("rpcbind")
	if code, out := run(t, a, "start", tmp, kernelParams); code != ocf.Success {
		t.Fatalf("start: %v\n%s", code, out)
	}
	if code, out := run(t, a, "stop", tmp, kernelParams); code != ocf.Success {
		t.Fatalf("stop: %v\n%s", code, out)
	}
	if pids, _ := nfsdfs.New(root).Pids("rpcbind"); len(pids) != 1 {
		t.Fatalf("rpcbind pids after stop = %v, want the one that was there", pids)
	}
}

func TestKernelV4Only(t *testing.T) {
	a, h, _ := fixture(t)
	tmp := t.TempDir()
	p := map[string]string{"nfs_shared_infodir": "/data/nfs", "nfs_server_scope": "nfs.example", "nfsv4_only": "true"}
	if code, out := run(t, a, "start", tmp, p); code != ocf.Success {
		t.Fatalf("start: %v\n%s", code, out)
	}
	joined := strings.Join(h.Events, "\n")
	for _, absent := range []string{"rpcbind", "rpc.statd", "sm-notify"} {
		if strings.Contains(joined, "run "+absent) {
			t.Errorf("nfsv4_only ran %s", absent)
		}
	}
	if !strings.Contains(joined, "run [uts nfs.example] rpc.nfsd -N 3 8") {
		t.Errorf("nfsd not started v4-only in the scope's UTS namespace:\n%s", joined)
	}
}

func TestValidate(t *testing.T) {
	a, _, _ := fixture(t)
	tmp := t.TempDir()
	for _, tc := range []struct {
		name   string
		params map[string]string
		code   ocf.ExitCode
		reason string
	}{
		{"unknown server", map[string]string{"server": "knfsd"}, ocf.ErrConfigured, "not one of auto, kernel, ganesha"},
		{"grace too short", map[string]string{"grace_time": "5"}, ocf.ErrConfigured, "grace_time"},
		{"ganesha grace too long", map[string]string{"server": "ganesha", "grace_time": "600"}, ocf.ErrConfigured, "180"},
		{"rquotad", map[string]string{"rquotad_port": "875"}, ocf.ErrConfigured, "rquotad"},
		{"relative infodir", map[string]string{"nfs_shared_infodir": "data/nfs"}, ocf.ErrConfigured, "absolute"},
		{"scope with a quote", map[string]string{"server": "ganesha", "nfs_server_scope": `a"b`}, ocf.ErrConfigured, "nfs_server_scope"},
		{"scope with a line break", map[string]string{"nfs_server_scope": "a\n[nfsd]"}, ocf.ErrConfigured, "nfs_server_scope"},
		{"scope too long", map[string]string{"nfs_server_scope": strings.Repeat("s", 65)}, ocf.ErrConfigured, "64 bytes"},
		{"ip with a space", map[string]string{"nfs_ip": "10.0.0.1 x"}, ocf.ErrConfigured, "nfs_ip"},
		{"fine", map[string]string{"nfs_shared_infodir": "/data/nfs"}, ocf.Success, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out := run(t, a, "validate-all", tmp, tc.params)
			if code != tc.code || !strings.Contains(out, tc.reason) {
				t.Fatalf("validate-all = %v, want %v with %q\n%s", code, tc.code, tc.reason, out)
			}
			if tc.code != ocf.Success && !strings.Contains(out, ocf.ExitReasonPrefix) {
				t.Fatalf("no exit reason:\n%s", out)
			}
		})
	}
}

// TestInfodirNotMounted: state on the root filesystem would not fail over.
func TestInfodirNotMounted(t *testing.T) {
	a, h, root := fixture(t)
	if err := os.MkdirAll(filepath.Join(root, "srv"), 0o755); err != nil {
		t.Fatal(err)
	}
	p := map[string]string{"nfs_shared_infodir": "/srv/nfs", "nfs_ip": "10.0.0.100"}
	code, out := run(t, a, "start", t.TempDir(), p)
	if code != ocf.ErrArgs || !strings.Contains(out, "root filesystem") || len(h.Events) != 0 {
		t.Fatalf("start with the infodir on /: %v, events %q\n%s", code, h.Events, out)
	}
}

// TestKernelSystemd: where systemd is PID 1 the same files are written
// first, then the daemons are its units.
func TestKernelSystemd(t *testing.T) {
	a, h, root := fixture(t)
	if err := os.MkdirAll(filepath.Join(root, "run/systemd/system"), 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	if code, out := run(t, a, "start", tmp, kernelParams); code != ocf.Success {
		t.Fatalf("start: %v\n%s", code, out)
	}
	golden(t, "kernel-systemd-start.golden", h.Events)
	h.Reset()
	if code, out := run(t, a, "stop", tmp, kernelParams); code != ocf.Success {
		t.Fatalf("stop: %v\n%s", code, out)
	}
	golden(t, "kernel-systemd-stop.golden", h.Events)
}

func TestNoNFSD(t *testing.T) {
	a, h, root := fixture(t)
	_ = os.WriteFile(filepath.Join(root, "proc/filesystems"), []byte("nodev\tproc\n"), 0o644)
	_ = os.RemoveAll(filepath.Join(root, "proc/fs/nfsd"))
	h.Fail["modprobe"] = "modprobe: FATAL: Module nfsd not found"
	p := map[string]string{"server": "kernel"}
	for k, v := range kernelParams {
		p[k] = v
	}
	code, out := run(t, a, "start", t.TempDir(), p)
	if code != ocf.ErrInstalled || !strings.Contains(out, "no nfsd") {
		t.Fatalf("start without nfsd: %v\n%s", code, out)
	}
}

// TestKernelNotifyWaitsForVIP: in the usual group the VIP comes up after
// nfsserver; start then skips sm-notify (which could not send from it)
// and says to use ocf:baton:nfsnotify.
func TestKernelNotifyWaitsForVIP(t *testing.T) {
	a, h, _ := fixture(t, func(c *Config) {
		c.LocalAddrs = func() ([]netip.Addr, error) { return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil }
	})
	code, out := run(t, a, "start", t.TempDir(), kernelParams)
	if code != ocf.Success {
		t.Fatalf("start: %v\n%s", code, out)
	}
	if joined := strings.Join(h.Events, "\n"); strings.Contains(joined, "sm-notify") {
		t.Errorf("sm-notify ran before nfs_ip was up:\n%s", joined)
	}
	if !strings.Contains(out, "ocf:baton:nfsnotify") {
		t.Errorf("start did not point at nfsnotify:\n%s", out)
	}
}

// TestAutoBackend: server=auto is the kernel where it has nfsd, Ganesha
// where it has none, and stays what start chose until stop.
func TestAutoBackend(t *testing.T) {
	a, h, root := fixture(t)
	tmp := t.TempDir()
	if code, out := run(t, a, "start", tmp, kernelParams); code != ocf.Success || !strings.Contains(strings.Join(h.Events, "\n"), "rpc.nfsd 4") {
		t.Fatalf("auto with nfsd did not start the kernel server: %v\n%s\n%v", code, out, h.Events)
	}
	// The kernel's nfsd disappears (say, the module is unloaded): stop
	// still stops the kernel server start chose.
	_ = os.WriteFile(filepath.Join(root, "proc/filesystems"), []byte("nodev\tproc\n"), 0o644)
	h.Reset()
	if code, out := run(t, a, "stop", tmp, kernelParams); code != ocf.Success || !strings.Contains(strings.Join(h.Events, "\n"), "rpc.nfsd 0") {
		t.Fatalf("stop after auto picked the kernel: %v\n%s\n%v", code, out, h.Events)
	}
	// Now without nfsd: Ganesha.
	_ = os.RemoveAll(filepath.Join(root, "proc/fs/nfsd"))
	h.Reset()
	if code, out := run(t, a, "start", tmp, kernelParams); code != ocf.Success || !strings.Contains(strings.Join(h.Events, "\n"), "start [uts 10.0.0.100] ganesha.nfsd") {
		t.Fatalf("auto without nfsd did not start Ganesha: %v\n%s\n%v", code, out, h.Events)
	}
	if code, out := run(t, a, "stop", tmp, kernelParams); code != ocf.Success {
		t.Fatalf("stop: %v\n%s", code, out)
	}
}

// TestCloneWithInfodir: as ocf:heartbeat:nfsserver, a clone cannot share
// one state directory.
func TestCloneWithInfodir(t *testing.T) {
	a, _, _ := fixture(t)
	code, out := run(t, a, "validate-all", t.TempDir(), map[string]string{"nfs_shared_infodir": "/data/nfs", "CRM_meta_clone": "0", "server": "kernel"})
	if code != ocf.ErrConfigured || !strings.Contains(out, "clone") {
		t.Fatalf("validate-all of a clone with nfs_shared_infodir: %v\n%s", code, out)
	}
}
