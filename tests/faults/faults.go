package faults

import (
	"context"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/baton-ha/baton/tests/harness"
	"github.com/baton-ha/baton/tests/harness/cluster"
)

// deadtime is the rig's heartbeat deadtime (tests/harness/cluster's
// config): a fault that must not move the stack lasts several of them.
const deadtime = 2 * time.Second

// Expect is what a fault must do to the stack.
type Expect int

const (
	// Stays: the stack keeps running where it ran.
	Stays Expect = iota
	// Moves: the stack ends up on the other node.
	Moves
	// Either: the cluster may keep, move, or (without quorum) stop the
	// stack; only the invariants are checked.
	Either
)

func (e Expect) String() string {
	return [...]string{"stays", "moves", "either"}[e]
}

// Fault is one kind of failure the campaign injects.
type Fault struct {
	Name string
	// NeedsFencing marks faults that only a fence device (or a watchdog)
	// makes safe: a node that stops answering but keeps its resources.
	// Baton without a fence device leaves them out; the Pacemaker reference
	// runs them either way, as showing what happens without fencing is its
	// point.
	NeedsFencing bool
	// BatonOnly marks faults of Baton's own parts (the witness, a graceful
	// restart of its daemons) that have no counterpart in the Pacemaker
	// rig. The "daemon" faults are the cluster manager's: baton daemon, or
	// Corosync with Pacemaker's daemons.
	BatonOnly bool
	Expect    Expect
	// Lasts is how long the fault is left in place before it is healed,
	// for faults whose point is that nothing may happen (Stays).
	Lasts time.Duration
	// Within bounds the wait for the outcome of a Moves or Either fault
	// (0: outcomeLimit); a fault after which nothing may run need not wait
	// that long.
	Within time.Duration
	// Inject breaks something on the cluster whose stack runs on active,
	// and returns what heals it.
	Inject func(r *Rig, active, passive *cluster.Node) (heal func())
}

// Catalogue is every fault of the campaign.
func Catalogue() []Fault {
	return []Fault{
		{Name: "power-loss-active", Expect: Moves, Inject: powerLoss(true)},
		{Name: "power-loss-passive", Expect: Stays, Lasts: 3 * deadtime, Inject: powerLoss(false)},
		{Name: "daemon-sigkill-active", NeedsFencing: true, Expect: Either, Lasts: 3 * deadtime, Inject: daemonKill(true)},
		{Name: "daemon-sigkill-passive", NeedsFencing: true, Expect: Either, Lasts: 3 * deadtime, Inject: daemonKill(false)},
		{Name: "daemon-sigstop-1x", NeedsFencing: true, Expect: Either, Inject: daemonStop(deadtime)},
		{Name: "daemon-sigstop-3x", NeedsFencing: true, Expect: Either, Inject: daemonStop(3 * deadtime)},
		{Name: "heartbeat-link-cut", Expect: Stays, Lasts: 3 * deadtime, Inject: cut("hb", true)},
		{Name: "service-cable-pulled", Expect: Moves, Inject: cut("svc", true)},
		{Name: "all-links-cut", Expect: Either, Lasts: 3 * deadtime, Inject: allLinksCut},
		{Name: "witness-down", BatonOnly: true, Expect: Stays, Lasts: 3 * deadtime, Inject: witnessDown},
		{Name: "witness-down-then-node-loss", BatonOnly: true, Expect: Either, Lasts: 3 * deadtime, Within: 5 * deadtime, Inject: witnessDownNodeLoss},
		{Name: "nfs-server-hang", Expect: Either, Lasts: 3 * deadtime, Inject: serverSignal(syscall.SIGSTOP)},
		{Name: "nfs-server-crash", Expect: Either, Inject: serverSignal(syscall.SIGKILL)},
		{Name: "data-full", Expect: Stays, Lasts: 3 * deadtime, Inject: dataFull},
		{Name: "both-daemons-restart", BatonOnly: true, Expect: Either, Inject: bothRestart},
		// exp's monitor then its stop time out (the campaign's agent
		// timeout, 10 s each, plus the executor's 2 s kill grace) before
		// the failed stop calls for fencing.
		{Name: "agent-hang", NeedsFencing: true, Expect: Moves, Within: 2 * outcomeLimit, Inject: agentHang("exportfs")},
		// fs's stop gives up just before its timeout (10 s in the campaign).
		{Name: "stop-failure", NeedsFencing: true, Expect: Moves, Within: 2 * outcomeLimit, Inject: stopFailure},
	}
}

