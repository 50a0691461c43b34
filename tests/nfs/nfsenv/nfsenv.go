// Package nfsenv sets up the NFS failover rig of Baton's NFS tests and
// benchmarks, from real parts: two server nodes and a client, each a network
// namespace on one bridge; each server node also has its own mount
// namespace with a private /run, held open by a `sleep infinity` process,
// so that mounts and daemons (rpcbind, ganesha.nfsd) belong to the node.
// Both server nodes share one loop device with ext4, mounted as the data
// directory in one node at a time, as DRBD would give it. The agents run
// inside a node's namespaces through nsenter.
package nfsenv

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/harness"
	"github.com/baton-ha/baton/tests/harness/loopdev"
	"github.com/baton-ha/baton/tests/harness/netns"
	"github.com/baton-ha/baton/tests/harness/nfswriter"
)

// Subnet of the rig's bridge (its own namespaces: no clash with others).
const (
	Prefix = "10.77.0."
	VIP    = Prefix + "100"
)

// Rig is the whole set-up.
type Rig struct {
	T         testing.TB
	Net       *netns.Network
	Nodes     [2]*Node
	Client    *netns.Host
	Disk      *loopdev.Device
	DataDir   string // mount point of the shared filesystem, same path on both nodes
	Agents    string // directory with nfsserver, exportfs, IPaddr symlinks
	ClientBin string
	// UseIPaddr is true when ocf:baton:IPaddr moved the VIP (with its
	// gratuitous ARP); false when the rig fell back to `ip addr`.
	UseIPaddr bool
}

// Node is one server.
type Node struct {
	Name   string
	Host   *netns.Host
	Holder int // pid of the process holding the node's mount namespace
	holder *exec.Cmd
}

// Export is where the data lives on the shared filesystem.
func (r *Rig) Export() string  { return filepath.Join(r.DataDir, "export") }
func (r *Rig) InfoDir() string { return filepath.Join(r.DataDir, "nfs") }

// New builds the rig; everything is torn down when the test ends.
func New(t testing.TB) *Rig {
	t.Helper()
	harness.NeedRoot(t)
	harness.NeedCommand(t, "ganesha.nfsd", "rpcbind", "nfs-cp", "nfs-cat", "nfs-ls", "nsenter", "unshare", "mkfs.ext4")
	r := &Rig{T: t}
	r.Agents = harness.AgentDir(t, "nfsserver", "exportfs", "IPaddr")
	r.ClientBin = nfswriter.Binary(t)
	r.Net = netns.New(t)
	r.Disk = loopdev.New(t, 256)
	r.Disk.Mkfs(t, "ext4", "-L", "nfsdata")
	r.DataDir = filepath.Join(t.TempDir(), "data")
	if err := os.MkdirAll(r.DataDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"a", "b"} {
		h := r.Net.AddHost(name, fmt.Sprintf("%s%d/24", Prefix, i+1))
		r.Nodes[i] = r.startNode(name, h)
	}
	r.Client = r.Net.AddHost("c", Prefix+"50/24")
	// Lay out the shared filesystem once.
	r.Mount(r.Nodes[0])
	r.MustNode(r.Nodes[0], "mkdir", "-p", r.Export(), r.InfoDir(), filepath.Join(r.DataDir, ".tickle"))
	r.MustNode(r.Nodes[0], "chmod", "0777", r.Export())
	r.Umount(r.Nodes[0])
	r.UseIPaddr = r.ipaddrWorks()
	return r
}

