// Package nfsserver is ocf:baton:nfsserver: an NFS server that fails over in
// seconds. All NFS state lives on the shared filesystem (nfs_shared_infodir
// over /var/lib/nfs for the kernel server, Ganesha's recovery root for
// NFS-Ganesha), the NFSv4 grace period and lease are short and set before
// the server starts, and both nodes announce one server scope so that
// clients reclaim their state on the node that takes over.
//
// Two back ends: the kernel's nfsd with the nfs-utils daemons (server=kernel,
// the classic stack) and NFS-Ganesha (server=ganesha).
package nfsserver

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/baton-ha/baton/agents/nfsbackend/ganesha"
	"github.com/baton-ha/baton/agents/nfsbackend/hostsys"
	"github.com/baton-ha/baton/agents/nfsbackend/nfsdfs"
	"github.com/baton-ha/baton/agents/nfsbackend/rpcping"
	"github.com/baton-ha/baton/ocf"
)

// Config holds the agent's dependencies.
type Config struct {
	// Root is the procfs-style root every host path is taken below: "/"
	// in production, a fixture tree in tests.
	Root string
	// Sys runs programs and changes the host.
	Sys System
	// LookPath finds a program; nil is exec.LookPath.
	LookPath func(string) (string, error)
	// Poll is how often bounded waits look again; 0 is 20 ms (reading
	// /proc is cheap, and every poll interval adds to the failover time).
	Poll time.Duration
	// Ping makes an ONC RPC NULL call (host:port, program, version); nil
	// is rpcping.Null. It tells when rpcbind is ready for registrations
	// and whether Ganesha answers.
	Ping func(ctx context.Context, addr string, prog, vers uint32) error
	// LocalAddrs lists this node's addresses; nil is hostsys.LocalAddrs.
	// sm-notify is skipped while nfs_ip is not among them.
	LocalAddrs func() ([]netip.Addr, error)
}

// New returns the agent with production dependencies.
func New() *ocf.Agent { return NewWith(Config{Root: "/", Sys: HostSystem{Root: "/"}}) }

// NewWith returns the agent with the given dependencies.
func NewWith(c Config) *ocf.Agent {
	if c.Root == "" {
		c.Root = "/"
	}
	if c.Sys == nil {
		c.Sys = HostSystem{Root: c.Root}
	}
	if c.LookPath == nil {
		c.LookPath = exec.LookPath
	}
	if c.Poll == 0 {
		c.Poll = 20 * time.Millisecond
	}
	if c.Ping == nil {
		c.Ping = rpcping.Null
	}
	if c.LocalAddrs == nil {
		c.LocalAddrs = hostsys.LocalAddrs
	}
	s := &server{cfg: c, fs: nfsdfs.New(c.Root)}
	return &ocf.Agent{
		Name:      "nfsserver",
		Version:   "1.0",
		Shortdesc: "Manages an NFS server (kernel nfsd or NFS-Ganesha) that fails over in seconds",
		Longdesc: `Starts, stops and monitors an NFS server whose state moves with the data.

With server=kernel the kernel's nfsd and the nfs-utils daemons (rpcbind,
rpc.statd, nfsdcld, rpc.mountd) are started directly, not through an init
script. nfs_shared_infodir, a directory on the shared filesystem, is
bind-mounted over /var/lib/nfs so that the NFSv4 client records (nfsdcld's
database, v4recovery) and statd's monitor lists move with the data. The NFSv4
grace period and lease are written to /proc/fs/nfsd before nfsd starts, and
nfsd is started in a UTS namespace whose host name is nfs_server_scope, so
that every node announces the same server scope and clients may reclaim.
Before rpc.mountd starts, the export table is rewritten from /etc/exports
(exportfs -r, as nfs-server.service does): after a crash the shared table
still lists the dead node's exports, which only the exportfs resources may
bring back.

server=auto (the default) picks the kernel where it has nfsd, Ganesha
elsewhere. Ganesha serves no NLM: NFSv3 clients must then mount with nolock.

With server=ganesha a ganesha.conf is generated (recovery backend fs under
nfs_shared_infodir, grace, lease, scope, protocols, and the exports of the
ocf:baton:exportfs resources on this node) and ganesha.nfsd runs in the
foreground under a pid file. monitor calls the NFS service's NULL procedure.`,
		Params:  params(),
		Actions: actions(),
		Impl:    s,
	}
}

func actions() []ocf.ActionSpec {
	return []ocf.ActionSpec{
		{Name: ocf.ActionStart, Timeout: 40 * time.Second},
		{Name: ocf.ActionStop, Timeout: 30 * time.Second},
		{Name: ocf.ActionMonitor, Timeout: 20 * time.Second, Interval: 10 * time.Second},
		{Name: ocf.ActionMetaData, Timeout: 5 * time.Second},
		{Name: ocf.ActionValidateAll, Timeout: 30 * time.Second},
	}
}

