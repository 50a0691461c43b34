package nfsserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/baton-ha/baton/agents/nfsbackend/nfsdfs"
	"github.com/baton-ha/baton/ocf"
)

// NFSConfFile is the nfs.conf drop-in the kernel back end writes: nfs-utils
// (rpc.nfsd, rpc.mountd, rpc.statd) read /etc/nfs.conf.d/*.conf, so that
// a daemon restarted by hand gets the same grace, lease and ports.
const NFSConfFile = "/etc/nfs.conf.d/baton-nfsserver.conf"

// Per-daemon limits on how long start and stop wait for them.
const (
	daemonStartWait = 5 * time.Second
	daemonStopWait  = 5 * time.Second
)

// kernelState is what start records for stop and monitor.
type kernelState struct {
	StartedRpcbind bool `json:"started_rpcbind"`
	Nfsdcld        bool `json:"nfsdcld"`
	Statd          bool `json:"statd"`
}

func statePath(r *ocf.Request) string {
	return filepath.Join(r.Env.RscTmp, "nfsserver-"+strings.ReplaceAll(r.Env.Instance, "/", "_")+".json")
}

func readKernelState(r *ocf.Request) kernelState {
	var ks kernelState
	if b, err := os.ReadFile(statePath(r)); err == nil {
		_ = json.Unmarshal(b, &ks)
	}
	return ks
}

func writeKernelState(r *ocf.Request, ks kernelState) error {
	b, _ := json.Marshal(ks)
	if err := os.MkdirAll(r.Env.RscTmp, 0o755); err != nil {
		return err
	}
	return os.WriteFile(statePath(r), b, 0o644)
}

func (s *server) validateKernel(r *ocf.Request, st settings) error {
	if st.grace > 3600 || st.lease > 3600 {
		return ocf.Errorf(ocf.ErrConfigured, "the kernel accepts grace_time and lease_time from 10 to 3600 s")
	}
	progs := []string{"rpc.nfsd", "rpc.mountd", "exportfs"}
	if !st.v4only {
		progs = append(progs, "rpcbind", "rpc.statd")
		if !st.noNotify {
			progs = append(progs, st.notifyCmd)
		}
	}
	for _, p := range progs {
		if err := s.need(p); err != nil {
			return err
		}
	}
	if r.Action == ocf.ActionStart && !s.fs.NFSDMounted() {
		if err := s.hasNFSD(); err != nil {
			return err
		}
	}
	return nil
}

// hasNFSD checks that the kernel knows the nfsd filesystem (built in or
// module loaded or loadable).
func (s *server) hasNFSD() error {
	b, err := os.ReadFile(s.fs.Path("/proc/filesystems"))
	if err == nil && strings.Contains(string(b), "\tnfsd\n") {
		return nil
	}
	if _, err := s.cfg.LookPath("modprobe"); err == nil {
		if _, err := s.cfg.Sys.Run(context.Background(), Cmd{Path: "modprobe", Args: []string{"nfsd"}}); err == nil {
			return nil
		}
	}
	return ocf.Errorf(ocf.ErrInstalled, "this kernel has no nfsd (no nfsd file system, modprobe nfsd failed): use server=ganesha or a kernel with CONFIG_NFSD")
}

