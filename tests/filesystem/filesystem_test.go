package filesystem_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/baton-ha/baton/tests/harness"
)

// Each filesystem: start, monitor at depths 0, 10 and 20, stop, each
// action twice (idempotence), and the mount table checked after each step.
func TestLifecycle(t *testing.T) {
	for _, fstype := range []string{"ext4", "xfs"} {
		t.Run(fstype, func(t *testing.T) {
			agent := agentPath(t)
			d := newDisk(t, fstype)
			p := map[string]string{"device": d.dev.Path, "directory": d.dir, "fstype": fstype}

			want(t, runAgent(t, agent, "monitor", p), 7, "probe before start")
			for i := 0; i < 2; i++ {
				want(t, runAgent(t, agent, "start", p), 0, "start")
				if src, typ, ok := mounted(t, d.dir); !ok || src != d.dev.Path || typ != fstype {
					t.Fatalf("after start: mount table shows %q %q %v, want %s %s", src, typ, ok, d.dev.Path, fstype)
				}
			}
			for _, depth := range []string{"0", "10", "20"} {
				for i := 0; i < 2; i++ {
					want(t, runAgent(t, agent, "monitor", p, "OCF_CHECK_LEVEL="+depth), 0, "monitor depth "+depth)
				}
			}
			status, _ := filepath.Glob(filepath.Join(d.dir, ".Filesystem_status", "*"))
			if len(status) != 1 {
				t.Errorf("depth-20 status files: %v, want one", status)
			}
			for i := 0; i < 2; i++ {
				want(t, runAgent(t, agent, "stop", p), 0, "stop")
				if _, _, ok := mounted(t, d.dir); ok {
					t.Fatal("still mounted after stop")
				}
			}
			want(t, runAgent(t, agent, "monitor", p), 7, "monitor after stop")
		})
	}
}

// A busy stop: one process with a file open under the mount, one with its
// working directory inside, a third in the mount's parent directory. The
// first two are signalled and the mount released well within 2 s; the
// third is untouched.
func TestBusyStop(t *testing.T) {
	agent := agentPath(t)
	d := newDisk(t, "ext4")
	p := map[string]string{"device": d.dev.Path, "directory": d.dir, "fstype": "ext4"}
	want(t, runAgent(t, agent, "start", p), 0, "start")

	f, err := os.Create(filepath.Join(d.dir, "log"))
	if err != nil {
		t.Fatal(err)
	}
	openFile := spawn(t, "/", f)
	f.Close()
	if err := os.Mkdir(filepath.Join(d.dir, "work"), 0o755); err != nil {
		t.Fatal(err)
	}
	inside := spawn(t, filepath.Join(d.dir, "work"), nil)
	outside := spawn(t, filepath.Dir(d.dir), nil)

	r := runAgent(t, agent, "stop", p, "OCF_RESKEY_CRM_meta_timeout=20000")
	want(t, r, 0, "busy stop")
	t.Logf("busy stop took %v", r.took)
	if r.took > 2*time.Second {
		t.Errorf("busy stop took %v, want under 2 s", r.took)
	}
	if _, _, ok := mounted(t, d.dir); ok {
		t.Error("still mounted after a successful stop")
	}
	for _, h := range []*proc{openFile, inside} {
		if !h.gone(time.Second) {
			t.Errorf("%s held the mount and is still running", h)
		}
	}
	if !outside.alive() {
		t.Errorf("%s was outside the mount (in its parent directory) and was killed", outside)
	}
	if !strings.Contains(r.stderr, "SIGTERM") {
		t.Errorf("the log does not name the signals sent:\n%s", r.stderr)
	}
}

