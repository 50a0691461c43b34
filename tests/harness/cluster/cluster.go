// Package cluster runs real Baton clusters for tests and the demo: each
// node in its own network and mount namespaces (a private /run and /data),
// joined by a heartbeat network and a service network, with a client on the
// service network and optionally a witness on a third network. Every
// namespace, process and mount is removed when the test ends.
package cluster

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/baton-ha/baton/demo/lab"
	"github.com/baton-ha/baton/tests/harness"
	"github.com/baton-ha/baton/tests/harness/netns"
	"github.com/baton-ha/baton/tests/harness/pacemaker"
)

// Options shape a cluster.
type Options struct {
	Nodes int // default 2
	// Resources and Constraints are the CIB's sections' contents (XML).
	Resources string
	// ResourcesFunc, when set, computes Resources once the cluster's
	// addresses are known (a VIP on the service network).
	ResourcesFunc func(*Cluster) string
	Constraints   string
	// CrmConfig holds extra nvpairs of the cluster_property_set.
	CrmConfig string
	// RscDefaults holds nvpairs of rsc_defaults (e.g. resource-stickiness).
	RscDefaults string
	Policy      string // quorum policy; default "ignore" without a witness, "witness" with one
	Witness     bool
	// NoWaitForAll lets a node start resources before it has seen its
	// peers (wait_for_all = false).
	NoWaitForAll bool
	// PingClient makes every node ping the client host and publish the
	// result as the node attribute pingd (100 per reachable host).
	PingClient bool
	// Agents lists the agent names to install as ocf:baton:NAME.
	Agents []string
	// Fencing enables fencing with a real device of this world: a
	// class="stonith" primitive running fence_baton_netns, which powers a
	// node off by taking its links down and killing its processes.
	// Without it the CIB says stonith-enabled=false (explicitly unsafe).
	Fencing bool
	// FenceAgent replaces fence_baton_netns as the device's agent (a
	// missing, failing or hanging one, for the error tests); it must be
	// in FenceDir or absent.
	FenceAgent string
	// FenceMeta holds nvpairs for the device's meta_attributes (e.g.
	// provides=unfencing).
	FenceMeta string
	// Metrics serves Prometheus metrics on every node at MetricsPort,
	// configured without a host (so on the node's 127.0.0.1).
	Metrics bool
}

// MetricsPort is where Options.Metrics serves /metrics inside each node.
const MetricsPort = 9664

// Cluster is a running test cluster.
type Cluster struct {
	t       testing.TB
	Dir     string
	Bin     string
	HB, SVC *netns.Network
	// FenceDir holds the fence agents the daemons may run; FenceDevices
	// the machine descriptions fence_baton_netns reads (one per node).
	FenceDir, FenceDevices string
	Mgmt                   *netns.Network
	Nodes                  []*Node
	Client                 *netns.Host
	// WitnessHost runs `baton witness` when Options.Witness.
	WitnessHost *netns.Host
	Subnet      int // the third octet shared by the test's networks
	ocfRoot     string
	witness     *exec.Cmd
	witnessDone chan struct{}
	pacemaker   bool // StartPacemaker ran: nodes run Corosync and Pacemaker, not baton daemon
	fencing     bool // Options.Fencing: the CIB has a stonith device and fencing on
}

// Node is one cluster node.
type Node struct {
	Name      string
	ID        int
	NS        string // network namespace
	HBAddr    string
	SvcAddr   string
	Dir       string // config, key, state
	hb, svc   *netns.Host
	mgmt      *netns.Host
	holder    *exec.Cmd
	holderPid int
	mntNS     string
	daemon    *exec.Cmd
	// daemonDone is closed when the daemon started last has exited.
	daemonDone chan struct{}
	c          *Cluster
}

