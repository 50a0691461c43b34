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
	"github.com/baton-ha/baton/tests/vm"
)

// The VM tier's fence device: the host's power switch (vm.PowerSwitch) on
// the heartbeat bridge's host address, beside the witness, and
// fence_baton_vm in the guests asking it.
const (
	powerSwitchPort = "5407"
	fenceKeyFile    = "/etc/baton/fence_baton_vm.key"
)

// withVMFencing turns stonith-enabled on in cib (a seedCIBWith CIB without
// watchdog) and adds the fence_baton_vm device vm-power. stonith-action is
// off: a fenced server stays off until its power is restored (the tests do
// that through the switch once the takeover is measured). With the default
// reboot the victim boots at once, and under TCG its boot takes the CPU the
// survivor's takeover needs (three one-vCPU guests on two cores): 37 s
// instead of about 19 s in the 19:00 UTC run of 2026-12-02.
func withVMFencing(cib string) string {
	cib = strings.Replace(cib, `<nvpair id="opt-stonith" name="stonith-enabled" value="false"/>`,
		`<nvpair id="opt-stonith" name="stonith-enabled" value="true"/>
        <nvpair id="opt-stonith-action" name="stonith-action" value="off"/>`, 1)
	device := `
<primitive id="vm-power" class="stonith" type="fence_baton_vm">
  <instance_attributes id="vm-power-ia">
    <nvpair id="vm-power-ip" name="ip" value="` + witnessAddr + `"/>
    <nvpair id="vm-power-ipport" name="ipport" value="` + powerSwitchPort + `"/>
    <nvpair id="vm-power-key" name="key_file" value="` + fenceKeyFile + `"/>
    <nvpair id="vm-power-map" name="pcmk_host_map" value="nodea:nodea;nodeb:nodeb"/>
  </instance_attributes>
  <operations><op id="vm-power-monitor" name="monitor" interval="60s" timeout="20s"/></operations>
</primitive>`
	return strings.Replace(cib, "<resources>", "<resources>"+device, 1)
}

// TestFencedSeedConfigurationIsValid: without guests, the fault runs' CIB
// with its fence device (seedFaultsCIB) passes `baton verify`, and
// fence_baton_vm's metadata reaches the fencer through its symlink.
func TestFencedSeedConfigurationIsValid(t *testing.T) {
	bin := harness.Baton(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir := t.TempDir()
	cib := filepath.Join(dir, "cib.xml")
	if err := os.WriteFile(cib, []byte(seedFaultsCIB()), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(ctx, bin, "verify", "-x", cib).CombinedOutput()
	if err != nil {
		t.Fatalf("baton verify: %v\n%s", err, out)
	}
	agent := filepath.Join(dir, "fence_baton_vm")
	if err := os.Symlink(bin, agent); err != nil {
		t.Fatal(err)
	}
	out, err = exec.CommandContext(ctx, agent, "-o", "metadata").CombinedOutput()
	if err != nil || !strings.Contains(string(out), `<parameter name="key_file"`) {
		t.Fatalf("fence_baton_vm -o metadata: %v\n%s", err, out)
	}
}

// waitPowerEventSince waits until the switch has carried out op on plug at
// or after since and returns the first such event (a fault repeated on the
// same guest must not find the last one's).
func waitPowerEventSince(t *testing.T, ps *vm.PowerSwitch, op, plug string, since time.Time, within time.Duration) vm.PowerEvent {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		for _, e := range ps.Events() {
			if e.Op == op && e.Plug == plug && !e.At.Before(since) {
				return e
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the power switch did not %s %s within %v: %+v", op, plug, within, ps.Events())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