// force_unmount=false signals nobody and fails; "safe" signals only
// holders of open files, so a working-directory holder keeps it busy.
func TestForceUnmountPolicies(t *testing.T) {
	agent := agentPath(t)
	d := newDisk(t, "ext4")
	p := map[string]string{"device": d.dev.Path, "directory": d.dir, "fstype": "ext4"}
	want(t, runAgent(t, agent, "start", p), 0, "start")
	f, err := os.Create(filepath.Join(d.dir, "log"))
	if err != nil {
		t.Fatal(err)
	}
	openFile := spawn(t, "/", f)
	f.Close()
	inside := spawn(t, d.dir, nil)

	p["force_unmount"] = "false"
	r := runAgent(t, agent, "stop", p, "OCF_RESKEY_CRM_meta_timeout=5000")
	want(t, r, 1, "stop with force_unmount=false")
	if !strings.Contains(r.reason(), "busy") || !strings.Contains(r.reason(), "sleep") {
		t.Errorf("reason %q does not name the busy mount's users", r.reason())
	}
	if !openFile.alive() || !inside.alive() {
		t.Fatal("force_unmount=false killed a process")
	}
	if _, _, ok := mounted(t, d.dir); !ok {
		t.Fatal("a failed stop unmounted (lazily?)")
	}

	p["force_unmount"] = "safe"
	r = runAgent(t, agent, "stop", p, "OCF_RESKEY_CRM_meta_timeout=4000", "OCF_RESKEY_signal_delay=200ms")
	want(t, r, 1, "stop with force_unmount=safe and a cwd holder")
	if !openFile.gone(time.Second) {
		t.Error("safe mode left the open-file holder running")
	}
	if !inside.alive() {
		t.Error("safe mode killed a process that only had its cwd in the mount")
	}
	if r.took > 4*time.Second {
		t.Errorf("failed stop took %v, past its 4 s timeout", r.took)
	}

	p["force_unmount"] = "true"
	want(t, runAgent(t, agent, "stop", p), 0, "stop with force_unmount=true")
	if !inside.gone(time.Second) {
		t.Error("the cwd holder survived force_unmount=true")
	}
}

// Stopping a bind mount kills the users of the bind mount only: not the
// processes using the filesystem it was bound from.
func TestBindMount(t *testing.T) {
	agent := agentPath(t)
	d := newDisk(t, "ext4")
	base := map[string]string{"device": d.dev.Path, "directory": d.dir, "fstype": "ext4"}
	want(t, runAgent(t, agent, "start", base), 0, "start the base filesystem")
	src := filepath.Join(d.dir, "export")
	if err := os.Mkdir(src, 0o755); err != nil {
		t.Fatal(err)
	}
	bindDir := filepath.Join(t.TempDir(), "bind")
	t.Cleanup(func() { unmountAll(bindDir) })
	p := map[string]string{"device": src, "directory": bindDir, "fstype": "none", "options": "bind,ro"}
	want(t, runAgent(t, agent, "monitor", p), 7, "bind probe")
	want(t, runAgent(t, agent, "start", p), 0, "bind start")
	want(t, runAgent(t, agent, "start", p), 0, "bind start again")
	want(t, runAgent(t, agent, "monitor", p, "OCF_CHECK_LEVEL=20"), 0, "bind monitor (read-only: no status file)")
	if err := os.WriteFile(filepath.Join(bindDir, "x"), nil, 0o644); err == nil {
		t.Error("options=bind,ro: the bind mount is writable")
	}
	// Another bind mount resource of a different source is not this one.
	other := map[string]string{"device": d.dir, "directory": bindDir, "fstype": "none", "options": "bind"}
	want(t, runAgent(t, agent, "monitor", other), 7, "monitor of a bind mount with another source")

	onSource := spawn(t, src, nil)
	onBind := spawn(t, bindDir, nil)
	want(t, runAgent(t, agent, "stop", p), 0, "bind stop")
	if !onBind.gone(time.Second) {
		t.Error("the bind mount's user survived")
	}
	if !onSource.alive() {
		t.Error("a user of the bind source (same device, other mount) was killed")
	}
	if _, _, ok := mounted(t, d.dir); !ok {
		t.Error("stopping the bind mount unmounted its source filesystem")
	}
	want(t, runAgent(t, agent, "monitor", base), 0, "base filesystem still up")
}

