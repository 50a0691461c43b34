package exportfs

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/baton-ha/baton/agents/nfsbackend/ganesha"
	"github.com/baton-ha/baton/agents/nfsbackend/rpcping"
	"github.com/baton-ha/baton/ocf"
)

// reloadQuiet is how long Ganesha's log must stay unchanged after "Reread
// exports complete" before it is read for errors: Ganesha logs the errors
// of a re-read right after that line.
const reloadQuiet = 100 * time.Millisecond

func (e *export) ganeshaExport(st settings) ([]byte, []string, error) {
	id, _ := strconv.Atoi(st.fsid)
	x, ignored, err := ganesha.FromKernelOptions(id, st.dir, st.spec, st.options)
	if err != nil {
		return nil, nil, err
	}
	b, err := x.Render()
	return b, ignored, err
}

// prober is how the running Ganesha's MOUNT service can be asked about
// this export. Ganesha lists in its MOUNT EXPORT reply only the exports
// the caller may mount, so it is asked from one of this node's addresses
// that the clientspec admits; with none (host names, netgroups, wildcards
// or networks this node has no address in) it cannot be asked, and the
// re-read is checked in Ganesha's log alone.
type prober struct {
	from netip.Addr
	port int
}

func (e *export) prober(st settings) (prober, bool) {
	state, err := st.gdir.ReadState()
	if err != nil || state.MountPort == 0 || !hasV3(state.Protocols) || st.gdir.Pid(e.cfg.Root) == 0 {
		return prober{}, false
	}
	addrs, err := e.cfg.LocalAddrs()
	if err != nil {
		return prober{}, false
	}
	for _, a := range addrs {
		for _, c := range st.clients {
			if c.Admits(a) {
				return prober{from: a, port: state.MountPort}, true
			}
		}
	}
	return prober{}, false
}

// listed asks Ganesha's MOUNT service whether dir is exported.
func (p prober) listed(ctx context.Context, dir string) (bool, error) {
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	to := net.JoinHostPort(p.from.String(), strconv.Itoa(p.port))
	list, err := rpcping.ExportsFrom(cctx, &net.TCPAddr{IP: p.from.AsSlice()}, to)
	if err != nil {
		return false, err
	}
	for _, x := range list {
		if x.Dir == dir {
			return true, nil
		}
	}
	return false, nil
}

func (p prober) String() string { return "MOUNT EXPORT from " + p.from.String() }

func hasV3(p []int) bool {
	for _, v := range p {
		if v == 3 {
			return true
		}
	}
	return false
}

// reload makes the running Ganesha re-read its exports and waits until its
// log shows that re-read complete. It returns false when Ganesha does not
// run; the errors Ganesha logged about file fail it.
func (e *export) reload(ctx context.Context, r *ocf.Request, st settings, file string) (bool, error) {
	offset := st.gdir.LogSize()
	running, err := st.gdir.Reload(e.cfg.Root)
	if err != nil || !running {
		return running, err
	}
	var res ganesha.Reload
	var size int64
	var quietSince time.Time
	err = e.waitFor(ctx, e.cfg.ExportWait, func() (bool, error) {
		if st.gdir.Pid(e.cfg.Root) == 0 {
			return false, fmt.Errorf("ganesha.nfsd exited while re-reading its exports")
		}
		now := st.gdir.LogSize()
		if now != size || quietSince.IsZero() {
			size, quietSince = now, time.Now()
		}
		res, err = st.gdir.ReadReload(offset, file)
		if err != nil {
			return false, err
		}
		return res.Done && time.Since(quietSince) >= reloadQuiet, nil
	})
	if err != nil {
		return true, fmt.Errorf("Ganesha's log %s does not show the re-read of its exports complete: %v", st.gdir.LogFile(), err)
	}
	for _, w := range res.Warnings {
		r.Log.Warn("Ganesha: "+w, "file", file)
	}
	if len(res.Errors) > 0 {
		return true, fmt.Errorf("Ganesha refused %s: %s", file, strings.Join(res.Errors, " | "))
	}
	return true, nil
}

