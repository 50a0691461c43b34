//go:build e2evm

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/harness"
	"github.com/baton-ha/baton/tests/vm"
)

// TestRecordDRBD84 walks real DRBD 8.4 through the states the agent must
// read and, with BATON_RECORD=1, writes what drbdsetup and /proc/drbd print
// into agents/drbd/status/testdata/drbd84: the parser's fixtures. Without
// BATON_RECORD it checks that the recorded fixtures still match what the
// guests print in the states that do not depend on timing.
func TestRecordDRBD84(t *testing.T) {
	c := vm.Start(t, nodeA, nodeB)
	a, b := c.M("nodea"), c.M("nodeb")
	ctx := ctxFor(t, 8*time.Minute)
	dir := filepath.Join(harness.RepoRoot(), "agents", "drbd", "status", "testdata", "drbd84")
	record := os.Getenv("BATON_RECORD") == "1"
	if record {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// capture stores stdout, and stderr with the exit status when it is
	// not 0, of command on m as NAME.<kind>.
	capture := func(m *vm.Machine, name, kind, command string) {
		t.Helper()
		must(t, ctx, m, fmt.Sprintf("{ %s; } >/tmp/rec.out 2>/tmp/rec.err; echo $? >/tmp/rec.rc", command))
		out := must(t, ctx, m, "cat /tmp/rec.out")
		rc := strings.TrimSpace(must(t, ctx, m, "cat /tmp/rec.rc"))
		errText := must(t, ctx, m, "cat /tmp/rec.err")
		t.Logf("%s %s (%s) rc=%s:\n%s%s", m.Spec.Name, name, command, rc, out, errText)
		if !record {
			// The short report of a settled state must not drift from
			// the fixtures the parser is tested on.
			if kind == "status" && !strings.HasPrefix(name, "syncing") {
				want, err := os.ReadFile(filepath.Join(dir, name+"."+kind))
				if err != nil {
					t.Errorf("no fixture for %s.%s: record with BATON_RECORD=1", name, kind)
				} else if string(want) != out {
					t.Errorf("%s: %s prints\n%s\nbut the fixture %s.%s holds\n%s", m.Spec.Name, command, out, name, kind, want)
				}
			}
			return
		}
		base := filepath.Join(dir, name+"."+kind)
		if err := os.WriteFile(base, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		if rc != "0" {
			if err := os.WriteFile(base+".err", []byte("exit "+rc+"\n"+errText), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	both := func(name string) {
		t.Helper()
		for _, m := range []*vm.Machine{a, b} {
			n := strings.ReplaceAll(name, "@", m.Spec.Name)
			capture(m, n, "status", "drbdsetup status r0")
			capture(m, n, "verbose", "drbdsetup status r0 --verbose --statistics")
			capture(m, n, "proc", "cat /proc/drbd")
		}
	}

	capture(a, "nomodule", "status", "drbdsetup status r0")
	for _, m := range []*vm.Machine{a, b} {
		setupDRBD(t, ctx, m)
	}
	capture(a, "down", "status", "drbdsetup status r0")
	capture(a, "down", "proc", "cat /proc/drbd")
	capture(a, "down", "role", "drbdadm role r0")

	must(t, ctx, a, "drbdadm up r0")
	waitFor(t, ctx, a, "drbdsetup status r0", "disk:Inconsistent", 20*time.Second)
	capture(a, "alone-inconsistent-nodea", "status", "drbdsetup status r0")
	capture(a, "alone-inconsistent-nodea", "verbose", "drbdsetup status r0 --verbose --statistics")
	capture(a, "alone-inconsistent-nodea", "proc", "cat /proc/drbd")

	must(t, ctx, b, "drbdadm up r0")
	waitFor(t, ctx, a, "drbdsetup status r0", "peer-disk:Inconsistent", 30*time.Second)
	both("connected-inconsistent-@")

	// A slow resync first, so that a SyncSource/SyncTarget state can be
	// caught, then the fast one.
	must(t, ctx, a, "drbdadm disk-options --resync-rate=2M r0 && drbdadm primary --force r0")
	waitFor(t, ctx, a, "drbdsetup status r0", "done:", 20*time.Second)
	both("syncing-@")
	must(t, ctx, a, "drbdadm disk-options --resync-rate=100M r0")
	waitFor(t, ctx, a, "drbdsetup status r0", "peer-disk:UpToDate", 60*time.Second)
	both("connected-primary-@")

	must(t, ctx, a, "drbdadm secondary r0")
	both("connected-secondary-@")

	// Cut the replication link: both sides lose the peer.
	must(t, ctx, a, "drbdadm primary r0")
	if err := c.Net.Cut(ctx, a.Taps[1]); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, a, "drbdsetup status r0", "connection:", 30*time.Second)
	waitFor(t, ctx, b, "drbdsetup status r0", "connection:", 30*time.Second)
	both("cut-@")
	capture(a, "cut-nodea", "cib", "cat "+cibFile)
	capture(a, "cut-nodea", "dmesg", "dmesg | grep -i -e fence -e helper | tail -5")

	// StandAlone after an explicit disconnect.
	must(t, ctx, b, "drbdadm disconnect r0")
	capture(b, "standalone-nodeb", "status", "drbdsetup status r0")
	capture(b, "standalone-nodeb", "proc", "cat /proc/drbd")

	// Outdated: B taken down and outdated while A stays Primary.
	must(t, ctx, b, "drbdadm down r0 && drbdadm outdate r0 && drbdadm up r0")
	waitFor(t, ctx, b, "drbdsetup status r0", "disk:Outdated", 20*time.Second)
	capture(b, "outdated-nodeb", "status", "drbdsetup status r0")
	capture(b, "outdated-nodeb", "proc", "cat /proc/drbd")

	// Diskless: detach on B.
	must(t, ctx, b, "drbdadm detach r0")
	capture(b, "diskless-nodeb", "status", "drbdsetup status r0")
	capture(b, "diskless-nodeb", "proc", "cat /proc/drbd")
}
