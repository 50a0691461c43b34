// Package nfsnotify is ocf:baton:nfsnotify: it tells NFSv3 clients that the
// server "rebooted" (SM_NOTIFY through sm-notify), so that they reclaim
// their NLM locks on the node that took over. It runs after the floating
// address is up: the notification must come from that address, with it as
// mon_name, or clients do not match it to the server they mounted.
// ocf:baton:nfsserver's own notification runs before the address exists in
// the usual group; set nfs_no_notify there and use this agent after the
// IPaddr resource.
package nfsnotify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/baton-ha/baton/agents/nfsbackend/hostsys"
	"github.com/baton-ha/baton/agents/nfsbackend/nfsdfs"
	"github.com/baton-ha/baton/ocf"
)

// Config holds the agent's dependencies; the zero value is production.
type Config struct {
	// Root is the root host paths are taken below ("/").
	Root     string
	Sys      hostsys.System
	LookPath func(string) (string, error)
	// LocalAddrs lists this node's addresses; nil lists the interfaces'.
	LocalAddrs func() ([]netip.Addr, error)
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
	if c.LocalAddrs == nil {
		c.LocalAddrs = hostsys.LocalAddrs
	}
	return &ocf.Agent{
		Name:      "nfsnotify",
		Version:   "1.0",
		Shortdesc: "Sends NFSv3 reboot notifications (sm-notify) from the floating address",
		Longdesc: `Runs sm-notify once per start, so that NFSv3 clients reclaim their NLM
locks on this node. Order it after the IPaddr resource of the NFS service
(last in the group) and set nfs_no_notify=true on ocf:baton:nfsserver:
notifications must leave from the floating address, which does not exist
yet when nfsserver starts. Start refuses (exit 1) while a source_host
address is not on this node.

monitor reports running while the rpc.statd that was running at start
still runs; a restarted rpc.statd fails the monitor, so that the cluster
restarts this resource and the clients are notified again.

sm-notify runs in the foreground (-d) detached from the agent, retrying
unreachable clients for nfs_smnotify_retry_time minutes; stop ends it. In
the foreground it logs to its standard error, not to the system log: that
goes to HA_RSCTMP/nfsnotify-<instance>.log (whom it notified, who could not
be reached). Start watches each sm-notify for a second: one that fails its
own checks (most often: no host name for a source_host address) fails the
start with its message.
This only matters for the kernel server: Ganesha here serves no NLM.`,
		Params: []ocf.Param{
			{Name: "source_host", Check: checkHosts, Shortdesc: "Floating addresses or names",
				Longdesc: "Comma-separated floating IP addresses or host names clients use to reach the NFS service. Each is used as sm-notify's source address and mon_name (sm-notify -v); an address must be up on this node at start, and must have a host name (sm-notify looks one up and exits without notifying anyone when there is none: put the floating address in /etc/hosts on every node, or give it a PTR record). Empty: one notification from the default address with the node's name."},
			{Name: "notify_args", Shortdesc: "Extra sm-notify arguments",
				Longdesc: "Extra sm-notify arguments, split at white space (no shell), added to -f -d and -v. -P, -d and -v are set by the agent and refused here."},
			{Name: "statd_dir", Default: "/var/lib/nfs", Shortdesc: "rpc.statd's state directory",
				Longdesc: "Where rpc.statd keeps sm, sm.bak and state: /var/lib/nfs on Debian (with ocf:baton:nfsserver, its nfs_shared_infodir is mounted there), /var/lib/nfs/statd on Red Hat."},
			{Name: "nfs_smnotify_retry_time", Type: ocf.Integer, Default: "15", Check: ocf.IntRange(0, 100000),
				Shortdesc: "Retry time (min)", Longdesc: "How many minutes sm-notify keeps retrying unreachable clients (sm-notify -m)."},
		},
		Actions: []ocf.ActionSpec{
			{Name: ocf.ActionStart, Timeout: 90 * time.Second},
			{Name: ocf.ActionStop, Timeout: 90 * time.Second},
			{Name: ocf.ActionMonitor, Timeout: 90 * time.Second, Interval: 30 * time.Second},
			{Name: ocf.ActionMetaData, Timeout: 10 * time.Second},
			{Name: ocf.ActionValidateAll, Timeout: 20 * time.Second},
		},
		Impl: &notifier{cfg: c, fs: nfsdfs.New(c.Root)},
	}
}

// checkHosts accepts a comma-separated list of addresses and host names.
func checkHosts(v string) error {
	for _, h := range hosts(v) {
		if _, err := netip.ParseAddr(h); err == nil {
			continue
		}
		if len(h) > 253 {
			return fmt.Errorf("%.40q... is longer than a host name may be", h)
		}
		for _, c := range h {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
				return fmt.Errorf("%q is neither an IP address nor a host name", h)
			}
		}
	}
	return nil
}

