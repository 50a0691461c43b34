//go:build e2evm

package e2e

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/harness"
	"github.com/baton-ha/baton/tests/vm"
)

// pacemakerCLI asks Pacemaker 2.1.5 in a guest what batonCLI asks baton
// daemon: crm_mon, cibadmin, crm_resource, crm_simulate.
var pacemakerCLI = crmCLI{
	status:       "crm_mon -1",
	fenceProbe:   "cibadmin -Q | grep -o " + fenceConstraint + " | head -1",
	fenceHistory: "stonith_admin --history %s 2>&1; true",
	fenced: func(out, node string) bool {
		return (strings.Contains(out, "off of "+node) || strings.Contains(out, "reboot of "+node)) && strings.Contains(out, "successful")
	},
	pingdProbe: strings.Replace(pingdProbe, "baton status --output-as=xml", "crm_mon -1 --output-as=xml", 1),
	move:       "crm_resource --move -r nfs -N %s",
	clear:      "crm_resource --clear -r nfs",
	scores:     "crm_simulate -L -s 2>&1 | grep -e promotion -e 'nfs allocation'; true",
	logs:       "cat /var/log/corosync.log /var/log/pacemaker/pacemaker.log",
}

// seedCorosyncConf is the servers' corosync.conf as a Pacemaker user of the
// seed's cabling writes it: knet with two links, the dedicated heartbeat
// network as link 0 and the service network as link 1, encrypted with the
// authkey, two_node (which implies wait_for_all) and corosync's default
// token timeout.
const seedCorosyncConf = `totem {
    version: 2
    cluster_name: seed
    transport: knet
    crypto_cipher: aes256
    crypto_hash: sha256
    interface {
        linknumber: 0
    }
    interface {
        linknumber: 1
    }
}
nodelist {
    node {
        ring0_addr: 10.0.1.1
        ring1_addr: 10.0.0.1
        name: nodea
        nodeid: 1
    }
    node {
        ring0_addr: 10.0.1.2
        ring1_addr: 10.0.0.2
        name: nodeb
        nodeid: 2
    }
}
quorum {
    provider: corosync_votequorum
    two_node: 1
}
logging {
    to_logfile: yes
    logfile: /var/log/corosync.log
    to_stderr: no
    to_syslog: no
    timestamp: on
}
`

// seedFaultsCIB is the one CIB of both managers' fault runs
// (TestDaemonSeedFaults, TestPacemakerSeedFaults): the seed's stack, the
// ping clone and its rule, and the fence device (stonith-enabled=true,
// fence_baton_vm through the host's power switch): a two-node cluster
// without fencing is unsafe.
func seedFaultsCIB() string { return withVMFencing(seedCIBWith(false, true)) }

// configurePacemakerServer writes a server's DRBD resource (drbdRes: with
// seedDRBD's handlers and no baton.toml in the guest, `baton drbd
// fence-peer` keeps its constraint in Pacemaker's CIB through cibadmin),
// corosync.conf and its authkey, and the power switch's key, then checks
// corosync's configuration. Nothing of baton daemon is configured.
func configurePacemakerServer(t *testing.T, ctx context.Context, m *vm.Machine, drbdRes, corokey string, powerKey []byte) {
	t.Helper()
	writeFile(t, ctx, m, "/etc/drbd.d/r0.res", drbdRes)
	writeFile(t, ctx, m, "/etc/corosync/corosync.conf", seedCorosyncConf)
	must(t, ctx, m, "echo "+corokey+" | base64 -d > /etc/corosync/authkey && chmod 0400 /etc/corosync/authkey")
	writeFile(t, ctx, m, fenceKeyFile, string(powerKey)+"\n")
	must(t, ctx, m, "chmod 0600 "+fenceKeyFile)
	must(t, ctx, m, "echo '"+vip+" nfs-vip' >> /etc/hosts")
	must(t, ctx, m, "test ! -e /etc/baton/baton.toml && modprobe drbd && mkdir -p /data && corosync -t >/dev/null")
}