func params() []ocf.Param {
	return []ocf.Param{
		{Name: "server", Type: ocf.Select, Choices: []string{"auto", "kernel", "ganesha"}, Default: "auto",
			Shortdesc: "NFS server implementation",
			Longdesc: `kernel: the kernel's nfsd with nfs-utils. ganesha: NFS-Ganesha (FSAL VFS).
auto, decided on each node at run time: kernel where the kernel has nfsd (mounted, built in, loaded, or
a module in /lib/modules) and rpc.nfsd is installed, ganesha otherwise; once started, the back end that
runs stays the answer until stop.
Ganesha serves no NLM (NFSv3 locking): NFSv3 clients of the ganesha back end must mount with nolock
(their lock calls fail otherwise); NFSv4 locking works with both.`},
		{Name: "grace_time", Type: ocf.Integer, Default: "10", Check: ocf.IntRange(10, 3600),
			Shortdesc: "NFSv4 grace period (s)",
			Longdesc:  "Seconds after a start during which clients reclaim their locks and opens and new state is refused. The kernel accepts 10 to 3600; Ganesha at most 180. Both servers end grace early once every known client has reclaimed."},
		{Name: "lease_time", Type: ocf.Integer, Default: "10", Check: ocf.IntRange(10, 3600),
			Shortdesc: "NFSv4 lease (s)",
			Longdesc:  "Seconds a client's state lives without renewal. The kernel accepts 10 to 3600; Ganesha at most 120. Clients renew every lease/3 or so; a short lease bounds how long a dead client's locks block others."},
		{Name: "threads", Type: ocf.Integer, Default: "8", Check: ocf.IntRange(1, 4096),
			Shortdesc: "Server threads",
			Longdesc:  "Number of nfsd threads (kernel). For Ganesha, when set, the maximum of I/O threads (RPC_Ioq_ThrdMax)."},
		{Name: "ganesha_dir", Default: ganesha.DefaultDir,
			Shortdesc: "Ganesha's node-local directory",
			Longdesc:  "Where ganesha.conf, its pid file, log and the exportfs resources' export files live on this node (server=ganesha). Must be the same as exportfs's ganesha_dir."},
		{Name: "nfs_init_script",
			Ignored:   "Baton starts and stops the NFS daemons itself (distribution init scripts are known to leave nfsd running)",
			Shortdesc: "Init script (ignored)",
			Longdesc:  "Accepted for compatibility with ocf:heartbeat:nfsserver and ignored: Baton manages the daemons directly."},
		{Name: "nfs_notify_cmd", Default: "sm-notify",
			Shortdesc: "Program that notifies NFSv3 clients of a reboot",
			Longdesc:  "Run after the server started (kernel, NFSv3) with -f -v nfs_ip, so that clients reclaim their NLM locks. Skipped, with a warning, while nfs_ip is not up on this node: in the usual group the IPaddr resource starts after nfsserver, so set nfs_no_notify=true and put an ocf:baton:nfsnotify resource after the IPaddr resource instead."},
		{Name: "nfs_no_notify", Type: ocf.Boolean, Default: "false",
			Shortdesc: "Do not notify clients",
			Longdesc:  "Skip the reboot notification (sm-notify) after start."},
		{Name: "nfs_notify_foreground", Type: ocf.Boolean, Default: "false",
			Shortdesc: "Wait for the notification",
			Longdesc:  "Run the notification in the foreground (sm-notify -d), bounded by the start timeout, instead of in the background."},
		{Name: "nfs_smnotify_retry_time", Type: ocf.Integer, Default: "15", Check: ocf.IntRange(0, 100000),
			Shortdesc: "Notification retry time (min)",
			Longdesc:  "How many minutes sm-notify keeps retrying unreachable clients (sm-notify -m)."},
		{Name: "nfs_shared_infodir",
			Shortdesc: "NFS state directory on the shared filesystem",
			Longdesc:  "A directory on the failover filesystem holding all NFS state. Kernel: bind-mounted over /var/lib/nfs (v4recovery, nfsdcld, sm, sm.bak, etab, rmtab). Ganesha: its recovery root is the ganesha subdirectory. Without it the state stays on the node and clients cannot reclaim after a failover."},
		{Name: "nfs_ip", Check: hostToken,
			Shortdesc: "The floating IP address clients use",
			Longdesc:  "Used as statd's and sm-notify's host name (-n, -v) and as the default server scope."},
		{Name: "nfs_server_scope", Check: hostToken,
			Shortdesc: "NFSv4 server scope",
			Longdesc:  "Announced by every node that can run this server; clients reclaim state only from a server with the same scope. Default: nfs_ip."},
		{Name: "nfsv4_only", Type: ocf.Boolean, Default: "false",
			Shortdesc: "Serve NFSv4 only",
			Longdesc:  "Serve NFSv4 only: no rpcbind, rpc.statd or sm-notify, NFSv3 disabled."},
		{Name: "nfsd_args",
			Shortdesc: "Extra rpc.nfsd arguments",
			Longdesc:  "Extra arguments for rpc.nfsd (kernel), split at white space, given before the thread count (e.g. \"-V 4.2 -H 10.0.0.10\")."},
		{Name: "lockd_tcp_port", Type: ocf.Integer, Check: ocf.IntRange(0, 65535),
			Shortdesc: "lockd TCP port", Longdesc: "Kernel: written to /proc/sys/fs/nfs/nlm_tcpport before nfsd starts."},
		{Name: "lockd_udp_port", Type: ocf.Integer, Check: ocf.IntRange(0, 65535),
			Shortdesc: "lockd UDP port", Longdesc: "Kernel: written to /proc/sys/fs/nfs/nlm_udpport before nfsd starts."},
		{Name: "statd_outgoing_port", Type: ocf.Integer, Check: ocf.IntRange(0, 65535),
			Shortdesc: "statd outgoing port", Longdesc: "Kernel: rpc.statd -o."},
		{Name: "statd_port", Type: ocf.Integer, Check: ocf.IntRange(0, 65535),
			Shortdesc: "statd port", Longdesc: "Kernel: rpc.statd -p."},
		{Name: "mountd_port", Type: ocf.Integer, Check: ocf.IntRange(0, 65535),
			Shortdesc: "mountd port", Longdesc: "Kernel: rpc.mountd -p. Ganesha: MNT_Port (default 20048)."},
		{Name: "rquotad_port", Type: ocf.Integer,
			Unsupported: "Baton does not run rpc.rquotad: remote quota reporting is not offered",
			Shortdesc:   "rquotad port (not supported)", Longdesc: "Not supported: Baton does not run rpc.rquotad."},
		{Name: "rpcpipefs_dir", Default: "/var/lib/nfs/rpc_pipefs",
			Shortdesc: "rpc_pipefs mount point",
			Longdesc:  "Where rpc_pipefs is mounted (kernel; nfsdcld talks to nfsd through it). When it lies below /var/lib/nfs it is mounted again on top of the bind-mounted shared directory."},
	}
}