func hosts(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' })
}

type notifier struct {
	cfg Config
	fs  nfsdfs.FS
}

// state is what start records (in HA_RSCTMP): the rpc.statd it notified
// for and the sm-notify processes it started.
type state struct {
	Statd    int   `json:"statd"`
	Notifies []int `json:"notifies"`
}

func stateFile(r *ocf.Request) string {
	return filepath.Join(r.Env.RscTmp, "nfsnotify-"+safe(r.Env.Instance)+".json")
}

// logFile receives sm-notify's messages: with -d it writes them to its
// standard error instead of the system log.
func logFile(r *ocf.Request) string {
	return filepath.Join(r.Env.RscTmp, "nfsnotify-"+safe(r.Env.Instance)+".log")
}

// copyDir is where the notification lists for the second and further
// source hosts are copied: sm-notify empties the list it works from.
func copyDir(r *ocf.Request, host string) string {
	return filepath.Join(r.Env.RscTmp, "nfsnotify-"+safe(r.Env.Instance), safe(host))
}

func safe(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			return r
		}
		return '_'
	}, s)
}

func (n *notifier) Validate(_ context.Context, r *ocf.Request) error {
	for _, a := range strings.Fields(r.Params.String("notify_args")) {
		switch a {
		case "-P", "-d", "-v", "--state-directory-path", "--debug":
			return ocf.Errorf(ocf.ErrConfigured, "notify_args must not set %s: the agent sets it", a)
		}
	}
	if !filepath.IsAbs(r.Params.String("statd_dir")) {
		return ocf.Errorf(ocf.ErrConfigured, "statd_dir %q must be an absolute path", r.Params.String("statd_dir"))
	}
	if _, err := n.cfg.LookPath("sm-notify"); err != nil {
		return ocf.Errorf(ocf.ErrInstalled, "sm-notify is not installed: install nfs-common")
	}
	return nil
}

func (n *notifier) readState(r *ocf.Request) (state, error) {
	var st state
	b, err := os.ReadFile(stateFile(r))
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("%s is corrupt: %v", stateFile(r), err)
	}
	return st, nil
}

// statd returns the running rpc.statd's pid, 0 when none runs.
func (n *notifier) statd() int {
	pids, _ := n.fs.Pids("rpc.statd")
	for _, p := range pids {
		if !n.fs.Zombie(p) {
			return p
		}
	}
	return 0
}

func (n *notifier) Monitor(_ context.Context, r *ocf.Request) error {
	st, err := n.readState(r)
	if errors.Is(err, os.ErrNotExist) {
		return ocf.NotRunning
	}
	if err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "%v", err)
	}
	if n.fs.Comm(st.Statd) != "rpc.statd" || n.fs.Zombie(st.Statd) {
		return ocf.Errorf(ocf.ErrGeneric, "rpc.statd (pid %d) that the clients were notified for is gone: they must be notified again", st.Statd)
	}
	return nil
}

func (n *notifier) Start(ctx context.Context, r *ocf.Request) error {
	if err := n.Monitor(ctx, r); err == nil {
		return nil
	}
	statd := n.statd()
	if statd == 0 {
		return ocf.Errorf(ocf.ErrGeneric, "rpc.statd is not running: start the NFS server first (order nfsnotify after nfsserver)")
	}
	srcs := hosts(r.Params.String("source_host"))
	if err := n.checkLocal(srcs); err != nil {
		return err
	}
	// A previous start's notifications are superseded.
	n.stopNotifies(r)
	dir := filepath.Clean(r.Params.String("statd_dir"))
	// The copies are taken before the first sm-notify empties the list.
	for _, h := range srcs[min(1, len(srcs)):] {
		if err := n.copyStatd(dir, copyDir(r, h)); err != nil {
			return ocf.Errorf(ocf.ErrGeneric, "copy the notification list for %s: %v", h, err)
		}
	}
	base := []string{"-f", "-d", "-m", strconv.Itoa(int(r.Params.Int("nfs_smnotify_retry_time")))}
	base = append(base, strings.Fields(r.Params.String("notify_args"))...)
	st := state{Statd: statd}
	runs := [][]string{append(append([]string{}, base...), "-P", dir)}
	if len(srcs) > 0 {
		runs = nil
		for i, h := range srcs {
			d := dir
			if i > 0 {
				d = copyDir(r, h)
			}
			runs = append(runs, append(append([]string{}, base...), "-v", h, "-P", d))
		}
	}
	if err := os.MkdirAll(r.Env.RscTmp, 0o755); err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "create %s: %v", r.Env.RscTmp, err)
	}
	var failed error
	for _, args := range runs {
		if failed = n.notify(r, args, &st); failed != nil {
			break
		}
	}
	// Recorded even after a failure: the stop that follows ends the
	// sm-notify processes already started.
	b, _ := json.Marshal(st)
	if err := os.WriteFile(stateFile(r), b, 0o644); err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "write %s: %v", stateFile(r), err)
	}
	return failed
}