// startPacemaker starts corosync, waits until it answers, then pacemakerd,
// each in the background with its output in /var/log.
func startPacemaker(t *testing.T, ctx context.Context, m *vm.Machine) {
	t.Helper()
	must(t, ctx, m, "mkdir -p /run/crm /var/log/pacemaker && chown hacluster:haclient /run/crm /var/log/pacemaker && chmod 750 /run/crm && "+
		"(corosync -f >/var/log/corosync.out 2>&1 &) && "+
		"for i in $(seq 150); do corosync-cfgtool -s >/dev/null 2>&1 && break; sleep 0.2; done; corosync-cfgtool -s >/dev/null && "+
		"(PCMK_logfile=/var/log/pacemaker/pacemaker.log pacemakerd >/var/log/pacemakerd.out 2>&1 &)")
}

// TestPacemakerSeedFaults is the Pacemaker row of issue 14: the seed's
// stack of TestDaemonSeedFaults (DRBD 8.4 under a promotable ocf:baton:drbd
// clone, Filesystem -> nfsserver(kernel) -> exportfs -> IPaddr ->
// nfsnotify, the ping clone and its rule, the location preference for
// nodea, stickiness 200) with fence_baton_vm as the fence device
// (stonith-enabled=true), under Debian's Pacemaker 2.1.5 and Corosync 3 in
// the guests instead of baton daemon, loaded with cibadmin. The client is
// the kernel NFS client with NFSv3 (the seed's), writing throughout; the
// owner watch runs from the CIB's load to the end; every acknowledged write
// is read back at the end. One booted cluster, faults in sequence, each
// from a clean synced cluster:
//
//   - 3: the heartbeat cable of the active server pulled: corosync's link 0
//     goes down, link 1 (service network) keeps the membership; nothing may
//     move.
//   - 4: the DRBD replication cable pulled (replicationCable, as under baton
//     daemon): the primary keeps serving, fence-peer places the constraint
//     through cibadmin, the peer is Outdated and a move onto it refused;
//     plugged back, resync and unfence.
//   - 2: the service cable pulled with carrier loss (serviceCable): pingd
//     0, the stack moves.
//   - 1: power cut of the active server: the survivor fences it through
//     vm-power (stonith-action off: the switch confirms it off) and takes
//     over; the victim's power is restored, it gets its configuration
//     again (its root is in RAM) and rejoins unless this is the last
//     fault, and the next fault's settle waits for its resync.
//
// The client mounts the VIP twice, NFSv3 and NFSv4.2 (seedClientMounts).
// BATON_VM_PCMK_FAULTS picks others in another order (BATON_VM_FAULTS is
// TestDaemonSeedFaults'; 1,1,1,1,1 is five power cuts, whose medians are
// logged); BATON_VM_LOGDIR saves corosync's and Pacemaker's logs after
// each fault.
func TestPacemakerSeedFaults(t *testing.T) {
	faults := []string{"3", "4", "2", "1"}
	if f := os.Getenv("BATON_VM_PCMK_FAULTS"); f != "" {
		faults = strings.Split(f, ",")
	}
	if pacemakerCLI.pingdProbe == pingdProbe {
		t.Fatal("pacemakerCLI's pingd probe still asks baton status")
	}
	runPacemakerSeedFaults(t, faults, seedFaultsCIB(), seedDRBD, "", "pcmk-fault")
}