// New builds the networks and nodes; daemons are started with Start.
func New(t testing.TB, o Options) *Cluster {
	t.Helper()
	harness.NeedRoot(t)
	harness.NeedCommand(t, "ip", "unshare", "nsenter", "mount")
	if o.Nodes == 0 {
		o.Nodes = 2
	}
	if o.Policy == "" {
		o.Policy = "ignore"
		if o.Witness {
			o.Policy = "witness"
		}
	}
	c := &Cluster{t: t, Dir: t.TempDir(), Bin: harness.Baton(t), fencing: o.Fencing}
	// Nodes mount the shared disk on /data inside their own mount
	// namespaces; the directory itself lives on the host's root. Remove it
	// afterwards if this test made it (and nothing else uses it).
	if _, err := os.Stat("/data"); os.IsNotExist(err) {
		if os.Mkdir("/data", 0o755) == nil {
			t.Cleanup(func() { _ = os.Remove("/data") })
		}
	}
	_ = os.Chmod(c.Dir, 0o755)
	c.Subnet = 10 + (os.Getpid()+int(time.Now().UnixNano()/1e6))%240
	c.HB = netns.New(t)
	c.SVC = netns.New(t)
	c.ocfRoot = filepath.Join(c.Dir, "ocf")
	c.FenceDir, c.FenceDevices = filepath.Join(c.Dir, "fence-agents"), filepath.Join(c.Dir, "fence-devices")
	must(t, os.MkdirAll(c.FenceDevices, 0o755))
	must(t, os.MkdirAll(c.FenceDir, 0o755))
	must(t, os.Symlink(c.Bin, filepath.Join(c.FenceDir, "fence_baton_netns")))
	agentDir := filepath.Join(c.ocfRoot, "resource.d", "baton")
	must(t, os.MkdirAll(agentDir, 0o755))
	for _, a := range o.Agents {
		must(t, os.Symlink(c.Bin, filepath.Join(agentDir, a)))
	}
	// Debian's providers stay reachable, for side-by-side runs.
	for _, p := range []string{"heartbeat", "pacemaker"} {
		_ = os.Symlink(filepath.Join("/usr/lib/ocf/resource.d", p), filepath.Join(c.ocfRoot, "resource.d", p))
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	for i := 1; i <= o.Nodes; i++ {
		n := &Node{Name: fmt.Sprintf("node%d", i), ID: i, c: c,
			HBAddr: fmt.Sprintf("10.213.%d.%d", c.Subnet, i), SvcAddr: fmt.Sprintf("10.214.%d.%d", c.Subnet, i)}
		n.hb = c.HB.AddHost(n.Name, n.HBAddr+"/24")
		n.NS = n.hb.Name
		n.svc = c.SVC.Attach(n.hb, "eth1", n.SvcAddr+"/24")
		n.Dir = filepath.Join(c.Dir, n.Name)
		must(t, os.MkdirAll(filepath.Join(n.Dir, "state"), 0o700))
		must(t, os.WriteFile(filepath.Join(n.Dir, "authkey"), key, 0o600))
		c.Nodes = append(c.Nodes, n)
	}
	c.Client = c.SVC.AddHost("cl", fmt.Sprintf("10.214.%d.100/24", c.Subnet))
	witness := ""
	if o.Witness {
		c.Mgmt = netns.New(t)
		c.WitnessHost = c.Mgmt.AddHost("wit", fmt.Sprintf("10.215.%d.100/24", c.Subnet))
		witness = fmt.Sprintf("10.215.%d.100:5406", c.Subnet)
		for _, n := range c.Nodes {
			n.mgmt = c.Mgmt.Attach(n.hb, "eth2", fmt.Sprintf("10.215.%d.%d/24", c.Subnet, n.ID))
		}
		must(t, os.WriteFile(filepath.Join(c.Dir, "witness.key"), key, 0o600))
		c.StartWitness(t)
		t.Cleanup(c.StopWitness)
	}
	if o.ResourcesFunc != nil {
		o.Resources = o.ResourcesFunc(c)
	}
	if o.Fencing {
		agent := o.FenceAgent
		if agent == "" {
			agent = "fence_baton_netns"
		}
		meta := ""
		if o.FenceMeta != "" {
			meta = `<meta_attributes id="fence-netns-meta">` + o.FenceMeta + `</meta_attributes>`
		}
		o.Resources = fmt.Sprintf(`<primitive id="fence-netns" class="stonith" type="%s">
  <instance_attributes id="fence-netns-ia"><nvpair id="fence-netns-dir" name="devices_dir" value="%s"/></instance_attributes>%s
</primitive>`, agent, c.FenceDevices, meta) + o.Resources
	}
	cibXML := c.cib(o)
	for _, n := range c.Nodes {
		must(t, os.WriteFile(filepath.Join(n.Dir, "cib.xml"), []byte(cibXML), 0o644))
		must(t, os.WriteFile(filepath.Join(n.Dir, "baton.toml"), []byte(c.config(n, o, witness)), 0o644))
		n.startHolder(t)
	}
	t.Cleanup(func() {
		for _, n := range c.Nodes {
			n.killAll()
		}
		if t.Failed() {
			c.dumpLogs()
		}
		c.keepLogs(os.Getenv("BATON_TEST_LOGDIR"))
	})
	return c
}

// keepLogs copies each node's daemon log into dir (BATON_TEST_LOGDIR), named
// after the test and the node, so that a run that passed can still be
// traced; nothing when dir is empty.
func (c *Cluster) keepLogs(dir string) {
	if dir == "" {
		return
	}
	name := strings.NewReplacer("/", "_", " ", "_").Replace(c.t.Name())
	keep := func(src, as string) {
		b, err := os.ReadFile(src)
		if errors.Is(err, fs.ErrNotExist) {
			return
		}
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, name+"-"+as+".log"), b, 0o644)
		}
		if err != nil {
			c.t.Logf("BATON_TEST_LOGDIR: %v", err)
		}
	}
	for _, n := range c.Nodes {
		keep(filepath.Join(n.Dir, "daemon.log"), n.Name)
	}
	keep(filepath.Join(c.Dir, "witness.log"), "witness")
}