// notifySettle is how long start watches each sm-notify it started. The
// checks sm-notify makes before it sends anything (its -v address must
// have a host name, its state directory must be readable) end it within
// this time when they fail; detached, it would otherwise fail unseen.
const notifySettle = time.Second

// notify starts one sm-notify and records its pid in st. One that ends at
// once with an error is a failed start, with its last words.
func (n *notifier) notify(r *ocf.Request, args []string, st *state) error {
	pid, err := n.cfg.Sys.Start(hostsys.Cmd{Path: "sm-notify", Args: args, Log: logFile(r)})
	if err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "start sm-notify %s: %v", strings.Join(args, " "), err)
	}
	if exited, err := n.cfg.Sys.Settle(pid, notifySettle); exited && err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "sm-notify %s failed at once (%v): %s%s", strings.Join(args, " "), err,
			lastLines(logFile(r), 3), hintFor(args))
	} else if exited {
		r.Log.Info("sm-notify finished at once: no NFSv3 client to notify", "args", strings.Join(args, " "))
		return nil
	}
	st.Notifies = append(st.Notifies, pid)
	r.Log.Info("notifying NFSv3 clients", "args", strings.Join(args, " "), "pid", pid, "log", logFile(r))
	return nil
}

// hintFor names the usual cause when sm-notify sends from an address: it
// needs a host name for it (a reverse lookup), which a floating address
// often lacks.
func hintFor(args []string) string {
	for i, a := range args {
		if a == "-v" && i+1 < len(args) {
			if _, err := netip.ParseAddr(args[i+1]); err == nil {
				return fmt.Sprintf(" (sm-notify looks up a host name for %s: add it to /etc/hosts on every node, or a PTR record to DNS)", args[i+1])
			}
		}
	}
	return ""
}

// lastLines returns the last n lines of a file, joined with "; ".
func lastLines(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(no output)"
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "; ")
}

// checkLocal refuses to notify from an address this node does not have:
// sm-notify could not bind it, and clients would not match another one.
func (n *notifier) checkLocal(srcs []string) error {
	addrs, err := n.cfg.LocalAddrs()
	if err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "list this node's addresses: %v", err)
	}
	for _, h := range srcs {
		a, err := netip.ParseAddr(h)
		if err != nil {
			continue // a name: sm-notify resolves it
		}
		found := false
		for _, l := range addrs {
			if l == a.Unmap() {
				found = true
			}
		}
		if !found {
			return ocf.Errorf(ocf.ErrGeneric, "source_host %s is not an address of this node: order nfsnotify after the IPaddr resource that brings it up", h)
		}
	}
	return nil
}

// copyStatd copies statd's lists into the agent's own directory (in
// HA_RSCTMP, not a host path below Root).
func (n *notifier) copyStatd(from, to string) error {
	for _, sub := range []string{"sm", "sm.bak"} {
		if err := os.MkdirAll(filepath.Join(to, sub), 0o700); err != nil {
			return err
		}
		ents, err := os.ReadDir(n.fs.Path(filepath.Join(from, sub)))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		for _, e := range ents {
			if !e.Type().IsRegular() {
				continue
			}
			b, err := os.ReadFile(n.fs.Path(filepath.Join(from, sub, e.Name())))
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(to, sub, e.Name()), b, 0o600); err != nil {
				return err
			}
		}
	}
	// state holds statd's NSM state number, which the notification carries.
	if b, err := os.ReadFile(n.fs.Path(filepath.Join(from, "state"))); err == nil {
		return os.WriteFile(filepath.Join(to, "state"), b, 0o644)
	}
	return nil
}

// stopNotifies ends the sm-notify processes the last start left retrying.
func (n *notifier) stopNotifies(r *ocf.Request) {
	st, err := n.readState(r)
	if err != nil {
		return
	}
	for _, p := range st.Notifies {
		if n.fs.Comm(p) == "sm-notify" && !n.fs.Zombie(p) {
			_ = n.cfg.Sys.Signal(p, syscall.SIGTERM)
			r.Log.Info("ended a previous sm-notify", "pid", p)
		}
	}
}

func (n *notifier) Stop(_ context.Context, r *ocf.Request) error {
	n.stopNotifies(r)
	if err := os.Remove(stateFile(r)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return ocf.Errorf(ocf.ErrGeneric, "remove %s: %v", stateFile(r), err)
	}
	_ = os.RemoveAll(filepath.Join(r.Env.RscTmp, "nfsnotify-"+safe(r.Env.Instance)))
	return nil
}
