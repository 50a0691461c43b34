//go:build e2evm

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baton-ha/baton/crm/cibxml"
	"github.com/baton-ha/baton/tests/harness"
	"github.com/baton-ha/baton/tests/vm"
)

// The seed's cabling: every server has a service NIC (eth0, br0: clients
// and the VIP), a dedicated heartbeat NIC (eth1, br1) and a dedicated DRBD
// replication NIC (eth2, br2). The witness listens on the host side of the
// heartbeat bridge, inside the test's namespace.
var (
	seedA = vm.Spec{Name: "nodea", Addrs: []string{"10.0.0.1/24", "10.0.1.1/24", "10.0.2.1/24"},
		Nets: []string{"br0", "br1", "br2"}, DiskMB: 256}
	seedB = vm.Spec{Name: "nodeb", Addrs: []string{"10.0.0.2/24", "10.0.1.2/24", "10.0.2.2/24"},
		Nets: []string{"br0", "br1", "br2"}, DiskMB: 256}
)

const (
	witnessAddr = "10.0.1.254"
	witnessPort = "5406"
	// tapHB is the index of the heartbeat NIC in a server's Taps.
	tapHB = 1
)

// seedDRBD is r0 over the replication network, protocol C, with
// resource-level fencing through Baton's handlers talking to the local
// daemon (no --cib-file: the handler finds /etc/baton/baton.toml).
const seedDRBD = `resource r0 {
  device /dev/drbd0;
  disk /dev/vda;
  meta-disk internal;
  disk { c-plan-ahead 0; resync-rate 100M; fencing resource-only; }
  net { protocol C; ping-int 1; ping-timeout 5; timeout 10; connect-int 2; }
  handlers {
    fence-peer "/usr/sbin/baton drbd fence-peer";
    after-resync-target "/usr/sbin/baton drbd unfence-peer";
  }
  on nodea { address 10.0.2.1:7789; }
  on nodeb { address 10.0.2.2:7789; }
}
`

// The guests' watchdog fencing (TestDaemonWatchdog): softdog with sbd's
// default 5 s timeout, and a stonith-watchdog-timeout above the minimum the
// bound asks for with the default heartbeat and quorum timing
// (docs/membership.md: 2 s + 1 s + 5 s + 0.5 s + 0.5 s = 9 s).
const (
	guestWatchdogTimeout   = 5 * time.Second
	stonithWatchdogTimeout = 10 * time.Second
	guestKeepalive         = 500 * time.Millisecond // the default heartbeat period
)

// seedCIB is the CIB a Pacemaker user would write for the seed's stack:
// without fencing (stonith-enabled=false: the witness alone decides), or
// with watchdog fencing (stonith-enabled=true and stonith-watchdog-timeout,
// as sbd users set it, no fence device).
func seedCIB(watchdog bool) string { return seedCIBWith(watchdog, false) }

