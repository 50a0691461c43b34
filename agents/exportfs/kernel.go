package exportfs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/baton-ha/baton/agents/nfsbackend/clientspec"
	"github.com/baton-ha/baton/agents/nfsbackend/hostsys"
	"github.com/baton-ha/baton/agents/nfsbackend/nfsdfs"
	"github.com/baton-ha/baton/ocf"
)

// exportWait bounds how long start and stop wait for the export table to
// show the change.
const exportWait = 5 * time.Second

// kernelDefaultLease is nfsd's lease when /proc/fs/nfsd cannot be read.
const kernelDefaultLease = 90

// kernelOptions is options with the fsid put in (any fsid in options is
// replaced: the parameter is the one that must match on both nodes).
func kernelOptions(st settings) string {
	var out []string
	for _, o := range strings.Split(st.options, ",") {
		o = strings.TrimSpace(o)
		if o == "" || strings.HasPrefix(o, "fsid=") {
			continue
		}
		out = append(out, o)
	}
	return strings.Join(append(out, "fsid="+st.fsid), ",")
}

// exported returns which of the clients the export table lists for dir.
func (e *export) exported(st settings) (map[string]bool, error) {
	tab, err := e.fs.Exports()
	if err != nil {
		return nil, err
	}
	got := map[string]bool{}
	for _, x := range tab {
		if x.Dir != st.dir {
			continue
		}
		for _, c := range st.clients {
			if x.Client == c.Raw || (c.Kind == clientspec.Everyone && x.Client == "<world>") {
				got[c.Raw] = true
			}
		}
	}
	return got, nil
}

func (e *export) startKernel(ctx context.Context, r *ocf.Request, st settings) error {
	if st.rmtab != "none" && st.rmtab != "" {
		if err := e.restoreRmtab(st); err != nil {
			r.Log.Warn("rmtab not restored", "err", err)
		}
	}
	opts := kernelOptions(st)
	for _, c := range st.clients {
		if _, err := e.cfg.Sys.Run(ctx, hostsys.Cmd{Path: "exportfs", Args: []string{"-o", opts, c.Raw + ":" + st.dir}}); err != nil {
			return ocf.Errorf(ocf.ErrGeneric, "export %s to %s: %v", st.dir, c.Raw, err)
		}
	}
	if err := e.waitFor(ctx, e.cfg.ExportWait, func() (bool, error) {
		got, err := e.exported(st)
		return len(got) == len(st.clients), err
	}); err != nil {
		if full := e.etabFull(); full != "" {
			return ocf.Errorf(ocf.ErrGeneric, "exportfs succeeded but %s does not list %s for %s: %s", nfsdfs.EtabFile, st.dir, rawList(st.clients), full)
		}
		return ocf.Errorf(ocf.ErrGeneric, "exportfs succeeded but %s does not list %s for %s: %v", nfsdfs.EtabFile, st.dir, rawList(st.clients), err)
	}
	r.Log.Info("exported", "dir", st.dir, "clients", rawList(st.clients), "options", opts)
	return nil
}

// etabFullBelow is the free space under which the export table's
// filesystem counts as full: exportfs(8) rewrites the whole table (a few
// blocks) through a temporary file.
const etabFullBelow = 64 << 10

// etabFull explains a missing export when the filesystem holding the export
// table is full (with nfs_shared_infodir, the shared filesystem the clients
// write to): exportfs(8) then renames an empty or cut temporary file over
// etab and still exits 0. It returns "" when there is room, or it cannot tell.
func (e *export) etabFull() string {
	free, err := e.cfg.FreeBytes(nfsdfs.VarLibNFS)
	if err != nil || free >= etabFullBelow {
		return ""
	}
	return fmt.Sprintf("the filesystem holding %s has %d bytes left, so exportfs(8) could not write the table (it does not report that); "+
		"free space there (with nfs_shared_infodir, on the shared filesystem the clients write to) and clean up the resource", nfsdfs.VarLibNFS, free)
}

