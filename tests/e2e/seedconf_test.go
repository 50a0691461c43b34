//go:build e2evm

package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/harness"
)

// TestSeedConfigurationIsValid checks, without booting a guest, that the CIB
// and the daemon configurations TestDaemonSeedStack writes into its guests
// pass `baton verify` and `baton daemon --check`: a mistake there would
// otherwise show only after minutes of TCG boots.
func TestSeedConfigurationIsValid(t *testing.T) {
	bin := harness.Baton(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cib := filepath.Join(dir, "cib.xml")
	if err := os.WriteFile(cib, []byte(seedCIB()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.CommandContext(ctx, bin, "verify", "-x", cib).CombinedOutput(); err != nil {
		t.Fatalf("baton verify: %v\n%s", err, out)
	}
	key := filepath.Join(dir, "authkey")
	if err := os.WriteFile(key, []byte("0123456789abcdef0123456789abcdef\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for id := 1; id <= 2; id++ {
		// The guests' paths, pointed into this test's folder.
		text := strings.NewReplacer("/etc/baton/authkey", key, "/etc/baton/cib.xml", cib).Replace(seedConfig(id))
		conf := filepath.Join(dir, "baton.toml")
		if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.CommandContext(ctx, bin, "daemon", "--check", "--config", conf).CombinedOutput(); err != nil {
			t.Fatalf("node %d: baton daemon --check: %v\n%s", id, err, out)
		}
	}
}
