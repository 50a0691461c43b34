// Package nfsdfs reads and writes the kernel NFS server's files: the nfsd
// control filesystem (/proc/fs/nfsd), the process table (to find the
// user-space daemons), the export table mountd serves the kernel from
// (/var/lib/nfs/etab) and the mount table. Every path is taken below a root
// passed in, so that tests run against a fixture tree and production against
// "/".
package nfsdfs

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// FS is the view of one host (or one fixture tree) rooted at Root.
type FS struct {
	Root string
}

// New returns an FS rooted at root ("/" in production).
func New(root string) FS {
	if root == "" {
		root = "/"
	}
	return FS{Root: root}
}

// Path returns the host path p (absolute, e.g. /proc/fs/nfsd/threads) below
// the root.
func (fs FS) Path(p string) string { return filepath.Join(fs.Root, p) }

// Well-known host paths.
const (
	NFSDDir       = "/proc/fs/nfsd"
	ThreadsFile   = NFSDDir + "/threads"
	GraceTimeFile = NFSDDir + "/nfsv4gracetime"
	LeaseTimeFile = NFSDDir + "/nfsv4leasetime"
	UnlockFSFile  = NFSDDir + "/unlock_filesystem"
	VarLibNFS     = "/var/lib/nfs"
	EtabFile      = VarLibNFS + "/etab"
	RmtabFile     = VarLibNFS + "/rmtab"
	MountInfo     = "/proc/self/mountinfo"
)

// NFSDMounted reports whether the nfsd control filesystem is present (its
// threads file exists).
func (fs FS) NFSDMounted() bool {
	_, err := os.Stat(fs.Path(ThreadsFile))
	return err == nil
}

// Threads returns the number of running nfsd threads; 0 when nfsd is not
// running or its control filesystem is not mounted.
func (fs FS) Threads() (int, error) {
	b, err := os.ReadFile(fs.Path(ThreadsFile))
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", ThreadsFile, err)
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%s holds %q, not a number", ThreadsFile, s)
	}
	return n, nil
}

// ReadInt reads a file holding one decimal number, such as nfsv4leasetime.
func (fs FS) ReadInt(p string) (int, error) {
	b, err := os.ReadFile(fs.Path(p))
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, fmt.Errorf("%s holds %q, not a number", p, strings.TrimSpace(string(b)))
	}
	return n, nil
}

// Pids returns the processes whose command name (/proc/PID/comm) is comm,
// in ascending order. Only processes in the caller's network namespace
// count: a daemon of another node sharing this PID namespace (a container,
// a test node) is not ours. Kernel threads (nfsd) live in the initial
// network namespace, as does the agent on a real host.
func (fs FS) Pids(comm string) ([]int, error) {
	ents, err := os.ReadDir(fs.Path("/proc"))
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	// A fixture tree has no namespace links: no filter then.
	myNet, _ := os.Readlink(fs.Path("/proc/self/ns/net"))
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join(fs.Path("/proc"), e.Name(), "comm"))
		if err != nil {
			continue // exited meanwhile
		}
		if strings.TrimSpace(string(b)) != comm {
			continue
		}
		if fs.Zombie(pid) {
			continue // exited, waiting to be reaped: not running
		}
		if myNet != "" {
			if net, err := os.Readlink(filepath.Join(fs.Path("/proc"), e.Name(), "ns", "net")); err == nil && net != myNet {
				continue
			}
		}
		out = append(out, pid)
	}
	sort.Ints(out)
	return out, nil
}

// Zombie reports whether pid has exited but not been reaped yet. A
// daemon whose parent (the agent) is gone is reaped by init, which may take
// its time; it must not count as running meanwhile.
func (fs FS) Zombie(pid int) bool {
	b, err := os.ReadFile(fs.Path(fmt.Sprintf("/proc/%d/stat", pid)))
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(b, ')')
	return i >= 0 && i+2 < len(b) && b[i+2] == 'Z'
}

