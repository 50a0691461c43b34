// Package exportfs is ocf:baton:exportfs: one NFS export that fails over with
// its data. The fsid is required and must be the same on every node, so
// that the file handles clients hold stay valid on the node that takes
// over. With the kernel server it drives exportfs(8) and checks the export
// table; with NFS-Ganesha it writes an export file that the server's
// configuration includes and makes the running server re-read its exports.
package exportfs

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/baton-ha/baton/agents/nfsbackend/clientspec"
	"github.com/baton-ha/baton/agents/nfsbackend/ganesha"
	"github.com/baton-ha/baton/agents/nfsbackend/hostsys"
	"github.com/baton-ha/baton/agents/nfsbackend/nfsdfs"
	"github.com/baton-ha/baton/ocf"
)

// Config holds the agent's dependencies.
type Config struct {
	// Root is the procfs-style root host paths are taken below ("/").
	Root     string
	Sys      hostsys.System
	LookPath func(string) (string, error)
	Poll     time.Duration
	// LocalAddrs lists this node's addresses; nil lists the interfaces'.
	// Ganesha is asked for its exports from one the clientspec admits.
	LocalAddrs func() ([]netip.Addr, error)
	// FreeBytes returns the space left on the filesystem holding a host
	// path; nil asks the kernel (statfs). Start uses it to explain an
	// export table that exportfs(8) could not write.
	FreeBytes func(path string) (uint64, error)
	// Wait waits d or until ctx ends (nil: a real timer); tests pass one
	// that records the lease wait instead of taking it.
	Wait func(ctx context.Context, d time.Duration) error
	// ExportWait bounds the wait for the export table (or Ganesha) to show
	// a change; zero means exportWait.
	ExportWait time.Duration
}

// New returns the agent with production dependencies.
func New() *ocf.Agent { return NewWith(Config{}) }

// NewWith returns the agent with the given dependencies.
func NewWith(c Config) *ocf.Agent {
	if c.Root == "" {
		c.Root = "/"
	}
	if c.Sys == nil {
		c.Sys = hostsys.HostSystem{Root: c.Root}
	}
	if c.LookPath == nil {
		c.LookPath = exec.LookPath
	}
	if c.Poll == 0 {
		c.Poll = 20 * time.Millisecond
	}
	if c.LocalAddrs == nil {
		c.LocalAddrs = hostsys.LocalAddrs
	}
	if c.Wait == nil {
		c.Wait = wait
	}
	if c.ExportWait == 0 {
		c.ExportWait = exportWait
	}
	e := &export{cfg: c, fs: nfsdfs.New(c.Root)}
	if e.cfg.FreeBytes == nil {
		e.cfg.FreeBytes = e.fs.FreeBytes
	}
	return &ocf.Agent{
		Name:      "exportfs",
		Version:   "1.0",
		Shortdesc: "Manages one NFS export (kernel nfsd or NFS-Ganesha)",
		Longdesc: `Exports a directory over NFS to a client specification, with a fixed fsid
so that file handles survive a failover.

With the kernel server it runs exportfs -o / -u and monitors the kernel's
export table (/var/lib/nfs/etab, which rpc.mountd serves the kernel from).
With NFS-Ganesha it writes one export file into ganesha_dir/exports.d, which
the ganesha.conf of ocf:baton:nfsserver includes, and sends the server
SIGHUP so that it adds, changes or removes the export at run time. Start
fails when Ganesha's log shows errors about the export's file after the
re-read; when NFSv3 is served and this node has an address the clientspec
admits (127.0.0.1 for *, or an address in a listed network), the export is
also checked with a MOUNT EXPORT call from that address (Ganesha lists only
what the caller may mount).`,
		Params: []ocf.Param{
			{Name: "clientspec", Required: true, Check: checkClientspec, Shortdesc: "Client specification",
				Longdesc: "Who may mount: a host name, an IPv4 or IPv6 address, a network (192.168.0.0/24, 10.0.0.0/255.255.0.0, fd00::/64), a netgroup (@group), a wildcard (*.example.com) or * for everyone, as in exports(5). Several are separated by spaces or commas. Anything else is refused by validate-all."},
			{Name: "options", Shortdesc: "Export options",
				Longdesc: "Kernel export options (exports(5)), e.g. rw,no_root_squash,sync. With Ganesha: rw, ro, root_squash, no_root_squash, all_squash, anonuid=, anongid= and sec= are translated, kernel-only tuning options are ignored, others are rejected."},
			{Name: "directory", Required: true, Check: checkDirectory, Shortdesc: "Exported directory",
				Longdesc: "The directory to export, normally on the failover filesystem (a directory on the root filesystem is exported too, with a warning: its data does not move with the resource). One directory per resource: ocf:heartbeat:exportfs also takes several separated by white space (with fsids counting up from fsid); Baton refuses that, so that each export has its own fsid, monitor and failure. Not unique: two resources may export one directory to different clients."},
			{Name: "fsid", Required: true, Shortdesc: "File system id",
				Longdesc: "The fsid of the export: the same on every node, so that clients' file handles stay valid after a failover. A number (1 to 65535 with Ganesha, where it is the Export_Id), root, or a UUID (kernel only)."},
			{Name: "unlock_on_stop", Type: ocf.Boolean, Default: "true", Shortdesc: "Release locks on stop",
				Longdesc: "Kernel: on stop, release all NLM locks held on the export's filesystem (/proc/fs/nfsd/unlock_filesystem), so that it can be unmounted and the clients reclaim them on the other node. On by default, as in ocf:heartbeat:exportfs; turn it off only when another resource exports a directory of the same filesystem. Skipped where the kernel has no unlock_filesystem. Ganesha drops an export's state with the export."},
			{Name: "wait_for_leasetime_on_stop", Type: ocf.Boolean, Default: "false", Shortdesc: "Wait one lease on stop",
				Longdesc: "On stop, wait the server's configured NFSv4 lease (not a fixed 90 s), so that clients notice the export went away before it comes up elsewhere."},
			{Name: "rmtab_backup", Default: ".rmtab", Shortdesc: "rmtab backup file",
				Longdesc: "Kernel: on stop, the export's entries of /var/lib/nfs/rmtab are saved in this file, relative to the exported directory, and restored on start. \"none\" disables it."},
			{Name: "server", Type: ocf.Select, Choices: []string{"auto", "kernel", "ganesha"}, Default: "auto",
				Shortdesc: "NFS server implementation",
				Longdesc:  "auto: ganesha when ocf:baton:nfsserver runs Ganesha on this node (its ganesha_dir holds the server state), kernel otherwise. Ganesha serves no NLM: NFSv3 clients of a Ganesha export must mount with nolock."},
			{Name: "ganesha_dir", Default: ganesha.DefaultDir, Shortdesc: "Ganesha's node-local directory",
				Longdesc: "Must match nfsserver's ganesha_dir."},
		},
		Actions: []ocf.ActionSpec{
			{Name: ocf.ActionStart, Timeout: 40 * time.Second},
			{Name: ocf.ActionStop, Timeout: 120 * time.Second},
			{Name: ocf.ActionMonitor, Timeout: 20 * time.Second, Interval: 10 * time.Second},
			{Name: ocf.ActionMetaData, Timeout: 5 * time.Second},
			{Name: ocf.ActionValidateAll, Timeout: 30 * time.Second},
		},
		Impl: e,
	}
}