func (s *server) startKernel(ctx context.Context, r *ocf.Request, st settings) error {
	if n, err := s.fs.Threads(); err == nil && n > 0 {
		if err := s.monitorKernel(ctx, r, st); err == nil {
			r.Log.Info("nfsd already running", "threads", n)
			return nil
		}
	}
	sys := s.cfg.Sys
	ks := kernelState{}

	// 1. All NFS state on the shared filesystem.
	if err := s.shareVarLibNFS(r, st); err != nil {
		return err
	}
	// 2. nfsd's control filesystem, then grace and lease: they can only be
	// written while nfsd is stopped.
	if !s.fs.NFSDMounted() {
		if err := sys.Mount("nfsd", nfsdfs.NFSDDir, "nfsd", 0, ""); err != nil {
			return ocf.Errorf(ocf.ErrGeneric, "mount the nfsd file system on %s: %v", nfsdfs.NFSDDir, err)
		}
	}
	if n, _ := s.fs.Threads(); n > 0 {
		return ocf.Errorf(ocf.ErrGeneric, "nfsd runs already (%d threads) but not as configured: stop it (rpc.nfsd 0) so that grace and lease can be set", n)
	}
	for _, f := range []struct {
		port string
		file string
	}{{"lockd_tcp_port", "/proc/sys/fs/nfs/nlm_tcpport"}, {"lockd_udp_port", "/proc/sys/fs/nfs/nlm_udpport"}} {
		if v, ok := st.ports[f.port]; ok {
			if err := sys.WriteFile(f.file, []byte(strconv.Itoa(v)+"\n"), 0o644); err != nil {
				return ocf.Errorf(ocf.ErrGeneric, "set %s: write %s: %v", f.port, f.file, err)
			}
		}
	}
	if err := sys.WriteFile(NFSConfFile, nfsConf(st), 0o644); err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "write %s: %v", NFSConfFile, err)
	}
	if err := sys.WriteFile(nfsdfs.GraceTimeFile, []byte(strconv.Itoa(st.grace)+"\n"), 0o644); err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "set the NFSv4 grace period: write %s: %v", nfsdfs.GraceTimeFile, err)
	}
	if err := sys.WriteFile(nfsdfs.LeaseTimeFile, []byte(strconv.Itoa(st.lease)+"\n"), 0o644); err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "set the NFSv4 lease: write %s: %v", nfsdfs.LeaseTimeFile, err)
	}

	// 3. The daemons, in dependency order, each checked within a bound.
	if s.underSystemd() {
		return s.startKernelUnits(ctx, r, st)
	}
	s.resetExports(ctx, r)
	if !st.v4only {
		started, err := s.startRpcbind(ctx)
		if err != nil {
			return err
		}
		ks.StartedRpcbind = started
		args := []string{"--no-notify"}
		if st.ip != "" {
			args = append(args, "-n", st.ip)
		}
		if v, ok := st.ports["statd_port"]; ok {
			args = append(args, "-p", strconv.Itoa(v))
		}
		if v, ok := st.ports["statd_outgoing_port"]; ok {
			args = append(args, "-o", strconv.Itoa(v))
		}
		if err := s.startDaemon(ctx, Cmd{Path: "rpc.statd", Args: args}, "rpc.statd"); err != nil {
			return err
		}
		ks.Statd = true
	}
	if _, err := s.cfg.LookPath("nfsdcld"); err == nil {
		if err := s.startDaemon(ctx, Cmd{Path: "nfsdcld"}, "nfsdcld"); err != nil {
			return err
		}
		ks.Nfsdcld = true
	} else {
		r.Log.Warn("nfsdcld is not installed: NFSv4 client records fall back to the deprecated v4recovery directory, and grace cannot end early")
	}
	if err := writeKernelState(r, ks); err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "record the daemons started in %s: %v", statePath(r), err)
	}
	margs := []string{}
	if v, ok := st.ports["mountd_port"]; ok {
		margs = append(margs, "-p", strconv.Itoa(v))
	}
	if st.v4only {
		margs = append(margs, "-N", "2", "-N", "3")
	}
	if err := s.startDaemon(ctx, Cmd{Path: "rpc.mountd", Args: margs}, "rpc.mountd"); err != nil {
		return err
	}
	nargs := append([]string{}, st.nfsdArgs...)
	if st.v4only {
		nargs = append(nargs, "-N", "3")
	}
	nargs = append(nargs, strconv.Itoa(st.threads))
	if _, err := s.cfg.Sys.Run(ctx, Cmd{Path: "rpc.nfsd", Args: nargs, Hostname: st.scope}); err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "start nfsd: %v", err)
	}
	if err := s.waitFor(ctx, daemonStartWait, func() (bool, error) {
		n, err := s.fs.Threads()
		return n > 0, err
	}); err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "nfsd did not start: %s still reads 0: %v", nfsdfs.ThreadsFile, err)
	}

	// 4. Tell NFSv3 clients to reclaim their locks here.
	if !st.v4only && !st.noNotify && s.notifySourceMissing(r, st) {
		r.Log.Warn("nfs_ip is not up on this node yet, so sm-notify cannot send from it: skipping the NFSv3 reboot notification; set nfs_no_notify=true and add ocf:baton:nfsnotify source_host="+st.ip+" after the IPaddr resource", "nfs_ip", st.ip)
	} else if !st.v4only && !st.noNotify {
		args := []string{"-f"}
		if st.ip != "" {
			args = append(args, "-v", st.ip)
		}
		args = append(args, "-m", strconv.Itoa(st.retryMin))
		if st.notifyFG {
			args = append(args, "-d")
		}
		if _, err := s.cfg.Sys.Run(ctx, Cmd{Path: st.notifyCmd, Args: args}); err != nil {
			// The server runs; clients that miss the notification reclaim on
			// their own when their lock requests fail.
			r.Log.Warn("client notification failed", "err", err)
		}
	}
	r.Log.Info("nfsd started", "threads", st.threads, "grace", st.grace, "lease", st.lease, "scope", st.scope)
	return nil
}