func (r *Rig) startNode(name string, h *netns.Host) *Node {
	t := r.T
	cmd := exec.Command("ip", "netns", "exec", h.Name, "unshare", "-m", "--propagation", "private", "sleep", "infinity")
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the holder of node %s: %v", name, err)
	}
	n := &Node{Name: name, Host: h, Holder: cmd.Process.Pid, holder: cmd}
	t.Cleanup(func() { r.teardown(n) })
	// ip netns exec and unshare exec in place: the pid becomes sleep's
	// once both have run.
	deadline := time.Now().Add(5 * time.Second)
	for {
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", n.Holder))
		self, _ := os.Readlink("/proc/self/ns/mnt")
		theirs, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/mnt", n.Holder))
		if strings.TrimSpace(string(comm)) == "sleep" && theirs != "" && theirs != self {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node %s: holder did not reach its namespaces (comm %q)", name, comm)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// A private /run: rpcbind's socket, Ganesha's pid and the agents'
	// state are per node.
	r.MustNode(n, "mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", "/run")
	return n
}

// teardown stops every process living in the node's mount namespace (all
// of them started by this test), then the holder.
func (r *Rig) teardown(n *Node) {
	ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/mnt", n.Holder))
	if err == nil {
		for i := 0; i < 3; i++ {
			ents, _ := os.ReadDir("/proc")
			found := false
			for _, e := range ents {
				pid, err := strconv.Atoi(e.Name())
				if err != nil || pid == n.Holder {
					continue
				}
				if l, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/mnt", pid)); l == ns {
					found = true
					_ = syscall.Kill(pid, syscall.SIGKILL)
				}
			}
			if !found {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	_ = n.holder.Process.Kill()
	_, _ = n.holder.Process.Wait()
}

// NodeCmd returns a command that runs inside the node's network and mount
// namespaces.
func (r *Rig) NodeCmd(ctx context.Context, n *Node, name string, args ...string) *exec.Cmd {
	a := append([]string{"-t", strconv.Itoa(n.Holder), "-n", "-m", "--", name}, args...)
	return exec.CommandContext(ctx, "nsenter", a...)
}

// MustNode runs a command in the node and fails the test on error.
func (r *Rig) MustNode(n *Node, name string, args ...string) string {
	r.T.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := r.NodeCmd(ctx, n, name, args...).CombinedOutput()
	if err != nil {
		r.T.Fatalf("node %s: %s %s: %v\n%s", n.Name, name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// Mount mounts the shared filesystem in the node.
func (r *Rig) Mount(n *Node) { r.MustNode(n, "mount", "-t", "ext4", r.Disk.Path, r.DataDir) }

// Umount unmounts it.
func (r *Rig) Umount(n *Node) { r.MustNode(n, "umount", r.DataDir) }

// Result of one agent action.
type Result struct {
	Code   int
	Output string
	Took   time.Duration
}

// Agent runs one action of an agent inside the node.
func (r *Rig) Agent(n *Node, agent, instance, action string, params map[string]string) Result {
	r.T.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := r.NodeCmd(ctx, n, filepath.Join(r.Agents, agent), action)
	cmd.Env = append(os.Environ(), "OCF_ROOT=/usr/lib/ocf", "OCF_RESOURCE_INSTANCE="+instance,
		"HA_RSCTMP=/run/resource-agents", "HA_LOGFACILITY=none", "OCF_RESKEY_CRM_meta_timeout=60000")
	for k, v := range params {
		cmd.Env = append(cmd.Env, "OCF_RESKEY_"+k+"="+v)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	began := time.Now()
	err := cmd.Run()
	res := Result{Output: out.String(), Took: time.Since(began)}
	if ee, ok := err.(*exec.ExitError); ok {
		res.Code = ee.ExitCode()
	} else if err != nil {
		r.T.Fatalf("run %s %s on %s: %v", agent, action, n.Name, err)
	}
	return res
}

// MustAgent is Agent that fails the test unless the action exits with
// code.
func (r *Rig) MustAgent(n *Node, agent, instance, action string, params map[string]string, code int) Result {
	r.T.Helper()
	res := r.Agent(n, agent, instance, action, params)
	if res.Code != code {
		r.T.Fatalf("%s %s on node %s: exit %d, want %d\n%s", agent, action, n.Name, res.Code, code, res.Output)
	}
	return res
}

// Server parameters for the rig; extra overrides.
func (r *Rig) ServerParams(extra map[string]string) map[string]string {
	p := map[string]string{"server": "ganesha", "nfs_shared_infodir": r.InfoDir(), "nfs_ip": VIP}
	for k, v := range extra {
		p[k] = v
	}
	return p
}

// ExportParams of the rig's one export.
func (r *Rig) ExportParams() map[string]string {
	return map[string]string{"clientspec": "*", "directory": r.Export(), "fsid": "1", "options": "rw,no_root_squash,sync"}
}

func (r *Rig) ipParams() map[string]string {
	return map[string]string{"ip": VIP, "cidr_netmask": "24", "nic": "eth0"}
}

// vipParams adds tickle ACKs: the connections IPaddr's monitor records on
// the shared filesystem are reset from the new node, so that clients
// reconnect at once instead of waiting out TCP retransmission backoff.
func (r *Rig) vipParams() map[string]string {
	p := r.ipParams()
	p["tickle_dir"] = filepath.Join(r.DataDir, ".tickle")
	return p
}

// MonitorVIP runs the VIP's monitor (which records client connections for
// tickle ACKs), as the cluster's recurring monitor would.
func (r *Rig) MonitorVIP(n *Node) {
	r.T.Helper()
	if r.UseIPaddr {
		r.MustAgent(n, "IPaddr", "vip", "monitor", r.vipParams(), 0)
	}
}

// Procs lists the processes (pid and name) living in the node's mount
// namespace, apart from its holder.
func (r *Rig) Procs(n *Node) []string {
	ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/mnt", n.Holder))
	if err != nil {
		return nil
	}
	var out []string
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == n.Holder {
			continue
		}
		if l, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/mnt", pid)); l == ns {
			comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
			out = append(out, fmt.Sprintf("%d %s", pid, strings.TrimSpace(string(comm))))
		}
	}
	return out
}

// ipaddrWorks tries ocf:baton:IPaddr once on node a; the rig uses it when
// it works, `ip addr` otherwise.
func (r *Rig) ipaddrWorks() bool {
	n := r.Nodes[0]
	res := r.Agent(n, "IPaddr", "vip", "start", r.ipParams())
	if res.Code != 0 {
		r.T.Logf("ocf:baton:IPaddr does not work here (exit %d), using ip addr:\n%s", res.Code, res.Output)
		return false
	}
	if res := r.Agent(n, "IPaddr", "vip", "stop", r.ipParams()); res.Code != 0 {
		r.T.Fatalf("IPaddr stop: %s", res.Output)
	}
	return true
}

// AddVIP brings the floating address up on the node.
func (r *Rig) AddVIP(n *Node) {
	r.T.Helper()
	if r.UseIPaddr {
		r.MustAgent(n, "IPaddr", "vip", "start", r.vipParams(), 0)
		return
	}
	r.MustNode(n, "ip", "addr", "add", VIP+"/24", "dev", "eth0")
}

// DelVIP takes it down.
func (r *Rig) DelVIP(n *Node) {
	r.T.Helper()
	if r.UseIPaddr {
		r.MustAgent(n, "IPaddr", "vip", "stop", r.vipParams(), 0)
		return
	}
	r.MustNode(n, "ip", "addr", "del", VIP+"/24", "dev", "eth0")
}

// Times of one switch-over.
type Move struct {
	Began    time.Time // stop on the old node begins
	Stopped  time.Time // everything stopped there, filesystem unmounted
	ServerUp time.Time // nfsserver start returned on the new node
	Done     time.Time // VIP up on the new node
	Steps    []string  // how long each stop step took
}

// StartAll brings the stack up on n: filesystem, nfsserver, exportfs, VIP.
func (r *Rig) StartAll(n *Node, server map[string]string) time.Time {
	r.T.Helper()
	r.Mount(n)
	r.MustAgent(n, "nfsserver", "nfs", "start", server, 0)
	up := time.Now()
	r.MustAgent(n, "exportfs", "exp", "start", r.ExportParams(), 0)
	r.AddVIP(n)
	return up
}

// StopAll takes it down in reverse and returns how long each step took.
func (r *Rig) StopAll(n *Node, server map[string]string) []string {
	r.T.Helper()
	var steps []string
	t0 := time.Now()
	step := func(name string) {
		steps = append(steps, fmt.Sprintf("%s %v", name, time.Since(t0).Round(time.Millisecond)))
		t0 = time.Now()
	}
	r.DelVIP(n)
	step("vip")
	r.MustAgent(n, "exportfs", "exp", "stop", r.ExportParams(), 0)
	step("exportfs")
	r.MustAgent(n, "nfsserver", "nfs", "stop", server, 0)
	step("nfsserver")
	r.Umount(n)
	step("umount")
	return steps
}

// MoveTo switches the stack from one node to the other.
func (r *Rig) MoveTo(from, to *Node, server map[string]string) Move {
	r.T.Helper()
	r.MonitorVIP(from)
	m := Move{Began: time.Now()}
	m.Steps = r.StopAll(from, server)
	m.Stopped = time.Now()
	m.ServerUp = r.StartAll(to, server)
	m.Done = time.Now()
	return m
}

// ClientRun runs a program in the client namespace with a timeout.
func (r *Rig) ClientRun(timeout time.Duration, name string, args ...string) (string, int) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return r.Client.Exec(ctx, name, args...)
}

// URL of a file in the export, for libnfs tools.
func (r *Rig) URL(name string, v4 bool) string {
	u := "nfs://" + VIP + r.Export() + "/" + name
	if v4 {
		u += "?version=4"
	}
	return u
}

// Writer is the long-lived NFSv3 client (nfsclient) running in the client
// namespace.
type Writer struct{ *nfswriter.Writer }

// WriterEvent is one line of nfsclient's output.
type WriterEvent = nfswriter.Event

// StartWriter starts nfsclient and waits until it has its file open.
func (r *Rig) StartWriter(file string) *Writer {
	r.T.Helper()
	return &Writer{nfswriter.Start(r.T, r.Client, VIP, r.Export(), file)}
}

// Stall is the writer's view of a move: the longest gap between two
// acknowledged writes around it, and how long after the server came up
// the first write was acknowledged.
type Stall struct {
	Gap           time.Duration
	AfterServerUp time.Duration
	Failed        int // write attempts that returned an error
}

// StallAcross computes the stall of the writer across m.
func (w *Writer) StallAcross(m Move) Stall {
	var s Stall
	var last time.Time
	firstAfter := time.Time{}
	for _, e := range w.Events() {
		if e.Kind != "write" {
			continue
		}
		if !e.OK {
			if e.Time().After(m.Began) {
				s.Failed++
			}
			continue
		}
		t := e.Time()
		if !last.IsZero() && !t.Before(m.Began.Add(-time.Second)) && t.Sub(last) > s.Gap {
			s.Gap = t.Sub(last)
		}
		if firstAfter.IsZero() && t.After(m.ServerUp) {
			firstAfter = t
		}
		last = t
	}
	if !firstAfter.IsZero() {
		s.AfterServerUp = firstAfter.Sub(m.ServerUp)
	}
	return s
}

// V4Creator creates small files over NFSv4 with nfs-cp in a loop (each a
// new connection and client id) until stopped, recording when each try
// ended and whether it worked.
type V4Creator struct {
	mu    sync.Mutex
	tries []V4Try
	stop  chan struct{}
	done  chan struct{}
}

// V4Try is one attempt.
type V4Try struct {
	End time.Time
	OK  bool
	Out string
}

// StartV4Creator starts the loop.
func (r *Rig) StartV4Creator(every time.Duration) *V4Creator {
	c := &V4Creator{stop: make(chan struct{}), done: make(chan struct{})}
	src := filepath.Join(r.T.TempDir(), "small")
	_ = os.WriteFile(src, bytes.Repeat([]byte("v4"), 512), 0o644)
	go func() {
		defer close(c.done)
		for i := 0; ; i++ {
			select {
			case <-c.stop:
				return
			default:
			}
			out, code := r.ClientRun(5*time.Second, "nfs-cp", src, r.URL(fmt.Sprintf("v4-%d", i), true))
			c.mu.Lock()
			c.tries = append(c.tries, V4Try{End: time.Now(), OK: code == 0, Out: strings.TrimSpace(out)})
			c.mu.Unlock()
			select {
			case <-c.stop:
				return
			case <-time.After(every):
			}
		}
	}()
	r.T.Cleanup(c.Stop)
	return c
}

// Stop ends the loop.
func (c *V4Creator) Stop() {
	select {
	case <-c.stop:
	default:
		close(c.stop)
	}
	<-c.done
}

// FirstOKAfter returns when the first try that began after t succeeded.
func (c *V4Creator) FirstOKAfter(t time.Time) (time.Time, []V4Try) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var failed []V4Try
	for _, tr := range c.tries {
		if tr.End.Before(t) {
			continue
		}
		if tr.OK {
			return tr.End, failed
		}
		failed = append(failed, tr)
	}
	return time.Time{}, failed
}

// WaitOKAfter waits up to limit for a success after t.
func (c *V4Creator) WaitOKAfter(t time.Time, limit time.Duration) (time.Time, []V4Try) {
	deadline := time.Now().Add(limit)
	for {
		ok, failed := c.FirstOKAfter(t)
		if !ok.IsZero() || time.Now().After(deadline) {
			return ok, failed
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// GaneshaLog returns the node's Ganesha log.
func (r *Rig) GaneshaLog(n *Node) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, _ := r.NodeCmd(ctx, n, "cat", "/run/baton/ganesha/ganesha.log").CombinedOutput()
	return string(out)
}

// Figures are what clients saw across one move.
type Figures struct {
	Move Move
	// V3Gap is the NFSv3 writer's longest time without an acknowledged
	// write; V3AfterUp how long after nfsserver start returned on the new
	// node its first write was acknowledged.
	V3Gap, V3AfterUp time.Duration
	// V4Create is when the first NFSv4 create worked, counted from the
	// start of the move; V4AfterUp from nfsserver start on the new node.
	V4Create, V4AfterUp time.Duration
	Intact              bool // every acknowledged NFSv3 byte read back
}

// MeasureMove brings the stack up on node a with the server parameters,
// starts the NFSv3 writer and the NFSv4 creator, moves everything to node
// b and measures what the clients saw. v4Limit bounds the wait for the
// first NFSv4 create (it must exceed the grace period).
func (r *Rig) MeasureMove(server map[string]string, v4Limit time.Duration) Figures {
	t := r.T
	t.Helper()
	a, b := r.Nodes[0], r.Nodes[1]
	r.StartAll(a, server)
	w := r.StartWriter("stream.dat")
	v4 := r.StartV4Creator(250 * time.Millisecond)
	if !w.WaitWrites(time.Now(), 20, 20*time.Second) {
		t.Fatalf("the writer did not get going: %v", w.Events())
	}
	if ok, failed := v4.WaitOKAfter(time.Now(), 20*time.Second); ok.IsZero() {
		t.Fatalf("no NFSv4 create worked before the move: %v", failed)
	}
	m := r.MoveTo(a, b, server)
	if !w.WaitWrites(m.Done, 20, 60*time.Second) {
		t.Fatalf("the writer did not resume on %s", b.Name)
	}
	v4ok, failed := v4.WaitOKAfter(m.Began, v4Limit)
	v4.Stop()
	if v4ok.IsZero() {
		t.Fatalf("no NFSv4 create within %v of the move: %v", v4Limit, failed[max(0, len(failed)-3):])
	}
	ev, err := w.Stop(30 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	st := w.StallAcross(m)
	f := Figures{Move: m, V3Gap: st.Gap, V3AfterUp: st.AfterServerUp,
		V4Create: v4ok.Sub(m.Began), V4AfterUp: v4ok.Sub(m.ServerUp), Intact: ev.Intact}
	r.StopAll(b, server)
	return f
}