// hostToken accepts a host name or address: it becomes a host name (at
// most 64 bytes) and a value in nfs.conf and ganesha.conf, so white space,
// quotes and the configuration files' syntax characters are refused.
func hostToken(v string) error {
	if len(v) > 64 {
		return fmt.Errorf("%q is longer than 64 bytes (a host name's limit)", v)
	}
	for _, c := range v {
		if c <= ' ' || c == 0x7f || strings.ContainsRune("\"'#;=[]{}\\", c) {
			return fmt.Errorf("%q contains %q: use a host name or an address", v, c)
		}
	}
	return nil
}

type server struct {
	cfg Config
	fs  nfsdfs.FS
}

// settings are the parameters, resolved.
type settings struct {
	backend    string
	grace      int
	lease      int
	threads    int
	infodir    string
	ip         string
	scope      string
	v4only     bool
	noNotify   bool
	notifyCmd  string
	notifyFG   bool
	retryMin   int
	nfsdArgs   []string
	ports      map[string]int
	pipefs     string
	ganeshaDir ganesha.Dir
}

func resolve(r *ocf.Request) settings {
	p := r.Params
	s := settings{
		backend:    p.String("server"),
		grace:      int(p.Int("grace_time")),
		lease:      int(p.Int("lease_time")),
		threads:    int(p.Int("threads")),
		infodir:    filepath.Clean(p.String("nfs_shared_infodir")),
		ip:         p.String("nfs_ip"),
		scope:      p.String("nfs_server_scope"),
		v4only:     p.Bool("nfsv4_only"),
		noNotify:   p.Bool("nfs_no_notify"),
		notifyCmd:  p.String("nfs_notify_cmd"),
		notifyFG:   p.Bool("nfs_notify_foreground"),
		retryMin:   int(p.Int("nfs_smnotify_retry_time")),
		nfsdArgs:   strings.Fields(p.String("nfsd_args")),
		pipefs:     filepath.Clean(p.String("rpcpipefs_dir")),
		ganeshaDir: ganesha.Dir(p.String("ganesha_dir")),
		ports:      map[string]int{},
	}
	if p.String("nfs_shared_infodir") == "" {
		s.infodir = ""
	}
	if s.scope == "" {
		s.scope = s.ip
	}
	for _, k := range []string{"lockd_tcp_port", "lockd_udp_port", "statd_outgoing_port", "statd_port", "mountd_port"} {
		if p.IsSet(k) {
			s.ports[k] = int(p.Int(k))
		}
	}
	return s
}