// LABEL= and UUID= devices, resolved without udev, and a symlink.
func TestLabelAndUUID(t *testing.T) {
	agent := agentPath(t)
	for i, fstype := range []string{"ext4", "xfs"} {
		label := harness.UniqueName("bt")
		uuid := testUUID(i)
		var d *disk
		if fstype == "xfs" {
			d = newDisk(t, fstype, "-L", label, "-m", "uuid="+uuid)
		} else {
			d = newDisk(t, fstype, "-L", label, "-U", uuid)
		}
		link := filepath.Join(t.TempDir(), "disk-link")
		if err := os.Symlink(d.dev.Path, link); err != nil {
			t.Fatal(err)
		}
		for _, dev := range []string{"LABEL=" + label, "UUID=" + uuid, "UUID=" + strings.ToUpper(uuid), link} {
			t.Run(fstype+"/"+dev, func(t *testing.T) {
				p := map[string]string{"device": dev, "directory": d.dir, "fstype": fstype}
				want(t, runAgent(t, agent, "start", p), 0, "start")
				if src, _, _ := mounted(t, d.dir); src != d.dev.Path {
					t.Errorf("%s mounted %q, want %s", dev, src, d.dev.Path)
				}
				want(t, runAgent(t, agent, "monitor", p, "OCF_CHECK_LEVEL=10"), 0, "monitor")
				want(t, runAgent(t, agent, "stop", p), 0, "stop")
			})
		}
		// Someone else's label on the mount point is not ours.
		p := map[string]string{"device": d.dev.Path, "directory": d.dir, "fstype": fstype}
		want(t, runAgent(t, agent, "start", p), 0, "start by path")
		want(t, runAgent(t, agent, "monitor", map[string]string{"device": "LABEL=other" + label, "directory": d.dir, "fstype": fstype}), 7, "monitor with another label")
		want(t, runAgent(t, agent, "stop", p), 0, "stop by path")
	}
}

// The error cases: exit code and reason.
func TestErrors(t *testing.T) {
	agent := agentPath(t)
	xfs := newDisk(t, "xfs")
	blank := newDisk(t, "")
	ext := newDisk(t, "ext4")
	empty := t.TempDir() // a PATH with no programs in it
	mnt := filepath.Join(t.TempDir(), "mnt")
	t.Cleanup(func() { unmountAll(mnt) })

	tests := []struct {
		name   string
		params map[string]string
		env    []string
		code   int
		reason string
	}{
		{"missing device", map[string]string{"device": "/dev/baton-no-such-disk", "fstype": "ext4"}, nil, 5, "not found"},
		{"missing label", map[string]string{"device": "LABEL=" + harness.UniqueName("nolabel"), "fstype": "ext4"}, nil, 5, "not found"},
		{"unknown fstype", map[string]string{"device": ext.dev.Path, "fstype": "batonfs"}, nil, 5, "batonfs"},
		{"fstype does not match the device", map[string]string{"device": xfs.dev.Path, "fstype": "ext4"}, nil, 6, "holds an xfs filesystem"},
		{"no filesystem on the device", map[string]string{"device": blank.dev.Path, "fstype": "ext4"}, nil, 1, "wrong fstype"},
		{"fsck helper missing", map[string]string{"device": ext.dev.Path, "fstype": "ext4", "run_fsck": "force"},
			[]string{"PATH=" + empty}, 5, "fsck.ext4"},
		{"mount helper missing", map[string]string{"device": "127.0.0.1:/export", "fstype": "nfs4"},
			[]string{"PATH=" + empty}, 5, "not installed"},
		{"local filesystem as a clone", map[string]string{"device": ext.dev.Path, "fstype": "ext4"},
			[]string{"OCF_RESKEY_CRM_meta_clone=0", "OCF_RESKEY_CRM_meta_clone_max=2"}, 6, "not cluster-aware"},
		{"missing required parameter", map[string]string{"device": ext.dev.Path}, nil, 6, "fstype"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, ok := tt.params["directory"]; !ok {
				tt.params["directory"] = mnt
			}
			r := runAgent(t, agent, "start", tt.params, tt.env...)
			want(t, r, tt.code, "start")
			if !strings.Contains(r.reason(), tt.reason) {
				t.Errorf("reason %q does not mention %q", r.reason(), tt.reason)
			}
			if _, _, ok := mounted(t, mnt); ok {
				t.Error("a failed start left a mount")
			}
		})
	}
}