// resetExports rewrites the export table from /etc/exports (exportfs -r)
// before rpc.mountd reads it, as nfs-server.service and Debian's init script
// do. With nfs_shared_infodir, etab is the one the last node left on the
// shared filesystem: after a power cut it still lists that node's exports,
// which mountd would serve here before (or without) the exportfs resources
// that own them, with the clients and options they had then. A failure is
// logged, not fatal: the exportfs resources still add their own.
func (s *server) resetExports(ctx context.Context, r *ocf.Request) {
	if _, err := s.cfg.Sys.Run(ctx, Cmd{Path: "exportfs", Args: []string{"-r"}}); err != nil {
		r.Log.Warn("exportfs -r failed: the export table may still list exports of the node that ran the server before", "err", err)
	}
}

// systemdUnits are the nfs-utils units Baton starts and stops where systemd
// is PID 1, in stop order: nfs-server.service pulls the others in on start.
var systemdUnits = []string{"nfs-server.service", "nfs-mountd.service", "nfsdcld.service", "rpc-statd.service"}

// underSystemd reports whether systemd is PID 1 (it creates
// /run/systemd/system at boot); then the daemons are its units, so that
// systemd does not start a second copy or fight the agent over them.
func (s *server) underSystemd() bool {
	fi, err := os.Stat(s.fs.Path("/run/systemd/system"))
	return err == nil && fi.IsDir()
}

// startKernelUnits starts the daemons through systemd. The units read
// /etc/nfs.conf.d (threads, grace, lease, scope, ports), written above;
// grace and lease are also in /proc already. The scope cannot be given to a
// unit as a UTS namespace, so it relies on nfs.conf's [nfsd] scope, which
// needs an nfs-utils whose rpc.nfsd knows --scope.
func (s *server) startKernelUnits(ctx context.Context, r *ocf.Request, st settings) error {
	if err := writeKernelState(r, kernelState{Nfsdcld: true, Statd: !st.v4only}); err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "record the daemons started in %s: %v", statePath(r), err)
	}
	if _, err := s.cfg.Sys.Run(ctx, Cmd{Path: "systemctl", Args: []string{"start", "nfs-server.service"}}); err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "start nfs-server.service: %v (journalctl -u nfs-server.service)", err)
	}
	if err := s.waitFor(ctx, daemonStartWait, func() (bool, error) {
		n, err := s.fs.Threads()
		return n > 0, err
	}); err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "nfs-server.service started but %s still reads 0: %v", nfsdfs.ThreadsFile, err)
	}
	r.Log.Info("nfsd started through systemd", "threads", st.threads, "grace", st.grace, "lease", st.lease, "scope", st.scope)
	return nil
}

