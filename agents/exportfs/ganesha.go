package exportfs

import (
	"context"
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/baton-ha/baton/agents/nfsbackend/ganesha"
	"github.com/baton-ha/baton/agents/nfsbackend/rpcping"
	"github.com/baton-ha/baton/ocf"
)

func (e *export) ganeshaExport(st settings) ([]byte, []string, error) {
	id, _ := strconv.Atoi(st.fsid)
	x, ignored, err := ganesha.FromKernelOptions(id, st.dir, strings.Join(st.clients, " "), st.options)
	if err != nil {
		return nil, nil, err
	}
	b, err := x.Render()
	return b, ignored, err
}

// listed asks the running Ganesha's MOUNT service whether dir is exported.
// ok is false when that cannot be asked (no NFSv3, not running).
func (e *export) listed(ctx context.Context, st settings) (exported, ok bool, err error) {
	state, err := st.gdir.ReadState()
	if err != nil || state.MountPort == 0 || !hasV3(state.Protocols) || st.gdir.Pid(e.cfg.Root) == 0 {
		return false, false, nil
	}
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	list, err := rpcping.Exports(cctx, net.JoinHostPort("127.0.0.1", strconv.Itoa(state.MountPort)))
	if err != nil {
		return false, true, err
	}
	for _, x := range list {
		if x.Dir == st.dir {
			return true, true, nil
		}
	}
	return false, true, nil
}

func hasV3(p []int) bool {
	for _, v := range p {
		if v == 3 {
			return true
		}
	}
	return false
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
	running, err := st.gdir.Reload(e.cfg.Root)
	if err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "%v", err)
	}
	if !running {
		r.Log.Info("Ganesha is not running; it will serve the export when it starts", "file", file)
		return nil
	}
	var lastErr error
	if err := e.waitFor(ctx, exportWait, func() (bool, error) {
		ex, ok, err := e.listed(ctx, st)
		lastErr = err
		return !ok || ex, nil
	}); err != nil {
		if lastErr != nil {
			return ocf.Errorf(ocf.ErrGeneric, "Ganesha did not add the export %s after re-reading %s: %v (last MOUNT EXPORT call: %v); see %s", st.dir, file, err, lastErr, st.gdir.LogFile())
		}
		return ocf.Errorf(ocf.ErrGeneric, "Ganesha did not add the export %s after re-reading %s: %v; see %s", st.dir, file, err, st.gdir.LogFile())
	}
	r.Log.Info("exported through Ganesha", "dir", st.dir, "export_id", st.fsid)
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
	running, err := st.gdir.Reload(e.cfg.Root)
	if err != nil {
		return 0, ocf.Errorf(ocf.ErrGeneric, "%v", err)
	}
	if !running {
		return lease, nil
	}
	if err := e.waitFor(ctx, exportWait, func() (bool, error) {
		ex, ok, _ := e.listed(ctx, st)
		return !ok || !ex, nil
	}); err != nil {
		return 0, ocf.Errorf(ocf.ErrGeneric, "Ganesha still exports %s after re-reading its exports: %v; see %s", st.dir, err, st.gdir.LogFile())
	}
	return lease, nil
}

func (e *export) monitorGanesha(ctx context.Context, r *ocf.Request, st settings) error {
	file := st.gdir.ExportFile(r.Env.Instance)
	if _, err := os.Stat(file); errors.Is(err, os.ErrNotExist) {
		return ocf.NotRunning
	}
	ex, ok, err := e.listed(ctx, st)
	if ok && err == nil && !ex {
		return ocf.Errorf(ocf.ErrGeneric, "%s is configured in %s but the running Ganesha does not export it; see %s", st.dir, file, st.gdir.LogFile())
	}
	if ok && err != nil {
		r.Log.Warn("could not ask Ganesha for its exports", "err", err)
	}
	return nil
}
