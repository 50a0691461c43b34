//go:build e2evm

package e2e

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/vm"
)

// watchdogFault is what one daemon fault measured, from the host's clock,
// counted from the moment the signal was sent.
type watchdogFault struct {
	Signal, Victim, Survivor string
	Sent                     time.Duration // the kill command's serial round trip
	Reset                    time.Duration // until the victim's qemu exited (-no-reboot)
	FirstAfter, FirstAt      time.Duration // the survivor took its first part of the stack in between
	Takeover                 time.Duration // until the survivor answered it holds the whole stack
}

func (f watchdogFault) String() string {
	return fmt.Sprintf("SIG%s of the daemon on %s: %s reset after %.1f s; %s took its first part of the stack between %.1f s and %.1f s, the whole stack at %.1f s (kill command round trip %.2f s)",
		f.Signal, f.Victim, f.Victim, f.Reset.Seconds(), f.Survivor, f.FirstAfter.Seconds(), f.FirstAt.Seconds(), f.Takeover.Seconds(), f.Sent.Seconds())
}

// TestDaemonWatchdog proves the daemon's watchdog self-fencing in guests
// (issue 11, item 7): the seed's stack under `baton daemon` with softdog
// loaded in each guest, `[watchdog] device = "/dev/watchdog"` (timeout
// 5 s) and watchdog fencing in the CIB (stonith-enabled=true,
// stonith-watchdog-timeout=10s, no fence device), as sbd users configure it.
//
// (a) SIGKILL of the daemon on the active server: its resources keep
// running, nothing pets the watchdog any more, and the guest must reset
// (its qemu exits: -no-reboot) before the survivor, which cannot confirm a
// fence, counts it fenced once stonith-watchdog-timeout has passed and takes
// over. The reset server is booted again on its disk and rejoins. (b) SIGSTOP
// of the daemon on the server that is active then: the same. Throughout, no
// two guests hold the VIP, /data or the Primary role at once; for each fault
// the reset must come within stonith-watchdog-timeout of the signal, the
// survivor must take nothing before the reset nor before
// stonith-watchdog-timeout (less one heartbeat period) has passed, and it
// must say it fenced by watchdog. The figures go to the log
// (docs/benchmarks.md).
func TestDaemonWatchdog(t *testing.T) {
	c := vm.Start(t, seedA, seedB)
	ctx := ctxFor(t, 15*time.Minute)
	key := []byte("baton-vm-watchdog-key-0123456789ab")
	w := startSeedCluster(t, ctx, c, key, true)
	active := settle(t, ctx, c, w)

	var figs []watchdogFault
	figs = append(figs, daemonFault(t, ctx, c, w, active, "KILL"))

	// The reset server boots again on its disk (its RAM root is new: the
	// configuration is written again) and rejoins.
	victim := figs[0].Victim
	m, err := c.Restart(ctx, victim)
	if err != nil {
		t.Fatal(err)
	}
	id := 1
	if victim == "nodeb" {
		id = 2
	}
	configureSeedServer(t, ctx, m, id, key, true)
	startSeedDaemon(t, ctx, m)
	active = settle(t, ctx, c, w)
	figs = append(figs, daemonFault(t, ctx, c, w, active, "STOP"))

	samples, maxGap, bad := w.Stop()
	t.Logf("owner samples: %d, longest distance between two %v", samples, maxGap.Round(time.Millisecond))
	if len(bad) > 0 {
		t.Errorf("%d samples with two owners:\n%s", len(bad), strings.Join(bad, "\n"))
	}
	for _, f := range figs {
		t.Logf("watchdog figure: %s", f)
	}
}

// settle waits until one server holds the whole stack and the other none,
// both daemons are members with their watchdogs petted and DRBD is in sync,
// and returns the active server.
func settle(t *testing.T, ctx context.Context, c *vm.Cluster, w *ownerWatch) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for {
		active := ""
		switch a, b := w.Last("nodea"), w.Last("nodeb"); {
		case a.all() && !b.any():
			active = "nodea"
		case b.all() && !a.any():
			active = "nodeb"
		}
		if active != "" && settledOn(ctx, c, active) {
			return active
		}
		if time.Now().After(deadline) {
			t.Fatalf("the cluster did not settle within 5 minutes: %+v", w.lastAll())
		}
		time.Sleep(time.Second)
	}
}

