package filesystem

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/baton-ha/baton/ocf"
)

// IOOp is one depth-10 or depth-20 check.
type IOOp struct {
	Write bool   // false: read the device; true: write and read a status file
	Path  string // the device, or the status file
	Data  string // what to write (a line naming the resource and node)
}

// The child that performs an IOOp finds it in its environment: the
// operation ("read" or "write"), the path and the data, each in a variable
// of its own (environment strings cannot hold a separator as safe as NUL).
const (
	ioProbeEnv = "BATON_FILESYSTEM_IOPROBE"
	ioPathEnv  = "BATON_FILESYSTEM_IOPATH"
	ioDataEnv  = "BATON_FILESYSTEM_IODATA"
)

func (op IOOp) environ() []string {
	kind := "read"
	if op.Write {
		kind = "write"
	}
	return []string{ioProbeEnv + "=" + kind, ioPathEnv + "=" + op.Path, ioDataEnv + "=" + op.Data}
}

func ioOpFrom(vars map[string]string) (IOOp, error) {
	op := IOOp{Path: vars[ioPathEnv], Data: vars[ioDataEnv]}
	switch vars[ioProbeEnv] {
	case "read":
	case "write":
		op.Write = true
	default:
		return op, fmt.Errorf("%s=%q: want read or write", ioProbeEnv, vars[ioProbeEnv])
	}
	if op.Path == "" {
		return op, fmt.Errorf("%s is empty", ioPathEnv)
	}
	return op, nil
}

// hungReason is the exit reason of a check that outlived its deadline.
func hungReason(op IOOp) error {
	what := "reading " + op.Path
	if op.Write {
		what = "writing and reading back " + op.Path
	}
	return ocf.Errorf(ocf.ErrGeneric, "%s did not finish before the monitor's deadline: the device or filesystem is hung or too slow", what)
}

// InProcessIO runs the check in a goroutine and stops waiting for it at the
// deadline. A thread stuck in uninterruptible I/O keeps the process from
// exiting, which is why production uses ChildIO.
func InProcessIO(ctx context.Context, op IOOp) error {
	done := make(chan error, 1)
	go func() { done <- DoIO(op) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return hungReason(op)
	}
}

// ChildIO returns an IOProbe that runs the check in a child process: this
// binary again, invoked as agent, with the operation in the environment.
// At the deadline the child is sent SIGKILL and abandoned; if it is stuck
// in the kernel it exits when the I/O returns, and the agent itself has
// already reported.
func ChildIO(agent string) func(ctx context.Context, op IOOp) error {
	return func(ctx context.Context, op IOOp) error {
		self, err := os.Executable()
		if err != nil {
			return InProcessIO(ctx, op)
		}
		var stderr bytes.Buffer
		cmd := &exec.Cmd{
			Path:   self,
			Args:   []string{agent, ocf.ActionMonitor},
			Env:    append(os.Environ(), op.environ()...),
			Stderr: &stderr,
		}
		if err := cmd.Start(); err != nil {
			return ocf.Errorf(ocf.ErrGeneric, "cannot start the I/O check of %s (%s as %s): %v", op.Path, self, agent, err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err == nil {
				return nil
			}
			for _, line := range strings.Split(stderr.String(), "\n") {
				if r, ok := strings.CutPrefix(line, ocf.ExitReasonPrefix); ok {
					return ocf.Errorf(ocf.ErrGeneric, "%s", r)
				}
			}
			return ocf.Errorf(ocf.ErrGeneric, "I/O check of %s failed: %v: %s", op.Path, err, strings.TrimSpace(stderr.String()))
		case <-ctx.Done():
			_ = cmd.Process.Kill()
			return hungReason(op)
		}
	}
}

// ioChild is the child's side of ChildIO: it runs when the environment
// carries an operation.
func ioChild(r *ocf.Request) (bool, error) {
	if _, ok := r.Env.Vars[ioProbeEnv]; !ok {
		return false, nil
	}
	op, err := ioOpFrom(r.Env.Vars)
	if err != nil {
		return true, ocf.Errorf(ocf.ErrGeneric, "%v", err)
	}
	return true, DoIO(op)
}

const ioBlock = 4096

// alignedBuf returns a buffer aligned for O_DIRECT.
func alignedBuf(n int) []byte {
	b := make([]byte, n+ioBlock)
	off := int(uintptr(unsafe.Pointer(&b[0])) & (ioBlock - 1))
	if off != 0 {
		off = ioBlock - off
	}
	return b[off : off+n]
}

// DoIO performs a check synchronously, bypassing the page cache where the
// filesystem allows (O_DIRECT), so that it proves the storage answers.
func DoIO(op IOOp) error {
	if !op.Write {
		return readDevice(op.Path)
	}
	return writeStatus(op.Path, op.Data)
}

func readDevice(path string) error {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECT|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.EINVAL) {
		fd, err = unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	}
	if err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "cannot open %s for the depth-10 read: %v", path, err)
	}
	defer unix.Close(fd)
	buf := alignedBuf(16 * ioBlock)
	if _, err := unix.Pread(fd, buf, 0); err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "reading %s failed: %v", path, err)
	}
	return nil
}

func writeStatus(path, data string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "cannot create the status directory: %v", err)
	}
	content := fmt.Sprintf("%s %s\n", data, time.Now().UTC().Format(time.RFC3339Nano))
	buf := alignedBuf(ioBlock)
	copy(buf, content)
	flags := unix.O_WRONLY | unix.O_CREAT | unix.O_TRUNC | unix.O_SYNC | unix.O_CLOEXEC
	direct := true
	fd, err := unix.Open(path, flags|unix.O_DIRECT, 0o644)
	if errors.Is(err, unix.EINVAL) {
		// tmpfs and some network filesystems refuse O_DIRECT.
		direct = false
		fd, err = unix.Open(path, flags, 0o644)
	}
	if err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "cannot open the status file %s for writing: %v", path, err)
	}
	n, err := unix.Pwrite(fd, buf, 0)
	if err == nil && n != len(buf) {
		err = fmt.Errorf("short write (%d of %d bytes)", n, len(buf))
	}
	if err == nil {
		err = unix.Fsync(fd)
	}
	unix.Close(fd)
	if err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "writing the status file %s failed: %v", path, err)
	}
	rflags := unix.O_RDONLY | unix.O_CLOEXEC
	if direct {
		rflags |= unix.O_DIRECT
	}
	fd, err = unix.Open(path, rflags, 0)
	if err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "cannot open the status file %s for reading: %v", path, err)
	}
	defer unix.Close(fd)
	back := alignedBuf(ioBlock)
	n, err = unix.Pread(fd, back, 0)
	if err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "reading back the status file %s failed: %v", path, err)
	}
	if !bytes.Equal(back[:n], buf) {
		return ocf.Errorf(ocf.ErrGeneric, "the status file %s reads back different from what was written: the storage is returning wrong data", path)
	}
	return nil
}
