package filesystem

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/baton-ha/baton/ocf"
)

// Monitor checks the mount at the requested depth. Depth 0 reads the mount
// table only; it starts no process and touches neither the device nor the
// filesystem (except the superblock read for LABEL=/UUID= devices).
func (a *agent) Monitor(ctx context.Context, r *ocf.Request) error {
	if child, err := ioChild(r); child {
		return err
	}
	s, err := parseSpec(r)
	if err != nil {
		return err
	}
	st, err := a.inspect(ctx, s)
	if err != nil {
		return err
	}
	if st.mount == nil {
		return ocf.NotRunning
	}
	if st.unsure != nil {
		return ocf.Errorf(ocf.ErrGeneric, "%s is mounted but cannot be checked against the configuration: %v", st.dir, st.unsure)
	}
	if !st.ours {
		r.Log.Warn(fmt.Sprintf("%s is mounted, but not as configured: %s", st.dir, st.why))
		return ocf.NotRunning
	}
	level := r.Env.CheckLevel
	// The I/O checks stop a little before the operation's deadline, so
	// that their own reason (a hung device) is what gets reported.
	if dl, ok := ctx.Deadline(); ok {
		early := time.Until(dl) / 10
		if early > 200*time.Millisecond {
			early = 200 * time.Millisecond
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl.Add(-early))
		defer cancel()
	}
	if level >= 10 && s.kind == kindBlock {
		dev, err := a.cfg.Resolver.Node(st.mount.Major, st.mount.Minor)
		if err != nil {
			return ocf.Errorf(ocf.ErrGeneric, "cannot find the device node of %s for the depth-10 check: %v", st.mount.Source, err)
		}
		if err := a.cfg.IOProbe(ctx, IOOp{Path: dev}); err != nil {
			return err
		}
	} else if level >= 10 {
		r.Log.Debug(fmt.Sprintf("depth-10 device read skipped: %s is a %s", s.device, s.kind))
	}
	if level >= 20 && readOnly(st.mount.Options) {
		r.Log.Debug(fmt.Sprintf("depth-20 status file skipped: %s is mounted read-only", st.dir))
	} else if level >= 20 {
		path, err := a.statusFile(r, st.dir)
		if err != nil {
			return err
		}
		if err := a.cfg.IOProbe(ctx, IOOp{Write: true, Path: path, Data: r.Env.Instance}); err != nil {
			return err
		}
	}
	return nil
}

// statusFile names the depth-20 status file: the prefix, then the
// instance (and clone number) and the node, so that clone instances and
// nodes sharing a filesystem never write the same file.
func (a *agent) statusFile(r *ocf.Request, dir string) (string, error) {
	host, err := a.cfg.Hostname()
	if err != nil {
		return "", ocf.Errorf(ocf.ErrGeneric, "cannot read the node name for the status file: %v", err)
	}
	suffix := r.Env.Instance
	if r.Env.Meta.Clone >= 0 {
		suffix += "_" + strconv.Itoa(r.Env.Meta.Clone)
	}
	suffix += "_" + host
	name := filepath.Join(dir, r.Params.String("statusfile_prefix")+suffix)
	if rel, err := filepath.Rel(dir, name); err != nil || rel == ".." || filepath.IsAbs(rel) || len(rel) >= 3 && rel[:3] == "../" {
		return "", ocf.Errorf(ocf.ErrConfigured, "parameter statusfile_prefix: the status file %s is outside the mount point", name)
	}
	return name, nil
}

// readOnly reports whether a mount's per-mount options (mountinfo's sixth
// field) include ro: no status file can be written there.
func readOnly(opts string) bool {
	for _, o := range strings.Split(opts, ",") {
		if o == "ro" {
			return true
		}
	}
	return false
}
