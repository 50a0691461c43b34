// Package hostsys is what the NFS agents change on a host (programs run and
// started, files written, mounts), behind an interface so that tests record
// it against a fixture tree. Paths are host paths; HostSystem maps them
// below its root.
package hostsys

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Cmd is one program to run.
type Cmd struct {
	Path string
	Args []string
	// Hostname, when set, runs the program in a new UTS namespace with this
	// host name: the kernel's nfsd takes its NFSv4 server scope (and owner)
	// from the host name of the process that starts it.
	Hostname string
	// Log receives the output of a detached program (Start); empty is
	// /dev/null.
	Log string
}

func (c Cmd) String() string {
	s := strings.Join(append([]string{c.Path}, c.Args...), " ")
	if c.Hostname != "" {
		s = "[uts " + c.Hostname + "] " + s
	}
	return s
}

// System is everything the agent changes on the host, so that a test can
// record it and run it against a fixture tree. Paths are host paths; an
// implementation maps them below its root.
type System interface {
	// Run runs a program to completion and returns its combined output; a
	// non-zero exit is an error that includes the output.
	Run(ctx context.Context, c Cmd) (string, error)
	// Start starts a long-running program detached from the agent (its own
	// session, surviving the agent's exit) and returns its pid.
	Start(c Cmd) (int, error)
	// Settle waits at most within for a program Start started to end:
	// exited reports whether it did, err its failure (a non-zero exit).
	// One still running after within (a daemon at work) gives false, nil,
	// as does a pid Start did not return. It lets an agent report a
	// program that fails at once instead of claiming it runs.
	Settle(pid int, within time.Duration) (exited bool, err error)
	// Signal sends sig to pid.
	Signal(pid int, sig syscall.Signal) error
	// WriteFile writes a file (creating parent directories).
	WriteFile(path string, data []byte, perm os.FileMode) error
	// MkdirAll creates a directory.
	MkdirAll(path string, perm os.FileMode) error
	// Mount mounts (fstype "" with MS_BIND for a bind mount).
	Mount(source, target, fstype string, flags uintptr, data string) error
	// Unmount unmounts target.
	Unmount(target string, flags int) error
}

// HostSystem is the production System, working on the real host under Root
// ("/").
type HostSystem struct{ Root string }

func (h HostSystem) p(path string) string { return filepath.Join(h.Root, path) }

func (h HostSystem) Run(ctx context.Context, c Cmd) (string, error) {
	var out bytes.Buffer
	err := h.withUTS(c.Hostname, func() error {
		cmd := exec.CommandContext(ctx, c.Path, c.Args...)
		cmd.Stdout, cmd.Stderr = &out, &out
		return cmd.Run()
	})
	if err != nil {
		return out.String(), fmt.Errorf("%s: %v: %s", c, err, strings.TrimSpace(out.String()))
	}
	return out.String(), nil
}

func (h HostSystem) Start(c Cmd) (int, error) {
	pid := 0
	err := h.withUTS(c.Hostname, func() error {
		cmd := exec.Command(c.Path, c.Args...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		logName := c.Log
		if logName == "" {
			logName = os.DevNull
		}
		f, err := os.OpenFile(logName, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		cmd.Stdout, cmd.Stderr = f, f
		if err := cmd.Start(); err != nil {
			return err
		}
		pid = cmd.Process.Pid
		// Reap it if it dies while the agent still runs (Settle reads how it
		// ended); after the agent exits, init adopts it.
		done := make(chan error, 1)
		started.Store(pid, done)
		go func() { done <- cmd.Wait() }()
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("start %s: %w", c, err)
	}
	return pid, nil
}

// started maps the pid of each program Start started to the channel its
// end is reported on.
var started sync.Map

func (h HostSystem) Settle(pid int, within time.Duration) (bool, error) {
	v, ok := started.Load(pid)
	if !ok {
		return false, nil
	}
	t := time.NewTimer(within)
	defer t.Stop()
	select {
	case err := <-v.(chan error):
		started.Delete(pid)
		return true, err
	case <-t.C:
		return false, nil
	}
}

// withUTS runs fn on an OS thread that has moved into a new UTS namespace
// with the given host name, so that programs fn starts inherit it. The
// thread is never handed back to the Go scheduler: it exits with the
// goroutine, and the agent's own host name is untouched.
func (h HostSystem) withUTS(hostname string, fn func() error) error {
	if hostname == "" {
		return fn()
	}
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// No UnlockOSThread: the thread is discarded when this goroutine
		// ends.
		if err := unix.Unshare(unix.CLONE_NEWUTS); err != nil {
			errc <- fmt.Errorf("new UTS namespace: %w", err)
			return
		}
		if err := unix.Sethostname([]byte(hostname)); err != nil {
			errc <- fmt.Errorf("set host name %q in the new UTS namespace: %w", hostname, err)
			return
		}
		errc <- fn()
	}()
	return <-errc
}

func (h HostSystem) Signal(pid int, sig syscall.Signal) error { return syscall.Kill(pid, sig) }

func (h HostSystem) WriteFile(path string, data []byte, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(h.p(path)), 0o755); err != nil {
		return err
	}
	return os.WriteFile(h.p(path), data, perm)
}

func (h HostSystem) MkdirAll(path string, perm os.FileMode) error {
	return os.MkdirAll(h.p(path), perm)
}

func (h HostSystem) Mount(source, target, fstype string, flags uintptr, data string) error {
	if flags&unix.MS_BIND != 0 {
		source = h.p(source)
	}
	return unix.Mount(source, h.p(target), fstype, flags, data)
}

func (h HostSystem) Unmount(target string, flags int) error {
	return unix.Unmount(h.p(target), flags)
}