// settledOn reports whether active sees both servers online, DRBD in sync,
// and both daemons petting their watchdogs.
func settledOn(ctx context.Context, c *vm.Cluster, active string) bool {
	r, err := c.M(active).Run(ctx, "baton status; drbdsetup status r0")
	if err != nil || !strings.Contains(r.Out, "Online: [ nodea nodeb ]") || !strings.Contains(r.Out, "peer-disk:UpToDate") ||
		!strings.Contains(r.Out, "Watchdog /dev/watchdog (timeout 5s): petted") {
		return false
	}
	for _, name := range []string{"nodea", "nodeb"} {
		if name == active {
			continue
		}
		r, err := c.M(name).Run(ctx, "baton status")
		if err != nil || !strings.Contains(r.Out, "Watchdog /dev/watchdog (timeout 5s): petted") {
			return false
		}
	}
	return true
}

// daemonFault sends SIGsig to the daemon on victim, waits for victim's
// guest to reset and the other server to take the stack over, and checks
// the order of events against the watchdog bound.
func daemonFault(t *testing.T, ctx context.Context, c *vm.Cluster, w *ownerWatch, victim, sig string) watchdogFault {
	t.Helper()
	survivor := "nodeb"
	if victim == "nodeb" {
		survivor = "nodea"
	}
	f := watchdogFault{Signal: sig, Victim: victim, Survivor: survivor}
	m := c.M(victim)
	must(t, ctx, m, `test "$(cat /proc/$(cat /run/baton-daemon.pid)/comm)" = baton`)
	t0 := time.Now()
	must(t, ctx, m, "kill -"+sig+" $(cat /run/baton-daemon.pid)")
	f.Sent = time.Since(t0)
	select {
	case <-m.Dead():
		f.Reset = time.Since(t0)
	case <-time.After(stonithWatchdogTimeout + time.Minute):
		t.Fatalf("SIG%s of the daemon on %s: the guest did not reset within %v", sig, victim, stonithWatchdogTimeout+time.Minute)
	}
	// The reset must come within the time after which the survivor counts
	// the victim fenced; otherwise the bound is wrong.
	if f.Reset >= stonithWatchdogTimeout {
		t.Errorf("SIG%s of the daemon on %s: the guest reset %.1f s after the signal, not within stonith-watchdog-timeout %v", sig, victim, f.Reset.Seconds(), stonithWatchdogTimeout)
	}
	// softdog's last words (a critical message: the guest's console shows
	// those) say it was the watchdog that reset the guest.
	serial, err := os.ReadFile(m.Log)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(serial), "Initiating system reboot") {
		t.Errorf("SIG%s of the daemon on %s: the guest's console does not show softdog's reset (softdog: Initiating system reboot); tail:\n%s", sig, victim, tail(string(serial), 1500))
	}
	t.Logf("SIG%s of the daemon on %s: the guest reset %.1f s after the signal (kill command round trip %.2f s)", sig, victim, f.Reset.Seconds(), f.Sent.Seconds())
	takeover := w.waitHolds(t, survivor, t0, 5*time.Minute)
	f.Takeover = takeover.Sub(t0)
	after, first, _ := w.acquired(survivor, t0, owners.any)
	f.FirstAfter, f.FirstAt = after.Sub(t0), first.Sub(t0)
	if f.FirstAfter < f.Reset {
		t.Errorf("SIG%s of the daemon on %s: %s may have taken part of the stack (between %.1f s and %.1f s) before %s reset (%.1f s)",
			sig, victim, survivor, f.FirstAfter.Seconds(), f.FirstAt.Seconds(), victim, f.Reset.Seconds())
	}
	if f.FirstAfter < stonithWatchdogTimeout-guestKeepalive {
		t.Errorf("SIG%s of the daemon on %s: %s may have taken part of the stack %.1f s after the signal, before stonith-watchdog-timeout %v had passed",
			sig, victim, survivor, f.FirstAfter.Seconds(), stonithWatchdogTimeout)
	}
	log := must(t, ctx, c.M(survivor), "grep -c 'fencing by watchdog' /var/log/baton-daemon.log; baton status")
	if strings.HasPrefix(log, "0") || !strings.Contains(log, "reboot of "+victim+" success") {
		t.Errorf("%s does not record a watchdog fence of %s:\n%s", survivor, victim, log)
	}
	t.Logf("%s", f)
	return f
}
