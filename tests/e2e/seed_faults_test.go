//go:build e2evm

package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/vm"
)

// pingNode is the service network's "gateway" the ping clone pings: an
// address of the br0 bridge itself, inside the test's namespace (the seed
// pings its router). A server whose service cable is out cannot reach it.
const pingNode = "10.0.0.254"

// Indexes of a seed server's NICs in its Taps (and qemu's n0, n1, n2).
const (
	tapSvc  = 0 // eth0, br0: service network, the VIP
	tapRepl = 2 // eth2, br2: DRBD replication
)

// fenceConstraint is the id of the constraint `baton drbd fence-peer`
// places for r0 (crm-fence-peer.sh's naming).
const fenceConstraint = "drbd-fence-by-handler-r0-ms_drbd_r0"

// pingCloneXML is the seed's connectivity check as a Pacemaker user writes
// it (pcs resource create ping ocf:pacemaker:ping dampen=5s multiplier=1000
// host_list=GW clone), with Baton's drop-in agent, two attempts of one
// second and a 5 s monitor. baton daemon dampens pingd by 5 s as
// Pacemaker's attrd does (docs/compat/ping.md).
const pingCloneXML = `<clone id="ping-clone">
  <meta_attributes id="ping-clone-meta"><nvpair id="ping-clone-interleave" name="interleave" value="true"/></meta_attributes>
  <primitive id="ping" class="ocf" provider="baton" type="ping">
    <instance_attributes id="ping-ia">
      <nvpair id="ping-host_list" name="host_list" value="` + pingNode + `"/>
      <nvpair id="ping-multiplier" name="multiplier" value="1000"/>
      <nvpair id="ping-dampen" name="dampen" value="5s"/>
      <nvpair id="ping-attempts" name="attempts" value="2"/>
      <nvpair id="ping-timeout" name="timeout" value="1"/>
    </instance_attributes>
    <operations>
      <op id="ping-start-0" name="start" interval="0" timeout="60s"/>
      <op id="ping-stop-0" name="stop" interval="0" timeout="20s"/>
      <op id="ping-monitor-5s" name="monitor" interval="5s" timeout="60s"/>
    </operations>
  </primitive>
</clone>`

// pingRuleXML keeps the group off a node that cannot reach the gateway, as
// the seed's configuration does (-INFINITY where pingd is not defined or
// lte 0).
const pingRuleXML = `<rsc_location id="nfs-on-connected-node" rsc="nfs">
  <rule id="nfs-connected-rule" score="-INFINITY" boolean-op="or">
    <expression id="nfs-connected-undefined" attribute="pingd" operation="not_defined"/>
    <expression id="nfs-connected-zero" attribute="pingd" operation="lte" value="0" type="number"/>
  </rule>
</rsc_location>`

// fenceProbe prints the fencing constraint's id when the cluster's CIB
// holds it. The CIB is read and searched inside the guest: printed whole
// (tens of kB with its status section) over the serial line, it held the
// guest's console for seconds per poll, and the owner samples waited.
const fenceProbe = "baton cib show | grep -o " + fenceConstraint + " | head -1"

// pingdProbe prints "PINGD NODE VALUE" for each node's pingd attribute, as
// the daemon reports it (crm_mon's XML node_attributes).
const pingdProbe = `baton status --output-as=xml | awk '/<node_attributes>/{on=1} ` +
	`on && /<node name=/{n=$0; sub(/.*name="/,"",n); sub(/".*/,"",n)} ` +
	`on && /name="pingd"/{v=$0; sub(/.*value="/,"",v); sub(/".*/,"",v); print "PINGD", n, v}'`

// crmCLI is how the fault tests ask a cluster manager in a guest: Baton's
// own commands under baton daemon (batonCLI), Pacemaker's command-line tools
// under Pacemaker (pacemakerCLI). The status is crm_mon's text ("Online:
// [ nodea nodeb ]"), the probes print what fenceProbe and pingdProbe do.
type crmCLI struct {
	status     string // one-shot cluster status, crm_mon -1's text
	fenceProbe string // prints fenceConstraint when the CIB holds it
	// fenceHistory (format: the node) prints the cluster's fencing record
	// of a node; fenced reports whether it shows a successful fence (off
	// or reboot) of it through the device vm-power.
	fenceHistory string
	fenced       func(out, node string) bool
	pingdProbe   string // prints "PINGD NODE VALUE" per node
	move         string // format: move the group nfs to node %s (crm_resource --move)
	clear        string // clears that move
	scores       string // prints the placement scores of promotion and the group
	logs         string // prints the manager's logs (saveLogs)
}

var batonCLI = crmCLI{
	status: "baton status", fenceProbe: fenceProbe, pingdProbe: pingdProbe,
	// baton status lists the fencing history (all nodes: the %s of the
	// format is a shell comment).
	fenceHistory: "baton status; grep 'node fenced' /var/log/baton-daemon.log | tail -1; true # %s",
	fenced: func(out, node string) bool {
		return (strings.Contains(out, "off of "+node+" success") || strings.Contains(out, "reboot of "+node+" success")) &&
			strings.Contains(out, "device=vm-power")
	},
	move: "baton resource --move -r nfs -N %s", clear: "baton resource --clear -r nfs",
	scores: "baton cib show >/tmp/cib-now.xml && baton simulate -x /tmp/cib-now.xml -s -Q 2>&1 | grep -e promotion -e 'nfs allocation'; true",
	logs:   "cat /var/log/baton-daemon.log",
}

