package filesystem

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"

	"github.com/baton-ha/baton/agents/filesystem/superblock"
	"github.com/baton-ha/baton/ocf"
)

func TestParseOptions(t *testing.T) {
	tests := []struct {
		in        string
		flags     uintptr
		data      string
		bind      bool
		userspace int
		err       bool
	}{
		{"", 0, "", false, 0, false},
		{"defaults", 0, "", false, 0, false},
		{"ro,noatime,nosuid", unix.MS_RDONLY | unix.MS_NOATIME | unix.MS_NOSUID, "", false, 0, false},
		{"ro,rw", 0, "", false, 0, false},
		{"noatime,data=ordered,errors=remount-ro", unix.MS_NOATIME, "data=ordered,errors=remount-ro", false, 0, false},
		{"bind,ro", unix.MS_BIND | unix.MS_RDONLY, "", true, 0, false},
		{"rbind", unix.MS_BIND | unix.MS_REC, "", true, 0, false},
		{"_netdev,nofail,x-systemd.automount,noauto,vers=4.2", 0, "vers=4.2", false, 0, false},
		{`context="system_u:object_r:nfs_t:s0,c1",noexec`, unix.MS_NOEXEC, `context="system_u:object_r:nfs_t:s0,c1"`, false, 0, false},
		{"loop,offset=1024", 0, "", false, 2, false},
		{"remount,ro", 0, "", false, 0, true},
	}
	for _, tt := range tests {
		got, err := ParseOptions(tt.in)
		if (err != nil) != tt.err {
			t.Errorf("ParseOptions(%q) error = %v", tt.in, err)
			continue
		}
		if err != nil {
			continue
		}
		if got.Flags != tt.flags || got.Data != tt.data || got.Bind != tt.bind || len(got.Userspace) != tt.userspace {
			t.Errorf("ParseOptions(%q) = %+v", tt.in, got)
		}
	}
}

func FuzzParseOptions(f *testing.F) {
	f.Add("ro,noatime,data=ordered")
	f.Add(`bind,context="a,b"`)
	f.Fuzz(func(t *testing.T, s string) {
		o, err := ParseOptions(s)
		if err == nil && o.Bind && o.Flags&unix.MS_BIND == 0 {
			t.Error("Bind without MS_BIND")
		}
	})
}

func TestParseSignals(t *testing.T) {
	got, err := ParseSignals("TERM sighup, 10")
	if err != nil || len(got) != 3 || got[0] != unix.SIGTERM || got[1] != unix.SIGHUP || got[2] != unix.SIGUSR1 {
		t.Errorf("ParseSignals = %v, %v", got, err)
	}
	for _, bad := range []string{"", "NOSUCH", "0", "99"} {
		if _, err := ParseSignals(bad); err == nil {
			t.Errorf("ParseSignals(%q): no error", bad)
		}
	}
}

func TestFsckDecision(t *testing.T) {
	clean := superblock.Info{Type: "ext4"}
	dirty := superblock.Info{Type: "ext4", NeedsCheck: true, Why: "errors"}
	tests := []struct {
		policy, fstype string
		sb             superblock.Info
		sbErr          error
		want           bool
	}{
		{"auto", "ext4", clean, nil, false},
		{"auto", "ext4", dirty, nil, true},
		{"auto", "ext3", dirty, nil, true},
		{"auto", "ext4", superblock.Info{}, superblock.ErrUnknown, false},
		{"auto", "xfs", superblock.Info{Type: "xfs"}, nil, false},
		{"force", "xfs", superblock.Info{Type: "xfs"}, nil, true},
		{"no", "ext4", dirty, nil, false},
		{"auto", "vfat", superblock.Info{}, superblock.ErrUnknown, true},
		{"auto", "nfs", superblock.Info{}, superblock.ErrUnknown, false},
	}
	for _, tt := range tests {
		if got, why := fsckDecision(tt.policy, tt.fstype, tt.sb, tt.sbErr); got != tt.want || why == "" {
			t.Errorf("fsckDecision(%s, %s, %+v) = %v (%q), want %v", tt.policy, tt.fstype, tt.sb, got, why, tt.want)
		}
	}
}

func TestNextSignal(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	k := &killer{term: []unix.Signal{unix.SIGTERM, unix.SIGHUP}, kills: []unix.Signal{unix.SIGKILL},
		delay: time.Second, termDelay: 100 * time.Millisecond, start: time.Now()}
	var got []unix.Signal
	for i := 0; i < 4; i++ {
		s, _ := k.nextSignal(ctx)
		got = append(got, s)
	}
	want := []unix.Signal{unix.SIGTERM, unix.SIGHUP, unix.SIGKILL, unix.SIGKILL}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("signals = %v, want %v", got, want)
		}
	}
	// Past half the time, term signals are skipped.
	k = &killer{term: []unix.Signal{unix.SIGTERM}, kills: []unix.Signal{unix.SIGKILL}, start: time.Now().Add(-2 * time.Minute)}
	if s, _ := k.nextSignal(ctx); s != unix.SIGKILL {
		t.Errorf("late first signal = %v, want SIGKILL", s)
	}
}