// Comm returns the command name of pid, or "" when it is not running.
func (fs FS) Comm(pid int) string {
	b, err := os.ReadFile(fs.Path(fmt.Sprintf("/proc/%d/comm", pid)))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// Export is one line of the export table: a directory exported to a client
// specification with options.
type Export struct {
	Dir     string
	Client  string
	Options []string
}

// Option returns the value of key=value in the options, and whether the key
// is there at all (a bare flag gives "", true).
func (e Export) Option(key string) (string, bool) {
	for _, o := range e.Options {
		k, v, _ := strings.Cut(o, "=")
		if k == key {
			return v, true
		}
	}
	return "", false
}

// Exports reads the export table (/var/lib/nfs/etab), which exportfs writes
// and rpc.mountd answers the kernel's upcalls from: it is what the kernel
// will serve. A missing table is empty.
func (fs FS) Exports() ([]Export, error) {
	b, err := os.ReadFile(fs.Path(EtabFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", EtabFile, err)
	}
	return ParseEtab(b)
}

// ParseEtab parses etab text: one export a line, "DIR<TAB>CLIENT(OPTIONS)".
// Directories with white space are written with octal escapes (\040).
func ParseEtab(b []byte) ([]Export, error) {
	var out []Export
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 {
			return out, fmt.Errorf("etab line %d: want DIR CLIENT(OPTIONS), got %q", n, line)
		}
		open := strings.IndexByte(f[1], '(')
		if open < 0 || !strings.HasSuffix(f[1], ")") {
			return out, fmt.Errorf("etab line %d: client %q has no (options)", n, f[1])
		}
		e := Export{Dir: Unescape(f[0]), Client: f[1][:open]}
		if opts := f[1][open+1 : len(f[1])-1]; opts != "" {
			e.Options = strings.Split(opts, ",")
		}
		out = append(out, e)
	}
	return out, sc.Err()
}

// Unescape decodes the octal escapes (\040 for a space) exportfs and the
// mount table use for white space in paths.
func Unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Mount is one line of the mount table.
type Mount struct {
	Point  string
	FSType string
	Source string
	Root   string // the root of the mount within its filesystem (bind mounts)
}

// Mounts reads the mount table of the calling process's mount namespace.
func (fs FS) Mounts() ([]Mount, error) {
	b, err := os.ReadFile(fs.Path(MountInfo))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", MountInfo, err)
	}
	return ParseMountInfo(b)
}

// ParseMountInfo parses /proc/self/mountinfo text.
func ParseMountInfo(b []byte) ([]Mount, error) {
	var out []Mount
	for n, line := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Fields(line)
		sep := -1
		for i := 6; i < len(f); i++ {
			if f[i] == "-" {
				sep = i
				break
			}
		}
		if len(f) < 5 || sep < 0 || sep+2 >= len(f) {
			return out, fmt.Errorf("mountinfo line %d is malformed: %q", n+1, line)
		}
		out = append(out, Mount{Root: Unescape(f[3]), Point: Unescape(f[4]), FSType: f[sep+1], Source: Unescape(f[sep+2])})
	}
	return out, nil
}

// MountOf returns the mount holding path p (the longest mount point that is
// p or one of its parents); the last such mount wins, as later mounts hide
// earlier ones.
func MountOf(mounts []Mount, p string) (Mount, bool) {
	p = filepath.Clean(p)
	best, found := Mount{}, false
	for _, m := range mounts {
		if m.Point == p || m.Point == "/" || strings.HasPrefix(p, strings.TrimSuffix(m.Point, "/")+"/") {
			if !found || len(m.Point) >= len(best.Point) {
				best, found = m, true
			}
		}
	}
	return best, found
}

// IsMountPoint reports whether something is mounted exactly at p.
func IsMountPoint(mounts []Mount, p string) bool {
	p = filepath.Clean(p)
	for _, m := range mounts {
		if m.Point == p {
			return true
		}
	}
	return false
}
