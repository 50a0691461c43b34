package filesystem

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/baton-ha/baton/agents/filesystem/blockdev"
	"github.com/baton-ha/baton/agents/filesystem/superblock"
	"github.com/baton-ha/baton/ocf"
)

// Start mounts the filesystem; it succeeds at once when it is mounted
// already.
func (a *agent) Start(ctx context.Context, r *ocf.Request) error {
	s, err := parseSpec(r)
	if err != nil {
		return err
	}
	st, err := a.inspect(ctx, s)
	if err != nil {
		return err
	}
	if st.mount != nil && st.unsure != nil {
		return ocf.Errorf(ocf.ErrGeneric, "%s is mounted but cannot be checked against the configuration: %v", st.dir, st.unsure)
	}
	if st.mount != nil {
		if st.ours {
			r.Log.Info(fmt.Sprintf("%s is already mounted on %s", s.device, st.dir))
			return nil
		}
		return ocf.Errorf(ocf.ErrGeneric, "%s is busy: %s; unmount it or choose another directory", st.dir, st.why)
	}
	if err := os.MkdirAll(st.dir, 0o755); err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "cannot create the mount point %s: %v", st.dir, err)
	}
	if fi, err := os.Stat(st.dir); err == nil && !fi.IsDir() {
		return ocf.Errorf(ocf.ErrConfigured, "parameter directory: %s is not a directory", st.dir)
	}
	switch {
	case s.kind == kindBind:
		err = a.bindMount(s, st.dir)
	case s.usesMountCommand():
		err = a.mountCommand(ctx, s, st.dir)
	case s.kind == kindPseudo:
		err = mountErr(unix.Mount(s.device, st.dir, s.fstype, s.opts.Flags, s.opts.Data), s, s.device)
	default:
		err = a.mountBlock(ctx, r, s, st.dir)
	}
	if err != nil {
		return err
	}
	after, err := a.inspect(ctx, s)
	if err != nil {
		return err
	}
	if after.mount == nil || !after.ours {
		return ocf.Errorf(ocf.ErrGeneric, "mounting %s on %s reported success but the mount table does not show it", s.device, st.dir)
	}
	r.Log.Info(fmt.Sprintf("mounted %s on %s", s.device, st.dir))
	return nil
}

func (a *agent) mountBlock(ctx context.Context, r *ocf.Request, s *spec, dir string) error {
	dev, err := bounded(ctx, "resolving "+s.device, func() (string, error) { return a.cfg.Resolver.Resolve(ctx, s.device) })
	if err != nil {
		switch {
		case errors.Is(err, blockdev.ErrNotFound):
			return ocf.Errorf(ocf.ErrInstalled, "device %s not found on this node: %v", s.device, err)
		case errors.Is(err, blockdev.ErrAmbiguous):
			return ocf.Errorf(ocf.ErrArgs, "%v", err)
		}
		return ocf.Errorf(ocf.ErrGeneric, "cannot resolve device %s: %v", s.device, err)
	}
	var sbuf unix.Stat_t
	if err := unix.Stat(dev, &sbuf); err != nil {
		return ocf.Errorf(ocf.ErrInstalled, "device %s: %v", dev, err)
	}
	if sbuf.Mode&unix.S_IFMT != unix.S_IFBLK {
		return ocf.Errorf(ocf.ErrConfigured, "device %s is not a block device (for an image file, add the loop option)", dev)
	}
	sb, sbErr := bounded(ctx, "reading the superblock of "+dev, func() (superblock.Info, error) { return blockdev.Probe(dev) })
	if sbErr != nil && ctx.Err() != nil {
		return sbErr
	}
	if sbErr == nil && superblock.Family(sb.Type) != superblock.Family(s.fstype) {
		return ocf.Errorf(ocf.ErrConfigured, "device %s holds an %s filesystem, not %s: set fstype=%s", dev, sb.Type, s.fstype, sb.Type)
	}
	if sbErr != nil && (superblock.Family(s.fstype) == "ext" || s.fstype == "xfs") {
		r.Log.Warn(fmt.Sprintf("no %s superblock found on %s (%v); trying the mount anyway", s.fstype, dev, sbErr))
	}
	run, why := fsckDecision(r.Params.String("run_fsck"), s.fstype, sb, sbErr)
	if run {
		helper, err := a.fsckHelper(s.fstype)
		if err != nil {
			if r.Params.String("run_fsck") == "auto" && !sb.NeedsCheck {
				r.Log.Info(fmt.Sprintf("no fsck.%s; mounting without a check", s.fstype))
			} else {
				return err
			}
		} else {
			r.Log.Info(fmt.Sprintf("checking %s before mounting: %s", dev, why))
			if err := a.runFsck(ctx, r, helper, dev); err != nil {
				return err
			}
		}
	} else {
		r.Log.Debug("no fsck: " + why)
	}
	return mountErr(unix.Mount(dev, dir, s.fstype, s.opts.Flags, s.opts.Data), s, dev)
}

