package filesystem

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"

	"github.com/baton-ha/baton/agents/filesystem/blockdev"
	"github.com/baton-ha/baton/agents/filesystem/superblock"
)

const msRDONLY = unix.MS_RDONLY

// readMounts parses this process's mount table. It never touches the
// mounted filesystems, so it cannot hang on one.
func (a *agent) readMounts() ([]*mountinfo.Info, error) {
	f, err := os.Open(filepath.Join(a.cfg.Proc, "self", "mountinfo"))
	if err != nil {
		return nil, fmt.Errorf("reading the mount table: %w", err)
	}
	defer f.Close()
	return mountinfo.GetMountsFromReader(f, nil)
}

// canonicalDir resolves symlinks in the parent of dir but not in dir
// itself: looking up a mount point would call into the mounted filesystem,
// which may be hung.
func canonicalDir(dir string) string {
	parent, err := filepath.EvalSymlinks(filepath.Dir(dir))
	if err != nil {
		return dir
	}
	return filepath.Join(parent, filepath.Base(dir))
}

// topMount returns the mount visible at dir: the last one mounted there.
func topMount(mounts []*mountinfo.Info, dir string) *mountinfo.Info {
	var top *mountinfo.Info
	for _, m := range mounts {
		if m.Mountpoint == dir {
			top = m
		}
	}
	return top
}

// submounts returns the mounts below dir, deepest (most recently mounted)
// first: the order they must be unmounted in.
func submounts(mounts []*mountinfo.Info, dir string) []*mountinfo.Info {
	var out []*mountinfo.Info
	for i := len(mounts) - 1; i >= 0; i-- {
		if strings.HasPrefix(mounts[i].Mountpoint, dir+"/") {
			out = append(out, mounts[i])
		}
	}
	return out
}

// state is what the mount table says about a resource.
type state struct {
	mount *mountinfo.Info // the mount at the directory, nil when none
	ours  bool            // and it is this resource's device
	why   string          // why it is not ours
	// unsure is set when the mount could not be compared with the
	// configuration (a device that cannot be resolved or read): not a
	// proof that it is someone else's.
	unsure error
	all    []*mountinfo.Info // the whole table
	dir    string            // the canonical directory
}

// inspect finds the mount at the resource's directory and decides whether
// it is the configured device.
func (a *agent) inspect(ctx context.Context, s *spec) (*state, error) {
	mounts, err := a.readMounts()
	if err != nil {
		return nil, err
	}
	st := &state{all: mounts, dir: canonicalDir(s.directory)}
	st.mount = topMount(mounts, st.dir)
	if st.mount == nil {
		return st, nil
	}
	st.ours, st.why, st.unsure = a.matches(ctx, s, st.mount, mounts)
	return st, nil
}

// matches decides whether m is the configured device: ours, or a reason it
// is not, or an error when it cannot tell.
func (a *agent) matches(ctx context.Context, s *spec, m *mountinfo.Info, all []*mountinfo.Info) (bool, string, error) {
	switch s.kind {
	case kindBlock:
		if s.tagged() {
			// Read the superblock of the mounted device rather than scan
			// every device: one cached read.
			if m.Major == 0 {
				return false, fmt.Sprintf("%s (%s, no block device) is mounted there", m.Source, m.FSType), nil
			}
			node, err := a.cfg.Resolver.Node(m.Major, m.Minor)
			if err != nil {
				return false, "", fmt.Errorf("finding the device node of %s: %w", m.Source, err)
			}
			info, err := bounded(ctx, "reading the superblock of "+node, func() (superblock.Info, error) { return blockdev.Probe(node) })
			if errors.Is(err, superblock.ErrUnknown) {
				// A filesystem whose superblock Baton does not read: fall
				// back to resolving the tag (udev's by-label links).
				dev, rerr := bounded(ctx, "resolving "+s.device, func() (string, error) { return a.cfg.Resolver.Resolve(ctx, s.device) })
				if rerr != nil {
					return false, "", fmt.Errorf("cannot tell whether %s is %s: %w", node, s.device, rerr)
				}
				return sameDevice(dev, m)
			}
			if err != nil {
				return false, "", fmt.Errorf("reading the superblock of %s: %w", node, err)
			}
			kindName, value, _ := blockdev.Tag(s.device)
			got := info.Label
			if kindName == "UUID" {
				got = info.UUID
			}
			if (kindName == "UUID" && strings.EqualFold(got, value)) || got == value {
				return true, "", nil
			}
			return false, fmt.Sprintf("%s (%s %q) is mounted there", node, kindName, got), nil
		}
		path, err := filepath.EvalSymlinks(s.device)
		if err != nil {
			return false, "", fmt.Errorf("%s is mounted there and %s cannot be resolved: %w", m.Source, s.device, err)
		}
		var st unix.Stat_t
		if err := unix.Stat(path, &st); err != nil {
			return false, "", fmt.Errorf("%s is mounted there; %s: %w", m.Source, path, err)
		}
		if st.Mode&unix.S_IFMT == unix.S_IFBLK {
			if unix.Major(st.Rdev) == uint32(m.Major) && unix.Minor(st.Rdev) == uint32(m.Minor) {
				return true, "", nil
			}
			return false, fmt.Sprintf("%s (%d:%d) is mounted there, not %s", m.Source, m.Major, m.Minor, path), nil
		}
		// An image file mounted through mount(8)'s loop option: the
		// kernel only knows the loop device, so go by source name.
		if m.Source == path || m.Source == s.device {
			return true, "", nil
		}
		if len(s.opts.Userspace) > 0 && m.FSType == s.fstype {
			return true, "", nil
		}
		return false, fmt.Sprintf("%s is mounted there", m.Source), nil
	case kindBind:
		return bindMatches(s.device, m, all)
	default:
		if sameSource(m.Source, s.device) && sameType(m.FSType, s.fstype) {
			return true, "", nil
		}
		return false, fmt.Sprintf("%s (%s) is mounted there", m.Source, m.FSType), nil
	}
}