// powerLoss cuts the power of the active or the passive node: every
// process killed, links down. Healing boots it again: a node rejoining
// after a crash (or a fence).
func powerLoss(active bool) func(r *Rig, a, p *cluster.Node) func() {
	return func(r *Rig, a, p *cluster.Node) func() {
		n := p
		if active {
			n = a
		}
		n.Kill()
		return func() { r.revive(n) }
	}
}

// revive brings a node back to a running daemon, whatever happened to it:
// booted again if it was powered off (or fenced), its daemon restarted if
// only that died.
func (r *Rig) revive(n *cluster.Node) {
	switch {
	case !n.Alive() || !n.PoweredOn():
		// Powered off by the fault or by a fence: make sure every trace of
		// the old boot is gone, then boot.
		n.Kill()
		n.Restart(r.t)
	case r.Pacemaker && !n.PacemakerRunning():
		if err := n.StartPacemakerAgain(); err != nil {
			if !n.WaitPoweredOff(10 * time.Second) {
				r.t.Fatal(err)
			}
			// The peer fenced it while its manager came back (the fence
			// was decided while the manager was down): boot it.
			r.t.Logf("%v; the node was fenced meanwhile, booting it", err)
			n.Kill()
			n.Restart(r.t)
		}
	case !r.Pacemaker && !n.DaemonRunning():
		n.Start(r.t)
	}
}

// signalManager signals the node's cluster manager, not the resources it
// started: baton daemon, or under Pacemaker every Corosync and Pacemaker
// process (together what baton daemon is alone).
func (r *Rig) signalManager(n *cluster.Node, sig syscall.Signal) {
	if r.Pacemaker {
		n.SignalPacemaker(sig)
		return
	}
	n.SignalDaemon(sig)
}

// waitManagerExit waits at most limit for the node's cluster manager to
// be gone.
func (r *Rig) waitManagerExit(n *cluster.Node, limit time.Duration) bool {
	if r.Pacemaker {
		return n.WaitPacemakerExit(limit)
	}
	return n.WaitDaemonExit(limit)
}

// daemonKill SIGKILLs the cluster manager on one node; what it started
// keeps running.
func daemonKill(active bool) func(r *Rig, a, p *cluster.Node) func() {
	return func(r *Rig, a, p *cluster.Node) func() {
		n := p
		if active {
			n = a
		}
		r.signalManager(n, syscall.SIGKILL)
		return func() { r.waitManagerExit(n, 10*time.Second); r.revive(n) }
	}
}

// daemonStop freezes the active node's cluster manager for d, then lets it
// go on.
func daemonStop(d time.Duration) func(r *Rig, a, p *cluster.Node) func() {
	return func(r *Rig, a, p *cluster.Node) func() {
		r.signalManager(a, syscall.SIGSTOP)
		frozen := time.Now()
		return func() {
			if wait := time.Until(frozen.Add(d)); wait > 0 {
				time.Sleep(wait) // the fault's length, not an assertion
			}
			r.signalManager(a, syscall.SIGCONT)
			r.revive(a)
		}
	}
}

// cut pulls one cable of the active (or passive) node at the bridge.
func cut(link string, active bool) func(r *Rig, a, p *cluster.Node) func() {
	return func(r *Rig, a, p *cluster.Node) func() {
		n := p
		if active {
			n = a
		}
		n.CutLink(link)
		return func() { n.PlugLink(link) }
	}
}

// allLinksCut separates the nodes completely (heartbeat and service
// networks) while both live; only the witness still reaches both.
func allLinksCut(r *Rig, a, p *cluster.Node) func() {
	p.CutLink("hb")
	p.CutLink("svc")
	return func() { p.PlugLink("hb"); p.PlugLink("svc") }
}

