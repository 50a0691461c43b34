//go:build e2evm

package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/agents/drbd"
	"github.com/baton-ha/baton/agents/drbd/status"
	"github.com/baton-ha/baton/tests/vm"
)

// liveScore reads r0's state in the guest and returns the promotion score
// ocf:baton:drbd publishes for it (-1: none). The guests have no cluster
// manager to receive the score, so the test computes it from the same live
// report with the agent's own table.
func liveScore(t *testing.T, ctx context.Context, m *vm.Machine) (int, *status.Resource) {
	t.Helper()
	out := must(t, ctx, m, "drbdsetup status r0")
	rs, err := status.ParseStatus(out)
	if err != nil || len(rs) != 1 {
		t.Fatalf("%s: drbdsetup status r0: %v\n%s", m.Spec.Name, err, out)
	}
	s, ok := drbd.Score(&rs[0], drbd.DefaultScores)
	if !ok {
		s = -1
	}
	return s, &rs[0]
}

// TestDRBDTwoNodes runs ocf:baton:drbd on real DRBD 8.4 in two guests:
// start, promote, data written on A readable on B after a switchover; a cut
// replication link makes A's fence-peer handler forbid B's promotion until
// the resync has finished; a crash of A leaves B promotable because it is
// UpToDate.
func TestDRBDTwoNodes(t *testing.T) {
	c := vm.Start(t, nodeA, nodeB)
	a, b := c.M("nodea"), c.M("nodeb")
	ctx := ctxFor(t, 10*time.Minute)
	for _, m := range []*vm.Machine{a, b} {
		setupDRBD(t, ctx, m)
	}

	// Start on both: up, connected, both Secondary.
	for _, m := range []*vm.Machine{a, b} {
		wantAgent(t, ctx, m, "start", 0)
	}
	waitFor(t, ctx, a, "drbdsetup status r0", "peer-disk:Inconsistent", 30*time.Second)
	if s, _ := liveScore(t, ctx, a); s != -1 {
		t.Fatalf("fresh Inconsistent disks scored %d, want no score", s)
	}
	// Fresh disks: skip the initial sync, as an administrator would.
	must(t, ctx, a, "drbdadm new-current-uuid --clear-bitmap r0")
	waitFor(t, ctx, a, "drbdsetup status r0", "peer-disk:UpToDate", 30*time.Second)
	for _, m := range []*vm.Machine{a, b} {
		wantAgent(t, ctx, m, "monitor", 0)
		if s, _ := liveScore(t, ctx, m); s != drbd.DefaultScores.UpToDate {
			t.Fatalf("%s: connected UpToDate scored %d, want %d", m.Spec.Name, s, drbd.DefaultScores.UpToDate)
		}
	}

	// Promote A, write data.
	wantAgent(t, ctx, a, "promote", 0)
	wantAgent(t, ctx, a, "monitor", 8)
	wantAgent(t, ctx, b, "monitor", 0)
	// DRBD 8.4 refuses a second Primary; with fail_promote_early the agent
	// gives up after one try instead of retrying until its timeout.
	wantAgent(t, ctx, b, "promote", 1, "OCF_RESKEY_fail_promote_early_if_peer_primary=true")
	must(t, ctx, a, "mkfs.ext4 -q -F /dev/drbd0 && mkdir -p /mnt && mount /dev/drbd0 /mnt && "+
		"dd if=/dev/urandom of=/mnt/data bs=1M count=4 status=none && sha256sum /mnt/data > /tmp/sum && sync")
	sum := must(t, ctx, a, "cat /tmp/sum")
	// Demote refuses while the file system is mounted, within its
	// deadline, instead of looping until killed.
	start := time.Now()
	if code, out := agent(t, ctx, a, "demote", "OCF_RESKEY_CRM_meta_timeout=4000"); code != 1 || !strings.Contains(out, "did not finish within") {
		t.Fatalf("demote with a mounted device: exit %d, want 1 with a deadline reason:\n%s", code, out)
	}
	if d := time.Since(start); d > 8*time.Second {
		t.Errorf("demote with a 4 s timeout took %v", d)
	}

	// Switch over: demote A, promote B, the data is there.
	must(t, ctx, a, "umount /mnt")
	wantAgent(t, ctx, a, "demote", 0)
	wantAgent(t, ctx, a, "monitor", 0)
	wantAgent(t, ctx, b, "promote", 0)
	wantAgent(t, ctx, b, "monitor", 8)
	must(t, ctx, b, "mkdir -p /mnt && mount /dev/drbd0 /mnt")
	if got := must(t, ctx, b, "sha256sum /mnt/data"); got != sum {
		t.Fatalf("data on B after switchover: %q, want %q", got, sum)
	}
	must(t, ctx, b, "umount /mnt")
	wantAgent(t, ctx, b, "demote", 0)
	wantAgent(t, ctx, a, "promote", 0)

	// Cut the replication link while A is Primary: A's fence-peer handler
	// places the constraint, A carries on alone and writes.
	if err := c.Net.Cut(ctx, a.Taps[1]); err != nil {
		t.Fatal(err)
	}
	cut := time.Now()
	waitFor(t, ctx, a, "cat "+cibFile, "drbd-fence-by-handler-r0-ms_drbd_r0", 60*time.Second)
	t.Logf("fencing constraint placed %.1f s after the link was cut", time.Since(cut).Seconds())
	t.Logf("A: %s", must(t, ctx, a, "dmesg | grep -e 'helper' -e 'fence' -e 'conn('"))
	must(t, ctx, a, "mount /dev/drbd0 /mnt && echo after-cut > /mnt/late && sync && umount /mnt")
	// No cluster manager replicates the CIB between these guests: copy it
	// to B as the CRM would. B must then refuse promotion although its own
	// DRBD still calls its data UpToDate.
	cib := must(t, ctx, a, "cat "+cibFile)
	writeFile(t, ctx, b, cibFile, cib)
	waitFor(t, ctx, b, "drbdsetup status r0", "connection:Connecting", 30*time.Second)
	if code, out := agent(t, ctx, b, "promote"); code != 1 || !strings.Contains(out, "fencing constraint") {
		t.Fatalf("promote on fenced B: exit %d, want 1 naming the fencing constraint:\n%s", code, out)
	}
	wantAgent(t, ctx, b, "monitor", 0)

	// Reconnect: B resyncs from A, and its after-resync-target handler
	// removes the constraint.
	if err := c.Net.Join(ctx, a.Taps[1], "br1"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, b, "drbdsetup status r0", "peer-disk:UpToDate", 60*time.Second)
	if r, err := b.Run(ctx, "for i in $(seq 100); do grep -q drbd-fence-by-handler "+cibFile+" || exit 0; sleep 0.3; done; exit 1"); err != nil || r.Code != 0 {
		t.Fatalf("constraint still in B's CIB 30 s after the resync (%v):\n%s\nA: %s\nB: %s", err,
			must(t, ctx, b, "cat "+cibFile), must(t, ctx, a, "dmesg | grep -e helper -e fence"),
			must(t, ctx, b, "dmesg | grep -e helper -e fence -e sync"))
	}
	t.Logf("B: %s", must(t, ctx, b, "dmesg | grep -e 'helper' -e 'Resync done'"))

	// Crash A (SIGKILL of qemu): B notices the loss of its peer, is
	// UpToDate, so it may be promoted, and has every byte A wrote.
	a.Kill()
	crash := time.Now()
	waitFor(t, ctx, b, "drbdsetup status r0", "connection:Connecting", 30*time.Second)
	t.Logf("B saw the peer gone %.1f s after the crash", time.Since(crash).Seconds())
	s, st := liveScore(t, ctx, b)
	if s != drbd.DefaultScores.UpToDateAlone || !st.AllDisks(status.UpToDate) {
		t.Fatalf("B after the crash: score %d, state %+v; want %d (UpToDate, peer unknown)", s, st, drbd.DefaultScores.UpToDateAlone)
	}
	wantAgent(t, ctx, b, "promote", 0)
	must(t, ctx, b, "mount /dev/drbd0 /mnt")
	if got := must(t, ctx, b, "sha256sum /mnt/data"); got != sum {
		t.Fatalf("data on B after the crash: %q, want %q", got, sum)
	}
	if got := must(t, ctx, b, "cat /mnt/late"); got != "after-cut\n" {
		t.Fatalf("write made while fenced is missing on B: %q", got)
	}
	must(t, ctx, b, "umount /mnt")
	wantAgent(t, ctx, b, "demote", 0)
	wantAgent(t, ctx, b, "stop", 0)
	wantAgent(t, ctx, b, "monitor", 7)
}
