// Package holders finds the processes that keep a mount busy, by walking
// /proc: open files, working directory, root directory and memory-mapped
// files. It is Baton's replacement for fuser, with two differences that
// matter to a cluster stop:
//
//   - A use is matched by mount ID, not by device or path. A process whose
//     working directory is a parent of the mount point, or that uses another
//     bind mount of the same device, is not a user of this mount, and
//     unmounting never waits for it; so it is never reported.
//   - Nothing here calls into the filesystem being unmounted: open files are
//     read from /proc/PID/fdinfo (mnt_id), and links are resolved with
//     statx(AT_STATX_DONT_SYNC), which reports the mount without asking a
//     (possibly hung) server.
//
// A Table is rooted at a directory passed in, so tests run on fixture trees.
package holders

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

	"golang.org/x/sys/unix"
)

// Target is a mount whose users are sought.
type Target struct {
	MountID      int // the ID in /proc/PID/mountinfo, which fdinfo's mnt_id and statx's stx_mnt_id also give
	Major, Minor uint32
}

// Mode selects what counts as a use.
type Mode int

const (
	// All counts open files, working and root directories and memory maps:
	// everything that makes umount fail with EBUSY.
	All Mode = iota
	// OpenFiles counts open file descriptors only, found from fdinfo
	// without resolving any path (force_unmount=safe).
	OpenFiles
)

// Use is one process that holds a target.
type Use struct {
	PID  int
	Comm string
	// Why lists what holds the mount, e.g. "fd 3 (/data/log)", "cwd",
	// "mmap /data/lib.so".
	Why []string
}

func (u Use) String() string {
	return fmt.Sprintf("%d (%s): %s", u.PID, u.Comm, strings.Join(u.Why, ", "))
}

// Table reads processes from a proc filesystem.
type Table struct {
	Root string // "/proc"
	// MountIDOf returns the mount ID of the object a /proc link points to;
	// nil means statx with AT_STATX_DONT_SYNC.
	MountIDOf func(path string) (int, error)
}

// Host returns the table of the running system.
func Host() *Table { return &Table{Root: "/proc"} }

// Find returns the processes that use any of the targets, by PID. Processes
// that vanish while being read are skipped.
func (t *Table) Find(targets []Target, mode Mode) ([]Use, error) {
	ents, err := os.ReadDir(t.Root)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", t.Root, err)
	}
	ids := map[int]bool{}
	devs := map[[2]uint32]bool{}
	for _, tg := range targets {
		ids[tg.MountID] = true
		devs[[2]uint32{tg.Major, tg.Minor}] = true
	}
	var out []Use
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid <= 0 {
			continue
		}
		dir := filepath.Join(t.Root, e.Name())
		why := t.fds(dir, ids)
		if mode == All {
			for _, l := range []string{"cwd", "root"} {
				if id, err := t.mountID(filepath.Join(dir, l)); err == nil && ids[id] {
					why = append(why, l)
				}
			}
			why = append(why, t.maps(dir, ids, devs)...)
		}
		if len(why) > 0 {
			out = append(out, Use{PID: pid, Comm: comm(dir), Why: why})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PID < out[j].PID })
	return out, nil
}

func (t *Table) mountID(path string) (int, error) {
	if t.MountIDOf != nil {
		return t.MountIDOf(path)
	}
	return StatxMountID(path)
}

// StatxMountID returns the mount ID of what path resolves to, without
// asking the filesystem to revalidate (no round trip to an NFS server).
func StatxMountID(path string) (int, error) {
	var st unix.Statx_t
	if err := unix.Statx(unix.AT_FDCWD, path, unix.AT_STATX_DONT_SYNC, unix.STATX_MNT_ID, &st); err != nil {
		return 0, err
	}
	if st.Mask&unix.STATX_MNT_ID == 0 {
		return 0, errors.New("kernel did not report a mount ID (needs Linux 5.8)")
	}
	return int(st.Mnt_id), nil
}

// fds checks each open descriptor's fdinfo for a target mnt_id. Sockets,
// pipes and anonymous inodes (most descriptors of a daemon) are skipped by
// their link text, one readlink instead of reading fdinfo.
func (t *Table) fds(dir string, ids map[int]bool) []string {
	ents, err := os.ReadDir(filepath.Join(dir, "fd"))
	if err != nil {
		return nil
	}
	var why []string
	for _, e := range ents {
		target, err := os.Readlink(filepath.Join(dir, "fd", e.Name()))
		if err != nil || !strings.HasPrefix(target, "/") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, "fdinfo", e.Name()))
		if err != nil {
			continue
		}
		id, ok := fdinfoMountID(b)
		if !ok || !ids[id] {
			continue
		}
		why = append(why, fmt.Sprintf("fd %s (%s)", e.Name(), target))
	}
	return why
}