// faultRow is one line of the fault table (docs/benchmarks.md).
type faultRow struct {
	Fault    string
	Victim   string
	Stalls   []stall // per client mount: the longest gap between acknowledgements in the fault's phase
	Takeover float64 // host clock from the fault to the survivor holding the stack; 0 when nothing moved
	PowerCut bool    // a power cut of the active server: its figures go into the power-cut medians
	Samples  int     // owner samples in the phase
	Two      int     // of which with two owners
	Note     string
}

// stall is one client mount's longest gap in seconds, Label its NFS
// version.
type stall struct {
	Label string
	S     float64
}

func (r faultRow) String() string {
	tk := "—"
	if r.Takeover > 0 {
		tk = fmt.Sprintf("%.1f s", r.Takeover)
	}
	var st []string
	for _, x := range r.Stalls {
		st = append(st, fmt.Sprintf("%s %.1f s", x.Label, x.S))
	}
	return fmt.Sprintf("fault %s (%s): stall %s, takeover %s, two-owner samples %d of %d; %s",
		r.Fault, r.Victim, strings.Join(st, ", "), tk, r.Two, r.Samples, r.Note)
}

// seedFaults is the run's shared state.
type seedFaults struct {
	t   *testing.T
	ctx context.Context
	c   *vm.Cluster
	w   *ownerWatch
	cl  *vm.Machine
	key []byte
	cib string
	cli crmCLI
	// mounts are the client's mounts of the VIP, each with its probe: the
	// first is /mnt (the seed's 10 MB loop writes there too).
	mounts []seedMount
	// rejoin brings server p back after a power cut: it waits for p's
	// boot (its power restored after the fence), configures it again (its
	// root is in RAM) and starts its cluster manager; it returns when p's
	// shell and manager run, not when p is in sync.
	rejoin func(p string) *vm.Machine
	// ps is the host's power switch, the fence device vm-power.
	ps *vm.PowerSwitch
	// left is how many faults of the run come after the current one: the
	// last power cut does not bring its victim back.
	left int
}

// seedClientMounts are the client's two mounts of the VIP: NFSv3 on /mnt
// (the seed's: the kernel client with the MOUNT protocol, NLM and statd)
// and NFSv4.2 on /mnt4 (what default options negotiate), so that every
// fault is measured with both versions in one run.
var seedClientMounts = []seedMount{{"NFSv3", "/mnt", "probe"}, {"NFSv4.2", "/mnt4", "probe4"}}

// seedClientMount mounts them, with the services Debian's nfs-common runs
// for NFSv3 (nfsv3ClientServices), and checks what the kernel negotiated.
// (nfsv3ClientServices ends with exit: it runs in a subshell of its own.)
var seedClientMount = "( " + nfsv3ClientServices + " ) && modprobe nfsv4 && mkdir -p /mnt /mnt4 && " +
	"mount -t nfs -o vers=3 " + vip + ":/data/export /mnt && mount -t nfs " + vip + ":/data/export /mnt4 && " +
	"grep -q ' /mnt nfs .*vers=3' /proc/mounts && grep -q ' /mnt4 nfs4 .*vers=4.2' /proc/mounts && " +
	"for d in /mnt /mnt4; do touch $d/.mounted || { grep nfs /proc/mounts; ls -la $d; dmesg | tail -5; exit 1; }; done"