// nfsConf mirrors the settings in nfs.conf syntax.
func nfsConf(st settings) []byte {
	var b strings.Builder
	b.WriteString("# Written by Baton's ocf:baton:nfsserver before nfsd starts; overwritten on every start.\n")
	// nfsdcld (and idmapd, gssd) must look for rpc_pipefs where the agent
	// mounted it; Debian's nfs.conf says /run/rpc_pipefs, and an nfsdcld
	// watching an empty directory exits, leaving the kernel on the legacy
	// client tracker that cannot end grace early.
	fmt.Fprintf(&b, "[general]\npipefs-directory=%s\n", st.pipefs)
	b.WriteString("[nfsd]\n")
	fmt.Fprintf(&b, "threads=%d\ngrace-time=%d\nlease-time=%d\n", st.threads, st.grace, st.lease)
	if st.scope != "" {
		fmt.Fprintf(&b, "scope=%s\n", st.scope)
	}
	if st.v4only {
		b.WriteString("vers3=n\n")
	}
	if v, ok := st.ports["mountd_port"]; ok {
		fmt.Fprintf(&b, "[mountd]\nport=%d\n", v)
	}
	if _, ok := st.ports["statd_port"]; ok {
		fmt.Fprintf(&b, "[statd]\nport=%d\n", st.ports["statd_port"])
		if v, ok := st.ports["statd_outgoing_port"]; ok {
			fmt.Fprintf(&b, "outgoing-port=%d\n", v)
		}
	} else if v, ok := st.ports["statd_outgoing_port"]; ok {
		fmt.Fprintf(&b, "[statd]\noutgoing-port=%d\n", v)
	}
	if st.ip != "" {
		if _, ok := st.ports["statd_port"]; !ok {
			if _, ok := st.ports["statd_outgoing_port"]; !ok {
				b.WriteString("[statd]\n")
			}
		}
		fmt.Fprintf(&b, "name=%s\n", st.ip)
	}
	lt, lu := st.ports["lockd_tcp_port"], st.ports["lockd_udp_port"]
	if lt != 0 || lu != 0 {
		b.WriteString("[lockd]\n")
		if lt != 0 {
			fmt.Fprintf(&b, "port=%d\n", lt)
		}
		if lu != 0 {
			fmt.Fprintf(&b, "udp-port=%d\n", lu)
		}
	}
	return []byte(b.String())
}

// shareVarLibNFS bind-mounts nfs_shared_infodir over /var/lib/nfs, with the
// directories the daemons expect, and puts rpc_pipefs back on top when it
// lives below /var/lib/nfs.
func (s *server) shareVarLibNFS(r *ocf.Request, st settings) error {
	sys := s.cfg.Sys
	mounts, err := s.fs.Mounts()
	if err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "read the mount table: %v", err)
	}
	pipefsBelow := strings.HasPrefix(st.pipefs+"/", nfsdfs.VarLibNFS+"/")
	if st.infodir != "" && !s.isShared(mounts, st) {
		for _, d := range []string{"", "v4recovery", "nfsdcld", "sm", "sm.bak"} {
			if err := sys.MkdirAll(filepath.Join(st.infodir, d), 0o755); err != nil {
				return ocf.Errorf(ocf.ErrGeneric, "create %s: %v", filepath.Join(st.infodir, d), err)
			}
		}
		for _, f := range []string{"etab", "rmtab"} {
			p := filepath.Join(st.infodir, f)
			if _, err := os.Stat(s.fs.Path(p)); errors.Is(err, os.ErrNotExist) {
				if err := sys.WriteFile(p, nil, 0o644); err != nil {
					return ocf.Errorf(ocf.ErrGeneric, "create %s: %v", p, err)
				}
			}
		}
		if pipefsBelow && nfsdfs.IsMountPoint(mounts, st.pipefs) {
			if err := sys.Unmount(st.pipefs, 0); err != nil {
				r.Log.Warn("rpc_pipefs stays mounted under the shared directory", "dir", st.pipefs, "err", err)
			}
		}
		if err := sys.Mount(st.infodir, nfsdfs.VarLibNFS, "", unix.MS_BIND, ""); err != nil {
			return ocf.Errorf(ocf.ErrGeneric, "bind-mount nfs_shared_infodir %s over %s: %v", st.infodir, nfsdfs.VarLibNFS, err)
		}
		mounts, _ = s.fs.Mounts()
	}
	if !nfsdfs.IsMountPoint(mounts, st.pipefs) {
		if err := sys.MkdirAll(st.pipefs, 0o555); err != nil {
			return ocf.Errorf(ocf.ErrGeneric, "create %s: %v", st.pipefs, err)
		}
		if err := sys.Mount("sunrpc", st.pipefs, "rpc_pipefs", 0, ""); err != nil {
			return ocf.Errorf(ocf.ErrGeneric, "mount rpc_pipefs on %s: %v", st.pipefs, err)
		}
	}
	return nil
}

