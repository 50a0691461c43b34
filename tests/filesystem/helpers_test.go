// Package filesystem_test runs ocf:baton:Filesystem, the real binary, on
// real ext4 and xfs filesystems on loop devices: mounts, the three monitor
// depths, busy unmounts with real processes holding the mount, and the
// error cases, plus ocf-tester and crm_resource under a real Pacemaker.
package filesystem_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/baton-ha/baton/tests/harness"
	"github.com/baton-ha/baton/tests/harness/loopdev"
)

// agentPath returns the Filesystem agent (a symlink to the built binary).
func agentPath(t *testing.T) string {
	t.Helper()
	harness.NeedRoot(t)
	return filepath.Join(harness.AgentDir(t, "Filesystem"), "Filesystem")
}

type result struct {
	code   int
	stderr string
	took   time.Duration
}

// reason returns the ocf-exit-reason line, if any.
func (r result) reason() string {
	for _, l := range strings.Split(r.stderr, "\n") {
		if v, ok := strings.CutPrefix(l, "ocf-exit-reason:"); ok {
			return v
		}
	}
	return ""
}

// runAgent runs one action with OCF_RESKEY_ params and extra KEY=VALUE env.
func runAgent(t *testing.T, agent, action string, params map[string]string, env ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, agent, action)
	cmd.Env = append(os.Environ(), "OCF_ROOT=/usr/lib/ocf", "OCF_RESOURCE_INSTANCE="+t.Name()[strings.LastIndex(t.Name(), "/")+1:],
		"HA_LOGFACILITY=none")
	for k, v := range params {
		cmd.Env = append(cmd.Env, "OCF_RESKEY_"+k+"="+v)
	}
	cmd.Env = append(cmd.Env, env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	r := result{stderr: stderr.String(), took: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("%s %s: %v", agent, action, err)
	}
	return r
}

// want fails t unless the action exited with code.
func want(t *testing.T, r result, code int, what string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("%s: exit %d, want %d\n%s", what, r.code, code, r.stderr)
	}
	if code != 0 && code != 7 && r.reason() == "" {
		t.Errorf("%s: exit %d without an ocf-exit-reason\n%s", what, code, r.stderr)
	}
}

// disk is a formatted loop device and a mount point for it.
type disk struct {
	dev *loopdev.Device
	dir string
}

// newDisk makes a loop device with a filesystem. The mount point is
// unmounted (if the test left it mounted) before the device is detached.
func newDisk(t *testing.T, fstype string, mkfsArgs ...string) *disk {
	t.Helper()
	size := 64
	if fstype == "xfs" {
		size = 320 // mkfs.xfs's minimum
	}
	d := &disk{dev: loopdev.New(t, size), dir: filepath.Join(t.TempDir(), "mnt")}
	if fstype != "" {
		d.dev.Mkfs(t, fstype, mkfsArgs...)
	}
	t.Cleanup(func() { unmountAll(d.dir) })
	return d
}

func unmountAll(dir string) {
	for i := 0; i < 10; i++ {
		if err := unix.Unmount(dir, 0); err != nil && !errors.Is(err, unix.EBUSY) {
			return
		}
		if i > 0 {
			time.Sleep(100 * time.Millisecond)
		}
	}
	// Still busy after the test's processes were killed: detach so that
	// the loop device can go; the test has already failed.
	_ = unix.Unmount(dir, unix.MNT_DETACH)
}

// mounted returns the source and type mounted on dir, from this process's
// mount table.
func mounted(t *testing.T, dir string) (source, fstype string, ok bool) {
	t.Helper()
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fl := strings.Fields(sc.Text())
		if len(fl) < 10 || fl[4] != dir {
			continue
		}
		for i := 6; i < len(fl)-2; i++ {
			if fl[i] == "-" {
				source, fstype, ok = fl[i+2], fl[i+1], true
			}
		}
	}
	return source, fstype, ok
}

// proc is a process the test started, reaped in the background.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// spawn starts `sleep 600` in dir with stdout on out (nil: /dev/null) and
// kills it at the end of the test.
func spawn(t *testing.T, dir string, out *os.File) *proc {
	t.Helper()
	cmd := exec.Command("sleep", "600")
	cmd.Dir = dir
	if out != nil {
		cmd.Stdout = out
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
	})
	p.waitRunning(t, "sleep", false)
	return p
}

// waitRunning waits (bounded) until the process runs program, and with
// otherMountNS also until it sits in a mount namespace other than this
// test's: only then does it hold what the test means it to hold.
func (p *proc) waitRunning(t *testing.T, program string, otherMountNS bool) {
	t.Helper()
	self, _ := os.Readlink("/proc/self/ns/mnt")
	pid := p.cmd.Process.Pid
	deadline := time.Now().Add(5 * time.Second)
	for {
		exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
		ns, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/mnt", pid))
		if err == nil && filepath.Base(exe) == program && (!otherMountNS || (ns != "" && ns != self)) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pid %d does not run %s (exe %q, mount namespace %q) after 5 s", pid, program, exe, ns)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// gone reports whether the process exited within limit.
func (p *proc) gone(limit time.Duration) bool {
	select {
	case <-p.done:
		return true
	case <-time.After(limit):
		return false
	}
}

func (p *proc) alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return p.cmd.Process.Signal(syscall.Signal(0)) == nil
	}
}

func (p *proc) String() string { return "pid " + strconv.Itoa(p.cmd.Process.Pid) }

// testUUID returns a UUID unique to this process for mkfs -U.
func testUUID(n int) string {
	return fmt.Sprintf("5eed0000-0000-4000-8000-%012x", os.Getpid()*1000+n)
}