// TestDaemonSeedFaults runs the seed's faults under baton daemon in the
// guests (issue 14), one after the other on one booted cluster, each from a
// clean synced cluster, with the kernel NFS client writing throughout to two
// mounts of the VIP, NFSv3 (the seed's, with the 10 MB loop) and NFSv4.2,
// and the owner watch running from bring-up to the end. The CIB is
// TestPacemakerSeedFaults' (seedFaultsCIB): the seed's stack, its ping clone
// and location rule, and the fence device vm-power (fence_baton_vm through
// the host's power switch, stonith-action off), beside the witness.
//
//   - 3: the heartbeat cable of the active server pulled: the service link
//     keeps the peer alive and nothing moves.
//   - 4: the DRBD replication cable of the active server pulled: it keeps
//     serving; its fence-peer handler places the constraint through its
//     daemon and DRBD counts the peer Outdated; a move of the group to the
//     peer is refused (nothing moves); plugged back, the peer resyncs and
//     its after-resync-target handler removes the constraint.
//   - 5: SIGKILL of the daemon on the active server: its resources keep
//     running; the survivor fences it through vm-power and only then takes
//     over; the fenced server's power is restored and it rejoins. (Without
//     a fence device, the watchdog resets it: TestDaemonWatchdog.)
//   - 6: power cut of the active server (fault 1: its figures are the
//     power cut's); the survivor fences it (the switch confirms it off)
//     and takes over; the old server's power is restored, it boots, rejoins,
//     resyncs as SyncTarget, stays Secondary, and (stickiness 200 against
//     a preference of 100) the stack stays.
//   - 2: the active server's service cable pulled (off its bridge, and the
//     guest sees carrier loss): pingd drops to 0 there and the stack moves
//     to the peer; plugged back, nothing moves back.
//   - 1 (by name): the power cut alone, its victim rejoining unless it is
//     the last fault: BATON_VM_FAULTS=1,1,1,1,1 gives the five-power-cut
//     medians, logged at the end.
//   - 6b (by name): stickiness 0 and the preference for nodea: power cut of
//     nodea, nodeb takes over, nodea comes back and the stack moves back to
//     it with one bounded stall.
//
// By default it runs 3, 4, 5, 6 and 2 (about 14 minutes under TCG on two
// cores). The quick subset for day-to-day runs is BATON_VM_FAULTS=4,2 (no
// reboot; -short skips the VM tier). BATON_VM_LOGDIR=DIR saves each
// server's daemon and kernel logs after every fault (for diagnosis: the
// copies hold the serial line for seconds).
func TestDaemonSeedFaults(t *testing.T) {
	faults := []string{"3", "4", "5", "6", "2"}
	if f := os.Getenv("BATON_VM_FAULTS"); f != "" {
		faults = strings.Split(f, ",")
	}
	c := vm.Start(t, seedA, seedB, nfsClient)
	ctx := ctxFor(t, 25*time.Minute)
	if out, err := exec.CommandContext(ctx, "ip", "-n", c.Net.NS, "addr", "add", pingNode+"/24", "dev", "br0").CombinedOutput(); err != nil {
		t.Fatalf("ping node address on br0: %v: %s", err, out)
	}
	powerKey := []byte("baton-vm-seed-power-switch-key-012345")
	ps := c.StartPowerSwitch(t, ":"+powerSwitchPort, powerKey)
	s := &seedFaults{t: t, ctx: ctx, c: c, cl: c.M("client"), key: []byte("baton-vm-seed-faults-key-0123456789"),
		cib: seedFaultsCIB(), cli: batonCLI, mounts: seedClientMounts, ps: ps}
	fenceKey := func(m *vm.Machine) {
		writeFile(t, ctx, m, fenceKeyFile, string(powerKey)+"\n")
		must(t, ctx, m, "chmod 0600 "+fenceKeyFile)
	}
	s.rejoin = func(p string) *vm.Machine {
		// The fence left p off (stonith-action off).
		m, err := ps.Restore(ctx, p)
		if err != nil {
			t.Fatalf("%s after its power-on: %v (switch: %+v)", p, err, ps.Events())
		}
		fenceKey(m)
		configureSeedServerCIB(t, ctx, m, idOf(p), s.key, false, s.cib)
		startSeedDaemon(t, ctx, m)
		return m
	}
	fenceKey(c.M("nodea"))
	fenceKey(c.M("nodeb"))
	var first string
	s.w, first = startSeedClusterWhere(t, ctx, c, s.key, false, s.cib, "")
	// The device's start ran its monitor: the switch answered.
	waitFor(t, ctx, c.M(first), "baton status | grep -q 'vm-power.*Started' && echo DEVICE-STARTED", "DEVICE-STARTED", 2*time.Minute)
	t.Logf("baton status on %s:\n%s", first, must(t, ctx, c.M(first), "baton status"))
	checkFenceDeviceByHand(t, ctx, c.M(peerOf(first)), ps)

	s.startClient(seedClientMount)

	s.runFaults(faults, "fault", func(f, active string) faultRow {
		switch f {
		case "3":
			return s.heartbeatCableBaton(active)
		case "4":
			return s.replicationCable(active)
		case "1":
			return s.powerCutFenced(active)
		case "5":
			return s.daemonKilledFenced(active)
		case "6":
			return s.oldPrimaryReturns(active, staysAway)
		case "2":
			return s.serviceCable(active)
		case "6b":
			if active != "nodea" {
				t.Fatalf("fault 6b wants the stack on the preferred node nodea, it is on %s", active)
			}
			return s.oldPrimaryReturns(active, movesBack)
		}
		t.Fatalf("unknown fault %q (BATON_VM_FAULTS: 3, 4, 1, 5, 6, 2, 6b)", f)
		return faultRow{}
	})
}

// powerCut syncs p (the tickle record reaches the disk), kills its qemu,
// and waits until q holds the whole stack and every mount's writes resume.
// It returns when p was killed (host clock), how long q took to hold the
// stack, and each mount's longest gap since the kill.
func (s *seedFaults) powerCut(p, q string) (crash time.Time, took time.Duration, stalls []stall) {
	t, ctx := s.t, s.ctx
	t.Helper()
	mp := s.c.M(p)
	must(t, ctx, mp, "sync")
	killAt := guestClock(t, ctx, s.cl)
	mp.Kill()
	crash = time.Now()
	took = s.w.waitHolds(t, q, crash, 5*time.Minute).Sub(crash)
	return crash, took, s.stallsSince(killAt, 5)
}

// stallsSince waits until every mount's probe has n acknowledgements after
// from (client clock) and returns each mount's longest gap since then.
func (s *seedFaults) stallsSince(from float64, n int) []stall {
	t, ctx := s.t, s.ctx
	t.Helper()
	var out []stall
	for _, m := range s.mounts {
		waitProbeAcksAfter(t, ctx, s.cl, m.Probe, from, n, 3*time.Minute)
	}
	to := guestClock(t, ctx, s.cl)
	for _, m := range s.mounts {
		out = append(out, stall{m.Label, stallBetween(readProbeOf(t, ctx, s.cl, m.Probe), from, to)})
	}
	return out
}