// isShared reports whether /var/lib/nfs is already the bind mount.
func (s *server) isShared(mounts []nfsdfs.Mount, st settings) bool {
	for _, m := range mounts {
		if m.Point == nfsdfs.VarLibNFS {
			return true
		}
	}
	return false
}

// startDaemon runs a self-daemonizing program and waits, within a bound,
// until a process of that name runs.
func (s *server) startDaemon(ctx context.Context, c Cmd, comm string) error {
	if pids, _ := s.fs.Pids(comm); len(pids) > 0 {
		return nil
	}
	if _, err := s.cfg.Sys.Run(ctx, c); err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "start %s: %v", comm, err)
	}
	if err := s.waitFor(ctx, daemonStartWait, func() (bool, error) {
		pids, err := s.fs.Pids(comm)
		return len(pids) > 0, err
	}); err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "%s exited right after it started (%v): see the system log", comm, err)
	}
	return nil
}

// startRpcbind starts rpcbind unless it runs, and waits (bounded) until it
// answers on port 111: a daemon that registers before that fails
// ("Cannot register NFS V3 on TCP"). It reports whether it started it.
func (s *server) startRpcbind(ctx context.Context) (bool, error) {
	started := false
	if pids, _ := s.fs.Pids("rpcbind"); len(pids) == 0 {
		if err := s.startDaemon(ctx, Cmd{Path: "rpcbind", Args: []string{"-w"}}, "rpcbind"); err != nil {
			return false, err
		}
		started = true
	}
	var last error
	if err := s.waitFor(ctx, daemonStartWait, func() (bool, error) {
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		last = s.cfg.Ping(pctx, "127.0.0.1:111", rpcbindProg, 2)
		return last == nil, nil
	}); err != nil {
		return started, ocf.Errorf(ocf.ErrGeneric, "rpcbind runs but does not answer on port 111 (%v): %v", err, last)
	}
	return started, nil
}

// rpcbindProg is the portmapper's program number.
const rpcbindProg = 100000

// stopDaemon sends TERM to every process of that name, then KILL to those
// left after a bound.
func (s *server) stopDaemon(ctx context.Context, comm string) error {
	pids, err := s.fs.Pids(comm)
	if err != nil || len(pids) == 0 {
		return err
	}
	for _, pid := range pids {
		_ = s.cfg.Sys.Signal(pid, syscall.SIGTERM)
	}
	gone := func() (bool, error) {
		left, err := s.fs.Pids(comm)
		return len(left) == 0, err
	}
	if err := s.waitFor(ctx, daemonStopWait, gone); err == nil {
		return nil
	}
	left, _ := s.fs.Pids(comm)
	for _, pid := range left {
		_ = s.cfg.Sys.Signal(pid, syscall.SIGKILL)
	}
	if err := s.waitFor(ctx, time.Second, gone); err != nil {
		return fmt.Errorf("%s (pids %v) survived SIGKILL", comm, left)
	}
	return nil
}