// host is a fixture /proc with the files validation reads, and a PATH
// lookup limited to the names given.
func host(t *testing.T, filesystems string, installed ...string) Config {
	proc := t.TempDir()
	if err := os.WriteFile(filepath.Join(proc, "filesystems"), []byte(filesystems), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(proc, "self"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(proc, "self", "mountinfo"), []byte("1 0 254:0 / / rw - ext4 /dev/vda rw\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, n := range installed {
		have[n] = true
	}
	return Config{Proc: proc, IOProbe: InProcessIO, Hostname: func() (string, error) { return "node1", nil },
		LookPath: func(n string) (string, error) {
			if have[n] {
				return "/usr/sbin/" + n, nil
			}
			return "", errors.New("not found")
		}}
}

func run(t *testing.T, cfg Config, action string, env ...string) (ocf.ExitCode, string) {
	t.Helper()
	var out, errb bytes.Buffer
	base := []string{"OCF_ROOT=/usr/lib/ocf", "OCF_RESOURCE_INSTANCE=fs", "HA_LOGFACILITY=none"}
	code := ocf.Run(New(cfg), ocf.RunOptions{Args: []string{action}, Environ: append(base, env...), Stdout: &out, Stderr: &errb})
	return code, errb.String()
}

func TestValidate(t *testing.T) {
	fs := "nodev\ttmpfs\n\text4\n\txfs\nnodev\tnfs4\nnodev\tzfs\n"
	base := []string{"OCF_RESKEY_device=/dev/vdb", "OCF_RESKEY_directory=/data", "OCF_RESKEY_fstype=ext4"}
	tests := []struct {
		name      string
		installed []string
		env       []string
		want      ocf.ExitCode
		reason    string
	}{
		{"ok", nil, base, ocf.Success, ""},
		{"relative directory", nil, []string{"OCF_RESKEY_device=/dev/vdb", "OCF_RESKEY_directory=data", "OCF_RESKEY_fstype=ext4"}, ocf.ErrConfigured, "absolute"},
		{"root directory", nil, []string{"OCF_RESKEY_device=/dev/vdb", "OCF_RESKEY_directory=/", "OCF_RESKEY_fstype=ext4"}, ocf.ErrConfigured, "on /"},
		{"unknown fstype, no modprobe", nil, []string{"OCF_RESKEY_device=/dev/vdb", "OCF_RESKEY_directory=/data", "OCF_RESKEY_fstype=nosuchfs"}, ocf.ErrInstalled, "nosuchfs"},
		{"clone of ext4", nil, append(base, "OCF_RESKEY_CRM_meta_clone=0", "OCF_RESKEY_CRM_meta_clone_max=2"), ocf.ErrConfigured, "not cluster-aware"},
		{"clone of ext4, forced", nil, append(base, "OCF_RESKEY_CRM_meta_clone=0", "OCF_RESKEY_force_clones=true"), ocf.Success, ""},
		{"clone of tmpfs", nil, []string{"OCF_RESKEY_device=tmpfs", "OCF_RESKEY_directory=/data", "OCF_RESKEY_fstype=tmpfs", "OCF_RESKEY_CRM_meta_clone=1"}, ocf.Success, ""},
		{"force fsck, helper missing", nil, append(base, "OCF_RESKEY_run_fsck=force"), ocf.ErrInstalled, "fsck.ext4"},
		{"force fsck, helper present", []string{"fsck.ext4"}, append(base, "OCF_RESKEY_run_fsck=force"), ocf.Success, ""},
		{"nfs without mount.nfs", []string{"mount"}, []string{"OCF_RESKEY_device=srv:/export", "OCF_RESKEY_directory=/data", "OCF_RESKEY_fstype=nfs4"}, ocf.ErrInstalled, "mount.nfs"},
		{"nfs", []string{"mount", "mount.nfs"}, []string{"OCF_RESKEY_device=srv:/export", "OCF_RESKEY_directory=/data", "OCF_RESKEY_fstype=nfs4"}, ocf.Success, ""},
		{"force_unmount as ocf_is_true reads it", nil, append(base, "OCF_RESKEY_force_unmount=no"), ocf.Success, ""},
		{"bad term_signals", nil, append(base, "OCF_RESKEY_term_signals=SIGNOPE"), ocf.ErrConfigured, "term_signals"},
		{"bad run_fsck", nil, append(base, "OCF_RESKEY_run_fsck=sometimes"), ocf.ErrConfigured, "run_fsck"},
		{"remount option", nil, append(base, "OCF_RESKEY_options=remount"), ocf.ErrConfigured, "remount"},
		{"statusfile_prefix escapes", nil, append(base, "OCF_RESKEY_statusfile_prefix=../../etc/"), ocf.ErrConfigured, "statusfile_prefix"},
		{"statusfile_prefix dot-dot inside", nil, append(base, "OCF_RESKEY_statusfile_prefix=a/../b-"), ocf.ErrConfigured, "statusfile_prefix"},
		{"statusfile_prefix absolute", nil, append(base, "OCF_RESKEY_statusfile_prefix=/etc/x"), ocf.ErrConfigured, "statusfile_prefix"},
		{"statusfile_prefix plain", nil, append(base, "OCF_RESKEY_statusfile_prefix=..status-"), ocf.Success, ""},
		{"zfs dataset", []string{"mount", "mount.zfs"}, []string{"OCF_RESKEY_device=tank/data", "OCF_RESKEY_directory=/data", "OCF_RESKEY_fstype=zfs"}, ocf.Success, ""},
		{"zfs pool", []string{"mount", "mount.zfs"}, []string{"OCF_RESKEY_device=tank", "OCF_RESKEY_directory=/data", "OCF_RESKEY_fstype=zfs"}, ocf.Success, ""},
		{"zfs without mount.zfs", []string{"mount"}, []string{"OCF_RESKEY_device=tank/data", "OCF_RESKEY_directory=/data", "OCF_RESKEY_fstype=zfs"}, ocf.ErrInstalled, "mount.zfs"},
		{"zfs bad dataset", []string{"mount", "mount.zfs"}, []string{"OCF_RESKEY_device=tank/../x", "OCF_RESKEY_directory=/data", "OCF_RESKEY_fstype=zfs"}, ocf.ErrConfigured, "ZFS dataset"},
		{"zfs as clone", []string{"mount", "mount.zfs"}, []string{"OCF_RESKEY_device=tank/data", "OCF_RESKEY_directory=/data", "OCF_RESKEY_fstype=zfs", "OCF_RESKEY_CRM_meta_clone=0"}, ocf.ErrConfigured, "not cluster-aware"},
		{"--uuid= device", nil, []string{"OCF_RESKEY_device=--uuid=0b6e1d7a-2f1c-4d8e-9a6b-3c2d1e0f9a8b", "OCF_RESKEY_directory=/data", "OCF_RESKEY_fstype=ext4"}, ocf.Success, ""},
		{"--label= device", nil, []string{"OCF_RESKEY_device=--label=data", "OCF_RESKEY_directory=/data", "OCF_RESKEY_fstype=ext4"}, ocf.Success, ""},
		{"relative device", nil, []string{"OCF_RESKEY_device=sdb1", "OCF_RESKEY_directory=/data", "OCF_RESKEY_fstype=ext4"}, ocf.ErrConfigured, "device"},
		{"fstype none without bind", nil, []string{"OCF_RESKEY_device=/dev/sdb", "OCF_RESKEY_directory=/data", "OCF_RESKEY_fstype=none"}, ocf.ErrConfigured, "fstype"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stderr := run(t, host(t, fs, tt.installed...), "validate-all", tt.env...)
			if code != tt.want || !strings.Contains(stderr, tt.reason) {
				t.Errorf("validate-all = %v, want %v with %q; stderr:\n%s", code, tt.want, tt.reason, stderr)
			}
			if tt.want != ocf.Success && !strings.Contains(stderr, ocf.ExitReasonPrefix) {
				t.Errorf("no exit reason in %q", stderr)
			}
		})
	}
}

func TestMonitorNotMounted(t *testing.T) {
	code, stderr := run(t, host(t, "\text4\n"), "monitor", "OCF_RESKEY_device=/dev/vdb", "OCF_RESKEY_directory=/data", "OCF_RESKEY_fstype=ext4")
	if code != ocf.NotRunning {
		t.Errorf("monitor = %v, want OCF_NOT_RUNNING; %s", code, stderr)
	}
	// A missing LABEL is just "not running" to a probe.
	code, stderr = run(t, host(t, "\text4\n"), "monitor", "OCF_RESKEY_device=LABEL=nothing", "OCF_RESKEY_directory=/data", "OCF_RESKEY_fstype=ext4")
	if code != ocf.NotRunning {
		t.Errorf("monitor = %v, want OCF_NOT_RUNNING; %s", code, stderr)
	}
	code, _ = run(t, host(t, "\text4\n"), "stop", "OCF_RESKEY_device=/dev/vdb", "OCF_RESKEY_directory=/data", "OCF_RESKEY_fstype=ext4")
	if code != ocf.Success {
		t.Errorf("stop of an unmounted filesystem = %v, want success", code)
	}
}

func TestStatusFile(t *testing.T) {
	a := &agent{cfg: host(t, "")}
	for _, tt := range []struct {
		prefix, want string
		clone        string
		bad          bool
	}{
		{".Filesystem_status/", "/data/.Filesystem_status/fs_node1", "", false},
		{"status-", "/data/status-fs_3_node1", "3", false},
		{"../escape/", "", "", true},
	} {
		env := map[string]string{"OCF_RESOURCE_INSTANCE": "fs", "OCF_RESKEY_statusfile_prefix": tt.prefix}
		if tt.clone != "" {
			env["OCF_RESKEY_CRM_meta_clone"] = tt.clone
		}
		e := ocf.EnvFromMap(env)
		p, _, err := ocf.ResolveParams(params(), map[string]string{"device": "/dev/x", "directory": "/data", "fstype": "ext4", "statusfile_prefix": tt.prefix}, e)
		if err != nil {
			if tt.bad {
				continue // refused with the configuration, before any monitor
			}
			t.Fatal(err)
		}
		got, err := a.statusFile(&ocf.Request{Env: e, Params: p}, "/data")
		if tt.bad != (err != nil) || (!tt.bad && got != tt.want) {
			t.Errorf("statusFile(%q) = %q, %v; want %q", tt.prefix, got, err, tt.want)
		}
	}
}

func TestInProcessIOHonoursDeadline(t *testing.T) {
	// A FIFO with no writer blocks open(2) for reading: a stand-in for a
	// hung device.
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Skip(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := InProcessIO(ctx, IOOp{Path: fifo})
	if code, reason := ocf.CodeOf(err); code != ocf.ErrGeneric || !strings.Contains(reason, "hung") {
		t.Errorf("InProcessIO = %v %q, want OCF_ERR_GENERIC naming a hung device", code, reason)
	}
	if time.Since(start) > 2*time.Second {
		t.Errorf("InProcessIO returned after %v, past its deadline", time.Since(start))
	}
	// Unblock the reader so the goroutine ends.
	if f, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
		f.Close()
	}
}

func TestDoIOStatusFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".Filesystem_status", "fs_node1")
	if err := DoIO(IOOp{Write: true, Path: path, Data: "fs"}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil || !strings.HasPrefix(string(b), "fs ") {
		t.Fatalf("status file = %q, %v", b, err)
	}
}