// fdinfoMountID reads the mnt_id line of a /proc/PID/fdinfo/N file.
func fdinfoMountID(b []byte) (int, bool) {
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if rest, ok := bytes.CutPrefix(line, []byte("mnt_id:")); ok {
			n, err := strconv.Atoi(string(bytes.TrimSpace(rest)))
			return n, err == nil
		}
	}
	return 0, false
}

// maps looks for file mappings on a target device, then confirms the mount
// through map_files (a bind mount elsewhere shares the device).
func (t *Table) maps(dir string, ids map[int]bool, devs map[[2]uint32]bool) []string {
	f, err := os.Open(filepath.Join(dir, "maps"))
	if err != nil {
		return nil
	}
	defer f.Close()
	// The kernel prints the device as %02x:%02x; looking for those
	// strings in the device field avoids parsing the many lines (shared
	// libraries, anonymous memory) that cannot match.
	want := make([]string, 0, len(devs))
	for d := range devs {
		want = append(want, fmt.Sprintf("%02x:%02x", d[0], d[1]))
	}
	var why []string
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !devFieldIn(line, want) {
			continue
		}
		m, ok := ParseMapsLine(line)
		if !ok || m.Inode == 0 || !devs[[2]uint32{m.Major, m.Minor}] || seen[m.Path] {
			continue
		}
		id, err := t.mountID(filepath.Join(dir, "map_files", m.Range))
		if err != nil {
			continue // the mapping went away, or the process did
		}
		if ids[id] {
			seen[m.Path] = true
			why = append(why, "mmap "+m.Path)
		}
	}
	return why
}

// devFieldIn reports whether the fourth field of a maps line is one of
// want.
func devFieldIn(line string, want []string) bool {
	rest := line
	for i := 0; i < 3; i++ {
		j := strings.IndexByte(rest, ' ')
		if j < 0 {
			return false
		}
		rest = strings.TrimLeft(rest[j:], " ")
	}
	j := strings.IndexByte(rest, ' ')
	if j < 0 {
		j = len(rest)
	}
	field := rest[:j]
	for _, w := range want {
		if field == w {
			return true
		}
	}
	return false
}

// Mapping is one line of /proc/PID/maps.
type Mapping struct {
	Range        string // "start-end", the name of the map_files entry
	Major, Minor uint32
	Inode        uint64
	Path         string
}

// ParseMapsLine parses one line of /proc/PID/maps:
// "start-end perms offset major:minor inode [path]".
func ParseMapsLine(line string) (Mapping, bool) {
	var m Mapping
	fl := strings.Fields(line)
	if len(fl) < 5 {
		return m, false
	}
	if !strings.Contains(fl[0], "-") {
		return m, false
	}
	m.Range = fl[0]
	maj, min, ok := strings.Cut(fl[3], ":")
	if !ok {
		return m, false
	}
	a, err1 := strconv.ParseUint(maj, 16, 32)
	b, err2 := strconv.ParseUint(min, 16, 32)
	ino, err3 := strconv.ParseUint(fl[4], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return m, false
	}
	m.Major, m.Minor, m.Inode = uint32(a), uint32(b), ino
	if len(fl) > 5 {
		// Paths may contain spaces; take everything after the inode field.
		rest := line
		for i := 0; i < 5; i++ {
			rest = strings.TrimLeft(rest, " \t")
			if j := strings.IndexAny(rest, " \t"); j >= 0 {
				rest = rest[j:]
			} else {
				rest = ""
			}
		}
		m.Path = strings.TrimLeft(rest, " \t")
	}
	return m, true
}

func comm(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "comm"))
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(b))
}

// Alive reports whether the process still exists and is not a zombie (a
// zombie has released its files, so it no longer holds anything).
func (t *Table) Alive(pid int) bool {
	b, err := os.ReadFile(filepath.Join(t.Root, strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	// "pid (comm) S ...": the state follows the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return false
	}
	s := b[i+2]
	return s != 'Z' && s != 'X'
}