// run_fsck=force runs the real fsck.ext4 -p before mounting.
func TestForcedFsck(t *testing.T) {
	agent := agentPath(t)
	d := newDisk(t, "ext4")
	p := map[string]string{"device": d.dev.Path, "directory": d.dir, "fstype": "ext4", "run_fsck": "force"}
	r := runAgent(t, agent, "start", p, "HA_debug=1")
	want(t, r, 0, "start with run_fsck=force")
	if !strings.Contains(r.stderr, "fsck.ext4 -p") {
		t.Errorf("no fsck in the log:\n%s", r.stderr)
	}
	want(t, runAgent(t, agent, "stop", p), 0, "stop")
}

// A frozen filesystem blocks writes: the depth-20 monitor must report it
// within its timeout instead of hanging.
func TestHungFilesystemMonitor(t *testing.T) {
	harness.NeedCommand(t, "fsfreeze")
	agent := agentPath(t)
	d := newDisk(t, "ext4")
	p := map[string]string{"device": d.dev.Path, "directory": d.dir, "fstype": "ext4"}
	want(t, runAgent(t, agent, "start", p), 0, "start")
	want(t, runAgent(t, agent, "monitor", p, "OCF_CHECK_LEVEL=20"), 0, "depth 20 before the freeze")
	if out, code := harness.Run(t.Context(), nil, "fsfreeze", "-f", d.dir); code != 0 {
		t.Fatalf("fsfreeze -f: %s", out)
	}
	thawed := false
	thaw := func() {
		if !thawed {
			harness.Run(t.Context(), nil, "fsfreeze", "-u", d.dir)
			thawed = true
		}
	}
	t.Cleanup(thaw)
	// Not runAgent: if the agent itself were stuck in the kernel it could
	// not even be killed, so wait with a bound and thaw before failing.
	errFile, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer errFile.Close()
	cmd := exec.Command(agent, "monitor")
	cmd.Env = append(os.Environ(), "OCF_ROOT=/usr/lib/ocf", "OCF_RESOURCE_INSTANCE=hung", "HA_LOGFACILITY=none",
		"OCF_RESKEY_device="+d.dev.Path, "OCF_RESKEY_directory="+d.dir, "OCF_RESKEY_fstype=ext4",
		"OCF_CHECK_LEVEL=20", "OCF_RESKEY_CRM_meta_timeout=3000")
	cmd.Stderr = errFile
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var r result
	select {
	case <-exited:
		r.took = time.Since(start)
		r.code = cmd.ProcessState.ExitCode()
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		thaw()
		<-exited
		t.Fatalf("the depth-20 monitor of a frozen filesystem did not exit within 10 s (timeout 3 s)")
	}
	thaw()
	b, _ := os.ReadFile(errFile.Name())
	r.stderr = string(b)
	want(t, r, 1, "depth-20 monitor of a frozen filesystem")
	if !strings.Contains(r.reason(), "hung") {
		t.Errorf("reason %q does not say the filesystem is hung", r.reason())
	}
	if r.took > 3*time.Second {
		t.Errorf("the monitor took %v, past its 3 s timeout", r.took)
	}
	want(t, runAgent(t, agent, "monitor", p, "OCF_CHECK_LEVEL=0"), 0, "depth 0 while frozen")
	want(t, runAgent(t, agent, "monitor", p, "OCF_CHECK_LEVEL=20"), 0, "depth 20 after the thaw")
	want(t, runAgent(t, agent, "stop", p), 0, "stop")
}

