package filesystem

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/baton-ha/baton/ocf"
)

func params() []ocf.Param {
	return []ocf.Param{
		{Name: "device", Required: true, Shortdesc: "block device",
			Longdesc: `The device to mount: a block device path or symlink, LABEL=label or
UUID=uuid (also the -L label / -U uuid forms), a directory for a bind mount,
or a network filesystem specification (host:/export, //server/share).
LABEL= and UUID= are resolved from /dev/disk/by-label|by-uuid when udev
provides them, else by reading the superblocks (ext2/3/4, xfs) of the
devices in /proc/partitions; a DRBD device is preferred over its backing disk.`},
		{Name: "directory", Required: true, Shortdesc: "mount point",
			Longdesc: "The mount point, an absolute path other than /. It is created when missing."},
		{Name: "fstype", Required: true, Shortdesc: "filesystem type",
			Longdesc: `The filesystem type (ext4, xfs, nfs, ...). Use "none" for bind mounts.
Start fails with OCF_ERR_CONFIGURED when the device holds a filesystem of
another kind, and with OCF_ERR_INSTALLED when the kernel does not support the
type.`},
		{Name: "options", Shortdesc: "options",
			Longdesc: `Mount options, comma-separated, as for mount -o. Generic options (ro,
noatime, nosuid, ...) become mount(2) flags, the rest is passed to the
filesystem. For bind mounts, add "bind" (or "rbind") and set fstype to none;
further flags such as "ro" are applied by a bind remount. Options only
mount(8) understands (loop, offset=, sizelimit=) make the agent use mount(8).`},
		{Name: "statusfile_prefix", Default: ".Filesystem_status/", Check: checkStatusPrefix, Shortdesc: "status file prefix",
			Longdesc: `The prefix, relative to the mount point, of the status file written by the
depth-20 monitor. The file name ends with the resource instance and the node
name. It must stay inside the mount point: no leading / and no ".."
component.`},
		{Name: "run_fsck", Type: ocf.Select, Default: "auto", Choices: []string{"auto", "force", "no"},
			Shortdesc: "run_fsck",
			Longdesc: `When to run fsck -p before mounting. "auto": for ext2/3/4, when the
superblock records errors or an unclean unmount that mount cannot repair by
journal replay; never for xfs (which has no fsck), network, bind or
pseudo filesystems; for other local types, when their fsck helper exists.
"force": always (fails with OCF_ERR_INSTALLED when fsck.FSTYPE is missing).
"no": never.`},
		{Name: "fast_stop", Type: ocf.Boolean, Default: "no", Shortdesc: "fast stop",
			Longdesc: `When true, kill_signals follow term_signals after 100 ms instead of
signal_delay: for users that cannot be trusted to exit on SIGTERM.`},
		{Name: "force_clones", Type: ocf.Boolean, Default: "false",
			Shortdesc: "allow running as a clone, regardless of filesystem type",
			Longdesc: `A local filesystem (ext2/3/4, xfs, btrfs, ...) mounted read-write as a
clone on several nodes is corrupted, so start refuses it (OCF_ERR_CONFIGURED).
Set this to true only when each clone instance has its own device.`},
		{Name: "force_unmount", Default: "true",
			Shortdesc: "Kill processes before unmount",
			Longdesc: `What stop does with processes that keep the mount busy. "true": signal
every process with an open file, working or root directory or memory map in
this mount. "safe": signal only processes with open files in it, found from
/proc/PID/fdinfo without resolving any path. "false": signal nothing; stop
fails while the mount is busy.`},
		{Name: "term_signals", Default: "TERM", Check: checkSignals, Shortdesc: "signals to ask users to exit",
			Longdesc: `Signals (names such as TERM or HUP, or numbers; separated by spaces or
commas) sent first, one per round, each followed by up to signal_delay for
the users to exit.`},
		{Name: "kill_signals", Default: "KILL", Check: checkSignals, Shortdesc: "signals to force users to exit",
			Longdesc: `Signals sent after term_signals, repeated every signal_delay until the
mount is free or the stop timeout is near.`},
		{Name: "signal_delay", Type: ocf.Duration, Default: "1", Check: positiveDuration,
			Shortdesc: "wait after each signal",
			Longdesc: `How long to wait for users to exit after each signal (seconds, or with a
unit: 500ms). The agent retries the unmount as soon as the signalled
processes are gone, so a short stop does not wait the full delay.`},
	}
}

// checkStatusPrefix keeps the depth-20 monitor's status file inside the
// mount point, checked when the configuration is read rather than when the
// first depth-20 monitor would write outside it.
func checkStatusPrefix(v string) error {
	if strings.HasPrefix(v, "/") {
		return errors.New("must be relative to the mount point")
	}
	if strings.ContainsRune(v, 0) {
		return errors.New("contains a NUL byte")
	}
	for _, c := range strings.Split(v, "/") {
		if c == ".." {
			return errors.New(`must not contain a ".." component: the status file would leave the mount point`)
		}
	}
	return nil
}

func positiveDuration(v string) error {
	d, err := ocf.ParseDuration(v)
	if err != nil {
		return err
	}
	if d <= 0 {
		return errors.New("must be more than 0")
	}
	return nil
}

func checkSignals(v string) error {
	_, err := ParseSignals(v)
	return err
}

// ParseSignals reads a list of signal names or numbers.
func ParseSignals(v string) ([]unix.Signal, error) {
	var out []unix.Signal
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' }) {
		if n, err := strconv.Atoi(f); err == nil {
			if n <= 0 || n > 64 {
				return nil, fmt.Errorf("signal %d is out of range", n)
			}
			out = append(out, unix.Signal(n))
			continue
		}
		name := strings.ToUpper(f)
		if !strings.HasPrefix(name, "SIG") {
			name = "SIG" + name
		}
		s := unix.SignalNum(name)
		if s == 0 {
			return nil, fmt.Errorf("unknown signal %q", f)
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, errors.New("name at least one signal")
	}
	return out, nil
}