// seedCIBWith is seedCIB, with ping true also the seed's connectivity
// check as Pacemaker users write it: a clone of ocf:baton:ping (the
// drop-in for ocf:pacemaker:ping) pinging the service network's gateway
// (pingNode) and publishing pingd, and a location rule keeping the group
// off a node where pingd is undefined or 0.
func seedCIBWith(watchdog, ping bool) string {
	mon := func(interval string) []cibxml.Op {
		return append(cibxml.StartStop("60s"), cibxml.Monitor(interval, "20s"))
	}
	group := cibxml.Group("nfs",
		cibxml.Filesystem("fs_data", "/dev/drbd0", "/data", "ext4", mon("10s")...),
		cibxml.NFSServer("nfsd", "kernel", "/data/nfs", mon("10s")...).With(
			cibxml.NV{Name: "grace_time", Value: "10"}, cibxml.NV{Name: "lease_time", Value: "10"},
			cibxml.NV{Name: "nfs_ip", Value: vip}, cibxml.NV{Name: "nfs_server_scope", Value: "baton-nfs"},
			cibxml.NV{Name: "rpcpipefs_dir", Value: "/run/rpc_pipefs"},
			// NFSv3 clients are notified from the VIP, once it is up.
			cibxml.NV{Name: "nfs_no_notify", Value: "true"}),
		cibxml.Exportfs("export_data", "/data/export", "10.0.0.0/24", "rw,sync,no_root_squash", "1", mon("10s")...),
		cibxml.IPaddr("vip", vip, "24", "eth0", mon("5s")...).With(cibxml.NV{Name: "tickle_dir", Value: "/data/tickle"}),
		cibxml.Primitive{ID: "nfs_notify", Type: "nfsnotify", Params: []cibxml.NV{{Name: "source_host", Value: vip}}, Ops: mon("30s")},
	)
	drbd := `<clone id="ms_drbd_r0">
  <meta_attributes id="ms_drbd_r0-meta">
    <nvpair id="ms_drbd_r0-promotable" name="promotable" value="true"/>
    <nvpair id="ms_drbd_r0-notify" name="notify" value="true"/>
    <nvpair id="ms_drbd_r0-clone-max" name="clone-max" value="2"/>
    <nvpair id="ms_drbd_r0-promoted-max" name="promoted-max" value="1"/>
  </meta_attributes>
  <primitive id="drbd_r0" class="ocf" provider="baton" type="drbd">
    <instance_attributes id="drbd_r0-ia"><nvpair id="drbd_r0-res" name="drbd_resource" value="r0"/></instance_attributes>
    <operations>
      <op id="drbd_r0-start-0" name="start" interval="0" timeout="240s"/>
      <op id="drbd_r0-stop-0" name="stop" interval="0" timeout="100s"/>
      <op id="drbd_r0-promote-0" name="promote" interval="0" timeout="90s"/>
      <op id="drbd_r0-demote-0" name="demote" interval="0" timeout="90s"/>
      <op id="drbd_r0-monitor-9" name="monitor" interval="9s" role="Promoted" timeout="20s"/>
      <op id="drbd_r0-monitor-10" name="monitor" interval="10s" role="Unpromoted" timeout="20s"/>
    </operations>
  </primitive>
</clone>`
	cons := `<rsc_colocation id="nfs-with-drbd" rsc="nfs" with-rsc="ms_drbd_r0" with-rsc-role="Promoted" score="INFINITY"/>
<rsc_order id="nfs-after-drbd" first="ms_drbd_r0" first-action="promote" then="nfs" then-action="start" kind="Mandatory"/>
<rsc_location id="nfs-prefers-nodea" rsc="nfs" node="nodea" score="100"/>
<rsc_location id="drbd-prefers-nodea" rsc="ms_drbd_r0" role="Promoted" node="nodea" score="100"/>`
	if ping {
		drbd += "\n" + pingCloneXML
		cons += "\n" + pingRuleXML
	}
	fencing := `<nvpair id="opt-stonith" name="stonith-enabled" value="false"/>`
	if watchdog {
		fencing = fmt.Sprintf(`<nvpair id="opt-stonith" name="stonith-enabled" value="true"/>
        <nvpair id="opt-stonith-watchdog-timeout" name="stonith-watchdog-timeout" value="%ds"/>`, stonithWatchdogTimeout/time.Second)
	}
	return fmt.Sprintf(`<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        %s
        <nvpair id="opt-quorum" name="no-quorum-policy" value="stop"/>
      </cluster_property_set>
    </crm_config>
    <nodes><node id="1" uname="nodea"/><node id="2" uname="nodeb"/></nodes>
    <resources>%s
%s</resources>
    <constraints>%s</constraints>
    <rsc_defaults><meta_attributes id="rsc-options"><nvpair id="rd-st" name="resource-stickiness" value="200"/></meta_attributes></rsc_defaults>
  </configuration>
  <status/>
</cib>
`, fencing, drbd, group, cons)
}

// seedConfig is /etc/baton/baton.toml of server id (1 or 2): two links,
// heartbeat first, and the witness as the tie-breaker; with watchdog, the
// guest's softdog as the daemon's watchdog.
func seedConfig(id int, watchdog bool) string {
	me, peer := "nodea", "nodeb"
	pid := 2
	if id == 2 {
		me, peer, pid = "nodeb", "nodea", 1
	}
	wd := ""
	if watchdog {
		wd = fmt.Sprintf("\n[watchdog]\ndevice = \"/dev/watchdog\"\ntimeout = \"%ds\"\n", guestWatchdogTimeout/time.Second)
	}
	return fmt.Sprintf(`cluster = "seed"
node = %q
node_id = %d
cib = "/etc/baton/cib.xml"
auth_key = "/etc/baton/authkey"

[[link]]
name = "heartbeat"
address = "10.0.1.%d"

[[link]]
name = "service"
address = "10.0.0.%d"

[[peer]]
name = %q
node_id = %d
addresses = ["10.0.1.%d", "10.0.0.%d"]

[quorum]
policy = "witness"
witness = "%s:%s"
%s`, me, id, id, id, peer, pid, pid, pid, witnessAddr, witnessPort, wd)
}