func TestOCFTester(t *testing.T) {
	d := newDisk(t, "ext4")
	harness.OCFTester(t, agentPath(t), "t-fs", map[string]string{
		"device": d.dev.Path, "directory": d.dir, "fstype": "ext4"})
}

// Mounts below the mount point go first, deepest first, with their own
// users signalled.
func TestSubmounts(t *testing.T) {
	agent := agentPath(t)
	d := newDisk(t, "ext4")
	p := map[string]string{"device": d.dev.Path, "directory": d.dir, "fstype": "ext4"}
	want(t, runAgent(t, agent, "start", p), 0, "start")
	sub := filepath.Join(d.dir, "sub")
	t.Cleanup(func() { unmountAll(sub) })
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, code := harness.Run(t.Context(), nil, "mount", "-t", "tmpfs", "tmpfs", sub); code != 0 {
		t.Fatalf("mount tmpfs: %s", out)
	}
	user := spawn(t, sub, nil)
	want(t, runAgent(t, agent, "stop", p), 0, "stop with a busy submount")
	if _, _, ok := mounted(t, sub); ok {
		t.Error("the submount is still there")
	}
	if _, _, ok := mounted(t, d.dir); ok {
		t.Error("still mounted")
	}
	if !user.gone(time.Second) {
		t.Error("the submount's user survived")
	}
}

// A device path that stops resolving while mounted (a udev link removed)
// cannot be checked: monitor fails, and stop still unmounts rather than
// report a stopped resource that is in fact mounted.
func TestVanishedDeviceLink(t *testing.T) {
	agent := agentPath(t)
	d := newDisk(t, "ext4")
	link := filepath.Join(t.TempDir(), "by-id-link")
	if err := os.Symlink(d.dev.Path, link); err != nil {
		t.Fatal(err)
	}
	p := map[string]string{"device": link, "directory": d.dir, "fstype": "ext4"}
	want(t, runAgent(t, agent, "start", p), 0, "start")
	if err := os.Remove(link); err != nil {
		t.Fatal(err)
	}
	want(t, runAgent(t, agent, "monitor", p), 1, "monitor with the device link gone")
	want(t, runAgent(t, agent, "stop", p), 0, "stop with the device link gone")
	if _, _, ok := mounted(t, d.dir); ok {
		t.Error("stop succeeded but left the filesystem mounted")
	}
}

// A bind mount of a directory of the filesystem made elsewhere (as
// /var/lib/nfs is bound from /data) keeps the device in use after the mount
// point is unmounted: stop removes it too, so that success means the
// device is free.
func TestBindOfDeviceElsewhere(t *testing.T) {
	agent := agentPath(t)
	d := newDisk(t, "ext4")
	p := map[string]string{"device": d.dev.Path, "directory": d.dir, "fstype": "ext4"}
	want(t, runAgent(t, agent, "start", p), 0, "start")
	state := filepath.Join(d.dir, "nfs-state")
	if err := os.Mkdir(state, 0o755); err != nil {
		t.Fatal(err)
	}
	elsewhere := filepath.Join(t.TempDir(), "var-lib-nfs")
	if err := os.Mkdir(elsewhere, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unmountAll(elsewhere) })
	if out, code := harness.Run(t.Context(), nil, "mount", "--bind", state, elsewhere); code != 0 {
		t.Fatalf("mount --bind: %s", out)
	}
	user := spawn(t, elsewhere, nil)
	want(t, runAgent(t, agent, "stop", p), 0, "stop")
	for _, dir := range []string{d.dir, elsewhere} {
		if _, _, ok := mounted(t, dir); ok {
			t.Errorf("%s still mounted", dir)
		}
	}
	if !user.gone(time.Second) {
		t.Error("the user of the other bind mount survived")
	}
	// The device is free: an exclusive open fails (EBUSY) while any mount
	// of it remains.
	fd, err := unix.Open(d.dev.Path, unix.O_RDONLY|unix.O_EXCL|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("exclusive open of %s after stop: %v (still in use)", d.dev.Path, err)
	}
	unix.Close(fd)
}