// StartWitness starts `baton witness` on the witness host (Options.Witness),
// appending to witness.log.
func (c *Cluster) StartWitness(t testing.TB) {
	t.Helper()
	cmd := c.WitnessHost.Command(context.Background(), c.Bin, "witness", "--auth-key", filepath.Join(c.Dir, "witness.key"))
	log, err := os.OpenFile(filepath.Join(c.Dir, "witness.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	must(t, err)
	cmd.Stdout, cmd.Stderr = log, log
	must(t, cmd.Start())
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); log.Close(); close(done) }()
	c.witness, c.witnessDone = cmd, done
}

// StopWitness kills the witness, as a crash of its host would, and waits
// until it is gone.
func (c *Cluster) StopWitness() {
	if c.witness == nil {
		return
	}
	_ = c.witness.Process.Kill()
	<-c.witnessDone
	c.witness = nil
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (c *Cluster) cib(o Options) string {
	var nodes strings.Builder
	for _, n := range c.Nodes {
		fmt.Fprintf(&nodes, `<node id="%d" uname="%s"/>`, n.ID, n.Name)
	}
	return fmt.Sprintf(`<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0" have-quorum="1">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <nvpair id="opt-stonith" name="stonith-enabled" value="%v"/>
        <nvpair id="opt-stonith-action" name="stonith-action" value="off"/>
        %s
      </cluster_property_set>
    </crm_config>
    <nodes>%s</nodes>
    <resources>%s</resources>
    <constraints>%s</constraints>
    <rsc_defaults><meta_attributes id="rsc-options">%s</meta_attributes></rsc_defaults>
  </configuration>
  <status/>
</cib>
`, o.Fencing, o.CrmConfig, nodes.String(), o.Resources, o.Constraints, o.RscDefaults)
}

func (c *Cluster) config(n *Node, o Options, witness string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "cluster = \"test\"\nnode = %q\nnode_id = %d\ncib = %q\nauth_key = %q\nstate_dir = %q\nocf_root = %q\nwait_for_all = %v\n\n",
		n.Name, n.ID, filepath.Join(n.Dir, "cib.xml"), filepath.Join(n.Dir, "authkey"), filepath.Join(n.Dir, "state"), c.ocfRoot, !o.NoWaitForAll)
	fmt.Fprintf(&b, "[heartbeat]\nkeepalive = \"500ms\"\nwarntime = \"1s\"\ndeadtime = \"2s\"\n\n")
	fmt.Fprintf(&b, "[[link]]\nname = \"hb\"\naddress = %q\n\n[[link]]\nname = \"svc\"\naddress = %q\n\n", n.HBAddr, n.SvcAddr)
	for _, p := range c.Nodes {
		if p == n {
			continue
		}
		fmt.Fprintf(&b, "[[peer]]\nname = %q\nnode_id = %d\naddresses = [%q, %q]\n\n", p.Name, p.ID, p.HBAddr, p.SvcAddr)
	}
	if o.PingClient {
		fmt.Fprintf(&b, "[ping]\nhosts = [%q]\nmultiplier = 100\ninterval = \"1s\"\ntimeout = \"500ms\"\n\n", fmt.Sprintf("10.214.%d.100", c.Subnet))
	}
	fmt.Fprintf(&b, "[fencing]\nagent_dirs = [%q]\n\n", c.FenceDir)
	if o.Metrics {
		fmt.Fprintf(&b, "[metrics]\nlisten = \":%d\"\n\n", MetricsPort)
	}
	fmt.Fprintf(&b, "[quorum]\npolicy = %q\n", o.Policy)
	if witness != "" {
		fmt.Fprintf(&b, "witness = %q\n", witness)
	}
	return b.String()
}