func TestIOOpEnvironment(t *testing.T) {
	for _, op := range []IOOp{{Path: "/dev/drbd0"}, {Write: true, Path: "/data/.Filesystem_status/fs_n1", Data: "fs"}} {
		vars := map[string]string{}
		for _, kv := range op.environ() {
			k, v, _ := strings.Cut(kv, "=")
			vars[k] = v
		}
		got, err := ioOpFrom(vars)
		if err != nil || got != op {
			t.Errorf("round trip of %+v = %+v, %v", op, got, err)
		}
	}
	if _, err := ioOpFrom(map[string]string{ioProbeEnv: "erase", ioPathEnv: "/dev/sda"}); err == nil {
		t.Error("an unknown operation was accepted")
	}
}

func TestUnmountOrder(t *testing.T) {
	mounts, err := mountinfo.GetMountsFromReader(strings.NewReader(`1 0 254:0 / / rw - ext4 /dev/vda rw
40 1 7:0 / /data rw shared:4 - ext4 /dev/loop0 rw
41 40 0:50 / /data/sub rw - tmpfs tmpfs rw
42 41 0:51 / /data/sub/deeper rw - tmpfs tmpfs rw
43 1 7:0 /nfs /var/lib/nfs rw shared:4 - ext4 /dev/loop0 rw
44 1 7:1 / /database rw - ext4 /dev/loop1 rw
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	names := func(ms []*mountinfo.Info) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.Mountpoint)
		}
		return out
	}
	if got := names(submounts(mounts, "/data")); strings.Join(got, " ") != "/data/sub/deeper /data/sub" {
		t.Errorf("submounts = %v", got)
	}
	if got := names(elsewhere(mounts, mounts[1], "/data")); strings.Join(got, " ") != "/var/lib/nfs" {
		t.Errorf("elsewhere = %v", got)
	}
	if top := topMount(mounts, "/database"); top == nil || top.ID != 44 {
		t.Errorf("topMount(/database) = %v", top)
	}
}