func (e *export) stopKernel(ctx context.Context, r *ocf.Request, st settings) (int, error) {
	got, err := e.exported(st)
	if err != nil {
		return 0, ocf.Errorf(ocf.ErrGeneric, "%v", err)
	}
	for _, c := range st.clients {
		if !got[c.Raw] {
			continue
		}
		if _, err := e.cfg.Sys.Run(ctx, hostsys.Cmd{Path: "exportfs", Args: []string{"-u", c.Raw + ":" + st.dir}}); err != nil {
			return 0, ocf.Errorf(ocf.ErrGeneric, "unexport %s from %s: %v", st.dir, c.Raw, err)
		}
	}
	if err := e.waitFor(ctx, e.cfg.ExportWait, func() (bool, error) {
		got, err := e.exported(st)
		return len(got) == 0, err
	}); err != nil {
		return 0, ocf.Errorf(ocf.ErrGeneric, "%s still lists %s after exportfs -u: %v", nfsdfs.EtabFile, st.dir, err)
	}
	if st.rmtab != "none" && st.rmtab != "" {
		if err := e.backupRmtab(st); err != nil {
			r.Log.Warn("rmtab not saved", "err", err)
		}
	}
	if st.unlock {
		if _, err := os.Stat(e.fs.Path(nfsdfs.UnlockFSFile)); err == nil {
			if err := e.cfg.Sys.WriteFile(nfsdfs.UnlockFSFile, []byte(st.dir+"\n"), 0o200); err != nil {
				return 0, ocf.Errorf(ocf.ErrGeneric, "release the locks on %s: %v", st.dir, err)
			}
		}
	}
	lease, err := e.fs.ReadInt(nfsdfs.LeaseTimeFile)
	if err != nil {
		lease = kernelDefaultLease
	}
	return lease, nil
}

func (e *export) monitorKernel(_ context.Context, r *ocf.Request, st settings) error {
	got, err := e.exported(st)
	if err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "%v", err)
	}
	switch {
	case len(got) == 0:
		return ocf.NotRunning
	case len(got) < len(st.clients):
		var miss []string
		for _, c := range st.clients {
			if !got[c.Raw] {
				miss = append(miss, c.Raw)
			}
		}
		return ocf.Errorf(ocf.ErrGeneric, "%s is no longer exported to %s", st.dir, strings.Join(miss, " "))
	}
	return nil
}

func rawList(cs []clientspec.Client) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = c.Raw
	}
	return strings.Join(s, " ")
}

// rmtab lines are "host:path:count"; those of this export are kept in a
// file on the exported filesystem across a failover, so that showmount on
// the new node still lists the clients.
func (e *export) backupRmtab(st settings) error {
	b, err := os.ReadFile(e.fs.Path(nfsdfs.RmtabFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var keep []string
	for _, l := range strings.Split(string(b), "\n") {
		if rmtabPath(l) == st.dir {
			keep = append(keep, l)
		}
	}
	data := ""
	if len(keep) > 0 {
		data = strings.Join(keep, "\n") + "\n"
	}
	return e.cfg.Sys.WriteFile(filepath.Join(st.dir, st.rmtab), []byte(data), 0o644)
}

func (e *export) restoreRmtab(st settings) error {
	saved, err := os.ReadFile(e.fs.Path(filepath.Join(st.dir, st.rmtab)))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	cur, err := os.ReadFile(e.fs.Path(nfsdfs.RmtabFile))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	have := map[string]bool{}
	lines := []string{}
	for _, l := range strings.Split(string(cur), "\n") {
		if l != "" {
			have[l] = true
			lines = append(lines, l)
		}
	}
	added := false
	for _, l := range strings.Split(string(saved), "\n") {
		if l != "" && !have[l] && rmtabPath(l) == st.dir {
			lines = append(lines, l)
			added = true
		}
	}
	if !added {
		return nil
	}
	return e.cfg.Sys.WriteFile(nfsdfs.RmtabFile, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
}

func rmtabPath(line string) string {
	f := strings.Split(strings.TrimSpace(line), ":")
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[1:len(f)-1], ":")
}