// startClient mounts the VIP on the client with mount (a shell command
// that mounts every one of s.mounts), starts each mount's small-write
// probe and the seed's workload on /mnt, and waits until every probe's
// writes are acknowledged.
func (s *seedFaults) startClient(mount string) {
	t, ctx := s.t, s.ctx
	t.Helper()
	must(t, ctx, s.cl, mount)
	for _, m := range s.mounts {
		must(t, ctx, s.cl, probeLoopAt(m.Dir, m.Probe))
	}
	must(t, ctx, s.cl, seedClientLoop)
	from := guestClock(t, ctx, s.cl)
	for _, m := range s.mounts {
		waitProbeAcksAfter(t, ctx, s.cl, m.Probe, from, 10, 2*time.Minute)
	}
}

// runFaults injects each fault with inject from a clean synced cluster,
// measures each client mount's stall and the owner samples of its phase,
// keeps the guests' logs under logPrefix+fault, and at the end checks the
// client's writes (seedFinish) and prints every fault's row again.
func (s *seedFaults) runFaults(faults []string, logPrefix string, inject func(f, active string) faultRow) {
	t, ctx := s.t, s.ctx
	t.Helper()
	var rows []faultRow
	for i, f := range faults {
		s.left = len(faults) - 1 - i
		active := s.settle()
		t.Logf("fault %s: clean synced cluster, stack on %s (%s UTC)", f, active, time.Now().UTC().Format("15:04:05"))
		n0, b0 := s.w.counts()
		from := guestClock(t, ctx, s.cl)
		r := inject(f, active)
		// Every mount's writes go on (a mount whose writes resumed later
		// than the fault's own checks waited for still has its gap counted).
		r.Stalls = s.stallsSince(from, 3)
		n1, b1 := s.w.counts()
		r.Samples, r.Two = n1-n0, b1-b0
		t.Logf("fault figure: %s", r)
		rows = append(rows, r)
		s.saveLogs(logPrefix + f)
	}
	s.w.mu.Lock()
	t.Logf("longest distance between owner samples %v, ended %s by: %s", s.w.maxGap.Round(time.Millisecond),
		s.w.maxGapEnd.UTC().Format("15:04:05.000"), s.w.maxGapWho)
	s.w.mu.Unlock()
	seedFinish(t, ctx, s.w, s.cl, s.mounts[1:]...)
	for _, r := range rows {
		t.Logf("fault figure: %s", r)
	}
	logPowerCutMedians(t, rows)
}

// logPowerCutMedians logs the median and spread of each mount's stall and
// of the takeover over the run's power cuts (faults 1, 6, 6b and the
// Pacemaker row's fenced 1), the figure issue 14 asks for over five.
func logPowerCutMedians(t *testing.T, rows []faultRow) {
	t.Helper()
	per := map[string][]float64{}
	var labels []string
	for _, r := range rows {
		if !r.PowerCut {
			continue
		}
		per["takeover"] = append(per["takeover"], r.Takeover)
		for _, x := range r.Stalls {
			if _, ok := per[x.Label]; !ok {
				labels = append(labels, x.Label)
			}
			per[x.Label] = append(per[x.Label], x.S)
		}
	}
	if len(per["takeover"]) == 0 {
		return
	}
	for _, k := range append(labels, "takeover") {
		v := append([]float64(nil), per[k]...)
		sort.Float64s(v)
		t.Logf("power cuts: %s over %d: median %.1f s, min %.1f s, max %.1f s, all %v", k, len(v), median(v), v[0], v[len(v)-1], v)
	}
}