func witnessDown(r *Rig, a, p *cluster.Node) func() {
	r.S.C.StopWitness()
	return func() { r.S.C.StartWitness(r.t) }
}

// witnessDownNodeLoss loses the witness, then the active node: the
// survivor has no quorum to take over with, unless fencing gives it one.
func witnessDownNodeLoss(r *Rig, a, p *cluster.Node) func() {
	r.S.C.StopWitness()
	a.Kill()
	return func() { r.S.C.StartWitness(r.t); r.revive(a) }
}

// serverSignal signals the NFS server on the active node: SIGSTOP makes
// its monitor (and a plain stop) hang, SIGKILL crashes it.
func serverSignal(sig syscall.Signal) func(r *Rig, a, p *cluster.Node) func() {
	return func(r *Rig, a, p *cluster.Node) func() {
		pids := a.Pids("ganesha.nfsd")
		for _, pid := range pids {
			_ = syscall.Kill(pid, sig)
		}
		return func() {
			if sig == syscall.SIGSTOP {
				for _, pid := range pids {
					_ = syscall.Kill(pid, syscall.SIGCONT) // ESRCH once the cluster killed it
				}
			}
		}
	}
}

// dataFull fills /data on the active node: clients' writes fail, the
// cluster must not move or split over it.
func dataFull(r *Rig, a, p *cluster.Node) func() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// dd stops at ENOSPC; its exit code says nothing more.
	_, _ = a.Exec(ctx, "dd", "if=/dev/zero", "of=/data/fill", "bs=1M", "status=none")
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if n := r.holders().mount; len(n) == 1 {
			_, _ = r.node(n[0]).Exec(ctx, "rm", "-f", "/data/fill")
		}
	}
}

// bothRestart stops both daemons (SIGTERM) and starts them at the same
// moment.
func bothRestart(r *Rig, a, p *cluster.Node) func() {
	for _, n := range r.S.C.Nodes {
		n.StopDaemon()
	}
	for _, n := range r.S.C.Nodes {
		if !n.WaitDaemonExit(60 * time.Second) {
			r.t.Errorf("both-daemons-restart: %s's daemon did not exit within 60 s of SIGTERM", n.Name)
			n.SignalDaemon(syscall.SIGKILL)
			n.WaitDaemonExit(10 * time.Second)
		}
	}
	for _, n := range r.S.C.Nodes {
		n.Start(r.t)
	}
	return func() {}
}

// agentHang freezes (SIGSTOP) the stack agent agent's monitor and stop
// processes on the active node as they appear: the processes of the
// node's namespaces whose comm is the agent's name and whose argv[0] is
// the agent under an OCF root's resource.d/baton (the baton binary the
// executor runs under that name), argv[1] the action. The recurring
// monitor times out, so does the stop of the recovery, and the failed stop
// calls for fencing (a stop's on-fail is fence with fencing enabled): the
// peer must fence the node before the stack may move. Healing lets the
// frozen processes go on if they still exist (the fence killed them).
func agentHang(agent string) func(r *Rig, a, p *cluster.Node) func() {
	return func(r *Rig, a, p *cluster.Node) func() {
		stop, done := make(chan struct{}), make(chan struct{})
		var frozen []string // what was frozen, for the log
		var pids []int
		go func() {
			defer close(done)
			seen := map[int]bool{}
			for {
				select {
				case <-stop:
					return
				default:
				}
				for _, pid := range a.Pids(agent) {
					if seen[pid] {
						continue
					}
					seen[pid] = true
					action, ok := agentAction(pid, agent)
					if !ok || (action != "monitor" && action != "stop") {
						continue
					}
					if syscall.Kill(pid, syscall.SIGSTOP) == nil {
						pids = append(pids, pid)
						frozen = append(frozen, fmt.Sprintf("%s %s (pid %d)", agent, action, pid))
					}
				}
				time.Sleep(2 * time.Millisecond)
			}
		}()
		return func() {
			close(stop)
			<-done
			r.t.Logf("agent-hang on %s froze: %s", a.Name, strings.Join(frozen, ", "))
			// Only those still in the node (same pid, same name): a pid
			// reused by another process is left alone.
			still := map[int]bool{}
			for _, pid := range a.Pids(agent) {
				still[pid] = true
			}
			for _, pid := range pids {
				if still[pid] {
					_ = syscall.Kill(pid, syscall.SIGCONT)
				}
			}
		}
	}
}

