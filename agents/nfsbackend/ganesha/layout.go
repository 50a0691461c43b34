package ganesha

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// DefaultDir is the node-local directory nfsserver and exportfs share.
const DefaultDir = "/run/baton/ganesha"

// Dir is the layout of that directory.
type Dir string

func (d Dir) Config() string     { return filepath.Join(string(d), "ganesha.conf") }
func (d Dir) ExportsDir() string { return filepath.Join(string(d), "exports.d") }
func (d Dir) PidFile() string    { return filepath.Join(string(d), "ganesha.pid") }
func (d Dir) LogFile() string    { return filepath.Join(string(d), "ganesha.log") }
func (d Dir) StateFile() string  { return filepath.Join(string(d), "server.json") }

// ExportFile is the file of one exportfs resource. Ganesha's %dir reads
// files in name order; the name is derived from the resource instance.
func (d Dir) ExportFile(instance string) string {
	var b strings.Builder
	for _, r := range instance {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return filepath.Join(d.ExportsDir(), b.String()+".conf")
}

// State is what nfsserver records for exportfs: how the running server is
// set up.
type State struct {
	Pid       int   `json:"pid"`
	NFSPort   int   `json:"nfs_port"`
	MountPort int   `json:"mount_port"`
	Protocols []int `json:"protocols"`
	LeaseTime int   `json:"lease_time"`
	GraceTime int   `json:"grace_time"`
	// StartedRpcbind is set when nfsserver started rpcbind, so that stop
	// takes it down again and leaves a running one alone otherwise.
	StartedRpcbind bool `json:"started_rpcbind"`
}

// WriteState records st atomically.
func (d Dir) WriteState(st State) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return WriteFileAtomic(d.StateFile(), append(b, '\n'), 0o644)
}

// ReadState returns the recorded state; os.ErrNotExist when nfsserver
// never started Ganesha here.
func (d Dir) ReadState() (State, error) {
	var st State
	b, err := os.ReadFile(d.StateFile())
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("%s is corrupt: %v (stop the nfsserver resource and start it again)", d.StateFile(), err)
	}
	return st, nil
}

// Pid returns the pid in the pid file if that process is a running
// ganesha.nfsd, else 0. procRoot is where /proc is ("/" in production).
func (d Dir) Pid(procRoot string) int {
	b, err := os.ReadFile(d.PidFile())
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	comm, err := os.ReadFile(filepath.Join(procRoot, "proc", strconv.Itoa(pid), "comm"))
	if err != nil || strings.TrimSpace(string(comm)) != "ganesha.nfsd" {
		return 0
	}
	// A zombie (killed, not yet reaped by whoever started it) is gone.
	if st, err := os.ReadFile(filepath.Join(procRoot, "proc", strconv.Itoa(pid), "stat")); err == nil {
		if i := strings.LastIndexByte(string(st), ')'); i >= 0 && i+2 < len(st) && st[i+2] == 'Z' {
			return 0
		}
	}
	return pid
}

// Reload asks the running Ganesha to re-read its exports (SIGHUP: exports
// in the %dir directory are added, changed and removed). It returns false
// when no Ganesha runs.
func (d Dir) Reload(procRoot string) (bool, error) {
	pid := d.Pid(procRoot)
	if pid == 0 {
		return false, nil
	}
	if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
		if errors.Is(err, syscall.ESRCH) {
			return false, nil
		}
		return false, fmt.Errorf("signal ganesha.nfsd (pid %d) to reload its exports: %w", pid, err)
	}
	return true, nil
}

// WriteFileAtomic writes through a temporary file and a rename, so that a
// reader (Ganesha re-reading its exports) never sees half a file.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