// owners is what one sample saw on a server: whether it holds the VIP, has
// /data mounted, is DRBD Primary.
type owners struct{ vip, mnt, pri bool }

// ownerProbe prints three 0/1 flags in one round trip; it reads only /proc
// and one ip call, so a sample costs little inside a TCG guest.
const ownerProbe = `v=0; m=0; p=0; ip -o -4 addr show dev eth0 | grep -q 'inet ` + vip + `/' && v=1; ` +
	`grep -q ' /data ' /proc/mounts && m=1; grep -q 'ro:Primary' /proc/drbd 2>/dev/null && p=1; echo "OWN $v $m $p"`

// any reports whether the server holds any of the three.
func (o owners) any() bool { return o.vip || o.mnt || o.pri }

// all reports whether the server holds the whole stack.
func (o owners) all() bool { return o.vip && o.mnt && o.pri }

// sampleTimeout bounds one sample: a guest whose answer is late (busy, or
// a kernel message spliced into the reply's marker) is not waited for.
const sampleTimeout = 3 * time.Second

// sampleOwners asks m what it holds. known is false when m did not answer
// in time; a guest that is gone (powered off, reset) holds nothing.
func sampleOwners(ctx context.Context, m *vm.Machine) (o owners, known bool) {
	select {
	case <-m.Dead():
		return owners{}, true
	default:
	}
	sctx, cancel := context.WithTimeout(ctx, sampleTimeout)
	defer cancel()
	r, err := m.Run(sctx, ownerProbe)
	if err != nil {
		select {
		case <-m.Dead():
			return owners{}, true
		default:
			return owners{}, false
		}
	}
	for _, line := range strings.Split(r.Out, "\n") {
		f := strings.Fields(line)
		if len(f) == 4 && f[0] == "OWN" {
			return owners{f[1] == "1", f[2] == "1", f[3] == "1"}, true
		}
	}
	return owners{}, false
}

// ownerSample is one round of samples: sent at start, all answered by end.
type ownerSample struct {
	start, end time.Time
	of         map[string]owners
	known      map[string]bool
}

// ownerWatch samples the servers every 100 ms (as often as the serial
// round trips allow) and counts the samples where two guests held the VIP,
// /data or the Primary role at once. It asks the cluster for each server's
// current boot, so a guest that is reset and booted again stays watched. A
// server that does not answer in time counts as still holding what it held
// at its last answer.
type ownerWatch struct {
	once      sync.Once
	mu        sync.Mutex
	samples   []ownerSample
	twoOwners []string
	last      map[string]owners
	maxGap    time.Duration
	maxGapEnd time.Time // when the sample that ended the longest gap was answered
	maxGapWho string    // what that sample saw
	stop      chan struct{}
	done      chan struct{}
}

func watchOwners(ctx context.Context, c *vm.Cluster, names ...string) *ownerWatch {
	w := &ownerWatch{stop: make(chan struct{}), done: make(chan struct{}), last: map[string]owners{}}
	go func() {
		defer close(w.done)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		prev := time.Now()
		for {
			select {
			case <-w.stop:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			smp := ownerSample{start: time.Now(), of: map[string]owners{}, known: map[string]bool{}}
			got := make([]owners, len(names))
			known := make([]bool, len(names))
			var wg sync.WaitGroup
			for i, name := range names {
				wg.Add(1)
				go func(i int, m *vm.Machine) {
					defer wg.Done()
					got[i], known[i] = sampleOwners(ctx, m)
				}(i, c.M(name))
			}
			wg.Wait()
			smp.end = time.Now()
			var v, mn, p int
			var desc []string
			w.mu.Lock()
			for i, name := range names {
				o := got[i]
				if known[i] {
					w.last[name] = o
				} else {
					o = w.last[name]
				}
				smp.of[name], smp.known[name] = o, known[i]
				if o.vip {
					v++
				}
				if o.mnt {
					mn++
				}
				if o.pri {
					p++
				}
				mark := ""
				if !known[i] {
					mark = "(no answer: last)"
				}
				desc = append(desc, fmt.Sprintf("%s=%+v%s", name, o, mark))
			}
			w.samples = append(w.samples, smp)
			if d := smp.end.Sub(prev); d > w.maxGap {
				w.maxGap, w.maxGapEnd, w.maxGapWho = d, smp.end, strings.Join(desc, " ")
			}
			prev = smp.end
			if v > 1 || mn > 1 || p > 1 {
				w.twoOwners = append(w.twoOwners, smp.end.Format("15:04:05.000")+" "+strings.Join(desc, " "))
			}
			w.mu.Unlock()
		}
	}()
	return w
}

// Stop ends the sampling (once; later calls return the same) and returns
// the two-owner samples.
func (w *ownerWatch) Stop() (samples int, maxGap time.Duration, bad []string) {
	w.once.Do(func() { close(w.stop) })
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.samples), w.maxGap, w.twoOwners
}