// run_fsck=auto checks an ext4 filesystem only when its superblock asks
// for it: tune2fs -E force_fsck marks it as having errors.
func TestFsckAuto(t *testing.T) {
	harness.NeedCommand(t, "tune2fs")
	agent := agentPath(t)
	d := newDisk(t, "ext4")
	p := map[string]string{"device": d.dev.Path, "directory": d.dir, "fstype": "ext4"}
	r := runAgent(t, agent, "start", p, "HA_debug=1")
	want(t, r, 0, "start of a clean filesystem")
	if strings.Contains(r.stderr, "fsck.ext4 -p") {
		t.Errorf("fsck ran on a clean filesystem:\n%s", r.stderr)
	}
	want(t, runAgent(t, agent, "stop", p), 0, "stop")

	if out, code := harness.Run(t.Context(), nil, "tune2fs", "-E", "force_fsck", d.dev.Path); code != 0 {
		t.Fatalf("tune2fs -E force_fsck: %s", out)
	}
	r = runAgent(t, agent, "start", p, "HA_debug=1")
	want(t, r, 0, "start of a filesystem marked for checking")
	if !strings.Contains(r.stderr, "fsck.ext4 -p") || !strings.Contains(r.stderr, "errors") {
		t.Errorf("fsck did not run on a filesystem with errors recorded:\n%s", r.stderr)
	}
	want(t, runAgent(t, agent, "stop", p), 0, "stop")

	// run_fsck=no mounts it regardless.
	if out, code := harness.Run(t.Context(), nil, "tune2fs", "-E", "force_fsck", d.dev.Path); code != 0 {
		t.Fatalf("tune2fs -E force_fsck: %s", out)
	}
	p["run_fsck"] = "no"
	r = runAgent(t, agent, "start", p, "HA_debug=1")
	want(t, r, 0, "start with run_fsck=no")
	if strings.Contains(r.stderr, "fsck.ext4 -p") {
		t.Errorf("fsck ran with run_fsck=no:\n%s", r.stderr)
	}
	want(t, runAgent(t, agent, "stop", p), 0, "stop")
}

// A pseudo filesystem (tmpfs): mount(2) with its data options, matched by
// source and type; allowed as a clone.
func TestTmpfs(t *testing.T) {
	agent := agentPath(t)
	dir := filepath.Join(t.TempDir(), "tmp")
	t.Cleanup(func() { unmountAll(dir) })
	p := map[string]string{"device": harness.UniqueName("batontmp"), "directory": dir, "fstype": "tmpfs", "options": "size=8m,mode=0700,noexec"}
	clone := []string{"OCF_RESKEY_CRM_meta_clone=0", "OCF_RESKEY_CRM_meta_clone_max=2"}
	want(t, runAgent(t, agent, "monitor", p, clone...), 7, "probe")
	want(t, runAgent(t, agent, "start", p, clone...), 0, "start")
	if src, typ, ok := mounted(t, dir); !ok || src != p["device"] || typ != "tmpfs" {
		t.Fatalf("mount table: %q %q %v", src, typ, ok)
	}
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil || st.Blocks*uint64(st.Bsize) != 8<<20 || st.Flags&unix.ST_NOEXEC == 0 {
		t.Errorf("tmpfs options not applied: %d bytes, flags %#x, %v", st.Blocks*uint64(st.Bsize), st.Flags, err)
	}
	want(t, runAgent(t, agent, "monitor", p, append(clone, "OCF_CHECK_LEVEL=20")...), 0, "monitor depth 20")
	// A tmpfs of another name on the directory is not this resource.
	other := map[string]string{"device": "other", "directory": dir, "fstype": "tmpfs"}
	want(t, runAgent(t, agent, "monitor", other), 7, "monitor of another tmpfs")
	want(t, runAgent(t, agent, "stop", p, clone...), 0, "stop")
	want(t, runAgent(t, agent, "stop", p, clone...), 0, "stop again")
}

