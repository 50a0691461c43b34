package filesystem

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"github.com/baton-ha/baton/agents/filesystem/superblock"
	"github.com/baton-ha/baton/ocf"
)

// noFsck lists types for which auto never runs fsck: journalled or log
// structured filesystems that repair themselves at mount, xfs (whose
// fsck.xfs is a no-op by design), and filesystems not on a local device.
var noFsck = map[string]bool{
	"ext4dev": true, "reiserfs": true, "reiser4": true, "nss": true, "xfs": true, "jfs": true,
	"btrfs": true, "nfs4": true, "nfs": true, "efs": true, "cifs": true, "smbfs": true, "smb3": true,
	"ocfs2": true, "gfs2": true, "none": true, "lustre": true, "glusterfs": true, "ceph": true,
	"tmpfs": true, "overlay": true, "overlayfs": true, "rozofs": true, "zfs": true, "cvfs": true,
}

// fsckDecision says whether to run fsck before mounting, and why.
func fsckDecision(policy, fstype string, sb superblock.Info, sbErr error) (bool, string) {
	switch policy {
	case "no":
		return false, "run_fsck=no"
	case "force":
		return true, "run_fsck=force"
	}
	if superblock.Family(fstype) == "ext" {
		if sbErr != nil {
			return false, "superblock unreadable; leaving it to mount"
		}
		if sb.NeedsCheck {
			return true, sb.Why
		}
		return false, "the superblock says the filesystem is clean"
	}
	if noFsck[fstype] {
		return false, fstype + " needs no fsck before mounting"
	}
	return true, "run_fsck=auto runs fsck for " + fstype
}

// fsckHelper returns the path of fsck.FSTYPE.
func (a *agent) fsckHelper(fstype string) (string, error) {
	p, err := a.cfg.LookPath("fsck." + fstype)
	if err != nil {
		return "", ocf.Errorf(ocf.ErrInstalled, "fsck.%s is not installed (not found in PATH): install the %s tools or set run_fsck=no", fstype, fstype)
	}
	return p, nil
}

// runFsck runs fsck.FSTYPE -p (preen: fix what is safe without asking).
func (a *agent) runFsck(ctx context.Context, r *ocf.Request, helper, dev string) error {
	r.Log.Info(fmt.Sprintf("running %s -p %s", helper, dev))
	cmd := exec.CommandContext(ctx, helper, "-p", dev)
	out, err := cmd.CombinedOutput()
	if err == nil {
		return nil
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return ocf.Errorf(ocf.ErrGeneric, "cannot run %s: %v", helper, err)
	}
	// fsck's exit status is a bit mask: 1 errors corrected, 2 reboot
	// advised (only meaningful for the root filesystem); 4 and up mean
	// errors left or fsck failed.
	code := ee.ExitCode()
	if code > 0 && code&^3 == 0 {
		r.Log.Info(fmt.Sprintf("%s corrected errors on %s: %s", helper, dev, strings.TrimSpace(string(out))))
		return nil
	}
	if ctx.Err() != nil {
		return ocf.Errorf(ocf.ErrGeneric, "%s -p %s did not finish within the start timeout: raise the timeout or run fsck by hand", helper, dev)
	}
	return ocf.Errorf(ocf.ErrGeneric, "%s -p %s exited with %d (errors left uncorrected): run fsck by hand; output: %s",
		helper, dev, code, lastLine(string(out)))
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