// bindMount binds the source, then applies further flags (ro, nosuid, ...)
// with a bind remount: the kernel ignores them on the first call.
func (a *agent) bindMount(s *spec, dir string) error {
	bind := uintptr(unix.MS_BIND) | (s.opts.Flags & unix.MS_REC)
	if err := unix.Mount(s.device, dir, "", bind, ""); err != nil {
		return mountErr(err, s, s.device)
	}
	if extra := s.opts.Flags &^ (unix.MS_BIND | unix.MS_REC); extra != 0 {
		if err := unix.Mount("", dir, "", unix.MS_REMOUNT|unix.MS_BIND|extra, ""); err != nil {
			_ = unix.Unmount(dir, 0)
			return ocf.Errorf(ocf.ErrGeneric, "bind-mounted %s on %s but could not apply the options %q (so unmounted it again): %v", s.device, dir, s.options, err)
		}
	}
	return nil
}

// mountCommand mounts with mount(8), for what needs its helpers.
func (a *agent) mountCommand(ctx context.Context, s *spec, dir string) error {
	mount, err := a.cfg.LookPath("mount")
	if err != nil {
		return ocf.Errorf(ocf.ErrInstalled, "mount(8) is not installed: install util-linux")
	}
	args := []string{"-t", s.fstype}
	if s.options != "" {
		args = append(args, "-o", s.options)
	}
	args = append(args, s.device, dir)
	out, err := exec.CommandContext(ctx, mount, args...).CombinedOutput()
	if err != nil {
		if ctx.Err() != nil {
			return ocf.Errorf(ocf.ErrGeneric, "mount %s did not finish within the start timeout (server unreachable?)", s.device)
		}
		return ocf.Errorf(ocf.ErrGeneric, "mount -t %s %s %s failed: %v: %s", s.fstype, s.device, dir, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// mountErr turns mount(2)'s errno into an OCF code and an actionable reason.
func mountErr(err error, s *spec, dev string) error {
	if err == nil {
		return nil
	}
	switch {
	case errors.Is(err, unix.ENODEV):
		return ocf.Errorf(ocf.ErrInstalled, "mounting %s: the kernel has no %s driver: check fstype", dev, s.fstype)
	case errors.Is(err, unix.ENOENT), errors.Is(err, unix.ENXIO):
		return ocf.Errorf(ocf.ErrInstalled, "mounting %s: %v: the device is missing on this node", dev, err)
	case errors.Is(err, unix.ENOTBLK):
		return ocf.Errorf(ocf.ErrConfigured, "mounting %s: not a block device", dev)
	case errors.Is(err, unix.EBUSY):
		return ocf.Errorf(ocf.ErrGeneric, "mounting %s: device busy (mounted elsewhere, or held by another user such as a device-mapper table)", dev)
	case errors.Is(err, unix.EROFS), errors.Is(err, unix.EACCES), errors.Is(err, unix.EMEDIUMTYPE):
		return ocf.Errorf(ocf.ErrGeneric, "mounting %s: %v: the device is read-only here (a DRBD secondary?); add the ro option or promote the device first", dev, err)
	case errors.Is(err, unix.EINVAL):
		return ocf.Errorf(ocf.ErrGeneric, "mounting %s as %s failed: invalid argument: a wrong fstype, an unknown option in %q, or a damaged filesystem (the kernel log says which)", dev, s.fstype, s.opts.Data)
	}
	return ocf.Errorf(ocf.ErrGeneric, "mounting %s on %s failed: %v", dev, s.directory, err)
}