// A shared mount's copy in another mount namespace (a container, an
// unshare'd shell) keeps the mount busy: its users are found through the
// copy's mount ID. A process in that namespace that does not use the copy
// is left alone.
func TestOtherMountNamespace(t *testing.T) {
	harness.NeedCommand(t, "unshare")
	agent := agentPath(t)
	d := newDisk(t, "ext4")
	// A shared parent, so that the filesystem mounted below it is shared
	// and propagates into the slave namespaces made next.
	parent := filepath.Dir(d.dir)
	if out, code := harness.Run(t.Context(), nil, "mount", "--bind", parent, parent); code != 0 {
		t.Fatalf("mount --bind: %s", out)
	}
	t.Cleanup(func() { unmountAll(parent) })
	if out, code := harness.Run(t.Context(), nil, "mount", "--make-shared", parent); code != 0 {
		t.Fatalf("mount --make-shared: %s", out)
	}
	p := map[string]string{"device": d.dev.Path, "directory": d.dir, "fstype": "ext4"}
	want(t, runAgent(t, agent, "start", p), 0, "start")

	inCopy := nsSpawn(t, d.dir)
	besideCopy := nsSpawn(t, "/")
	r := runAgent(t, agent, "stop", p, "OCF_RESKEY_CRM_meta_timeout=20000")
	want(t, r, 0, "stop with a user in another mount namespace")
	t.Logf("stop took %v", r.took)
	if !inCopy.gone(2 * time.Second) {
		t.Error("the user of the copy in another namespace survived")
	}
	if !besideCopy.alive() {
		t.Error("a process in the other namespace that did not use the mount was killed")
	}
	if _, _, ok := mounted(t, d.dir); ok {
		t.Error("still mounted")
	}
}

// nsSpawn runs `sleep 600` in dir inside a new mount namespace whose
// mounts are slaves of this one's.
func nsSpawn(t *testing.T, dir string) *proc {
	t.Helper()
	cmd := exec.Command("unshare", "-m", "--propagation", "slave", "--", "sleep", "600")
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
	})
	p.waitRunning(t, "sleep", true)
	return p
}

// A holder that ignores SIGTERM gets kill_signals after signal_delay.
func TestStubbornHolder(t *testing.T) {
	agent := agentPath(t)
	d := newDisk(t, "ext4")
	p := map[string]string{"device": d.dev.Path, "directory": d.dir, "fstype": "ext4", "signal_delay": "300ms"}
	want(t, runAgent(t, agent, "start", p), 0, "start")
	cmd := exec.Command("sh", "-c", `trap "" TERM; exec sleep 600`)
	cmd.Dir = d.dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h := &proc{cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(h.done) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-h.done })
	h.waitRunning(t, "sleep", false) // the trap is set before the exec
	r := runAgent(t, agent, "stop", p, "OCF_RESKEY_CRM_meta_timeout=10000")
	want(t, r, 0, "stop")
	if !strings.Contains(r.stderr, "SIGTERM") || !strings.Contains(r.stderr, "SIGKILL") {
		t.Errorf("want SIGTERM then SIGKILL in the log:\n%s", r.stderr)
	}
	if !h.gone(time.Second) {
		t.Error("the holder survived")
	}
	t.Logf("stop with a SIGTERM-proof holder took %v (signal_delay 300ms)", r.took)
}
