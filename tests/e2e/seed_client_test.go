//go:build e2evm

package e2e

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/vm"
)

// seedKeep is how many of its newest 10 MB files the seed's client loop
// keeps. The loop would otherwise fill the seed's 256 MB DRBD disk within
// minutes under a fast run, and a full /data fails the failover: with
// nfs_shared_infodir, exportfs(8) cannot write /var/lib/nfs/etab there
// (seen at 06:34 UTC, docs/benchmarks.md).
const seedKeep = 6

// seedClientLoop is the seed's workload: a loop writing 10 MB files with dd
// (conv=fsync: acknowledged means on the server's stable storage) and
// stat-ing each, recording "N TIME" once both succeeded. It removes the file
// seedKeep acknowledgements back, so every acknowledged file newer than the
// newest minus seedKeep must still be there, intact.
var seedClientLoop = fmt.Sprintf(`( i=0; while [ ! -e /tmp/stop ]; do i=$((i+1));
  if dd if=/dev/zero of=/mnt/test$i bs=10M count=1 conv=fsync status=none && stat /mnt/test$i >/dev/null; then
    echo "$i $(date +%%s.%%N)" >> /tmp/acks; rm -f /mnt/test$((i-%d))
  fi
done; touch /tmp/loop-done ) >/tmp/loop.log 2>&1 &`, seedKeep)

// seedRunning brings up the seed's cluster under `baton daemon` without
// watchdog fencing (startSeedCluster: it returns once nodea holds the stack,
// with the owner watch) and waits until DRBD is in sync.
func seedRunning(t *testing.T, ctx context.Context, c *vm.Cluster, key []byte) *ownerWatch {
	t.Helper()
	w := startSeedCluster(t, ctx, c, key, false)
	a := c.M("nodea")
	t.Logf("baton status on nodea:\n%s", must(t, ctx, a, "baton status"))
	waitFor(t, ctx, a, "drbdsetup status r0", "peer-disk:UpToDate", 2*time.Minute)
	return w
}

// seedMount is one NFS mount of the VIP on the client with its probe
// (probeLoopAt(Dir, Probe)); Label names its protocol version in figures.
type seedMount struct{ Label, Dir, Probe string }

// seedFinish stops the owner watch, fails the test on any sample with two
// owners, and reads every acknowledged write back (seedReadBack), on /mnt
// and on the extra mounts' probes.
func seedFinish(t *testing.T, ctx context.Context, w *ownerWatch, cl *vm.Machine, extra ...seedMount) {
	t.Helper()
	samples, maxGap, bad := w.Stop()
	t.Logf("owner samples: %d, longest distance between samples %v", samples, maxGap.Round(time.Millisecond))
	if len(bad) > 0 {
		t.Errorf("%d samples with two owners:\n%s", len(bad), strings.Join(bad, "\n"))
	}
	probes, files := seedReadBack(t, ctx, cl, extra...)
	t.Logf("read back: %d probe writes and the %d newest files of 10 MB checked", probes, files)
}

// seedReadBack stops the client's loops and checks that every acknowledged
// probe write (of /mnt's probe and of each extra mount's) and every
// acknowledged 10 MB file the loop still keeps reads back intact. It
// returns how many of each it checked.
func seedReadBack(t *testing.T, ctx context.Context, cl *vm.Machine, extra ...seedMount) (probes, files int) {
	t.Helper()
	// The loops were started by earlier commands, so the shell's wait does
	// not wait for them: they say when they are done. Read back before
	// that, and a last acknowledgement (with its removal of an old file)
	// races the reading: test23 was reported missing that way.
	must(t, ctx, cl, "touch /tmp/stop")
	mounts := append([]seedMount{{Dir: "/mnt", Probe: "probe"}}, extra...)
	done := "/tmp/loop-done"
	for _, m := range mounts {
		done += " /tmp/" + m.Probe + "-done"
	}
	waitFor(t, ctx, cl, "ls "+done+" 2>/dev/null | wc -l", strconv.Itoa(len(mounts)+1), 2*time.Minute)
	must(t, ctx, cl, "sync")
	for _, m := range mounts {
		missing := must(t, ctx, cl, fmt.Sprintf(`awk 'NR==FNR{seen[$1]=1; next} !($1 in seen){print $1}' %s/%s /tmp/%s-acks`, m.Dir, m.Probe, m.Probe))
		if strings.TrimSpace(missing) != "" {
			t.Errorf("acknowledged probe writes to %s/%s missing after the failover: %s", m.Dir, m.Probe, strings.Join(strings.Fields(missing), " "))
		}
		probes += len(readProbeOf(t, ctx, cl, m.Probe))
	}
	acks := readAcks(t, must(t, ctx, cl, "cat /tmp/acks"))
	if len(acks) == 0 {
		t.Fatal("the dd loop acknowledged no file")
	}
	newest := 0
	for _, k := range acks {
		newest = max(newest, k.n)
	}
	var ns []string
	for _, k := range acks {
		if k.n > newest-seedKeep {
			ns = append(ns, strconv.Itoa(k.n))
		}
	}
	sort.Strings(ns)
	if dmg := damagedFiles(t, ctx, cl, ns); dmg != "" {
		t.Errorf("acknowledged 10 MB files damaged or missing:\n%s", dmg)
	}
	return probes, len(ns)
}

