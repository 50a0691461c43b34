package nfsserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/baton-ha/baton/agents/nfsbackend/ganesha"
	"github.com/baton-ha/baton/agents/nfsbackend/rpcping"
	"github.com/baton-ha/baton/ocf"
)

// Ganesha's fixed ports: NFS on 2049 and, for NFSv3, MOUNT on 20048 (the
// port rpc.mountd uses on most distributions) unless mountd_port says
// otherwise. Fixed ports let firewalls and clients behave the same on both
// nodes.
const (
	ganeshaNFSPort   = 2049
	ganeshaMountPort = 20048
	// ganeshaUpWait bounds how long start waits for the NFS service to
	// answer a NULL call.
	ganeshaUpWait = 15 * time.Second
)

func (s *server) validateGanesha(r *ocf.Request, st settings) error {
	if st.grace > 180 {
		return ocf.Errorf(ocf.ErrConfigured, "grace_time %d is above Ganesha's maximum of 180 s", st.grace)
	}
	if st.lease > 120 {
		return ocf.Errorf(ocf.ErrConfigured, "lease_time %d is above Ganesha's maximum of 120 s", st.lease)
	}
	for _, k := range []string{"lockd_tcp_port", "lockd_udp_port", "statd_outgoing_port", "statd_port"} {
		if _, ok := st.ports[k]; ok {
			r.Log.Warn("parameter has no effect with server=ganesha (NLM is not served)", "param", k)
		}
	}
	if len(st.nfsdArgs) > 0 {
		r.Log.Warn("nfsd_args has no effect with server=ganesha")
	}
	if err := s.need("ganesha.nfsd"); err != nil {
		return err
	}
	if !st.v4only {
		if err := s.need("rpcbind"); err != nil {
			return err
		}
	}
	if _, err := ganeshaServer(st).Render(); err != nil {
		return ocf.Errorf(ocf.ErrConfigured, "cannot generate ganesha.conf: %v", err)
	}
	return nil
}

func recoveryRoot(st settings) string {
	if st.infodir == "" {
		return "/var/lib/nfs/ganesha"
	}
	return filepath.Join(st.infodir, "ganesha")
}

func ganeshaServer(st settings) ganesha.Server {
	srv := ganesha.Server{
		NFSPort:      ganeshaNFSPort,
		MountPort:    ganeshaMountPort,
		Protocols:    []int{3, 4},
		GraceTime:    st.grace,
		LeaseTime:    st.lease,
		RecoveryRoot: recoveryRoot(st),
		ServerScope:  st.scope,
		ExportsDir:   st.ganeshaDir.ExportsDir(),
	}
	if v, ok := st.ports["mountd_port"]; ok {
		srv.MountPort = v
	}
	if st.v4only {
		srv.Protocols = []int{4}
	}
	// NFSv3 without NLM keeps no state a client could reclaim: the grace
	// period protects NFSv4 state only, so without NFSv4 it can go.
	if !hasProto(srv.Protocols, 4) {
		srv.Graceless = true
	}
	return srv
}

func hasProto(p []int, v int) bool {
	for _, x := range p {
		if x == v {
			return true
		}
	}
	return false
}

func (s *server) startGanesha(ctx context.Context, r *ocf.Request, st settings) error {
	d := st.ganeshaDir
	if d.Pid(s.cfg.Root) != 0 {
		if err := s.monitorGanesha(ctx, r, st); err == nil {
			r.Log.Info("ganesha.nfsd already running")
			return nil
		}
		// Running but not answering: restart it.
		if err := s.stopGanesha(ctx, r, st); err != nil {
			return err
		}
	}
	srv := ganeshaServer(st)
	conf, err := srv.Render()
	if err != nil {
		return ocf.Errorf(ocf.ErrConfigured, "cannot generate ganesha.conf: %v", err)
	}
	sys := s.cfg.Sys
	for _, dir := range []string{string(d), d.ExportsDir(), srv.RecoveryRoot, "/run/ganesha"} {
		if err := sys.MkdirAll(dir, 0o755); err != nil {
			return ocf.Errorf(ocf.ErrGeneric, "create %s: %v", dir, err)
		}
	}
	if err := sys.WriteFile(d.Config(), conf, 0o644); err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "write %s: %v", d.Config(), err)
	}
	state := ganesha.State{NFSPort: srv.NFSPort, MountPort: srv.MountPort, Protocols: srv.Protocols,
		LeaseTime: st.lease, GraceTime: st.grace}
	if prev, err := d.ReadState(); err == nil {
		state.StartedRpcbind = prev.StartedRpcbind
	}
	if srv.HasV3() {
		// Ganesha registers NFSv3 and MOUNT with rpcbind and exits when it
		// cannot.
		started, err := s.startRpcbind(ctx)
		if started {
			state.StartedRpcbind = true
		}
		if err != nil {
			_ = d.WriteState(state)
			return err
		}
	}
	if err := d.WriteState(state); err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "write %s: %v", d.StateFile(), err)
	}
	_ = os.Remove(d.PidFile())
	// One log per run: the previous one is kept as .1 for the post-mortem
	// of a failover.
	if _, err := os.Stat(d.LogFile()); err == nil {
		_ = os.Rename(d.LogFile(), d.LogFile()+".1")
	}
	// -F: Ganesha stays in the foreground, so the pid is known at once and
	// no double fork can lose it. It runs in a UTS namespace named after the
	// server scope, like the kernel's nfsd, so that its node name (which it
	// uses in its recovery records and logs) is the same on every node.
	pid, err := sys.Start(Cmd{
		Path:     "ganesha.nfsd",
		Args:     []string{"-F", "-f", d.Config(), "-L", d.LogFile(), "-p", d.PidFile(), "-N", "NIV_EVENT"},
		Hostname: st.scope,
		Log:      d.LogFile(),
	})
	if err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "%v", err)
	}
	// The pid file is ours as well: Ganesha writes it only once started.
	if err := ganesha.WriteFileAtomic(d.PidFile(), []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "write %s: %v", d.PidFile(), err)
	}
	state.Pid = pid
	_ = d.WriteState(state)
	var lastErr error
	err = s.waitFor(ctx, ganeshaUpWait, func() (bool, error) {
		if d.Pid(s.cfg.Root) == 0 {
			return false, fmt.Errorf("ganesha.nfsd (pid %d) exited during start: %s", pid, logTail(d.LogFile()))
		}
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		lastErr = s.cfg.Ping(pctx, localAddr(srv.NFSPort), rpcping.ProgNFS, nfsVers(srv))
		return lastErr == nil, nil
	})
	if err != nil {
		if lastErr != nil {
			err = fmt.Errorf("%v; last NULL call: %v", err, lastErr)
		}
		return ocf.Errorf(ocf.ErrGeneric, "ganesha.nfsd did not come up: %v", err)
	}
	r.Log.Info("ganesha.nfsd started", "pid", pid, "grace", st.grace, "lease", st.lease, "scope", st.scope)
	return nil
}