// agentAction returns argv[1] of pid when its argv[0] is the OCF agent
// agent of the baton provider.
func agentAction(pid int, agent string) (string, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return "", false
	}
	return cmdlineAction(b, agent)
}

// cmdlineAction is agentAction on the contents of /proc/PID/cmdline.
func cmdlineAction(cmdline []byte, agent string) (string, bool) {
	argv := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
	if len(argv) < 2 || !strings.HasSuffix(argv[0], "/resource.d/baton/"+agent) {
		return "", false
	}
	return argv[1], true
}

// stopFailure makes the Filesystem stop fail for a real cause, then has
// the administrator move the stack away with the manager's CLI. A loop
// device backed by a file on /data (attached inside the active node) keeps
// the filesystem busy with no process to signal: ocf:baton:Filesystem's
// stop retries until its timeout nears, then fails rather than detach
// lazily, and the failed stop calls for fencing. The loop device is the
// host kernel's, so a fence does not detach it as a power cut would; the
// peer's mount then shares the still-live superblock, which on one kernel
// is safe. Healing detaches it and removes the move's constraint.
func stopFailure(r *Rig, a, p *cluster.Node) func() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const img = "/data/stop-failure.img"
	loop := ""
	if out, code := a.Exec(ctx, "truncate", "-s", "1M", img); code != 0 {
		r.t.Errorf("stop-failure: truncate %s on %s: %s", img, a.Name, out)
	} else if out, code := a.Exec(ctx, "losetup", "--find", "--show", img); code != 0 {
		r.t.Errorf("stop-failure: losetup %s on %s: %s", img, a.Name, out)
	} else {
		loop = strings.TrimSpace(out)
	}
	detach := func() {
		if loop == "" {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if out, code := harness.Run(ctx, nil, "losetup", "-d", loop); code != 0 {
			r.t.Logf("stop-failure: losetup -d %s: %s", loop, out)
		}
		loop = ""
	}
	r.t.Cleanup(detach) // when the test ends before the heal
	if out, ok := r.moveStack(ctx, a, p.Name); !ok {
		r.t.Errorf("stop-failure: moving the stack to %s: %s", p.Name, out)
	}
	return func() {
		detach()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		for _, n := range r.S.C.Nodes {
			if n.Alive() && n.PoweredOn() {
				if out, ok := r.clearMove(ctx, n); ok {
					break
				} else {
					r.t.Logf("stop-failure: clearing the move on %s: %s", n.Name, out)
				}
			}
		}
		if h := r.holders().mount; len(h) == 1 {
			_, _ = r.node(h[0]).Exec(ctx, "rm", "-f", img)
		}
	}
}

// moveStack has the administrator move the stack to node with the
// manager's CLI, run on n: baton resource --move, or crm_resource --move.
func (r *Rig) moveStack(ctx context.Context, n *cluster.Node, node string) (string, bool) {
	if r.Pacemaker {
		out, code := n.Exec(ctx, "crm_resource", "--resource", "nfs", "--move", "--node", node)
		return out, code == 0
	}
	out, code := n.Baton(ctx, "resource", "-r", "nfs", "--move", "--node", node)
	return out, code == 0
}

// clearMove removes what moveStack placed, run on n.
func (r *Rig) clearMove(ctx context.Context, n *cluster.Node) (string, bool) {
	if r.Pacemaker {
		out, code := n.Exec(ctx, "crm_resource", "--resource", "nfs", "--clear")
		return out, code == 0
	}
	out, code := n.Baton(ctx, "resource", "-r", "nfs", "--clear")
	return out, code == 0
}

func (f Fault) String() string { return fmt.Sprintf("%s (%s)", f.Name, f.Expect) }
