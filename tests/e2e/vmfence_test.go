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

// fencedSeedCIB is the seed's CIB with a fence device, as a Pacemaker user
// with a PDU or fence_virsh writes it: stonith-enabled=true, the default
// stonith-action (reboot), and one class="stonith" primitive of
// fence_baton_vm that can fence both servers (pcmk_host_map: node name to
// the switch's plug).
func fencedSeedCIB() string { return withVMFencing(seedCIB(false)) }

// withVMFencing turns stonith-enabled on in cib (a seedCIBWith CIB without
// watchdog) and adds the fence_baton_vm device vm-power.
func withVMFencing(cib string) string {
	cib = strings.Replace(cib, `<nvpair id="opt-stonith" name="stonith-enabled" value="false"/>`,
		`<nvpair id="opt-stonith" name="stonith-enabled" value="true"/>`, 1)
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

// TestFencedSeedConfigurationIsValid: without guests, the CIB of
// TestDaemonVMFencing passes `baton verify`, and fence_baton_vm's metadata
// reaches the fencer through its symlink.
func TestFencedSeedConfigurationIsValid(t *testing.T) {
	bin := harness.Baton(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir := t.TempDir()
	cib := filepath.Join(dir, "cib.xml")
	if err := os.WriteFile(cib, []byte(fencedSeedCIB()), 0o644); err != nil {
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

// TestDaemonVMFencing is the seed's stack under `baton daemon` with a real
// fence device (issue 11, item 5, VM part): stonith-enabled=true, no
// watchdog, and a class="stonith" primitive of fence_baton_vm, which asks
// the host's power switch over the heartbeat network. SIGKILL of the daemon
// on the active server leaves its resources running there; the survivor
// must fence it through the device (the switch kills that guest's qemu,
// then, stonith-action being reboot, boots it again) before it takes over.
// Throughout, no two guests hold the VIP, /data or the Primary role; the
// survivor takes nothing before the power cut; its status shows the fence
// and the device.
func TestDaemonVMFencing(t *testing.T) {
	c := vm.Start(t, seedA, seedB)
	ctx := ctxFor(t, 12*time.Minute)
	key := []byte("baton-vm-fencing-cluster-key-012345")
	powerKey := []byte("baton-vm-power-switch-key-0123456789")
	ps := c.StartPowerSwitch(t, ":"+powerSwitchPort, powerKey)
	for _, name := range []string{"nodea", "nodeb"} {
		m := c.M(name)
		writeFile(t, ctx, m, fenceKeyFile, string(powerKey)+"\n")
		must(t, ctx, m, "chmod 0600 "+fenceKeyFile)
	}
	w := startSeedClusterCIB(t, ctx, c, key, false, fencedSeedCIB())
	a, b := c.M("nodea"), c.M("nodeb")
	waitFor(t, ctx, a, "drbdsetup status r0", "peer-disk:UpToDate", 2*time.Minute)
	// The device's start ran its monitor: the switch answered nodea.
	waitFor(t, ctx, a, "baton status | grep -q 'vm-power.*Started' && echo DEVICE-STARTED", "DEVICE-STARTED", 2*time.Minute)
	t.Logf("baton status on nodea:\n%s", must(t, ctx, a, "baton status"))

	// The device by hand from the survivor-to-be, over the heartbeat
	// network, as an administrator checks a PDU: its plugs, nodea on, and a
	// wrong key refused.
	agent := "fence_baton_vm -a " + witnessAddr + " -u " + powerSwitchPort
	if out := must(t, ctx, b, agent+" -k "+fenceKeyFile+" -o list"); strings.Join(strings.Fields(out), " ") != "nodea,nodea nodeb,nodeb" {
		t.Fatalf("fence_baton_vm -o list from nodeb: %q", out)
	}
	if out := must(t, ctx, b, agent+" -k "+fenceKeyFile+" -o status -n nodea"); !strings.Contains(out, "Status: ON") {
		t.Fatalf("fence_baton_vm -o status -n nodea: %q", out)
	}
	r, err := b.Run(ctx, "head -c 32 /dev/urandom > /tmp/wrong.key && chmod 600 /tmp/wrong.key && "+agent+" -k /tmp/wrong.key -o off -n nodea")
	if err != nil || r.Code != 1 || !strings.Contains(r.Out, "bad signature") {
		t.Fatalf("off with a wrong key: %v, exit %d:\n%s", err, r.Code, r.Out)
	}
	if ev := ps.Events(); len(ev) > 0 {
		t.Fatalf("the switch acted before the fault: %+v", ev)
	}

	// The fault: SIGKILL of the daemon on the active server. Its resources
	// keep running; only a fence makes it safe to take them over. First
	// the probes must see nodea hold the whole stack and nodeb nothing.
	w.waitHolds(t, "nodea", time.Now(), 2*time.Minute)
	if o := w.Last("nodeb"); o.any() {
		t.Fatalf("nodeb holds %+v before the fault", o)
	}
	must(t, ctx, a, `test "$(cat /proc/$(cat /run/baton-daemon.pid)/comm)" = baton`)
	t0 := time.Now()
	must(t, ctx, a, "kill -KILL $(cat /run/baton-daemon.pid)")
	sent := time.Since(t0)
	select {
	case <-a.Dead():
	case <-time.After(2 * time.Minute):
		t.Fatalf("nodea's qemu still runs 2 minutes after its daemon was killed: not fenced\n%s", must(t, ctx, b, "baton status"))
	}
	dead := time.Since(t0)
	// The switch records its power-off once Kill returned, just after
	// qemu's exit: wait for the record.
	off := waitPowerEvent(t, ps, "off", "nodea", 10*time.Second)
	if off.Err != nil {
		t.Fatalf("the switch's power-off of nodea: %v", off.Err)
	}
	for _, e := range ps.Events() {
		if e.Op == "off" && e.Plug != "nodea" {
			t.Errorf("unexpected power-off: %+v", e)
		}
	}
	// Both are upper bounds of qemu's exit.
	cut := min(off.At.Add(off.Took).Sub(t0), dead)
	t.Logf("SIGKILL of nodea's daemon: the switch was asked to power nodea off %.1f s after the signal, its qemu was gone %.2f s later (%.1f s after the signal; kill command round trip %.2f s)",
		off.At.Sub(t0).Seconds(), off.Took.Seconds(), dead.Seconds(), sent.Seconds())

	takeover := w.waitHolds(t, "nodeb", t0, 5*time.Minute).Sub(t0)
	after, first, _ := w.acquired("nodeb", t0, owners.any)
	t.Logf("nodeb took its first part of the stack between %.1f s and %.1f s after the signal, the whole stack at %.1f s",
		after.Sub(t0).Seconds(), first.Sub(t0).Seconds(), takeover.Seconds())
	if after.Sub(t0) < cut {
		t.Errorf("nodeb may have taken part of the stack (between %.1f s and %.1f s) before nodea's power was cut (%.1f s)",
			after.Sub(t0).Seconds(), first.Sub(t0).Seconds(), cut.Seconds())
	}

	// stonith-action reboot: the switch powered nodea on again; it boots
	// with a fresh RAM root (no configuration, no daemon) and holds nothing.
	m, err := ps.WaitOn(ctx, "nodea")
	if err != nil {
		t.Fatalf("nodea after the reboot's power-on: %v (events %+v)", err, ps.Events())
	}
	if m.Boot != 2 {
		t.Errorf("nodea's boot after the fence is %d, want 2", m.Boot)
	}
	for _, e := range ps.Events() {
		if e.Op == "on" {
			t.Logf("the switch powered nodea on again: its shell answered %.1f s after the power-on", e.Took.Seconds())
		}
	}

	status := must(t, ctx, b, "baton status; grep 'node fenced' /var/log/baton-daemon.log | tail -1")
	if !strings.Contains(status, "reboot of nodea success") || !strings.Contains(status, "device=vm-power") {
		t.Errorf("nodeb's status does not show the fence of nodea by vm-power:\n%s", status)
	}
	t.Logf("baton status on nodeb after the takeover:\n%s", status)
	samples, maxGap, bad := w.Stop()
	t.Logf("owner samples: %d, longest distance between two %v", samples, maxGap.Round(time.Millisecond))
	if len(bad) > 0 {
		t.Errorf("%d samples with two owners:\n%s", len(bad), strings.Join(bad, "\n"))
	}
	if o := w.Last("nodea"); o.any() {
		t.Errorf("nodea holds %+v after its reboot", o)
	}
}

// waitPowerEvent waits until the switch has carried out op on plug and
// returns the first such event.
func waitPowerEvent(t *testing.T, ps *vm.PowerSwitch, op, plug string, within time.Duration) vm.PowerEvent {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		for _, e := range ps.Events() {
			if e.Op == op && e.Plug == plug {
				return e
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the power switch did not %s %s within %v: %+v", op, plug, within, ps.Events())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