func (s *server) stopKernel(ctx context.Context, r *ocf.Request, st settings) error {
	ks := readKernelState(r)
	if s.underSystemd() {
		// nfs-server.service's own stop runs rpc.nfsd 0 and unexports;
		// the checks below still make sure nothing is left.
		if _, err := s.cfg.Sys.Run(ctx, Cmd{Path: "systemctl", Args: append([]string{"stop"}, systemdUnits...)}); err != nil {
			r.Log.Warn("systemctl stop failed; stopping what is left directly", "err", err)
		}
	}
	if n, _ := s.fs.Threads(); n > 0 {
		if _, err := s.cfg.Sys.Run(ctx, Cmd{Path: "rpc.nfsd", Args: []string{"0"}}); err != nil {
			r.Log.Warn("rpc.nfsd 0 failed; waiting for the threads anyway", "err", err)
		}
	}
	if err := s.waitFor(ctx, daemonStopWait, func() (bool, error) {
		n, err := s.fs.Threads()
		if err != nil || n > 0 {
			return false, err
		}
		// The kernel threads themselves, which distribution scripts are
		// known to leave behind.
		pids, err := s.fs.Pids("nfsd")
		return len(pids) == 0, err
	}); err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "nfsd threads are still running after rpc.nfsd 0 (%v): the next start would fail to set grace and lease", err)
	}
	daemons := []string{"sm-notify", "rpc.mountd", "nfsdcld", "rpc.statd"}
	if ks.StartedRpcbind {
		daemons = append(daemons, "rpcbind")
	}
	for _, d := range daemons {
		if err := s.stopDaemon(ctx, d); err != nil {
			return ocf.Errorf(ocf.ErrGeneric, "stop %s: %v", d, err)
		}
	}
	if st.infodir != "" {
		mounts, err := s.fs.Mounts()
		if err != nil {
			return ocf.Errorf(ocf.ErrGeneric, "read the mount table: %v", err)
		}
		if strings.HasPrefix(st.pipefs+"/", nfsdfs.VarLibNFS+"/") && nfsdfs.IsMountPoint(mounts, st.pipefs) {
			if err := s.cfg.Sys.Unmount(st.pipefs, 0); err != nil {
				return ocf.Errorf(ocf.ErrGeneric, "unmount rpc_pipefs from %s: %v", st.pipefs, err)
			}
		}
		if s.isShared(mounts, st) {
			// Nothing may keep the shared filesystem busy, or the
			// Filesystem resource cannot unmount it.
			if err := s.cfg.Sys.Unmount(nfsdfs.VarLibNFS, 0); err != nil {
				return ocf.Errorf(ocf.ErrGeneric, "unmount the shared %s: %v (a process still uses it: fuser -vm %s)", nfsdfs.VarLibNFS, err, nfsdfs.VarLibNFS)
			}
		}
	}
	_ = os.Remove(statePath(r))
	r.Log.Info("nfsd stopped")
	return nil
}

func (s *server) monitorKernel(_ context.Context, r *ocf.Request, st settings) error {
	n, err := s.fs.Threads()
	if err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "%v", err)
	}
	if n == 0 {
		return ocf.NotRunning
	}
	ks := readKernelState(r)
	daemons := []string{"rpc.mountd"}
	if !st.v4only {
		daemons = append(daemons, "rpcbind", "rpc.statd")
	}
	if ks.Nfsdcld {
		daemons = append(daemons, "nfsdcld")
	}
	for _, d := range daemons {
		pids, err := s.fs.Pids(d)
		if err != nil {
			return ocf.Errorf(ocf.ErrGeneric, "%v", err)
		}
		if len(pids) == 0 {
			return ocf.Errorf(ocf.ErrGeneric, "nfsd runs (%d threads) but %s does not", n, d)
		}
	}
	if st.infodir != "" {
		mounts, err := s.fs.Mounts()
		if err == nil && !s.isShared(mounts, st) {
			return ocf.Errorf(ocf.ErrGeneric, "nfsd runs but %s is not the shared %s: client state would not move with the data", nfsdfs.VarLibNFS, st.infodir)
		}
	}
	return nil
}

// notifySourceMissing reports whether nfs_ip is an address this node does
// not have (yet): notifications from it cannot leave, and clients would not
// match them to the server they mounted if they came from another address.
func (s *server) notifySourceMissing(r *ocf.Request, st settings) bool {
	a, err := netip.ParseAddr(st.ip)
	if err != nil {
		return false // empty or a name: sm-notify resolves it
	}
	addrs, err := s.cfg.LocalAddrs()
	if err != nil {
		r.Log.Warn("cannot list this node's addresses", "err", err)
		return false
	}
	for _, l := range addrs {
		if l == a.Unmap() {
			return false
		}
	}
	return true
}
