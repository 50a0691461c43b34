// Package demo is `baton demo`: a two-node Baton cluster serving NFS
// through a floating IP, built on this machine from network and mount
// namespaces, a loop device and a witness, with a client writing through
// the VIP while the active node is killed. It prints what it does as a
// walk-through, measures the client-visible stall, checks that every
// acknowledged write reads back and that at most one node ever held the
// VIP or the mount, and cleans up (or, with Keep, leaves the cluster up
// for exploring).
package demo

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/baton-ha/baton/crm/config"
	"github.com/baton-ha/baton/crm/controller"
	"github.com/baton-ha/baton/crm/membership"
	"github.com/baton-ha/baton/crm/wire"
	"github.com/baton-ha/baton/demo/lab"
)

// DefaultDir is where the demo keeps its lab.
const DefaultDir = "/tmp/baton-demo"

// Options shape a run.
type Options struct {
	Dir  string    // the lab's directory; DefaultDir when empty
	Bin  string    // the baton binary; this program when empty
	Out  io.Writer // the walk-through
	Keep bool      // leave the cluster up
}

// Result is what the demo measured.
type Result struct {
	Stall      time.Duration
	Intact     bool
	Bytes      int64
	Violations []string // samples where two nodes held the VIP or the mount
	NewHolder  string   // the node that took over
}

// OK reports whether the failover met the bar: data intact, never two
// owners, a new owner found.
func (r *Result) OK() bool { return r.Intact && len(r.Violations) == 0 && r.NewHolder != "" }

// state is what `baton demo --kill` and `--down` need to know, in
// Dir/demo.json.
type state struct {
	Nodes []*node `json:"nodes"`
	Disk  string  `json:"disk"`
	VIP   string  `json:"vip"`
	Bin   string  `json:"bin"`
}

type run struct {
	o     Options
	l     *lab.Lab
	st    state
	start time.Time
}

func (r *run) say(format string, args ...any) { fmt.Fprintf(r.o.Out, format+"\n", args...) }

func (r *run) event(format string, args ...any) {
	r.say("  %6.2fs  %s", time.Since(r.start).Seconds(), fmt.Sprintf(format, args...))
}

// Needed are the programs the demo runs.
var Needed = []string{"ip", "unshare", "nsenter", "mount", "losetup", "mkfs.ext4", "ganesha.nfsd", "rpcbind"}

// Run runs the demo. On error or without Keep it removes everything it
// made.
func Run(ctx context.Context, o Options) (res *Result, err error) {
	if o.Dir == "" {
		o.Dir = DefaultDir
	}
	if o.Bin == "" {
		if o.Bin, err = os.Executable(); err != nil {
			return nil, err
		}
	}
	if os.Geteuid() != 0 {
		return nil, errors.New("the demo needs root (network namespaces, a loop device, mounts)")
	}
	for _, p := range Needed {
		if _, err := exec.LookPath(p); err != nil {
			return nil, fmt.Errorf("%s is not installed: run `make deps` (scripts/deps.sh)", p)
		}
	}
	began := time.Now()
	r := &run{o: o, start: began}
	prefix := fmt.Sprintf("bd%d", os.Getpid()%10000)
	if r.l, err = lab.New(o.Dir, prefix); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil || !o.Keep {
			r.say("\nCleaning up: daemons, namespaces, the loop device and %s.", o.Dir)
			if cerr := r.l.Close(); cerr != nil {
				err = errors.Join(err, fmt.Errorf("cleanup: %w", cerr))
			}
		}
		r.say("The demo took %.1f s.", time.Since(began).Seconds())
	}()
	r.say("== Baton demo: two-node HA NFS with a failover ==\n")
	if err := r.build(); err != nil {
		return nil, err
	}
	if err := r.startCluster(ctx); err != nil {
		return nil, err
	}
	res, err = r.failover(ctx)
	if err != nil {
		return res, err
	}
	r.say("\nResult: client-visible stall %.2f s; %d acknowledged bytes read back, intact: %v;", res.Stall.Seconds(), res.Bytes, res.Intact)
	if len(res.Violations) == 0 {
		r.say("at most one node held the VIP and /data at every sample (every 100 ms).")
	} else {
		r.say("TWO OWNERS at once: %s", strings.Join(res.Violations, "; "))
	}
	if o.Keep {
		err = r.keep(ctx)
	}
	return res, err
}

