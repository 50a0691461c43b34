// Package fakehost is a hostsys.System for tests on a machine whose kernel
// has no nfsd: it writes files into a fixture tree (a copy of a real
// /proc + /var/lib/nfs layout), records every change in order, and plays
// the part of the nfs-utils programs the way the real ones change that
// tree: a daemon appears in /proc/PID/comm, rpc.nfsd N sets
// /proc/fs/nfsd/threads and starts N "nfsd" kernel threads, exportfs edits
// /var/lib/nfs/etab, mounts and unmounts edit /proc/self/mountinfo.
package fakehost

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/baton-ha/baton/agents/nfsbackend/hostsys"
)

// Host is the fake. Events holds one line per change, in order.
type Host struct {
	Root string

	mu      sync.Mutex
	Events  []string
	nextPid int
	// Fail makes Run of a program fail with that output.
	Fail map[string]string
	// Started holds every command Start was given, whole (Log included).
	Started []hostsys.Cmd
	// ExitAtOnce makes a program Start starts end at once, exit status 1,
	// with that output in its Log; Settle reports it.
	ExitAtOnce map[string]string
	failed     map[int]string
	// EtabFull plays a full filesystem under /var/lib/nfs: exportfs
	// leaves an empty etab and exits 0, as nfs-utils does when it cannot
	// write the table's temporary file (it renames it over etab unchecked).
	EtabFull bool
}

// New returns a fake rooted at root (a fixture tree the test owns).
func New(root string) *Host { return &Host{Root: root, nextPid: 1000, Fail: map[string]string{}} }

func (h *Host) p(path string) string { return filepath.Join(h.Root, path) }

func (h *Host) log(format string, args ...any) {
	h.Events = append(h.Events, fmt.Sprintf(format, args...))
}

// Reset forgets the events recorded so far.
func (h *Host) Reset() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.Events = nil
}

func (h *Host) Run(_ context.Context, c hostsys.Cmd) (string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.log("run %s", c)
	if out, ok := h.Fail[c.Path]; ok {
		return out, fmt.Errorf("%s: exit status 1: %s", c, out)
	}
	switch c.Path {
	case "rpcbind", "rpc.statd", "nfsdcld", "rpc.mountd":
		h.spawn(c.Path)
	case "rpc.nfsd":
		n, _ := strconv.Atoi(c.Args[len(c.Args)-1])
		_ = os.WriteFile(h.p("/proc/fs/nfsd/threads"), []byte(strconv.Itoa(n)+"\n"), 0o644)
		for _, pid := range h.pids("nfsd") {
			_ = os.RemoveAll(h.p(fmt.Sprintf("/proc/%d", pid)))
		}
		for i := 0; i < n; i++ {
			h.spawn("nfsd")
		}
	case "exportfs":
		h.exportfs(c.Args)
	case "systemctl":
		h.systemctl(c.Args)
	}
	return "", nil
}

func (h *Host) Start(c hostsys.Cmd) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.log("start %s", c)
	h.Started = append(h.Started, c)
	pid := h.spawn(filepath.Base(c.Path))
	if out, ok := h.ExitAtOnce[c.Path]; ok {
		_ = os.RemoveAll(h.p(fmt.Sprintf("/proc/%d", pid)))
		if c.Log != "" {
			_ = os.WriteFile(c.Log, []byte(out), 0o644)
		}
		if h.failed == nil {
			h.failed = map[int]string{}
		}
		h.failed[pid] = out
	}
	return pid, nil
}

func (h *Host) Settle(pid int, _ time.Duration) (bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if out, ok := h.failed[pid]; ok {
		return true, fmt.Errorf("exit status 1: %s", out)
	}
	return false, nil
}

func (h *Host) spawn(comm string) int {
	h.nextPid++
	dir := h.p(fmt.Sprintf("/proc/%d", h.nextPid))
	_ = os.MkdirAll(dir, 0o755)
	_ = os.WriteFile(filepath.Join(dir, "comm"), []byte(comm+"\n"), 0o644)
	return h.nextPid
}

func (h *Host) pids(comm string) []int {
	ents, _ := os.ReadDir(h.p("/proc"))
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, _ := os.ReadFile(filepath.Join(h.p("/proc"), e.Name(), "comm"))
		if strings.TrimSpace(string(b)) == comm {
			out = append(out, pid)
		}
	}
	return out
}

// Spawn adds a process of that name, as if something else started it.
func (h *Host) Spawn(comm string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.spawn(comm)
}

func (h *Host) Signal(pid int, sig syscall.Signal) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	b, err := os.ReadFile(h.p(fmt.Sprintf("/proc/%d/comm", pid)))
	if err != nil {
		return syscall.ESRCH
	}
	h.log("signal %s %s", strings.TrimSpace(string(b)), sig)
	if sig == syscall.SIGTERM || sig == syscall.SIGKILL {
		_ = os.RemoveAll(h.p(fmt.Sprintf("/proc/%d", pid)))
	}
	return nil
}