// startHolder creates the node's mount namespace with a private /run and
// /data, held by a sleeping process: daemons and agents run inside it. It
// fails t when the holder cannot start.
func (n *Node) startHolder(t testing.TB) {
	t.Helper()
	if err := n.tryHolder(t); err != nil {
		t.Fatal(err)
	}
}

// errKilledAtBoot: the holder was killed before it was ready, which is
// what a fence of this node (one decided while it was down, run by its
// peer as it boots) does to it.
var errKilledAtBoot = errors.New("killed while booting")

// tryHolder is startHolder returning errKilledAtBoot when the holder died
// before it was ready, so that the caller can boot again.
func (n *Node) tryHolder(t testing.TB) error {
	t.Helper()
	pidfile := filepath.Join(n.Dir, "holder.pid")
	script := `set -e; mount --make-rprivate /; mount -t tmpfs tmpfs /run; mkdir -p /run/resource-agents /run/lock;` +
		` echo $$ > "$1"; exec sleep infinity`
	// The previous boot's pidfile names a dead process (or, once its pid is
	// reused, a stranger): only the new holder's may be read.
	_ = os.Remove(pidfile)
	logPath := filepath.Join(n.Dir, "holder.log")
	out, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	must(t, err)
	defer out.Close()
	n.holder = exec.Command("ip", "netns", "exec", n.NS, "unshare", "-m", "--propagation", "private", "sh", "-c", script, "holder", pidfile)
	n.holder.Stdout, n.holder.Stderr = out, out
	n.holder.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	must(t, n.holder.Start())
	deadline := time.Now().Add(20 * time.Second)
	for {
		b, err := os.ReadFile(pidfile)
		if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && perr == nil && pid > 0 {
			if ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/mnt", pid)); err == nil {
				n.mntNS = ns
				n.holderPid = pid
				n.describe(t)
				return nil
			}
		}
		state := "running"
		if st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", n.holder.Process.Pid)); err != nil {
			state = "gone"
		} else if f := strings.Fields(string(st)); len(f) > 2 {
			state = "state " + f[2]
		}
		if state == "gone" || state == "state Z" {
			ws, _ := n.holder.Process.Wait()
			n.holder = nil
			if st, ok := ws.Sys().(syscall.WaitStatus); ok && st.Signaled() && st.Signal() == syscall.SIGKILL {
				return fmt.Errorf("node %s: namespace holder %w", n.Name, errKilledAtBoot)
			}
			msg, _ := os.ReadFile(logPath)
			return fmt.Errorf("node %s: namespace holder ended (%v) before it was ready; its output:\n%s", n.Name, ws, msg)
		}
		if time.Now().After(deadline) {
			msg, _ := os.ReadFile(logPath)
			return fmt.Errorf("node %s: namespace holder (pid %d, %s) wrote no pidfile in 20 s; its output:\n%s", n.Name, n.holder.Process.Pid, state, msg)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// describe writes the node's machine description for fence_baton_netns:
// how to reach its network namespace from any mount namespace (through
// this test process's root), its mount namespace, and its base addresses.
func (n *Node) describe(t testing.TB) {
	t.Helper()
	addrs := map[string][]string{"eth0": {n.HBAddr + "/24"}, "eth1": {n.SvcAddr + "/24"}}
	if n.mgmt != nil {
		addrs["eth2"] = []string{n.mgmt.Addr}
	}
	b, err := json.Marshal(map[string]any{
		"netns":     fmt.Sprintf("/proc/%d/root/run/netns/%s", os.Getpid(), n.NS),
		"mntns":     n.mntNS,
		"addresses": addrs,
	})
	must(t, err)
	f := filepath.Join(n.c.FenceDevices, n.Name+".json")
	must(t, os.WriteFile(f+".tmp", b, 0o644))
	must(t, os.Rename(f+".tmp", f))
}

// Signal sends sig to the node's daemon (nsenter execs it: same pid).
func (n *Node) Signal(sig syscall.Signal) error {
	if n.daemon == nil || n.daemon.Process == nil {
		return fmt.Errorf("node %s: no daemon started", n.Name)
	}
	return n.daemon.Process.Signal(sig)
}

// DaemonPid is the pid of the node's daemon (0 when none was started).
func (n *Node) DaemonPid() int {
	if n.daemon == nil || n.daemon.Process == nil {
		return 0
	}
	return n.daemon.Process.Pid
}

// RestartDaemon kills the node's daemon (SIGKILL), waits for it to be gone
// and starts a new one: the resources it started keep running.
func (n *Node) RestartDaemon(t testing.TB) {
	t.Helper()
	pid := n.DaemonPid()
	if pid == 0 {
		t.Fatalf("node %s: no daemon to restart", n.Name)
	}
	_ = n.Signal(syscall.SIGKILL)
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		// Gone, or a zombie not yet reaped by Start's waiter.
		if err != nil || strings.Contains(string(b), ") Z ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node %s: daemon %d survived SIGKILL", n.Name, pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
	n.Start(t)
}

// Stat returns the inode of a path as the node sees it: a file that was
// removed and made again has a new one.
func (n *Node) Stat(path string) (uint64, error) {
	if n.holder == nil {
		return 0, fmt.Errorf("node %s is down", n.Name)
	}
	var st syscall.Stat_t
	if err := syscall.Stat(filepath.Join(fmt.Sprintf("/proc/%d/root", n.holderPid), path), &st); err != nil {
		return 0, err
	}
	return st.Ino, nil
}

// PoweredOn reports whether any process of the node still runs: false
// once it was killed or fenced.
func (n *Node) PoweredOn() bool { return n.mntNS != "" && len(n.processes()) > 0 }

// Command returns a command that runs inside the node's namespaces.
func (n *Node) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "nsenter", append([]string{"-t", strconv.Itoa(n.holderPid), "-n", "-m", "--", name}, args...)...)
}