// build makes the networks, nodes, witness and shared disk.
func (r *run) build() error {
	l := r.l
	var key [32]byte
	if _, err := rand.Read(key[:]); err != nil {
		return err
	}
	sub := 10 + os.Getpid()%240
	hb, err := l.AddNetwork("hb")
	if err != nil {
		return err
	}
	svc, err := l.AddNetwork("sv")
	if err != nil {
		return err
	}
	mgmt, err := l.AddNetwork("wm")
	if err != nil {
		return err
	}
	r.say("Building the lab (state in %s):", l.Dir)
	r.say("  three networks, each a bridge in its own network namespace: heartbeat 10.213.%d.0/24, service 10.214.%d.0/24, witness 10.215.%d.0/24", sub, sub, sub)
	ocfRoot := filepath.Join(l.Dir, "ocf")
	agentDir := filepath.Join(ocfRoot, "resource.d", "baton")
	if err := os.MkdirAll(agentDir, 0o755); err != nil {
		return err
	}
	for _, a := range []string{"Filesystem", "nfsserver", "exportfs", "IPaddr"} {
		if err := os.Symlink(r.o.Bin, filepath.Join(agentDir, a)); err != nil {
			return err
		}
	}
	wit, err := mgmt.AddHost("wi", fmt.Sprintf("10.215.%d.100/24", sub))
	if err != nil {
		return err
	}
	witness := fmt.Sprintf("10.215.%d.100:5406", sub)
	for i := 1; i <= 2; i++ {
		n := &node{Name: fmt.Sprintf("node%d", i), ID: i, Dir: filepath.Join(l.Dir, fmt.Sprintf("node%d", i)),
			HB: fmt.Sprintf("10.213.%d.%d", sub, i), SVC: fmt.Sprintf("10.214.%d.%d", sub, i), Mgmt: fmt.Sprintf("10.215.%d.%d", sub, i)}
		h, err := hb.AddHost(fmt.Sprintf("n%d", i), n.HB+"/24")
		if err != nil {
			return err
		}
		n.NS = h.NS
		if _, err := svc.Attach(n.NS, "eth1", n.SVC+"/24"); err != nil {
			return err
		}
		if _, err := mgmt.Attach(n.NS, "eth2", n.Mgmt+"/24"); err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(n.Dir, "state"), 0o700); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(n.Dir, "authkey"), key[:], 0o600); err != nil {
			return err
		}
		r.st.Nodes = append(r.st.Nodes, n)
		r.say("  %s: namespace %s; heartbeat link %s, service link %s, witness network %s", n.Name, n.NS, n.HB, n.SVC, n.Mgmt)
	}
	client, err := svc.AddHost("cl", fmt.Sprintf("10.214.%d.100/24", sub))
	if err != nil {
		return err
	}
	r.st.VIP = fmt.Sprintf("10.214.%d.200", sub)
	r.say("  client: namespace %s, 10.214.%d.100; the NFS service's floating IP (VIP): %s", client.NS, sub, r.st.VIP)
	if err := os.WriteFile(filepath.Join(l.Dir, "witness.key"), key[:], 0o600); err != nil {
		return err
	}
	if err := lab.Detach(lab.InNamespace(context.Background(), wit.NS, r.o.Bin, "witness", "--auth-key", filepath.Join(l.Dir, "witness.key")),
		filepath.Join(l.Dir, "witness.log")); err != nil {
		return err
	}
	r.say("  witness: `baton witness` at %s, the tie-breaker that lets one survivor of two take over", witness)
	if err := l.EnsureDir("/data"); err != nil {
		return err
	}
	if r.st.Disk, err = l.AddDisk(256, "batondata", "export", "nfs", ".tickle"); err != nil {
		return err
	}
	r.say("  shared disk: %s, a 256 MiB loop device with ext4 (both nodes see it, as they would a DRBD device)", r.st.Disk)
	doc := cibXML(r.st.Nodes, r.st.Disk, r.st.VIP)
	for _, n := range r.st.Nodes {
		n.Config = filepath.Join(n.Dir, "baton.toml")
		if err := os.WriteFile(filepath.Join(n.Dir, "cib.xml"), []byte(doc), 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(n.Config, []byte(nodeConfig(n, r.st.Nodes, ocfRoot, witness)), 0o644); err != nil {
			return err
		}
	}
	r.st.Bin = r.o.Bin
	b, _ := json.MarshalIndent(r.st, "", "  ")
	return os.WriteFile(filepath.Join(l.Dir, "demo.json"), b, 0o644)
}