// nfsv3ClientServices are what Debian's nfs-common runs on an NFSv3 client
// at boot: rpcbind, and rpc.statd, which the kernel's lock manager needs to
// have the server monitored and to hear its reboot notifications (SM_NOTIFY)
// and reclaim its locks. mount.nfs refuses a locking NFSv3 mount without it.
// rpc.statd runs in the foreground with its log (debug level) in
// /tmp/statd.log, and the kernel's lock manager logs its calls (nlm_debug),
// for the lock tests' diagnostics.
const nfsv3ClientServices = `modprobe nfsv3 && echo 32767 > /proc/sys/sunrpc/nlm_debug && rpcbind -w && ` +
	`(rpc.statd -F -d >/tmp/statd.log 2>&1 &) && ` +
	`for i in $(seq 100); do rpcinfo -p 127.0.0.1 2>/dev/null | grep -q status && exit 0; sleep 0.1; done; ` +
	`echo "rpc.statd did not register"; exit 1`

// lockHolder takes an exclusive lock on /mnt/lock (flock(2), which the NFS
// client sends as an NLM lock over the whole file) and holds it until
// /tmp/unlock exists.
const lockHolder = `(flock -x /mnt/lock -c 'echo held >/tmp/lock-held; while [ ! -e /tmp/unlock ]; do sleep 0.2; done' >/tmp/lock.log 2>&1 &)`

