package filesystem

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/baton-ha/baton/ocf"
)

// Validate checks what the declaration cannot: the clone rule, kernel
// support for the filesystem type and the helpers this configuration needs.
// The device itself is looked at only by start: on a DRBD secondary it
// exists but cannot be read, which is no configuration error.
func (a *agent) Validate(ctx context.Context, r *ocf.Request) error {
	if _, ok := r.Env.Vars[ioProbeEnv]; ok {
		return nil
	}
	s, err := parseSpec(r)
	if err != nil {
		return err
	}
	if err := checkClone(r, s); err != nil {
		return err
	}
	if err := a.fstypeSupported(ctx, r, s); err != nil {
		return err
	}
	if s.usesMountCommand() {
		if _, err := a.cfg.LookPath("mount"); err != nil {
			return ocf.Errorf(ocf.ErrInstalled, "mount(8) is not installed (not found in PATH); it is needed for %s: install util-linux", s.device)
		}
		if h := mountHelper(s.fstype); h != "" {
			if _, err := a.cfg.LookPath(h); err != nil {
				return ocf.Errorf(ocf.ErrInstalled, "%s is not installed (not found in PATH); mount(8) needs it for %s filesystems", h, s.fstype)
			}
		}
	}
	if s.kind == kindBlock && r.Params.String("run_fsck") == "force" {
		if _, err := a.fsckHelper(s.fstype); err != nil {
			return err
		}
	}
	if s.kind == kindBind {
		if _, err := os.Stat(s.device); err != nil {
			return ocf.Errorf(ocf.ErrInstalled, "bind mount source %s: %v", s.device, err)
		}
	}
	return nil
}

// mountHelper names the mount(8) helper a network filesystem needs.
func mountHelper(fstype string) string {
	switch fstype {
	case "nfs", "nfs4", "efs":
		return "mount.nfs"
	case "cifs", "smbfs", "smb3":
		return "mount.cifs"
	case "glusterfs":
		return "mount.glusterfs"
	case "zfs":
		return "mount.zfs"
	}
	return ""
}

// kernelName is the name under which /proc/filesystems lists support for
// fstype.
func kernelName(fstype string) string {
	switch {
	case strings.HasPrefix(fstype, "fuse."), fstype == "glusterfs", fstype == "rozofs", fstype == "sshfs":
		return "fuse"
	case fstype == "efs":
		return "nfs4"
	case fstype == "overlayfs":
		return "overlay"
	case fstype == "smbfs", fstype == "smb3":
		return "cifs"
	}
	return fstype
}

func (a *agent) kernelSupports(name string) (bool, error) {
	f, err := os.Open(filepath.Join(a.cfg.Proc, "filesystems"))
	if err != nil {
		return false, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fl := strings.Fields(sc.Text())
		if len(fl) > 0 && fl[len(fl)-1] == name {
			return true, nil
		}
	}
	return false, sc.Err()
}

// fstypeSupported checks /proc/filesystems and, when the type is missing,
// tries modprobe once.
func (a *agent) fstypeSupported(ctx context.Context, r *ocf.Request, s *spec) error {
	if s.kind == kindBind || s.fstype == "none" {
		return nil
	}
	name := kernelName(s.fstype)
	ok, err := a.kernelSupports(name)
	if err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "cannot read %s/filesystems: %v", a.cfg.Proc, err)
	}
	if ok {
		return nil
	}
	modprobe, err := a.cfg.LookPath("modprobe")
	if err != nil {
		return ocf.Errorf(ocf.ErrInstalled,
			"the kernel does not support filesystem type %s (not in /proc/filesystems) and modprobe is not installed to load it: check fstype, or install kmod", s.fstype)
	}
	out, err := exec.CommandContext(ctx, modprobe, name).CombinedOutput()
	if err != nil {
		return ocf.Errorf(ocf.ErrInstalled, "the kernel does not support filesystem type %s and modprobe %s failed (%s): check fstype",
			s.fstype, name, strings.TrimSpace(string(out)))
	}
	if ok, _ := a.kernelSupports(name); !ok {
		return ocf.Errorf(ocf.ErrInstalled, "modprobe %s succeeded but the kernel still does not list %s in /proc/filesystems", name, name)
	}
	r.Log.Info(fmt.Sprintf("loaded kernel support for %s", name))
	return nil
}
