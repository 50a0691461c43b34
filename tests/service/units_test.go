package service_test

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/agents"
	"github.com/baton-ha/baton/ocf"
	"github.com/baton-ha/baton/tests/harness"
)

// unit reads the [Service]/[Unit] settings of a unit file (last one wins).
func unit(t *testing.T, name string) map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(harness.RepoRoot(), "packaging", "systemd", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == '[' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if ok {
			out[k] = strings.TrimSpace(v)
		}
	}
	return out
}

// The daemon's unit matches what the daemon does: it notifies, feeds a
// watchdog, waits for the network, and is given time to stop the resources
// on SIGTERM without anything else in its cgroup being signalled.
func TestDaemonUnitFitsTheDaemon(t *testing.T) {
	u := unit(t, "baton.service")
	for k, want := range map[string]string{
		"Type": "notify", "NotifyAccess": "main", "KillMode": "process", "SendSIGKILL": "no",
		"Wants": "network-online.target", "Restart": "on-failure",
	} {
		if u[k] != want {
			t.Errorf("baton.service %s=%q, want %q", k, u[k], want)
		}
	}
	if !strings.Contains(u["After"], "network-online.target") {
		t.Errorf("baton.service After=%q lacks network-online.target", u["After"])
	}
	wd, err := parseSystemdTime(u["WatchdogSec"])
	if err != nil || wd < 3*time.Second {
		t.Errorf("WatchdogSec=%q: want a few seconds at least (the daemon pings every third of it)", u["WatchdogSec"])
	}
	// Worst case of a stop: every agent's stop and demote in sequence, with
	// their advertised timeouts.
	var worst time.Duration
	for _, a := range agents.All() {
		for _, s := range a.DefaultActions() {
			if s.Name == ocf.ActionStop || s.Name == ocf.ActionDemote {
				worst += s.Timeout
			}
		}
	}
	stop, err := parseSystemdTime(u["TimeoutStopSec"])
	if err != nil {
		t.Fatalf("TimeoutStopSec=%q: %v", u["TimeoutStopSec"], err)
	}
	if stop < worst {
		t.Errorf("TimeoutStopSec=%v is shorter than the agents' stop and demote timeouts in sequence (%v)", stop, worst)
	}
	t.Logf("TimeoutStopSec %v covers the worst-case stop %v", stop, worst)
}

// systemd-analyze verify on the unit files as written (the package test
// verifies them installed, with their binary and man pages).
func TestUnitsVerify(t *testing.T) {
	harness.NeedCommand(t, "systemd-analyze")
	dir := filepath.Join(harness.RepoRoot(), "packaging", "systemd")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// --man=no: the pages are built, not checked in; /usr/sbin/baton may be
	// absent on a build host, which is reported as such and tolerated only
	// for that reason.
	cmd := exec.CommandContext(ctx, "systemd-analyze", "verify", "--man=no",
		filepath.Join(dir, "baton.service"), filepath.Join(dir, "baton-witness.service"))
	out, err := cmd.CombinedOutput()
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line == "" || strings.Contains(line, "/usr/sbin/baton is not executable") {
			continue
		}
		t.Errorf("systemd-analyze verify: %s", line)
	}
	if err != nil && !strings.Contains(string(out), "/usr/sbin/baton is not executable") {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// parseSystemdTime reads the forms the units use: "10s", "15min".
func parseSystemdTime(s string) (time.Duration, error) {
	s = strings.Replace(s, "min", "m", 1)
	return time.ParseDuration(s)
}