func (e *export) startGanesha(ctx context.Context, r *ocf.Request, st settings) error {
	conf, ignored, err := e.ganeshaExport(st)
	if err != nil {
		return ocf.Errorf(ocf.ErrConfigured, "%v", err)
	}
	if len(ignored) > 0 {
		r.Log.Info("export options without effect under Ganesha", "options", strings.Join(ignored, ","))
	}
	file := st.gdir.ExportFile(r.Env.Instance)
	if err := e.cfg.Sys.MkdirAll(st.gdir.ExportsDir(), 0o755); err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "create %s: %v", st.gdir.ExportsDir(), err)
	}
	if err := ganesha.WriteFileAtomic(file, conf, 0o644); err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "write %s: %v", file, err)
	}
	running, err := e.reload(ctx, r, st, file)
	if err != nil {
		// Leave no file behind that the next re-read or start would
		// trip over again.
		_ = os.Remove(file)
		return ocf.Errorf(ocf.ErrGeneric, "%v", err)
	}
	if !running {
		r.Log.Info("Ganesha is not running; it will serve the export when it starts", "file", file)
		return nil
	}
	p, ok := e.prober(st)
	if !ok {
		r.Log.Info("exported through Ganesha (re-read without errors; no local address in the clientspec to ask MOUNT EXPORT from)", "dir", st.dir, "export_id", st.fsid)
		return nil
	}
	var lastErr error
	if err := e.waitFor(ctx, e.cfg.ExportWait, func() (bool, error) {
		ex, err := p.listed(ctx, st.dir)
		lastErr = err
		return ex, nil
	}); err != nil {
		if lastErr != nil {
			return ocf.Errorf(ocf.ErrGeneric, "Ganesha did not add the export %s after re-reading %s: %v (last %s: %v); see %s", st.dir, file, err, p, lastErr, st.gdir.LogFile())
		}
		return ocf.Errorf(ocf.ErrGeneric, "Ganesha did not add the export %s after re-reading %s: %v (%s does not list it); see %s", st.dir, file, err, p, st.gdir.LogFile())
	}
	r.Log.Info("exported through Ganesha", "dir", st.dir, "export_id", st.fsid, "checked", p.String())
	return nil
}

func (e *export) stopGanesha(ctx context.Context, r *ocf.Request, st settings) (int, error) {
	file := st.gdir.ExportFile(r.Env.Instance)
	if err := os.Remove(file); err != nil && !errors.Is(err, os.ErrNotExist) {
		return 0, ocf.Errorf(ocf.ErrGeneric, "remove %s: %v", file, err)
	}
	lease := 0
	if state, err := st.gdir.ReadState(); err == nil {
		lease = state.LeaseTime
	}
	running, err := e.reload(ctx, r, st, file)
	if err != nil {
		return 0, ocf.Errorf(ocf.ErrGeneric, "%v", err)
	}
	if !running {
		return lease, nil
	}
	if p, ok := e.prober(st); ok {
		if err := e.waitFor(ctx, e.cfg.ExportWait, func() (bool, error) {
			ex, err := p.listed(ctx, st.dir)
			return err == nil && !ex, nil
		}); err != nil {
			return 0, ocf.Errorf(ocf.ErrGeneric, "Ganesha still exports %s after re-reading its exports (%s): %v; see %s", st.dir, p, err, st.gdir.LogFile())
		}
	}
	return lease, nil
}

func (e *export) monitorGanesha(ctx context.Context, r *ocf.Request, st settings) error {
	file := st.gdir.ExportFile(r.Env.Instance)
	if _, err := os.Stat(file); errors.Is(err, os.ErrNotExist) {
		return ocf.NotRunning
	}
	p, ok := e.prober(st)
	if !ok {
		return nil
	}
	ex, err := p.listed(ctx, st.dir)
	if err != nil {
		r.Log.Warn("could not ask Ganesha for its exports", "err", err, "how", p.String())
		return nil
	}
	if !ex {
		return ocf.Errorf(ocf.ErrGeneric, "%s is configured in %s but the running Ganesha does not export it (%s); see %s", st.dir, file, p, st.gdir.LogFile())
	}
	return nil
}