type export struct {
	cfg Config
	fs  nfsdfs.FS
}

type settings struct {
	clients   []clientspec.Client
	spec      string
	options   string
	dir       string
	fsid      string
	unlock    bool
	waitLease bool
	rmtab     string
	backend   string
	gdir      ganesha.Dir
}

func (e *export) resolve(r *ocf.Request) settings {
	p := r.Params
	st := settings{
		clients:   mustClients(p.String("clientspec")),
		spec:      p.String("clientspec"),
		options:   strings.TrimSpace(p.String("options")),
		dir:       filepath.Clean(p.String("directory")),
		fsid:      strings.TrimSpace(p.String("fsid")),
		unlock:    p.Bool("unlock_on_stop"),
		waitLease: p.Bool("wait_for_leasetime_on_stop"),
		rmtab:     p.String("rmtab_backup"),
		backend:   p.String("server"),
		gdir:      ganesha.Dir(p.String("ganesha_dir")),
	}
	if st.backend == "auto" {
		st.backend = "kernel"
		// Ganesha when nfsserver runs it here, or when this resource's
		// export file is still there (a stop after nfsserver's must still
		// remove it).
		for _, f := range []string{st.gdir.StateFile(), st.gdir.ExportFile(r.Env.Instance)} {
			if _, err := os.Stat(f); err == nil {
				st.backend = "ganesha"
			}
		}
	}
	return st
}

