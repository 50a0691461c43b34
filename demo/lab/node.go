package lab

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// holderScript makes a node's mount namespace private, with its own /run,
// and keeps it alive: every process of the node runs inside it.
const holderScript = `set -e; mount --make-rprivate /; mount -t tmpfs tmpfs /run; mkdir -p /run/resource-agents /run/lock;` +
	` echo $$ > "$1"; exec sleep infinity`

// StartHolder starts the process that holds node namespace ns's mount
// namespace, detached so that it outlives this process (baton demo
// --keep), and returns its pid.
func (l *Lab) StartHolder(ns string) (int, error) {
	pidfile := filepath.Join(l.Dir, ns+".holder.pid")
	_ = os.Remove(pidfile)
	cmd := exec.Command("ip", "netns", "exec", ns, "unshare", "-m", "--propagation", "private", "sh", "-c", holderScript, "holder", pidfile)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	go func() { _ = cmd.Wait() }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		b, err := os.ReadFile(pidfile)
		if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && perr == nil && pid > 0 {
			return pid, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return 0, fmt.Errorf("namespace %s: the mount namespace holder did not start", ns)
}

// Holder returns the pid of ns's holder, or 0 when it is not running.
func (l *Lab) Holder(ns string) int {
	b, err := os.ReadFile(filepath.Join(l.Dir, ns+".holder.pid"))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if pid <= 0 || syscall.Kill(pid, 0) != nil {
		return 0
	}
	return pid
}

// InNode returns a command that runs inside the node's network and mount
// namespaces (through its holder, pid).
func InNode(ctx context.Context, pid int, name string, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "nsenter", append([]string{"-t", strconv.Itoa(pid), "-n", "-m", "--", name}, args...)...)
}

// InNamespace returns a command that runs inside network namespace ns.
func InNamespace(ctx context.Context, ns, name string, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", ns, name}, args...)...)
}

// Detach starts cmd in its own session with output to logfile, so that it
// survives this process, and reaps it if it ends first.
func Detach(cmd *exec.Cmd, logfile string) error {
	log, err := os.OpenFile(logfile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		log.Close()
		return err
	}
	go func() { _ = cmd.Wait(); log.Close() }()
	return nil
}

// MountedFrom reports whether the node holding pid has a filesystem from
// device mounted.
func MountedFrom(pid int, device string) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/mountinfo", pid))
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		// "... - ext4 /dev/loop3 rw"
		if _, after, ok := strings.Cut(line, " - "); ok {
			if f := strings.Fields(after); len(f) >= 2 && f[1] == device {
				return true
			}
		}
	}
	return false
}

// HasAddress reports whether ip is configured on ifname in namespace ns
// and the interface is up.
func HasAddress(ns, ifname, ip string) bool {
	out, err := output("ip", "-n", ns, "-o", "addr", "show", "dev", ifname, "up")
	return err == nil && strings.Contains(out, " "+ip+"/")
}

// EnsureDir creates dir on the host if missing and records it, so Close
// removes it again (when empty).
func (l *Lab) EnsureDir(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	l.Created = append(l.Created, dir)
	return l.save()
}