func (h *Host) WriteFile(path string, data []byte, perm os.FileMode) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.log("write %s %q", path, string(data))
	if err := os.MkdirAll(filepath.Dir(h.p(path)), 0o755); err != nil {
		return err
	}
	return os.WriteFile(h.p(path), data, perm|0o600)
}

func (h *Host) MkdirAll(path string, perm os.FileMode) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.log("mkdir %s", path)
	return os.MkdirAll(h.p(path), perm|0o700)
}

func (h *Host) Mount(source, target, fstype string, flags uintptr, data string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	kind := fstype
	if flags&syscall.MS_BIND != 0 {
		kind = "bind"
	}
	h.log("mount %s %s %s", kind, source, target)
	line := fmt.Sprintf("%d 22 0:99 / %s rw,relatime - %s %s rw\n", 100+len(h.Events), target, fstype, source)
	if kind == "bind" {
		line = fmt.Sprintf("%d 22 147:0 %s %s rw,relatime - ext4 /dev/drbd0 rw\n", 100+len(h.Events), source, target)
	}
	f, err := os.OpenFile(h.p("/proc/self/mountinfo"), os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.WriteString(line)
	return err
}

func (h *Host) Unmount(target string, _ int) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.log("umount %s", target)
	b, err := os.ReadFile(h.p("/proc/self/mountinfo"))
	if err != nil {
		return err
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	// The last mount on target goes.
	for i := len(lines) - 1; i >= 0; i-- {
		f := strings.Fields(lines[i])
		if len(f) > 4 && f[4] == target {
			lines = append(lines[:i], lines[i+1:]...)
			return os.WriteFile(h.p("/proc/self/mountinfo"), []byte(strings.Join(lines, "\n")+"\n"), 0o644)
		}
	}
	return syscall.EINVAL
}

// systemctl plays the nfs-utils units: starting nfs-server.service brings
// up the daemons it wants and 8 nfsd threads; stopping the units takes them
// down.
func (h *Host) systemctl(args []string) {
	if len(args) < 2 {
		return
	}
	switch args[0] {
	case "start":
		for _, d := range []string{"rpcbind", "rpc.statd", "nfsdcld", "rpc.mountd"} {
			if len(h.pids(d)) == 0 {
				h.spawn(d)
			}
		}
		_ = os.WriteFile(h.p("/proc/fs/nfsd/threads"), []byte("8\n"), 0o644)
		for i := 0; i < 8; i++ {
			h.spawn("nfsd")
		}
	case "stop":
		_ = os.WriteFile(h.p("/proc/fs/nfsd/threads"), []byte("0\n"), 0o644)
		for _, d := range []string{"nfsd", "rpc.statd", "nfsdcld", "rpc.mountd"} {
			for _, pid := range h.pids(d) {
				_ = os.RemoveAll(h.p(fmt.Sprintf("/proc/%d", pid)))
			}
		}
	}
}

// exportfs plays exportfs(8): -o OPTS CLIENT:DIR adds a line to etab (with
// the defaults the real one adds), -u CLIENT:DIR removes it, -r rewrites it
// from /etc/exports, which fixture trees do not have: it empties it.
func (h *Host) exportfs(args []string) {
	etab := h.p("/var/lib/nfs/etab")
	b, _ := os.ReadFile(etab)
	lines := []string{}
	for _, l := range strings.Split(string(b), "\n") {
		if l != "" {
			lines = append(lines, l)
		}
	}
	switch {
	case len(args) == 3 && args[0] == "-o":
		client, dir, _ := strings.Cut(args[2], ":")
		if client == "*" {
			client = "<world>"
		}
		lines = append(lines, fmt.Sprintf("%s\t%s(%s,wdelay,hide,nocrossmnt,secure,no_all_squash,no_subtree_check,secure_locks,acl,no_pnfs,anonuid=65534,anongid=65534,sec=sys)", dir, client, args[1]))
	case len(args) == 1 && args[0] == "-r":
		lines = nil
	case len(args) == 2 && args[0] == "-u":
		client, dir, _ := strings.Cut(args[1], ":")
		if client == "*" {
			client = "<world>"
		}
		kept := lines[:0]
		for _, l := range lines {
			if !strings.HasPrefix(l, dir+"\t"+client+"(") {
				kept = append(kept, l)
			}
		}
		lines = kept
	}
	out := strings.Join(lines, "\n")
	if out != "" {
		out += "\n"
	}
	if h.EtabFull {
		out = ""
	}
	_ = os.WriteFile(etab, []byte(out), 0o644)
}

// CopyTree copies a fixture directory to dst.
func CopyTree(src, dst string) error {
	return filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		t := filepath.Join(dst, rel)
		if fi.IsDir() {
			return os.MkdirAll(t, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(t, b, 0o644)
	})
}