func nfsVers(srv ganesha.Server) uint32 {
	if hasProto(srv.Protocols, 4) {
		return 4
	}
	return 3
}

func localAddr(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }

// logTail returns the last lines of Ganesha's log, for the exit reason.
func logTail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "no log at " + path
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	var keep []string
	for i := len(lines) - 1; i >= 0 && len(keep) < 3; i-- {
		if strings.Contains(lines[i], "CRIT") || strings.Contains(lines[i], "FATAL") || strings.Contains(lines[i], "MAJ") {
			if strings.Contains(lines[i], "DBUS") || strings.Contains(lines[i], "dbus") {
				continue // no DBus here is expected and harmless
			}
			keep = append([]string{lines[i]}, keep...)
		}
	}
	if len(keep) == 0 && len(lines) > 0 {
		keep = lines[max(0, len(lines)-2):]
	}
	return strings.Join(keep, " | ") + " (log: " + path + ")"
}

func (s *server) stopGanesha(ctx context.Context, r *ocf.Request, st settings) error {
	d := st.ganeshaDir
	began := time.Now()
	if pid := d.Pid(s.cfg.Root); pid != 0 {
		defer func() {
			r.Log.Info("ganesha.nfsd stopped", "pid", pid, "took", time.Since(began).Round(time.Millisecond))
		}()
		_ = s.cfg.Sys.Signal(pid, syscall.SIGTERM)
		// TERM first, so that Ganesha writes out its recovery records;
		// KILL before the deadline so that stop never times out.
		termWait := 10 * time.Second
		if dl, ok := ctx.Deadline(); ok {
			if left := time.Until(dl) - 2*time.Second; left < termWait {
				termWait = max(left, 500*time.Millisecond)
			}
		}
		gone := func() (bool, error) { return d.Pid(s.cfg.Root) == 0, nil }
		if err := s.waitFor(ctx, termWait, gone); err != nil {
			r.Log.Warn("ganesha.nfsd ignored SIGTERM; killing it", "pid", pid, "waited", termWait)
			_ = s.cfg.Sys.Signal(pid, syscall.SIGKILL)
			if err := s.waitFor(context.Background(), 2*time.Second, gone); err != nil {
				return ocf.Errorf(ocf.ErrGeneric, "ganesha.nfsd (pid %d) survived SIGKILL", pid)
			}
		}
	}
	_ = os.Remove(d.PidFile())
	if state, err := d.ReadState(); err == nil && state.StartedRpcbind {
		if err := s.stopDaemon(ctx, "rpcbind"); err != nil {
			return ocf.Errorf(ocf.ErrGeneric, "stop rpcbind: %v", err)
		}
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		r.Log.Warn("cannot read Ganesha's state", "err", err)
	}
	_ = os.Remove(d.StateFile())
	return nil
}

func (s *server) monitorGanesha(ctx context.Context, r *ocf.Request, st settings) error {
	d := st.ganeshaDir
	pid := d.Pid(s.cfg.Root)
	if pid == 0 {
		return ocf.NotRunning
	}
	srv := ganeshaServer(st)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := s.cfg.Ping(pctx, localAddr(srv.NFSPort), rpcping.ProgNFS, nfsVers(srv)); err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "ganesha.nfsd (pid %d) runs but does not answer NFS NULL calls: %v", pid, err)
	}
	if srv.HasV3() {
		if pids, _ := s.fs.Pids("rpcbind"); len(pids) == 0 {
			return ocf.Errorf(ocf.ErrGeneric, "ganesha.nfsd serves NFSv3 but rpcbind is not running")
		}
	}
	return nil
}
