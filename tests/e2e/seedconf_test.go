//go:build e2evm

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/harness"
)

// TestSeedConfigurationIsValid checks, without booting a guest, that the CIB
// and the daemon configurations the seed tests (TestDaemonSeedFaults,
// TestDaemonSeedNFSv3, TestDaemonWatchdog)
// write into their guests pass `baton verify` and `baton daemon --check`,
// and that the watchdog variant's timing is safe (`baton verify --config`
// prints the bound): a mistake there would otherwise show only after
// minutes of TCG boots. Nothing here opens a watchdog.
func TestSeedConfigurationIsValid(t *testing.T) {
	bin := harness.Baton(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, v := range []struct{ watchdog, ping bool }{{false, false}, {true, false}, {false, true}} {
		watchdog := v.watchdog
		dir := t.TempDir()
		cib := filepath.Join(dir, "cib.xml")
		if err := os.WriteFile(cib, []byte(seedCIBWith(watchdog, v.ping)), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.CommandContext(ctx, bin, "verify", "-x", cib).CombinedOutput(); err != nil {
			t.Fatalf("watchdog %v: baton verify: %v\n%s", watchdog, err, out)
		}
		key := filepath.Join(dir, "authkey")
		if err := os.WriteFile(key, []byte("0123456789abcdef0123456789abcdef\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		for id := 1; id <= 2; id++ {
			// The guests' paths, pointed into this test's folder.
			text := strings.NewReplacer("/etc/baton/authkey", key, "/etc/baton/cib.xml", cib).Replace(seedConfig(id, watchdog))
			conf := filepath.Join(dir, "baton.toml")
			if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.CommandContext(ctx, bin, "daemon", "--check", "--config", conf).CombinedOutput(); err != nil {
				t.Fatalf("watchdog %v, node %d: baton daemon --check: %v\n%s", watchdog, id, err, out)
			}
			if !watchdog {
				continue
			}
			out, err := exec.CommandContext(ctx, bin, "verify", "-x", cib, "--config", conf).CombinedOutput()
			want := fmt.Sprintf("watchdog timeout %v, stonith-watchdog-timeout %v", guestWatchdogTimeout, stonithWatchdogTimeout)
			if err != nil || !strings.Contains(string(out), want) {
				t.Fatalf("node %d: baton verify --config: %v, want the bound for %q:\n%s", id, err, want, out)
			}
		}
	}
}