// TestDaemonSeedNFSv3 is the seed's own client case under `baton daemon`:
// the kernel NFS client mounting the VIP with NFSv3 (the seed's export
// /data 192.168.0.0/24(rw,sync,no_root_squash), here the service network
// 10.0.0.0/24), running the seed's workload and the probe, and holding a
// POSIX (NLM) lock across a power cut of the active server. After the
// takeover, ocf:baton:nfsnotify sends SM_NOTIFY from the VIP; the client
// reclaims the lock on the survivor, which refuses it to another owner
// (asked during the grace period); a fresh NFSv3 mount of the survivor works
// too. Throughout, at most one guest holds the VIP, /data or the Primary
// role, and every acknowledged write reads back afterwards.
func TestDaemonSeedNFSv3(t *testing.T) {
	c := vm.Start(t, seedA, seedB, nfsClient)
	a, b, cl := c.M("nodea"), c.M("nodeb"), c.M("client")
	ctx := ctxFor(t, 15*time.Minute)
	w := seedRunning(t, ctx, c, []byte("baton-vm-seed-nfsv3-key-0123456789"))

	// The seed's mount: NFSv3, otherwise default options.
	must(t, ctx, cl, nfsv3ClientServices)
	if r, _ := cl.Run(ctx, "mkdir -p /mnt && mount -t nfs -o vers=3 "+vip+":/data/export /mnt && grep ' /mnt nfs ' /proc/mounts"); r.Code != 0 {
		t.Fatalf("NFSv3 mount of %s:/data/export: exit %d: %s\nthe server's RPC services, as the client sees them:\n%s", vip, r.Code, r.Out,
			must(t, ctx, cl, "rpcinfo -p "+vip+" 2>&1; true"))
	}
	must(t, ctx, cl, lockHolder)
	waitFor(t, ctx, cl, "cat /tmp/lock-held 2>/dev/null; true", "held", time.Minute)
	if r := must(t, ctx, cl, "flock -n -x /mnt/lock true; echo rc=$?"); !strings.Contains(r, "rc=1") {
		t.Fatalf("a second owner took the held lock before the failover: %s", r)
	}
	must(t, ctx, cl, probeLoop)
	must(t, ctx, cl, seedClientLoop)
	start := guestClock(t, ctx, cl)
	waitAcksAfter(t, ctx, cl, start, 10, 2*time.Minute)

	// Power cut of the active server.
	// The survivor's lock manager logs its calls too (sunrpc is loaded
	// there only once nfsd starts: best effort).
	_, _ = b.Run(ctx, "modprobe sunrpc && echo 32767 > /proc/sys/sunrpc/nlm_debug")
	must(t, ctx, a, "ls -l /var/lib/nfs/sm; sync") // the tickle record and statd's monitor list reach the disk
	killAt := guestClock(t, ctx, cl)
	a.Kill()
	crash := time.Now()
	took := w.waitHolds(t, "nodeb", crash, 5*time.Minute).Sub(crash)
	t.Logf("nodeb holds the stack %.1f s after the power cut (host clock)", took.Seconds())
	// Another owner asks for the lock right away, inside the grace period;
	// it must be refused (once grace ends: the client's reclaim holds it).
	must(t, ctx, cl, `(s=$(date +%s.%N); timeout 120 flock -n -x /mnt/lock true; echo "$? $s $(date +%s.%N)" >/tmp/second-owner) >/dev/null 2>&1 &`)
	acks := waitAcksAfter(t, ctx, cl, killAt, 5, 3*time.Minute)
	stall, ok := stallAround(acks, killAt)
	if !ok {
		t.Fatal("no probe acknowledgement before the power cut")
	}
	t.Logf("fault 1 (power cut of the active server): client stall %.1f s (NFSv3, probe of small fsync'ed writes)", stall)

	// The reclaimed lock: held on nodeb by its lock manager, refused to the
	// other owner, still held by the client's process.
	ino := strings.TrimSpace(must(t, ctx, b, "stat -c %i /data/export/lock"))
	waitLocked(t, ctx, b, cl, ino, time.Minute)
	second := waitFor(t, ctx, cl, "cat /tmp/second-owner 2>/dev/null; true", " ", 3*time.Minute)
	f := strings.Fields(second)
	if len(f) != 3 || f[0] != "1" {
		t.Fatalf("the second owner's flock -n, asked right after the takeover: want exit 1 (lock held), got %q (exit, asked, answered)\nclient: %s", second,
			must(t, ctx, cl, "dmesg | grep -i -e lockd -e statd -e nfs | tail -20"))
	}
	asked, _ := strconv.ParseFloat(f[1], 64)
	answered, _ := strconv.ParseFloat(f[2], 64)
	t.Logf("lock reclaimed on nodeb (in its /proc/locks); another owner asked %.1f s after the power cut and was refused after %.1f s",
		asked-killAt, answered-asked)
	if r := must(t, ctx, cl, "test -e /tmp/lock-held && pgrep -f 'flock -x /mnt/lock' >/dev/null; echo rc=$?"); !strings.Contains(r, "rc=0") {
		t.Fatalf("the lock holder is gone: %s", r)
	}
	// Released, the lock can be taken: the refusal was the lock's.
	must(t, ctx, cl, "touch /tmp/unlock")
	waitFor(t, ctx, cl, "flock -n -x /mnt/lock true; echo rc=$?", "rc=0", time.Minute)

	// A fresh NFSv3 mount of the survivor (MOUNT protocol and all).
	must(t, ctx, cl, "mkdir -p /mnt2 && mount -t nfs -o vers=3 "+vip+":/data/export /mnt2 && test -s /mnt2/probe && umount /mnt2")

	seedFinish(t, ctx, w, cl)
}

// waitLocked waits until srv's kernel holds a lock on inode ino of /data
// (lockd's locks show in /proc/locks), and on failure prints what the
// reclaim path left: statd's lists and the lock managers' logs on both
// sides, and the notifications nfsnotify sent.
func waitLocked(t *testing.T, ctx context.Context, srv, cl *vm.Machine, ino string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if r := must(t, ctx, srv, "grep -q ':"+ino+" ' /proc/locks && echo LOCKED; true"); strings.Contains(r, "LOCKED") {
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("%s holds no lock on inode %s of /data %v after the takeover: the client did not reclaim it\n"+
		"server:\n%s\nclient:\n%s", srv.Spec.Name, ino, within,
		must(t, ctx, srv, "cat /proc/locks; ls -l /var/lib/nfs/sm /var/lib/nfs/sm.bak; od -An -tu4 /var/lib/nfs/state; "+
			"ps -eo pid,args | grep -e sm-notify -e statd | grep -v grep; tail -n 30 /run/resource-agents/nfsnotify-*.log; "+
			"grep -i -e notify -e nfs_notify /var/log/baton-daemon.log | tail -n 10; dmesg | grep -i -e lockd -e nlm -e nsm | tail -n 40; true"),
		must(t, ctx, cl, "tail -n 40 /tmp/statd.log; ls -l /var/lib/nfs/sm; dmesg | grep -i -e lockd -e nlm -e nsm | tail -n 60; true"))
}