func (e *export) Validate(_ context.Context, r *ocf.Request) error {
	st := e.resolve(r)
	if !filepath.IsAbs(st.dir) {
		return ocf.Errorf(ocf.ErrConfigured, "directory %q must be an absolute path", r.Params.String("directory"))
	}
	if len(st.clients) == 0 {
		return ocf.Errorf(ocf.ErrConfigured, "clientspec is empty: name the clients (or * for all)")
	}
	if err := checkFsid(st.fsid, st.backend); err != nil {
		return err
	}
	mounts, err := e.fs.Mounts()
	if err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "read the mount table: %v", err)
	}
	m, ok := nfsdfs.MountOf(mounts, st.dir)
	if fi, err := os.Stat(e.fs.Path(st.dir)); err != nil || !fi.IsDir() {
		if !ok || m.Point == "/" {
			return ocf.Errorf(ocf.ErrConfigured, "export directory %s does not exist (and no filesystem is mounted on its path): start the Filesystem resource first and order exportfs after it, or create the directory", st.dir)
		}
		return ocf.Errorf(ocf.ErrConfigured, "export directory %s does not exist on %s: create it there", st.dir, m.Point)
	}
	if !ok || m.Point == "/" {
		// The reference exports it; so does Baton, but the data stays on
		// this node when the resource moves.
		r.Log.Warn("export directory is on the root filesystem: its data does not move with the resource", "directory", st.dir)
	}
	if st.backend == "ganesha" {
		if _, ignored, err := ganesha.FromKernelOptions(1, st.dir, st.spec, st.options); err != nil {
			return ocf.Errorf(ocf.ErrConfigured, "options: %v", err)
		} else if len(ignored) > 0 {
			r.Log.Info("export options without effect under Ganesha", "options", strings.Join(ignored, ","))
		}
		return nil
	}
	if _, err := e.cfg.LookPath("exportfs"); err != nil {
		return ocf.Errorf(ocf.ErrInstalled, "exportfs is not installed: install nfs-kernel-server (or use server=ganesha)")
	}
	return nil
}

// checkDirectory refuses several directories in one resource, which
// ocf:heartbeat:exportfs accepts (separated by white space, fsids counting
// up): one export per resource keeps fsid, monitor and failure per export.
func checkDirectory(v string) error {
	if f := strings.Fields(v); len(f) > 1 {
		return fmt.Errorf("several directories (%d) in one resource are not supported: make one exportfs resource per directory, each with its own fsid", len(f))
	}
	return nil
}

// checkClientspec refuses what neither exportfs(8) nor Ganesha's
// configuration can take as clients, before anything is started.
func checkClientspec(v string) error {
	_, err := clientspec.Parse(v)
	return err
}

// mustClients parses a clientspec that checkClientspec accepted (the
// parameter was checked before the action ran).
func mustClients(v string) []clientspec.Client {
	cs, _ := clientspec.Parse(v)
	return cs
}

// checkFsid accepts what exports(5) accepts; Ganesha needs a number, as
// it becomes the Export_Id inside every file handle.
func checkFsid(fsid, backend string) error {
	if fsid == "" {
		return ocf.Errorf(ocf.ErrConfigured, "fsid is required: set the same number on every node, so that file handles survive a failover")
	}
	n, err := strconv.Atoi(fsid)
	if backend == "ganesha" {
		if err != nil || n < 1 || n > 65535 {
			return ocf.Errorf(ocf.ErrConfigured, "fsid %q: Ganesha needs a number from 1 to 65535 (it becomes the Export_Id in file handles)", fsid)
		}
		return nil
	}
	if err == nil {
		if n < 0 {
			return ocf.Errorf(ocf.ErrConfigured, "fsid %q must not be negative", fsid)
		}
		return nil
	}
	if fsid == "root" || isUUID(fsid) {
		return nil
	}
	return ocf.Errorf(ocf.ErrConfigured, "fsid %q is neither a number, root nor a UUID", fsid)
}

func isUUID(s string) bool {
	h := strings.ReplaceAll(s, "-", "")
	if len(h) != 32 {
		return false
	}
	for _, c := range h {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

func (e *export) Start(ctx context.Context, r *ocf.Request) error {
	st := e.resolve(r)
	if st.backend == "ganesha" {
		return e.startGanesha(ctx, r, st)
	}
	return e.startKernel(ctx, r, st)
}

func (e *export) Stop(ctx context.Context, r *ocf.Request) error {
	st := e.resolve(r)
	var err error
	var lease int
	if st.backend == "ganesha" {
		lease, err = e.stopGanesha(ctx, r, st)
	} else {
		lease, err = e.stopKernel(ctx, r, st)
	}
	if err != nil {
		return err
	}
	if st.waitLease && lease > 0 {
		r.Log.Info("waiting one NFSv4 lease before reporting the export stopped", "lease", lease)
		if err := e.cfg.Wait(ctx, time.Duration(lease)*time.Second); err != nil {
			return ocf.Errorf(ocf.ErrGeneric, "the stop timeout is shorter than the %d s lease wait_for_leasetime_on_stop waits: raise it", lease)
		}
	}
	return nil
}

// wait waits d, or returns ctx's error when it ends first.
func wait(ctx context.Context, d time.Duration) error {
	if !ocf.Sleep(ctx, d) {
		return ctx.Err()
	}
	return nil
}

func (e *export) Monitor(ctx context.Context, r *ocf.Request) error {
	st := e.resolve(r)
	if st.backend == "ganesha" {
		return e.monitorGanesha(ctx, r, st)
	}
	return e.monitorKernel(ctx, r, st)
}

func (e *export) waitFor(ctx context.Context, limit time.Duration, cond func() (bool, error)) error {
	return ocf.Poll(ctx, limit, e.cfg.Poll, cond)
}
