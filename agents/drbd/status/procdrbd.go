package status

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Proc is what /proc/drbd says: the module's version and, on 8.4, the state
// of every configured minor. DRBD 9's /proc/drbd has the version only.
type Proc struct {
	Version string // e.g. "8.4.11"
	API     string // e.g. "1"
	Minors  map[int]Minor
}

// Minor is one device line of 8.4's /proc/drbd.
type Minor struct {
	Conn     string // cs: Connected, StandAlone, WFConnection, SyncSource, Unconfigured, ...
	Role     Role   // ro: local
	PeerRole Role
	Disk     Disk // ds: local
	PeerDisk Disk
	Done     string // resync progress in percent, when a "sync'ed:" line follows
}

var (
	procVersion = regexp.MustCompile(`^version: (\d+\.\d+\.\d+)\S* \(api:(\d+)`)
	procMinor   = regexp.MustCompile(`^\s*(\d+): cs:(\S+)(?: ro:(\S+)/(\S+) ds:(\S+)/(\S+))?`)
	procSynced  = regexp.MustCompile(`sync'ed:\s*([0-9.]+)%`)
)

// ErrNoModule is returned when /proc/drbd does not exist: the kernel module
// is not loaded.
var ErrNoModule = errors.New("/proc/drbd does not exist: the drbd kernel module is not loaded")

// ReadProc reads /proc/drbd under root (a procfs mount point, "/proc" in
// production, a fixture tree in tests).
func ReadProc(root string) (*Proc, error) {
	b, err := os.ReadFile(filepath.Join(root, "drbd"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNoModule
	}
	if err != nil {
		return nil, err
	}
	return ParseProc(string(b))
}

// ParseProc parses the text of /proc/drbd.
func ParseProc(text string) (*Proc, error) {
	p := &Proc{Minors: map[int]Minor{}}
	last := -1
	for _, line := range strings.Split(text, "\n") {
		if m := procVersion.FindStringSubmatch(line); m != nil {
			p.Version, p.API = m[1], m[2]
			continue
		}
		if m := procMinor.FindStringSubmatch(line); m != nil {
			n, _ := strconv.Atoi(m[1])
			mi := Minor{Conn: m[2], Role: Unknown, PeerRole: Unknown}
			if m[3] != "" {
				mi.Role, mi.PeerRole = Role(m[3]), Role(m[4])
				mi.Disk, mi.PeerDisk = Disk(m[5]), Disk(m[6])
			}
			p.Minors[n] = mi
			last = n
			continue
		}
		if m := procSynced.FindStringSubmatch(line); m != nil && last >= 0 {
			mi := p.Minors[last]
			mi.Done = m[1]
			p.Minors[last] = mi
		}
	}
	if p.Version == "" {
		return nil, fmt.Errorf("/proc/drbd has no version line: %q", firstLine(text))
	}
	return p, nil
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// Major returns the major version number (8 or 9), 0 when unknown.
func (p *Proc) Major() int {
	n, _ := strconv.Atoi(strings.SplitN(p.Version, ".", 2)[0])
	return n
}

// CompareVersions compares dotted versions x.y.z numerically: -1, 0 or 1.
// Malformed parts count as 0.
func CompareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) || i < len(bs); i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
	}
	return 0
}