func (s *server) Validate(_ context.Context, r *ocf.Request) error {
	st := s.settings(r)
	if st.infodir != "" && !filepath.IsAbs(st.infodir) {
		return ocf.Errorf(ocf.ErrConfigured, "nfs_shared_infodir %q must be an absolute path", r.Params.String("nfs_shared_infodir"))
	}
	if st.infodir == nfsdfs.VarLibNFS {
		return ocf.Errorf(ocf.ErrConfigured, "nfs_shared_infodir must not be /var/lib/nfs itself: it is bind-mounted over it")
	}
	if r.Env.Meta.IsClone() && st.infodir != "" {
		// As the reference: one shared state directory cannot serve two
		// running servers.
		return ocf.Errorf(ocf.ErrConfigured, "nfsserver cannot run as a clone with nfs_shared_infodir: the shared NFS state belongs to one server at a time")
	}
	if !filepath.IsAbs(string(st.ganeshaDir)) {
		return ocf.Errorf(ocf.ErrConfigured, "ganesha_dir %q must be an absolute path", st.ganeshaDir)
	}
	switch st.backend {
	case "kernel":
		return s.validateKernel(r, st)
	case "ganesha":
		return s.validateGanesha(r, st)
	}
	return ocf.Errorf(ocf.ErrConfigured, "unknown server %q: use auto, kernel or ganesha", st.backend)
}

// checkInfodir checks that the shared state directory is there; during a
// probe or validate-all on a node without the filesystem it may not be, so
// this runs for start only.
func (s *server) checkInfodir(st settings) error {
	if st.infodir == "" {
		return nil
	}
	fi, err := os.Stat(filepath.Join(s.cfg.Root, filepath.Dir(st.infodir)))
	if err != nil || !fi.IsDir() {
		return ocf.Errorf(ocf.ErrArgs, "the parent of nfs_shared_infodir %s does not exist here: start the Filesystem resource first (order it before nfsserver)", st.infodir)
	}
	// On the root filesystem the state would stay on this node, and the
	// whole point (clients reclaiming on the other node) silently fails.
	mounts, err := s.fs.Mounts()
	if err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "read the mount table: %v", err)
	}
	if m, ok := nfsdfs.MountOf(mounts, st.infodir); !ok || m.Point == "/" {
		return ocf.Errorf(ocf.ErrArgs, "nfs_shared_infodir %s is on the root filesystem, not on the shared one: start the Filesystem resource first (order it before nfsserver)", st.infodir)
	}
	return nil
}

func (s *server) need(prog string) error {
	if _, err := s.cfg.LookPath(prog); err != nil {
		return ocf.Errorf(ocf.ErrInstalled, "%s is not installed: install %s", prog, packageOf(prog))
	}
	return nil
}

func packageOf(prog string) string {
	switch prog {
	case "ganesha.nfsd":
		return "nfs-ganesha and nfs-ganesha-vfs"
	case "rpcbind":
		return "rpcbind"
	case "rpc.statd", "sm-notify":
		return "nfs-common"
	default:
		return "nfs-kernel-server"
	}
}

func (s *server) Start(ctx context.Context, r *ocf.Request) error {
	st := s.settings(r)
	if err := s.checkInfodir(st); err != nil {
		return err
	}
	if st.backend == "ganesha" {
		return s.startGanesha(ctx, r, st)
	}
	return s.startKernel(ctx, r, st)
}

func (s *server) Stop(ctx context.Context, r *ocf.Request) error {
	st := s.settings(r)
	if st.backend == "ganesha" {
		return s.stopGanesha(ctx, r, st)
	}
	return s.stopKernel(ctx, r, st)
}

func (s *server) Monitor(ctx context.Context, r *ocf.Request) error {
	st := s.settings(r)
	if st.backend == "ganesha" {
		return s.monitorGanesha(ctx, r, st)
	}
	return s.monitorKernel(ctx, r, st)
}

// waitFor polls cond until it holds, limit passes or ctx ends: every wait
// in this agent is bounded.
func (s *server) waitFor(ctx context.Context, limit time.Duration, cond func() (bool, error)) error {
	return ocf.Poll(ctx, limit, s.cfg.Poll, cond)
}