// runPacemakerSeedFaults boots the seed's guests, starts Corosync and
// Pacemaker on the servers with DRBD resource drbdRes (after boot, a shell
// command run on each server at every boot before the cluster starts, as
// the distribution's boot would: "" for none), loads cib's configuration
// and runs the faults (TestPacemakerSeedFaults' list) with the client
// writing to both mounts; logPrefix names the saved logs.
func runPacemakerSeedFaults(t *testing.T, faults []string, cib, drbdRes, boot, logPrefix string) {
	c := vm.Start(t, seedA, seedB, nfsClient)
	ctx := ctxFor(t, 30*time.Minute)
	// The ping node on the service bridge, and the power switch's address
	// on the heartbeat bridge (the witness's under baton daemon; Pacemaker
	// has no witness here).
	for _, a := range [][2]string{{pingNode, "br0"}, {witnessAddr, "br1"}} {
		if out, err := exec.CommandContext(ctx, "ip", "-n", c.Net.NS, "addr", "add", a[0]+"/24", "dev", a[1]).CombinedOutput(); err != nil {
			t.Fatalf("address %s on %s: %v: %s", a[0], a[1], err, out)
		}
	}
	powerKey := []byte("baton-vm-pcmk-power-switch-key-0123456")
	ps := c.StartPowerSwitch(t, ":"+powerSwitchPort, powerKey)
	raw := make([]byte, 256)
	if _, err := rand.Read(raw); err != nil {
		t.Fatal(err)
	}
	corokey := base64.StdEncoding.EncodeToString(raw)
	s := &seedFaults{t: t, ctx: ctx, c: c, cl: c.M("client"), cib: cib, cli: pacemakerCLI, mounts: seedClientMounts, ps: ps}
	s.rejoin = func(p string) *vm.Machine {
		// The fence left p off (stonith-action off): its power is
		// restored; it boots with a fresh root, gets its configuration
		// and starts corosync and Pacemaker, as an administrator does
		// after a power failure.
		m, err := ps.Restore(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		configurePacemakerServer(t, ctx, m, drbdRes, corokey, powerKey)
		if boot != "" {
			must(t, ctx, m, boot)
		}
		startPacemaker(t, ctx, m)
		return m
	}
	a, b := c.M("nodea"), c.M("nodeb")
	for _, m := range []*vm.Machine{a, b} {
		configurePacemakerServer(t, ctx, m, drbdRes, corokey, powerKey)
		if boot != "" {
			must(t, ctx, m, boot)
		}
	}
	initSeedDRBD(t, ctx, a, b)
	dumpServersOnFailure(t, c, "crm_mon -1 -A -f 2>&1; stonith_admin --history '*' 2>&1; corosync-cfgtool -s 2>&1; cat /proc/drbd; "+
		"grep -v -e ' debug ' -e ' trace ' /var/log/pacemaker/pacemaker.log | grep -i -e error -e warn -e notice | tail -60; tail -20 /var/log/corosync.log",
		30*time.Second)
	started := time.Now()
	for _, m := range []*vm.Machine{a, b} {
		startPacemaker(t, ctx, m)
	}
	waitFor(t, ctx, a, "crm_mon -1", "Online: [ nodea nodeb ]", 4*time.Minute)
	t.Logf("both nodes online in Pacemaker %.1f s after corosync started", time.Since(started).Seconds())
	conf := s.cib[strings.Index(s.cib, "<configuration>") : strings.Index(s.cib, "</configuration>")+len("</configuration>")]
	writeFile(t, ctx, a, "/tmp/cib-configuration.xml", conf+"\n")
	s.w = watchOwners(ctx, c, "nodea", "nodeb")
	t.Cleanup(func() { s.w.Stop() })
	loaded := time.Now()
	must(t, ctx, a, "cibadmin --replace --scope configuration --xml-file /tmp/cib-configuration.xml")
	t.Logf("crm_verify -L:\n%s", must(t, ctx, a, "crm_verify -L -V 2>&1; true"))
	// The ping rule lets the group start where pingd is set first
	// (nodea or nodeb: their pingd are set a dampening apart);
	// stickiness keeps it there.
	first := s.w.waitHoldsEither(t, loaded, 5*time.Minute)
	t.Logf("stack up on %s %.1f s after the CIB was loaded", first, time.Since(loaded).Seconds())
	waitFor(t, ctx, a, "crm_mon -1 | grep -q 'vm-power.*Started' && echo DEVICE-STARTED", "DEVICE-STARTED", 2*time.Minute)
	t.Logf("crm_mon on nodea:\n%s", must(t, ctx, a, "crm_mon -1"))

	// The seed's client: NFSv3 with the services nfs-common runs, and
	// NFSv4.2, default options otherwise.
	s.startClient(seedClientMount)

	s.runFaults(faults, logPrefix, func(f, active string) faultRow {
		switch f {
		case "3":
			return s.heartbeatCableCorosync(active)
		case "4":
			return s.replicationCable(active)
		case "2":
			return s.serviceCable(active)
		case "1":
			return s.powerCutFenced(active)
		}
		t.Fatalf("unknown fault %q (BATON_VM_PCMK_FAULTS: 3, 4, 2, 1)", f)
		return faultRow{}
	})
}

// heartbeatCableCorosync is fault 3 under Pacemaker on the active server p:
// its heartbeat cable (eth1 tap off br1, as a cable pulled at the switch's
// end) out; corosync marks link 0 to the peer disconnected and keeps the
// membership over link 1; nothing may move, no node may be fenced.
func (s *seedFaults) heartbeatCableCorosync(p string) faultRow {
	t, ctx := s.t, s.ctx
	t.Helper()
	mp := s.c.M(p)
	r := faultRow{Fault: "3 heartbeat cable pulled", Victim: p}
	if err := s.c.Net.Cut(ctx, mp.Taps[tapHB]); err != nil {
		t.Fatal(err)
	}
	cut := time.Now()
	links := waitFor(t, ctx, mp, "corosync-cfgtool -s", "disconnected", time.Minute)
	seen := time.Since(cut)
	t.Logf("fault 3: corosync on %s saw link 0 down %.1f s after the cut:\n%s", p, seen.Seconds(), links)
	// Longer than the token timeout, a consensus round and a monitor round.
	s.holdStill("fault 3, heartbeat cable out", p, 20*time.Second)
	if st := must(t, ctx, mp, "crm_mon -1"); !strings.Contains(st, "Online: [ nodea nodeb ]") {
		t.Errorf("fault 3: the membership did not survive on link 1:\n%s", st)
	}
	if err := s.c.Net.Join(ctx, mp.Taps[tapHB], "br1"); err != nil {
		t.Fatal(err)
	}
	joined := time.Now()
	waitGone(t, ctx, mp, "corosync-cfgtool -s", "disconnected", time.Minute)
	back := time.Since(joined)
	s.holdStill("fault 3, cable back", p, 5*time.Second)
	if h := must(t, ctx, mp, "stonith_admin --history '*' 2>&1; true"); strings.Contains(h, "reboot of") || strings.Contains(h, "off of") {
		t.Errorf("fault 3: a node was fenced:\n%s", h)
	}
	r.Note = fmt.Sprintf("corosync saw link 0 down %.1f s after the cut, membership kept on link 1, nothing moved, nobody fenced; link 0 up again %.1f s after the cable was back",
		seen.Seconds(), back.Seconds())
	// The power switch listens on the heartbeat network: with that cable
	// out, vm-power's monitor fails where it runs, its restart there too,
	// and Pacemaker bans it from that node (fail count INFINITY) until an
	// administrator cleans it up, as one does once the cable is back.
	fc := strings.TrimSpace(must(t, ctx, mp, "crm_failcount -G -r vm-power -N "+p+" -q 2>/dev/null; true"))
	if fc != "" && fc != "0" {
		t.Logf("fault 3: vm-power failed on %s with its heartbeat cable out (fail count %s):\n%s", p, fc,
			must(t, ctx, mp, "crm_mon -1 | grep -A3 -i 'failed'; true"))
		must(t, ctx, mp, "crm_resource --cleanup -r vm-power -N "+p)
		r.Note += fmt.Sprintf("; vm-power (its switch is on the heartbeat network) failed on %s, fail count %s, cleaned up with crm_resource --cleanup", p, fc)
	}
	return r
}

// TestPacemakerSeedConfigurationIsValid: without guests, the CIB of
// TestPacemakerSeedFaults passes Pacemaker's own schema and checks
// (crm_verify on the host, where `make deps` installs Pacemaker) besides
// `baton verify`. Pacemaker refused an earlier seed CIB that Baton had
// accepted (rsc-role on rsc_location); this catches such a mistake before
// minutes of TCG boots. Startup-fencing warnings (a CIB without a status
// section has never seen its nodes) are expected.
func TestPacemakerSeedConfigurationIsValid(t *testing.T) {
	bin := harness.Baton(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cib := filepath.Join(t.TempDir(), "cib.xml")
	if err := os.WriteFile(cib, []byte(seedFaultsCIB()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.CommandContext(ctx, bin, "verify", "-x", cib).CombinedOutput(); err != nil {
		t.Fatalf("baton verify: %v\n%s", err, out)
	}
	if _, err := exec.LookPath("crm_verify"); err != nil {
		t.Skip("crm_verify is not installed (make deps installs Pacemaker)")
	}
	out, _ := exec.CommandContext(ctx, "crm_verify", "-x", cib).CombinedOutput()
	if strings.Contains(string(out), "error") || strings.Contains(string(out), "Errors found") {
		t.Fatalf("crm_verify -x refuses the CIB:\n%s", out)
	}
}