// startNode starts a node's mount namespace and its daemon.
func (r *run) startNode(n *node) error {
	pid, err := r.l.StartHolder(n.NS)
	if err != nil {
		return err
	}
	return lab.Detach(lab.InNode(context.Background(), pid, r.o.Bin, "daemon", "--config", n.Config), filepath.Join(n.Dir, "daemon.log"))
}

func (r *run) startCluster(ctx context.Context) error {
	r.say("\nStarting `baton daemon` on both nodes. Each reads a Pacemaker CIB (%s/node1/cib.xml):", r.l.Dir)
	r.say("  group nfs = Filesystem(/data) -> nfsserver(NFS-Ganesha) -> exportfs(/data/export) -> IPaddr(%s), preferring node1", r.st.VIP)
	r.start = time.Now()
	for _, n := range r.st.Nodes {
		if err := r.startNode(n); err != nil {
			return err
		}
	}
	if err := r.waitJoined(ctx, 60*time.Second); err != nil {
		return err
	}
	r.event("both nodes joined (heartbeats on both links) and have quorum")
	if h, err := r.waitHolder(ctx, "", 90*time.Second); err != nil {
		return err
	} else {
		r.event("the NFS stack runs on %s: /data mounted, Ganesha serving, VIP up", h)
	}
	out, _ := exec.CommandContext(ctx, r.o.Bin, "status", "--config", r.st.Nodes[0].Config).CombinedOutput()
	r.say("\n$ baton status --config %s\n%s", r.st.Nodes[0].Config, indent(string(out)))
	return nil
}

// status asks a node's daemon for its view.
func status(ctx context.Context, n *node) (controller.State, error) {
	var st controller.State
	cfg, err := config.Load(n.Config)
	if err != nil {
		return st, err
	}
	key, err := membership.LoadKey(cfg.AuthKey)
	if err != nil {
		return st, err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	cl := &wire.Client{Key: key, From: "demo"}
	return st, cl.CallUnix(ctx, cfg.AdminSocket(), "status", nil, &st)
}

func (r *run) waitJoined(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		all := true
		for _, n := range r.st.Nodes {
			if st, err := status(ctx, n); err != nil || !st.Quorate || len(st.Members) != len(r.st.Nodes) {
				all = false
			}
		}
		if all {
			return nil
		}
		if err := pause(ctx, 100*time.Millisecond); err != nil {
			return err
		}
	}
	return fmt.Errorf("the nodes did not join within %v: see %s/node*/daemon.log", limit, r.l.Dir)
}

// holders returns the nodes holding the VIP and the shared mount.
func (r *run) holders() (vip, mount []string) {
	for _, n := range r.st.Nodes {
		pid := r.l.Holder(n.NS)
		if pid == 0 {
			continue
		}
		if lab.MountedFrom(pid, r.st.Disk) {
			mount = append(mount, n.Name)
		}
		if lab.HasAddress(n.NS, "eth1", r.st.VIP) {
			vip = append(vip, n.Name)
		}
	}
	return vip, mount
}

// waitHolder waits until one node other than not holds both the VIP and
// the mount.
func (r *run) waitHolder(ctx context.Context, not string, limit time.Duration) (string, error) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		vip, mount := r.holders()
		if len(vip) == 1 && len(mount) == 1 && vip[0] == mount[0] && vip[0] != not {
			return vip[0], nil
		}
		if err := pause(ctx, 50*time.Millisecond); err != nil {
			return "", err
		}
	}
	return "", fmt.Errorf("the NFS stack did not come up within %v: see %s/node*/daemon.log", limit, r.l.Dir)
}

func pause(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "    " + l
	}
	return strings.Join(lines, "\n")
}