// Exec runs a command inside the node and returns output and exit code.
func (n *Node) Exec(ctx context.Context, name string, args ...string) (string, int) {
	return harness.Run(ctx, nil, "nsenter", append([]string{"-t", strconv.Itoa(n.holderPid), "-n", "-m", "--", name}, args...)...)
}

// Baton runs the baton CLI on the node with its configuration.
func (n *Node) Baton(ctx context.Context, args ...string) (string, int) {
	return n.Exec(ctx, n.c.Bin, append(args, "--config", filepath.Join(n.Dir, "baton.toml"))...)
}

// Start starts the node's daemon.
func (n *Node) Start(t testing.TB) {
	t.Helper()
	log, err := os.OpenFile(filepath.Join(n.Dir, "daemon.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	must(t, err)
	n.daemon = n.Command(context.Background(), n.c.Bin, "daemon", "--debug", "--config", filepath.Join(n.Dir, "baton.toml"))
	n.daemon.Stdout, n.daemon.Stderr = log, log
	must(t, n.daemon.Start())
	done := make(chan struct{})
	n.daemonDone = done
	go func(cmd *exec.Cmd) { _ = cmd.Wait(); log.Close(); close(done) }(n.daemon)
}

// Kill ends every process of the node at once (SIGKILL) and takes its links
// down, as a crash or a power cut would. What the node configured at run
// time goes with the power: each link keeps only its base address, so a VIP
// does not come back when the node is powered on again.
func (n *Node) Kill() {
	for _, h := range []*netns.Host{n.hb, n.svc, n.mgmt} {
		if h == nil {
			continue
		}
		dev := ifname(n, h)
		_ = exec.Command("ip", "-n", h.Name, "link", "set", "dev", dev, "down").Run()
		_ = exec.Command("ip", "-n", h.Name, "addr", "flush", "dev", dev).Run()
		if h.Addr != "" {
			_ = exec.Command("ip", "-n", h.Name, "addr", "add", h.Addr, "dev", dev).Run()
		}
	}
	n.killAll()
}

// linksUp reports whether every link of the node is administratively up.
func (n *Node) linksUp() bool {
	for _, h := range []*netns.Host{n.hb, n.svc, n.mgmt} {
		if h == nil {
			continue
		}
		out, err := exec.Command("ip", "-n", h.Name, "-o", "link", "show", "dev", ifname(n, h)).Output()
		flags, _, _ := strings.Cut(string(out), ">")
		if err != nil || !strings.Contains(flags+",", ",UP,") {
			return false
		}
	}
	return true
}

func ifname(n *Node, h *netns.Host) string {
	switch h {
	case n.svc:
		return "eth1"
	case n.mgmt:
		return "eth2"
	}
	return "eth0"
}

// Restart brings a killed node back: links up, a fresh mount namespace, and
// its cluster manager (baton daemon, or Corosync and Pacemaker after
// StartPacemaker), which starts from its saved copy of the CIB.
func (n *Node) Restart(t testing.TB) {
	t.Helper()
	// A fence of this node decided while it was down may run while it
	// boots, as a power switch would turn a booting machine off: the boot
	// starts again, a few times.
	for attempt := 1; ; attempt++ {
		for _, h := range []*netns.Host{n.hb, n.svc, n.mgmt} {
			if h != nil {
				_ = exec.Command("ip", "-n", h.Name, "link", "set", "dev", ifname(n, h), "up").Run()
			}
		}
		err := n.tryHolder(t)
		if err == nil && !n.linksUp() {
			// The fence ran between the links coming up and the holder:
			// nothing to kill yet, but the links went down with it.
			err = fmt.Errorf("node %s: links %w", n.Name, errKilledAtBoot)
		}
		if err == nil && n.c.pacemaker {
			// Corosync and Pacemaker start inside the node (pcmk-node.sh):
			// the fence kills their start-up too.
			if perr := n.bootPacemaker(); perr != nil {
				err = perr
				if n.WaitPoweredOff(10 * time.Second) {
					err = fmt.Errorf("%v: %w", perr, errKilledAtBoot)
				}
			}
		}
		if err == nil && !n.c.pacemaker {
			// A fence that ran after the holder came up, but before the
			// daemon bound its heartbeat sockets, leaves a daemon that
			// cannot bind (its links went down, or an address was being
			// reset by the fence's power-off) and exits at once. A daemon
			// that cannot start for another reason fails all the attempts.
			if !n.startDaemonAtBoot(t) {
				err = fmt.Errorf("node %s: daemon exited before it ran (%s): %w", n.Name, n.lastDaemonLine(), errKilledAtBoot)
			}
		}
		if err == nil {
			break
		}
		if !errors.Is(err, errKilledAtBoot) || attempt == 5 {
			t.Fatal(err)
		}
		t.Logf("%v; booting it again", err)
		n.Kill()
	}
}

// lastDaemonLine is the last line of the node's daemon log.
func (n *Node) lastDaemonLine() string {
	b, _ := os.ReadFile(filepath.Join(n.Dir, "daemon.log"))
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

// startDaemonAtBoot starts the daemon and reports whether it got as far as
// running (its "baton daemon running" line, written once its sockets are
// bound); false when it exited first. It waits at most 10 s.
func (n *Node) startDaemonAtBoot(t testing.TB) bool {
	t.Helper()
	logPath := filepath.Join(n.Dir, "daemon.log")
	var from int64
	if fi, err := os.Stat(logPath); err == nil {
		from = fi.Size()
	}
	n.Start(t)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(logPath); err == nil && int64(len(b)) > from && bytes.Contains(b[from:], []byte("baton daemon running")) {
			return true
		}
		select {
		case <-n.daemonDone:
			return false
		case <-time.After(20 * time.Millisecond):
		}
	}
	return true // slow, not dead: the caller's checks go on from here
}

// MountedFrom reports whether the node has a filesystem from device mounted.
func (n *Node) MountedFrom(device string) bool {
	if n.holder == nil {
		return false
	}
	return lab.MountedFrom(n.holderPid, device)
}

// Pids returns the processes of the node whose command name (comm) is name.
func (n *Node) Pids(name string) []int {
	var out []int
	for _, p := range n.processes() {
		comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", p))
		if err == nil && strings.TrimSpace(string(comm)) == name {
			out = append(out, p)
		}
	}
	return out
}

// ReadFile reads a file as the node sees it (through its mount namespace).
func (n *Node) ReadFile(path string) ([]byte, error) {
	if n.holder == nil {
		return nil, fmt.Errorf("node %s is down", n.Name)
	}
	return os.ReadFile(filepath.Join(fmt.Sprintf("/proc/%d/root", n.holderPid), path))
}

// Alive reports whether the node runs (it was not killed).
func (n *Node) Alive() bool { return n.holder != nil }

// HasFile reports whether a path exists in the node's mount namespace (a
// state file of a Dummy resource, say). A killed node has none.
func (n *Node) HasFile(path string) bool {
	if n.holder == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, code := n.Exec(ctx, "test", "-e", path)
	return code == 0
}

// CutLink silently cuts one of the node's links at the bridge: "hb", "svc"
// or "mgmt".
func (n *Node) CutLink(link string) {
	switch link {
	case "hb":
		n.c.HB.Unplug(n.hb)
	case "svc":
		n.c.SVC.Unplug(n.svc)
	case "mgmt":
		n.c.Mgmt.Unplug(n.mgmt)
	}
}

// PlugLink reconnects a link cut with CutLink.
func (n *Node) PlugLink(link string) {
	switch link {
	case "hb":
		n.c.HB.Plug(n.hb)
	case "svc":
		n.c.SVC.Plug(n.svc)
	case "mgmt":
		n.c.Mgmt.Plug(n.mgmt)
	}
}

// SignalDaemon sends sig to the node's daemon only (not to the resources
// it started); false when no daemon of this harness runs there.
func (n *Node) SignalDaemon(sig syscall.Signal) bool {
	if !n.DaemonRunning() {
		return false
	}
	return n.daemon.Process.Signal(sig) == nil
}

// DaemonRunning reports whether the daemon this harness started on the
// node is still running.
func (n *Node) DaemonRunning() bool {
	if n.daemonDone == nil {
		return false
	}
	select {
	case <-n.daemonDone:
		return false
	default:
		return true
	}
}

// WaitDaemonExit waits at most limit for the daemon to exit.
func (n *Node) WaitDaemonExit(limit time.Duration) bool {
	if n.daemonDone == nil {
		return true
	}
	select {
	case <-n.daemonDone:
		return true
	case <-time.After(limit):
		return false
	}
}

// StopDaemon stops the daemon gracefully (SIGTERM): it has the cluster stop
// or move the resources running on the node, then exits.
func (n *Node) StopDaemon() {
	if n.daemon != nil && n.daemon.Process != nil {
		_ = n.daemon.Process.Signal(syscall.SIGTERM)
	}
}

// killAll kills every process in the node's mount namespace, the holder
// included: nothing else is ever signalled.
func (n *Node) killAll() {
	if n.mntNS == "" {
		return
	}
	harness.KillMountNS(n.mntNS, time.Second, syscall.SIGKILL, syscall.SIGKILL)
	if n.holder != nil {
		_ = n.holder.Wait()
		n.holder = nil
	}
}

func (n *Node) processes() []int { return harness.MountNSProcesses(n.mntNS) }

func (c *Cluster) dumpLogs() {
	for _, n := range c.Nodes {
		b, _ := os.ReadFile(filepath.Join(n.Dir, "daemon.log"))
		if len(b) > 30000 {
			b = b[len(b)-30000:]
		}
		c.t.Logf("--- %s daemon.log (tail) ---\n%s", n.Name, b)
	}
}

// Status is what `baton status --output-as=xml` reports, read with the
// parser the Pacemaker tests use for crm_mon's XML.
type Status struct {
	DC        string
	Quorate   bool
	Members   []string // the nodes the answering node sees online
	Resources []ResourceStatus
}

// FenceStatus is the fencing part of `baton status --output-as=json`:
// Baton's own, beside crm_mon's XML.
type FenceStatus struct {
	Holding string `json:"holding"`
	Fencing struct {
		Enabled bool   `json:"enabled"`
		Unsafe  string `json:"unsafe"`
		Unclean []struct {
			Node    string `json:"node"`
			Fencing bool   `json:"fencing"`
			Error   string `json:"error"`
		} `json:"unclean"`
		History []struct {
			Target    string    `json:"target"`
			Action    string    `json:"action"`
			OK        bool      `json:"ok"`
			Error     string    `json:"error"`
			Executor  string    `json:"executor"`
			Devices   []string  `json:"devices"`
			Completed time.Time `json:"completed"`
		} `json:"history"`
	} `json:"fencing"`
}

// FenceStatus asks the node's daemon for its fencing state; false when it
// does not answer.
func (n *Node) FenceStatus() (FenceStatus, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, code := n.Baton(ctx, "status", "--output-as=json")
	var st FenceStatus
	if code != 0 || json.Unmarshal([]byte(out), &st) != nil {
		return st, false
	}
	return st, true
}

// ResourceStatus is one primitive (instance) in Status.
type ResourceStatus struct {
	ID    string
	Role  string
	Nodes []string
}

// Status asks the node's daemon for its view; false when it does not answer.
func (n *Node) Status() (Status, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, code := n.Baton(ctx, "status", "--output-as=xml")
	var st Status
	if code != 0 {
		return st, false
	}
	m, err := pacemaker.ParseStatus([]byte(out))
	if err != nil {
		return st, false
	}
	st.DC, st.Quorate = m.DC, m.WithQuorum
	for _, node := range m.Nodes {
		if node.Online {
			st.Members = append(st.Members, node.Name)
		}
	}
	for _, r := range m.Resources {
		rs := ResourceStatus{ID: r.ID, Role: r.Role}
		for _, x := range r.Nodes {
			rs.Nodes = append(rs.Nodes, x.Name)
		}
		st.Resources = append(st.Resources, rs)
	}
	return st, true
}