// median of sorted v.
func median(v []float64) float64 {
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// stallBetween is the longest distance between two consecutive
// acknowledgements of which the later came in (from, to].
func stallBetween(acks []ack, from, to float64) float64 {
	var stall float64
	for i := 1; i < len(acks); i++ {
		if acks[i].t > from && acks[i].t <= to && acks[i].t-acks[i-1].t > stall {
			stall = acks[i].t - acks[i-1].t
		}
	}
	return stall
}

func peerOf(name string) string {
	if name == "nodea" {
		return "nodeb"
	}
	return "nodea"
}

func idOf(name string) int {
	if name == "nodea" {
		return 1
	}
	return 2
}

// settle waits for a clean synced cluster: one server holds the whole stack
// and the other nothing, both are online, DRBD is connected and UpToDate on
// both sides, no fencing constraint is left, and both nodes have pingd
// 1000. It returns the active server.
func (s *seedFaults) settle() string {
	t := s.t
	t.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	var last string
	for {
		active := ""
		switch a, b := s.w.Last("nodea"), s.w.Last("nodeb"); {
		case a.all() && !b.any():
			active = "nodea"
		case b.all() && !a.any():
			active = "nodeb"
		}
		if active != "" {
			r, err := s.c.M(active).Run(s.ctx, s.cli.status+"; drbdsetup status r0; "+s.cli.fenceProbe+"; "+s.cli.pingdProbe)
			if err == nil {
				last = r.Out
				if strings.Contains(r.Out, "Online: [ nodea nodeb ]") && strings.Contains(r.Out, "peer-disk:UpToDate") &&
					strings.Contains(r.Out, "disk:UpToDate") && !strings.Contains(r.Out, fenceConstraint) &&
					strings.Contains(r.Out, "PINGD nodea 1000") && strings.Contains(r.Out, "PINGD nodeb 1000") {
					return active
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the cluster did not settle within 5 minutes: %+v\n%s", s.w.lastAll(), last)
		}
		time.Sleep(time.Second)
	}
}

// holdStill watches for d that active keeps the whole stack and other holds
// nothing.
func (s *seedFaults) holdStill(what, active string, d time.Duration) {
	t := s.t
	t.Helper()
	other := peerOf(active)
	since := time.Now()
	for time.Since(since) < d {
		if o := s.w.Last(active); !o.all() {
			t.Fatalf("%s: the stack left %s: %s %+v, %s %+v\n%s", what, active, active, o, other, s.w.Last(other),
				must(t, s.ctx, s.c.M(active), s.cli.status))
		}
		if o := s.w.Last(other); o.any() {
			t.Fatalf("%s: %s took part of the stack: %+v\n%s", what, other, o, must(t, s.ctx, s.c.M(active), s.cli.status))
		}
		time.Sleep(200 * time.Millisecond)
	}
	if _, _, ok := s.w.acquired(other, since, owners.any); ok {
		t.Fatalf("%s: an owner sample showed %s holding part of the stack", what, other)
	}
}

// waitGone polls command on m until its output no longer contains s.
func waitGone(t *testing.T, ctx context.Context, m *vm.Machine, command, s string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	var last string
	for time.Now().Before(deadline) {
		r, err := m.Run(ctx, command)
		if err != nil {
			t.Fatal(err)
		}
		if last = r.Out; !strings.Contains(r.Out, s) {
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("%s: %q still shows %q after %v:\n%s", m.Spec.Name, command, s, within, last)
}

// heartbeatCableBaton is fault 3 under baton daemon on the active server
// p: its heartbeat cable (eth1's tap off br1) out. The service link keeps
// the peer alive: nothing may move for longer than the heartbeat deadtime,
// the witness lease and a monitor round; plugged back, both links come up.
func (s *seedFaults) heartbeatCableBaton(p string) faultRow {
	t, ctx := s.t, s.ctx
	t.Helper()
	q := peerOf(p)
	mp := s.c.M(p)
	r := faultRow{Fault: "3 heartbeat cable pulled", Victim: p}
	if err := s.c.Net.Cut(ctx, mp.Taps[tapHB]); err != nil {
		t.Fatal(err)
	}
	cut := time.Now()
	// baton status lists a peer's links in the configuration's order:
	// heartbeat, service.
	waitFor(t, ctx, mp, "baton status", q+": down, up", time.Minute)
	seen := time.Since(cut)
	s.holdStill("fault 3, heartbeat cable out", p, 20*time.Second)
	if err := s.c.Net.Join(ctx, mp.Taps[tapHB], "br1"); err != nil {
		t.Fatal(err)
	}
	joined := time.Now()
	waitFor(t, ctx, mp, "baton status", q+": up, up", time.Minute)
	back := time.Since(joined)
	s.holdStill("fault 3, cable back", p, 5*time.Second)
	r.Note = fmt.Sprintf("the daemon on %s saw the heartbeat link down %.1f s after the cut, nothing moved; link up again %.1f s after the cable was back",
		p, seen.Seconds(), back.Seconds())
	return r
}

// replicationCable is fault 4 on the active server p.
func (s *seedFaults) replicationCable(p string) faultRow {
	t, ctx := s.t, s.ctx
	t.Helper()
	q := peerOf(p)
	mp, mq := s.c.M(p), s.c.M(q)
	r := faultRow{Fault: "4 DRBD replication cable pulled", Victim: p}
	at := guestClock(t, ctx, s.cl)
	if err := s.c.Net.Cut(ctx, mp.Taps[tapRepl]); err != nil {
		t.Fatal(err)
	}
	cut := time.Now()
	// The Primary's fence-peer handler places the constraint through its
	// daemon; DRBD then counts the peer Outdated.
	waitFor(t, ctx, mp, s.cli.fenceProbe, fenceConstraint, 2*time.Minute)
	placed := time.Since(cut)
	waitFor(t, ctx, mp, "cat /proc/drbd", "ds:UpToDate/Outdated", time.Minute)
	waitFor(t, ctx, mq, s.cli.fenceProbe, fenceConstraint, time.Minute) // replicated
	t.Logf("fault 4: constraint placed %.1f s after the cut; %s: %s", placed.Seconds(), p,
		must(t, ctx, mp, "grep ' cs:' /proc/drbd; dmesg | grep -e 'fence-peer' | tail -3"))
	// The Primary keeps serving.
	waitAcksAfter(t, ctx, s.cl, at, 10, 2*time.Minute)
	// The peer cannot be promoted: asking the cluster to move the group
	// there (crm_resource --move) moves nothing while the constraint is in.
	must(t, ctx, mp, fmt.Sprintf(s.cli.move, q))
	t.Logf("fault 4: scores with the group asked onto %s:\n%s", q, must(t, ctx, mp, s.cli.scores))
	s.holdStill("fault 4, group asked onto the outdated peer", p, 20*time.Second)
	must(t, ctx, mp, s.cli.clear)
	// Plugged back: the peer resyncs (SyncTarget) and its
	// after-resync-target handler removes the constraint.
	if err := s.c.Net.Join(ctx, mp.Taps[tapRepl], "br2"); err != nil {
		t.Fatal(err)
	}
	joined := time.Now()
	waitFor(t, ctx, mp, "drbdsetup status r0", "peer-disk:UpToDate", 3*time.Minute)
	synced := time.Since(joined)
	waitGone(t, ctx, mp, s.cli.fenceProbe, fenceConstraint, time.Minute)
	gone := time.Since(joined)
	log := must(t, ctx, mq, "dmesg | grep -e SyncTarget -e after-resync-target | tail -4")
	if !strings.Contains(log, "SyncTarget") {
		t.Errorf("fault 4: %s did not resync as SyncTarget:\n%s", q, log)
	}
	s.holdStill("fault 4, after the reconnect", p, 5*time.Second)
	r.Note = fmt.Sprintf("%s kept serving; constraint placed %.1f s after the cut, %s Outdated, a move onto it refused; "+
		"reconnected: resync done %.1f s, constraint removed %.1f s after the cable was back", p, placed.Seconds(), q, synced.Seconds(), gone.Seconds())
	return r
}

// returnMode says what oldPrimaryReturns checks once the old primary is
// back.
type returnMode int

const (
	staysAway returnMode = iota // fault 6: it resyncs as SyncTarget and, by stickiness, holds nothing
	movesBack                   // fault 6b: stickiness 0, the stack moves back to the preferred node once it is in sync
)

// oldPrimaryReturns is fault 6 or 6b on the active server p: its power is
// cut, the peer fences it and takes over (fencedCut), p boots again and
// rejoins (s.rejoin). For 6 the stack must stay where it is while p
// resyncs; for 6b (the CIB's stickiness set to 0 first) it must move back
// to p once p is in sync.
func (s *seedFaults) oldPrimaryReturns(p string, mode returnMode) faultRow {
	t, ctx := s.t, s.ctx
	t.Helper()
	q := peerOf(p)
	r := faultRow{Fault: "6 old primary returns after a power cut (stickiness 200)", Victim: p, PowerCut: true}
	if mode == movesBack {
		r.Fault = "6b old primary returns after a power cut (preference 100, stickiness 0)"
		s.setStickiness(p, 0)
		s.holdStill("stickiness set to 0", p, 10*time.Second)
	}
	took, cutStalls, fenceNote := s.fencedCut(p)
	r.Takeover = took.Seconds()
	t.Logf("fault %s: %s holds the stack %.1f s after the power cut of %s; client stalls %v; %s", r.Fault[:2], q, took.Seconds(), p, cutStalls, fenceNote)

	// The old primary boots again on its disk, with its configuration
	// written again (its root is in RAM), and rejoins.
	rejoin := time.Now()
	m := s.rejoin(p)
	rejoinAt := guestClock(t, ctx, s.cl)
	mq := s.c.M(q)
	waitFor(t, ctx, mq, "drbdsetup status r0", "peer-disk:UpToDate", 5*time.Minute)
	synced := time.Since(rejoin)
	log := must(t, ctx, m, "dmesg | grep -e SyncTarget -e after-resync-target -e 'role(' | tail -6")
	if !strings.Contains(log, "SyncTarget") {
		t.Errorf("fault %s: %s did not resync as SyncTarget:\n%s", r.Fault[:2], p, log)
	}
	// The constraint the survivor's promotion placed goes with the resync.
	waitGone(t, ctx, mq, s.cli.fenceProbe, fenceConstraint, 2*time.Minute)
	if mode == staysAway {
		s.holdStill("fault 6, the old primary back", q, 20*time.Second)
		if _, _, ok := s.w.acquired(p, rejoin, owners.any); ok {
			t.Fatalf("fault 6: %s held part of the stack after it came back", p)
		}
		r.Note = fmt.Sprintf("%s; %s back: resync as SyncTarget done %.1f s after the takeover, stayed Secondary, "+
			"the stack stayed on %s", fenceNote, p, synced.Seconds(), q)
		return r
	}
	// 6b: the stack moves back to p, with one stall.
	moved := s.w.waitHolds(t, p, rejoin, 5*time.Minute)
	// The client's writes resume after the move, not merely after the
	// rejoin (they went on during the resync).
	acks := waitAcksAfter(t, ctx, s.cl, guestClock(t, ctx, s.cl), 5, 3*time.Minute)
	backStall := stallBetween(acks, rejoinAt, guestClock(t, ctx, s.cl))
	r.Note = fmt.Sprintf("%s (stalls %v); %s back: in sync %.1f s after the takeover, the stack moved back %.1f s after it, "+
		"stall of the move back (NFSv3) %.1f s", fenceNote, cutStalls, p, synced.Seconds(), moved.Sub(rejoin).Seconds(), backStall)
	s.setStickiness(p, 200)
	return r
}

// fencedCut is a power cut of the active server p (powerCut) under a
// cluster with the fence device vm-power: the survivor q must fence p (the
// switch finds it off already and says so) before it takes any part of the
// stack, and its cluster must record the fence. It returns q's takeover,
// the client's stalls and a note.
func (s *seedFaults) fencedCut(p string) (took time.Duration, stalls []stall, note string) {
	t := s.t
	t.Helper()
	q := peerOf(p)
	crash, took, stalls := s.powerCut(p, q)
	off := waitPowerEventSince(t, s.ps, "off", p, crash, 2*time.Minute)
	fenced := off.At.Add(off.Took)
	_, first, _ := s.w.acquired(q, crash, owners.any)
	if first.Before(fenced) {
		t.Errorf("power cut of %s: %s held part of the stack at %.1f s, before the fence confirmed it off at %.1f s", p, q,
			first.Sub(crash).Seconds(), fenced.Sub(crash).Seconds())
	}
	s.wantFenced(q, p)
	return took, stalls, fmt.Sprintf("%s fenced through vm-power (confirmed off %.1f s after the cut), %s took the stack %.1f s after the cut (first part at %.1f s)",
		p, fenced.Sub(crash).Seconds(), q, took.Seconds(), first.Sub(crash).Seconds())
}

// wantFenced fails the test unless q's cluster records a successful fence
// of p through vm-power.
func (s *seedFaults) wantFenced(q, p string) {
	t := s.t
	t.Helper()
	hist := must(t, s.ctx, s.c.M(q), fmt.Sprintf(s.cli.fenceHistory, p))
	if !s.cli.fenced(hist, p) {
		t.Errorf("%s's fencing record does not show a successful fence of %s through vm-power:\n%s", q, p, hist)
	}
}

// powerCutFenced is fault 1 on the active server p: its qemu killed; the
// survivor fences it and takes over (fencedCut); p, its power restored,
// rejoins unless this is the run's last fault.
func (s *seedFaults) powerCutFenced(p string) faultRow {
	t := s.t
	t.Helper()
	r := faultRow{Fault: "1 power cut of the active server (fenced through vm-power)", Victim: p, PowerCut: true}
	took, stalls, note := s.fencedCut(p)
	r.Takeover, r.Note = took.Seconds(), note+fmt.Sprintf("; client stalls %v", stalls)+s.rejoinUnlessLast(p)
	return r
}

// rejoinUnlessLast brings p back (s.rejoin) unless the current fault is the
// run's last, and says so for the fault's note.
func (s *seedFaults) rejoinUnlessLast(p string) string {
	if s.left == 0 {
		return ""
	}
	rejoin := time.Now()
	s.rejoin(p)
	return fmt.Sprintf("; %s booted again and its cluster manager started %.1f s after the takeover", p, time.Since(rejoin).Seconds())
}

// daemonKilledFenced is fault 5 under baton daemon with a fence device on
// the active server p: SIGKILL of its daemon. Its resources keep running
// there; the survivor q must fence p through vm-power (the switch kills
// p's qemu) before it takes any part of the stack. p rejoins (its power
// restored) unless this is the run's last fault.
func (s *seedFaults) daemonKilledFenced(p string) faultRow {
	t, ctx := s.t, s.ctx
	t.Helper()
	q := peerOf(p)
	mp := s.c.M(p)
	r := faultRow{Fault: "5 baton daemon killed on the active server (fenced through vm-power)", Victim: p}
	must(t, ctx, mp, `test "$(cat /proc/$(cat /run/baton-daemon.pid)/comm)" = baton && sync`)
	t0 := time.Now()
	must(t, ctx, mp, "kill -KILL $(cat /run/baton-daemon.pid)")
	select {
	case <-mp.Dead():
	case <-time.After(2 * time.Minute):
		t.Fatalf("fault 5: %s's qemu still runs 2 minutes after its daemon was killed: not fenced\n%s", p, must(t, ctx, s.c.M(q), "baton status"))
	}
	dead := time.Since(t0)
	// The switch records its power-off once qemu exited: wait for the
	// record.
	off := waitPowerEventSince(t, s.ps, "off", p, t0, 10*time.Second)
	if off.Err != nil {
		t.Fatalf("fault 5: the switch's power-off of %s: %v", p, off.Err)
	}
	cut := min(off.At.Add(off.Took).Sub(t0), dead) // both bound qemu's exit from above
	took := s.w.waitHolds(t, q, t0, 5*time.Minute).Sub(t0)
	after, first, _ := s.w.acquired(q, t0, owners.any)
	if after.Sub(t0) < cut {
		t.Errorf("fault 5: %s may have taken part of the stack (between %.1f s and %.1f s) before %s's power was cut (%.1f s)",
			q, after.Sub(t0).Seconds(), first.Sub(t0).Seconds(), p, cut.Seconds())
	}
	s.wantFenced(q, p)
	r.Takeover = took.Seconds()
	r.Note = fmt.Sprintf("the switch was asked to power %s off %.1f s after the SIGKILL, its qemu gone at %.1f s; %s took its first part of the stack at %.1f-%.1f s, the whole stack at %.1f s",
		p, off.At.Sub(t0).Seconds(), cut.Seconds(), q, after.Sub(t0).Seconds(), first.Sub(t0).Seconds(), took.Seconds()) + s.rejoinUnlessLast(p)
	return r
}

// checkFenceDeviceByHand asks the power switch from m with fence_baton_vm
// over the heartbeat network, as an administrator checks a PDU: its plugs,
// nodea on, and an off with a wrong key refused without effect.
func checkFenceDeviceByHand(t *testing.T, ctx context.Context, m *vm.Machine, ps *vm.PowerSwitch) {
	t.Helper()
	agent := "fence_baton_vm -a " + witnessAddr + " -u " + powerSwitchPort
	// Every guest of the test is a plug (the client too).
	if out := must(t, ctx, m, agent+" -k "+fenceKeyFile+" -o list"); !strings.Contains(out, "nodea,nodea\n") || !strings.Contains(out, "nodeb,nodeb\n") {
		t.Fatalf("fence_baton_vm -o list from %s: %q", m.Spec.Name, out)
	}
	if out := must(t, ctx, m, agent+" -k "+fenceKeyFile+" -o status -n nodea"); !strings.Contains(out, "Status: ON") {
		t.Fatalf("fence_baton_vm -o status -n nodea: %q", out)
	}
	r, err := m.Run(ctx, "head -c 32 /dev/urandom > /tmp/wrong.key && chmod 600 /tmp/wrong.key && "+agent+" -k /tmp/wrong.key -o off -n nodea")
	if err != nil || r.Code != 1 || !strings.Contains(r.Out, "bad signature") {
		t.Fatalf("off with a wrong key: %v, exit %d:\n%s", err, r.Code, r.Out)
	}
	if ev := ps.Events(); len(ev) > 0 {
		t.Fatalf("the switch acted before the faults: %+v", ev)
	}
}

// setStickiness replaces the CIB's resource-stickiness (rsc_defaults)
// through the running cluster, as an administrator would with cibadmin:
// the configuration shown, edited, and loaded with a higher epoch.
func (s *seedFaults) setStickiness(on string, v int) {
	t := s.t
	t.Helper()
	must(t, s.ctx, s.c.M(on), fmt.Sprintf(`baton cib show > /tmp/cib-edit.xml && `+
		`e=$(sed -n 's/.* epoch="\([0-9]*\)".*/\1/p' /tmp/cib-edit.xml | head -1) && `+
		`sed -i -e "0,/ epoch=\"$e\"/s// epoch=\"$((e+1))\"/" `+
		`-e 's/name="resource-stickiness" value="[0-9]*"/name="resource-stickiness" value="%d"/' /tmp/cib-edit.xml && `+
		`baton cib replace /tmp/cib-edit.xml && baton cib show | grep -q 'name="resource-stickiness" value="%d"'`, v, v))
}

// serviceCable is fault 2 on the active server p: its service cable
// pulled. The tap leaves the bridge and the guest's NIC loses its carrier.
func (s *seedFaults) serviceCable(p string) faultRow {
	t, ctx := s.t, s.ctx
	t.Helper()
	q := peerOf(p)
	mp := s.c.M(p)
	r := faultRow{Fault: "2 service cable pulled (ping node)", Victim: p}
	must(t, ctx, mp, "sync")
	at := guestClock(t, ctx, s.cl)
	if err := s.c.Net.Cut(ctx, mp.Taps[tapSvc]); err != nil {
		t.Fatal(err)
	}
	if err := mp.SetLink(ctx, tapSvc, false); err != nil {
		t.Fatal(err)
	}
	cut := time.Now()
	waitFor(t, ctx, mp, "ip link show eth0", "NO-CARRIER", 30*time.Second)
	took := s.w.waitHolds(t, q, cut, 5*time.Minute).Sub(cut)
	r.Takeover = took.Seconds()
	waitAcksAfter(t, ctx, s.cl, at, 5, 3*time.Minute)
	// The survivor's copy of the status follows the DC's by a
	// replication: wait for it, bounded, rather than read it once.
	attrs := waitFor(t, ctx, s.c.M(q), s.cli.pingdProbe, "PINGD "+p+" 0", 30*time.Second)
	t.Logf("fault 2: %s holds the stack %.1f s after the cut; pingd: %s", q, took.Seconds(), strings.TrimSpace(attrs))
	if err := mp.SetLink(ctx, tapSvc, true); err != nil {
		t.Fatal(err)
	}
	if err := s.c.Net.Join(ctx, mp.Taps[tapSvc], "br0"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, s.c.M(q), s.cli.pingdProbe, "PINGD "+p+" 1000", 2*time.Minute)
	s.holdStill("fault 2, cable back", q, 15*time.Second)
	r.Note = fmt.Sprintf("pingd of %s to 0, the stack moved to %s; cable back, pingd 1000 again, nothing moved back", p, q)
	return r
}

// saveLogs copies each running server's daemon log and kernel log to the
// folder BATON_VM_LOGDIR names, when it is set, as NAME-SERVER-bootN.log:
// the guests' files live in RAM and are gone after a power cut or once the
// test ends.
func (s *seedFaults) saveLogs(name string) {
	dir := os.Getenv("BATON_VM_LOGDIR")
	if dir == "" {
		return
	}
	for _, srv := range []string{"nodea", "nodeb"} {
		m := s.c.M(srv)
		select {
		case <-m.Dead():
			continue
		default:
		}
		r, err := m.Run(s.ctx, "{ "+s.cli.logs+"; echo '=== dmesg'; dmesg; } 2>/dev/null | gzip -c | base64 -w0")
		if err != nil || r.Code != 0 {
			s.t.Logf("save logs of %s: %v", srv, err)
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(r.Out))
		if err == nil {
			var zr io.Reader
			if zr, err = gzip.NewReader(bytes.NewReader(raw)); err == nil {
				raw, err = io.ReadAll(zr)
			}
		}
		if err != nil {
			s.t.Logf("save logs of %s: %v", srv, err)
			continue
		}
		_ = os.MkdirAll(dir, 0o755)
		_ = os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%s-boot%d.log", name, srv, m.Boot)), raw, 0o644)
	}
}
