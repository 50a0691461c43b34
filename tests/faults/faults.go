package faults

import (
	"context"
	"fmt"
	"syscall"
	"time"

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

func (f Fault) String() string { return fmt.Sprintf("%s (%s)", f.Name, f.Expect) }