// counts returns how many samples were taken and how many showed two
// owners so far.
func (w *ownerWatch) counts() (samples, two int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.samples), len(w.twoOwners)
}

// Last is the latest answer of a server.
func (w *ownerWatch) Last(name string) owners {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.last[name]
}

// acquired finds the first sample sent after since in which name answered
// that it holds what want picks. at is when that sample was answered;
// after is when the last answer before it that did not hold it was asked
// for: the acquisition happened between the two.
func (w *ownerWatch) acquired(name string, since time.Time, want func(owners) bool) (after, at time.Time, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	after = since
	for _, smp := range w.samples {
		if smp.start.Before(since) || !smp.known[name] {
			continue
		}
		if want(smp.of[name]) {
			return after, smp.end, true
		}
		after = smp.start
	}
	return after, time.Time{}, false
}

// waitHolds waits until name answers that it holds the whole stack, and
// returns when that answer came.
// waitHoldsEither waits until nodea or nodeb holds the whole stack (an
// owner sample since since) and returns which.
func (w *ownerWatch) waitHoldsEither(t *testing.T, since time.Time, within time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		for _, name := range []string{"nodea", "nodeb"} {
			if _, _, ok := w.acquired(name, since, owners.all); ok {
				return name
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("neither server held the VIP, /data and the Primary role within %v; last answers: %+v", within, w.lastAll())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (w *ownerWatch) waitHolds(t *testing.T, name string, since time.Time, within time.Duration) time.Time {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		if _, at, ok := w.acquired(name, since, owners.all); ok {
			return at
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not hold the VIP, /data and the Primary role within %v; last answers: %+v", name, within, w.lastAll())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (w *ownerWatch) lastAll() map[string]owners {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := map[string]owners{}
	for k, v := range w.last {
		out[k] = v
	}
	return out
}

// probeLoop appends its sequence number to /mnt/probe with fsync, and once
// the write is acknowledged records "N TIME" locally: the longest distance
// between two acknowledgements is the client's stall, to 0.1 s.
var probeLoop = probeLoopAt("/mnt", "probe")

// probeLoopAt is probeLoop for the mount at dir: it appends to dir/name and
// keeps its acknowledgements in /tmp/name-acks (its log /tmp/name.log; it
// touches /tmp/name-done when /tmp/stop made it end).
func probeLoopAt(dir, name string) string {
	return fmt.Sprintf(`( i=0; while [ ! -e /tmp/stop ]; do i=$((i+1));
  if echo "$i" | dd of=%[1]s/%[2]s oflag=append conv=notrunc,fsync status=none; then echo "$i $(date +%%s.%%N)" >> /tmp/%[2]s-acks; fi
  sleep 0.05
done; touch /tmp/%[2]s-done ) >/tmp/%[2]s.log 2>&1 &`, dir, name)
}

// startWitness runs `baton witness` on the host side of the heartbeat
// bridge, inside the VMs' namespace.
func startWitness(t *testing.T, ctx context.Context, c *vm.Cluster, key []byte) {
	t.Helper()
	if out, err := exec.CommandContext(ctx, "ip", "-n", c.Net.NS, "addr", "add", witnessAddr+"/24", "dev", "br1").CombinedOutput(); err != nil {
		t.Fatalf("witness address on br1: %v: %s", err, out)
	}
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "authkey")
	if err := os.WriteFile(keyFile, key, 0o600); err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(dir, "witness.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("ip", "netns", "exec", c.Net.NS, harness.Baton(t), "witness",
		"--auth-key", keyFile, "--listen", witnessAddr+":"+witnessPort)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); logf.Close(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			t.Logf("witness log:\n%s", tail(string(b), 3000))
		}
	})
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// readProbeOf parses the acknowledgements of the probe probeLoopAt named
// name.
func readProbeOf(t *testing.T, ctx context.Context, cl *vm.Machine, name string) []ack {
	return readAcks(t, must(t, ctx, cl, "cat /tmp/"+name+"-acks 2>/dev/null; true")) // none yet: empty
}

// stallAround is the client's stall across a fault at time at: the longest
// distance between two consecutive acknowledgements of which the later came
// after at. Not only the pair around at: at is read on the client before the
// fault is made, and writes still acknowledged by the old server in that
// round trip would hide the stall that follows (a 0.5 s "stall" was logged
// for a 14.7 s takeover that way). ok is false without an acknowledgement at
// or before at.
func stallAround(acks []ack, at float64) (stall float64, ok bool) {
	for i := 1; i < len(acks); i++ {
		if acks[i-1].t <= at {
			ok = true
		}
		if acks[i].t > at && acks[i].t-acks[i-1].t > stall {
			stall = acks[i].t - acks[i-1].t
		}
	}
	return stall, ok
}

// waitAcksAfter waits until the probe has n acknowledgements after time at.
func waitAcksAfter(t *testing.T, ctx context.Context, cl *vm.Machine, at float64, n int, within time.Duration) []ack {
	t.Helper()
	return waitProbeAcksAfter(t, ctx, cl, "probe", at, n, within)
}

// waitProbeAcksAfter is waitAcksAfter for the probe named name.
func waitProbeAcksAfter(t *testing.T, ctx context.Context, cl *vm.Machine, name string, at float64, n int, within time.Duration) []ack {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		acks := readProbeOf(t, ctx, cl, name)
		after := 0
		for _, k := range acks {
			if k.t > at {
				after++
			}
		}
		if after >= n {
			return acks
		}
		if time.Now().After(deadline) {
			t.Fatalf("the client's probe %s acknowledged %d writes in the %v after the fault:\n%s", name, after, within,
				must(t, ctx, cl, "tail -5 /tmp/"+name+".log; dmesg | grep -i nfs | tail -10"))
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func guestClock(t *testing.T, ctx context.Context, m *vm.Machine) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(strings.TrimSpace(must(t, ctx, m, "date +%s.%N")), 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// configureSeedServer writes server id's DRBD resource, daemon
// configuration, key and CIB into m (a guest's root file system is in RAM:
// again after every boot), loads the kernel modules and checks the
// configuration. With watchdog it loads softdog, inside the guest only, and
// has the guest's console print critical kernel messages, softdog's last
// words before it resets the guest among them.
func configureSeedServer(t *testing.T, ctx context.Context, m *vm.Machine, id int, key []byte, watchdog bool) {
	t.Helper()
	configureSeedServerCIB(t, ctx, m, id, key, watchdog, seedCIB(watchdog))
}

// configureSeedServerCIB is configureSeedServer with the CIB given.
func configureSeedServerCIB(t *testing.T, ctx context.Context, m *vm.Machine, id int, key []byte, watchdog bool, cib string) {
	t.Helper()
	writeFile(t, ctx, m, "/etc/drbd.d/r0.res", seedDRBD)
	writeFile(t, ctx, m, "/etc/baton/baton.toml", seedConfig(id, watchdog))
	writeFile(t, ctx, m, "/etc/baton/authkey", string(key)+"\n")
	writeFile(t, ctx, m, "/etc/baton/cib.xml", cib)
	// The VIP's host name: nfsnotify's sm-notify -v VIP looks one up and
	// notifies nobody without it.
	must(t, ctx, m, "echo '"+vip+" nfs-vip' >> /etc/hosts")
	must(t, ctx, m, "chmod 0600 /etc/baton/authkey && modprobe drbd && mkdir -p /data /var/lib/baton && baton daemon --check")
	if watchdog {
		must(t, ctx, m, "modprobe softdog && test -c /dev/watchdog && echo 3 > /proc/sys/kernel/printk")
	}
}

// initSeedDRBD initialises r0 once by hand on the configured servers a and
// b (r0.res written, drbd loaded): meta-data, connect, the initial sync
// skipped since both disks are blank, the file system and its layout made
// on a, then r0 taken down on both: from there on only the cluster manager
// touches it.
func initSeedDRBD(t *testing.T, ctx context.Context, a, b *vm.Machine) {
	t.Helper()
	for _, m := range []*vm.Machine{a, b} {
		must(t, ctx, m, "drbdadm create-md --force r0 && drbdadm up r0")
	}
	waitFor(t, ctx, a, "drbdsetup status r0", "peer-disk:Inconsistent", 60*time.Second)
	must(t, ctx, a, "drbdadm new-current-uuid --clear-bitmap r0")
	waitFor(t, ctx, a, "drbdsetup status r0", "peer-disk:UpToDate", 60*time.Second)
	must(t, ctx, a, "drbdadm primary r0 && mkfs.ext4 -q -F /dev/drbd0 && mount /dev/drbd0 /data && "+
		"mkdir -p /data/nfs /data/export /data/tickle && umount /data && drbdadm secondary r0")
	for _, m := range []*vm.Machine{a, b} {
		must(t, ctx, m, "drbdadm down r0")
	}
}

// startSeedDaemon starts `baton daemon` in m, logging to
// /var/log/baton-daemon.log, and keeps its pid in /run/baton-daemon.pid
// for the faults that signal it.
func startSeedDaemon(t *testing.T, ctx context.Context, m *vm.Machine) {
	t.Helper()
	must(t, ctx, m, "(baton daemon --debug >/var/log/baton-daemon.log 2>&1 & echo $! >/run/baton-daemon.pid)")
}

// startSeedCluster brings up the seed's stack under `baton daemon` on the
// servers nodea and nodeb of c: the witness on the host, each server
// configured, DRBD initialised once by hand (meta-data, connect, the
// initial sync skipped since both disks are blank, the file system and its
// layout made, then taken down again: from there on only the cluster
// manager touches it), then both daemons started. It returns once nodea
// holds the stack, with the owner watch (over nodea and nodeb) that saw it
// happen. On failure the servers' status and daemon logs are printed.
func startSeedCluster(t *testing.T, ctx context.Context, c *vm.Cluster, key []byte, watchdog bool) *ownerWatch {
	t.Helper()
	return startSeedClusterCIB(t, ctx, c, key, watchdog, seedCIB(watchdog))
}

// startSeedClusterCIB is startSeedCluster with the CIB given.
func startSeedClusterCIB(t *testing.T, ctx context.Context, c *vm.Cluster, key []byte, watchdog bool, cib string) *ownerWatch {
	t.Helper()
	w, _ := startSeedClusterWhere(t, ctx, c, key, watchdog, cib, "nodea")
	return w
}

// startSeedClusterWhere is startSeedClusterCIB waiting for the stack on
// node want, or on either server when want is "": with the seed's ping
// rule the group may start on whichever node's pingd is set first, and
// stickiness keeps it there (as under Pacemaker). It returns the node that
// holds the stack.
func startSeedClusterWhere(t *testing.T, ctx context.Context, c *vm.Cluster, key []byte, watchdog bool, cib, want string) (*ownerWatch, string) {
	t.Helper()
	startWitness(t, ctx, c, key)
	a, b := c.M("nodea"), c.M("nodeb")
	for i, m := range []*vm.Machine{a, b} {
		configureSeedServerCIB(t, ctx, m, i+1, key, watchdog, cib)
	}
	initSeedDRBD(t, ctx, a, b)
	dumpServersOnFailure(t, c, "baton status 2>&1; tail -60 /var/log/baton-daemon.log; cat /proc/drbd", 20*time.Second)
	startSeedDaemon(t, ctx, a)
	startSeedDaemon(t, ctx, b)
	started := time.Now()
	w := watchOwners(ctx, c, "nodea", "nodeb")
	t.Cleanup(func() { w.Stop() })
	on := want
	if want == "" {
		on = w.waitHoldsEither(t, started, 5*time.Minute)
	} else {
		w.waitHolds(t, want, started, 5*time.Minute)
	}
	t.Logf("stack up on %s %.1f s after the daemons started", on, time.Since(started).Seconds())
	return w, on
}

// dumpServersOnFailure logs, when t has failed, what command prints on
// each server guest (the cluster manager's status and logs), each run
// bounded by limit.
func dumpServersOnFailure(t *testing.T, c *vm.Cluster, command string, limit time.Duration) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for _, name := range []string{"nodea", "nodeb"} {
			m := c.M(name)
			dctx, cancel := context.WithTimeout(context.Background(), limit)
			r, err := m.Run(dctx, command)
			cancel()
			if err != nil {
				t.Logf("%s (boot %d): %v", name, m.Boot, err)
				continue
			}
			t.Logf("%s (boot %d):\n%s", name, m.Boot, r.Out)
		}
	})
}
