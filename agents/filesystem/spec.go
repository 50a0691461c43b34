package filesystem

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/baton-ha/baton/agents/filesystem/blockdev"
	"github.com/baton-ha/baton/ocf"
)

// kind is how a device is mounted and matched.
type kind int

const (
	kindBlock   kind = iota // a block device: mount(2), matched by device number
	kindBind                // a directory: MS_BIND, matched by device and root
	kindNetwork             // nfs, cifs, ...: mount(8), matched by source
	kindPseudo              // tmpfs, overlay, ...: mount(2), matched by source and type
	kindDataset             // a ZFS dataset (pool/name): mount(8) with mount.zfs, matched by source and type
)

func (k kind) String() string {
	return [...]string{"block device", "bind mount", "network filesystem", "pseudo filesystem", "ZFS dataset"}[k]
}

// spec is one resource's configuration, checked.
type spec struct {
	device    string
	directory string // cleaned, absolute
	fstype    string
	options   string
	opts      MountOptions
	kind      kind
}

var networkTypes = map[string]bool{
	"nfs": true, "nfs4": true, "efs": true, "cifs": true, "smbfs": true, "smb3": true,
	"glusterfs": true, "ceph": true, "lustre": true, "9p": true, "sshfs": true, "rozofs": true,
}

var pseudoTypes = map[string]bool{
	"tmpfs": true, "ramfs": true, "overlay": true, "overlayfs": true, "proc": true,
	"sysfs": true, "devtmpfs": true, "hugetlbfs": true, "mqueue": true,
}

func parseSpec(r *ocf.Request) (*spec, error) {
	s := &spec{
		device:  strings.TrimSpace(r.Params.String("device")),
		fstype:  strings.TrimSpace(r.Params.String("fstype")),
		options: strings.TrimSpace(r.Params.String("options")),
	}
	dir := strings.TrimSpace(r.Params.String("directory"))
	if !filepath.IsAbs(dir) {
		return nil, ocf.Errorf(ocf.ErrConfigured, "parameter directory: %q is not an absolute path", dir)
	}
	s.directory = filepath.Clean(dir)
	if s.directory == "/" {
		return nil, ocf.Errorf(ocf.ErrConfigured, "parameter directory: refusing to manage a mount on /")
	}
	o, err := ParseOptions(s.options)
	if err != nil {
		return nil, ocf.Errorf(ocf.ErrConfigured, "parameter options: %v", err)
	}
	s.opts = o
	switch {
	case o.Bind:
		s.kind = kindBind
		if !filepath.IsAbs(s.device) {
			return nil, ocf.Errorf(ocf.ErrConfigured, "parameter device: a bind mount needs an absolute path, not %q", s.device)
		}
		s.device = filepath.Clean(s.device)
	case networkTypes[s.fstype] || strings.HasPrefix(s.fstype, "fuse.") || strings.HasPrefix(s.device, "//") ||
		(!strings.HasPrefix(s.device, "/") && strings.Contains(s.device, ":/")):
		s.kind = kindNetwork
	case pseudoTypes[s.fstype]:
		s.kind = kindPseudo
	case s.fstype == "zfs":
		// The reference passes the dataset to mount(8), whose mount.zfs
		// helper mounts it (mountpoint=legacy).
		s.kind = kindDataset
		if err := checkDataset(s.device); err != nil {
			return nil, ocf.Errorf(ocf.ErrConfigured, "parameter device: %v", err)
		}
	default:
		s.kind = kindBlock
		if _, _, tag := blockdev.Tag(s.device); !tag && !filepath.IsAbs(s.device) {
			return nil, ocf.Errorf(ocf.ErrConfigured,
				"parameter device: %q is neither an absolute path, LABEL=, UUID= nor a network filesystem", s.device)
		}
	}
	if s.fstype == "" || (s.fstype == "none" && s.kind != kindBind) {
		return nil, ocf.Errorf(ocf.ErrConfigured, "parameter fstype: name the filesystem type (none is only for bind mounts)")
	}
	return s, nil
}

// usesMountCommand reports whether the mount needs mount(8) and its
// helpers rather than mount(2).
func (s *spec) usesMountCommand() bool {
	return s.kind == kindNetwork || s.kind == kindDataset || len(s.opts.Userspace) > 0
}

// checkDataset checks a ZFS dataset name: pool[/name...], as zfs(8) names
// them, and nothing mount(8) could read as an option or a path.
func checkDataset(d string) error {
	if d == "" || strings.HasPrefix(d, "-") || strings.HasPrefix(d, "/") || strings.HasSuffix(d, "/") ||
		strings.Contains(d, "//") || strings.ContainsAny(d, " \t\n,") {
		return fmt.Errorf("%q is not a ZFS dataset name (pool/dataset)", d)
	}
	for _, c := range strings.Split(d, "/") {
		if c == "." || c == ".." {
			return fmt.Errorf("%q is not a ZFS dataset name (pool/dataset)", d)
		}
	}
	return nil
}

// tagged reports whether the device is given as LABEL= or UUID=.
func (s *spec) tagged() bool {
	_, _, ok := blockdev.Tag(s.device)
	return ok
}

// localType reports whether fstype is a filesystem that must be mounted on
// one node at a time.
func localType(fstype string) bool {
	switch fstype {
	case "ext2", "ext3", "ext4", "ext4dev", "xfs", "jfs", "reiserfs", "reiser4", "btrfs", "vfat", "f2fs":
		return true
	}
	return false
}

// clusterSafe lists types the reference agent allows as clones.
func clusterSafe(fstype string) bool {
	switch fstype {
	case "nfs", "nfs4", "efs", "smbfs", "cifs", "smb3", "none", "gfs2", "glusterfs", "ceph", "ocfs2",
		"overlay", "overlayfs", "tmpfs", "cvfs", "lustre":
		return true
	}
	return false
}

// checkClone refuses a local filesystem in a clone, which would be mounted
// read-write on several nodes at once.
func checkClone(r *ocf.Request, s *spec) error {
	if !r.Env.Meta.IsClone() || clusterSafe(s.fstype) || s.kind == kindBind {
		return nil
	}
	if r.Params.Bool("force_clones") {
		r.Log.Warn(fmt.Sprintf("%s on %s is not cluster-aware; running as a clone because force_clones is set", s.fstype, s.device))
		return nil
	}
	if s.opts.Flags&msRDONLY != 0 {
		r.Log.Warn(fmt.Sprintf("%s on %s is not cluster-aware; allowed as a clone because it is mounted read-only", s.fstype, s.device))
		return nil
	}
	return ocf.Errorf(ocf.ErrConfigured,
		"%s on %s is not cluster-aware and would be corrupted when mounted on several nodes: do not run it as a clone (or set force_clones=true if each node has its own device)",
		s.fstype, s.device)
}

func bounded[T any](ctx context.Context, what string, f func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := f()
		ch <- result{v, err}
	}()
	select {
	case res := <-ch:
		return res.v, res.err
	case <-ctx.Done():
		var zero T
		return zero, ocf.Errorf(ocf.ErrGeneric, "%s did not finish before the operation's deadline: the device may be hung", what)
	}
}