// sameDevice compares a device node with a mount's device number.
func sameDevice(dev string, m *mountinfo.Info) (bool, string, error) {
	var st unix.Stat_t
	if err := unix.Stat(dev, &st); err != nil {
		return false, "", fmt.Errorf("%s: %w", dev, err)
	}
	if unix.Major(st.Rdev) == uint32(m.Major) && unix.Minor(st.Rdev) == uint32(m.Minor) {
		return true, "", nil
	}
	return false, fmt.Sprintf("%s (%d:%d) is mounted there, not %s", m.Source, m.Major, m.Minor, dev), nil
}

// bindMatches reports whether m is a bind mount of src: same device, and
// the mount's root is src's path within its own filesystem.
func bindMatches(src string, m *mountinfo.Info, all []*mountinfo.Info) (bool, string, error) {
	path, err := filepath.EvalSymlinks(src)
	if err != nil {
		return false, "", fmt.Errorf("a mount of %s is there and the bind source %s cannot be resolved: %w", m.Source, src, err)
	}
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return false, "", fmt.Errorf("bind source %s: %w", path, err)
	}
	if unix.Major(st.Dev) != uint32(m.Major) || unix.Minor(st.Dev) != uint32(m.Minor) {
		return false, fmt.Sprintf("%s (%d:%d) is mounted there, not a bind mount of %s", m.Source, m.Major, m.Minor, path), nil
	}
	// The mount that holds src: the deepest mount point above it, other
	// than the bind mount itself.
	var host *mountinfo.Info
	for _, x := range all {
		if x == m {
			continue
		}
		if x.Mountpoint == "/" || path == x.Mountpoint || strings.HasPrefix(path, x.Mountpoint+"/") {
			if host == nil || len(x.Mountpoint) >= len(host.Mountpoint) {
				host = x
			}
		}
	}
	if host == nil {
		return true, "", nil
	}
	rel, err := filepath.Rel(host.Mountpoint, path)
	if err != nil {
		return true, "", nil
	}
	want := filepath.Join(host.Root, rel)
	if m.Root == want {
		return true, "", nil
	}
	return false, fmt.Sprintf("a bind mount of %s is there, not of %s", m.Root, path), nil
}

func sameSource(a, b string) bool {
	trim := func(s string) string {
		if len(s) > 1 {
			s = strings.TrimRight(s, "/")
		}
		return s
	}
	return trim(a) == trim(b)
}

// sameType compares filesystem types as the kernel reports them: an nfs
// mount with vers=4 shows as nfs4, a fuse.X mount as fuse.X or fuse.
func sameType(mounted, configured string) bool {
	norm := func(t string) string {
		switch {
		case t == "nfs4" || t == "efs":
			return "nfs"
		case t == "overlayfs":
			return "overlay"
		case t == "smbfs" || t == "smb3":
			return "cifs"
		case strings.HasPrefix(t, "fuse"):
			return "fuse"
		}
		return t
	}
	return norm(mounted) == norm(configured)
}
