package controller

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/crm/executor"
	"github.com/baton-ha/baton/ocf"
)

func TestHealthForTheWatchdog(t *testing.T) {
	c := newFencingController(t, fencingCIB("", ""), "stop", nil)
	c.progress(time.Time{})
	op := func(rsc, action string, interval time.Duration) executor.Operation {
		return executor.Operation{Resource: rsc, Class: "ocf", Action: action, Interval: interval}
	}
	c.noteActive(op("fs", ocf.ActionStart, 0), ocf.Success)
	c.noteActive(op("vip", ocf.ActionStart, 0), ocf.Success)
	c.noteActive(op("probe-only", ocf.ActionMonitor, 0), ocf.NotRunning)
	if got := strings.Join(c.activeOrder, ","); got != "fs,vip" {
		t.Fatalf("active in start order: %q", got)
	}
	c.quorate = true
	if err := c.Healthy(); err != nil {
		t.Errorf("quorate, loop moving: %v", err)
	}
	c.quorate, c.reason = false, "1 of 2 nodes"
	if err := c.Healthy(); err == nil || !strings.Contains(err.Error(), "still running fs, vip") {
		t.Errorf("not quorate while running: %v", err)
	}
	c.noteActive(op("vip", ocf.ActionStop, 0), ocf.Success)
	c.noteActive(op("fs", ocf.ActionStop, 0), 1) // a failed stop: still owed
	if err := c.Healthy(); err == nil || !strings.Contains(err.Error(), "still running fs") {
		t.Errorf("failed stop: %v", err)
	}
	c.noteActive(op("fs", ocf.ActionStop, 0), ocf.Success)
	if err := c.Healthy(); err != nil {
		t.Errorf("not quorate but running nothing may pet: %v", err)
	}
	c.mu.Lock()
	c.lastProgress = time.Now().Add(-10 * time.Second)
	c.mu.Unlock()
	if err := c.Healthy(); err == nil || !strings.Contains(err.Error(), "no progress") {
		t.Errorf("stalled loop: %v", err)
	}
	c.progress(time.Now().Add(time.Minute)) // an operation with a minute to go
	c.mu.Lock()
	c.lastProgress = time.Now().Add(-10 * time.Second)
	c.mu.Unlock()
	if err := c.Healthy(); err != nil {
		t.Errorf("a long operation within its timeout is progress: %v", err)
	}
}

// TestStopLocalBeforeDisarm: a clean shutdown under a watchdog stops what
// the node runs, newest first, and reports a stop that failed (the daemon
// then leaves the watchdog armed).
func TestStopLocalBeforeDisarm(t *testing.T) {
	c := newFencingController(t, fencingCIB(`<nvpair id="o1" name="stonith-enabled" value="false"/>`, `
<primitive id="first" class="ocf" provider="test" type="ok"/>
<primitive id="second" class="ocf" provider="test" type="ok"/>
<primitive id="stuck" class="ocf" provider="test" type="fails"/>`), "stop", nil)
	dir := filepath.Join(c.cfg.Exec.OCFRoot, "resource.d", "test")
	log := filepath.Join(t.TempDir(), "stops")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, script string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write("ok", "#!/bin/sh\necho \"$OCF_RESOURCE_INSTANCE $1\" >> "+log+"\nexit 0\n")
	write("fails", "#!/bin/sh\nexit 1\n")
	op := func(rsc string) executor.Operation {
		return executor.Operation{Resource: rsc, Class: "ocf", Action: ocf.ActionStart}
	}
	c.noteActive(op("first"), ocf.Success)
	c.noteActive(op("second"), ocf.Success)
	if err := c.StopLocal(context.Background()); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(log)
	if string(b) != "second stop\nfirst stop\n" {
		t.Errorf("stops ran as %q, want second then first", b)
	}
	if err := c.Healthy(); err != nil || len(c.activeOrder) != 0 {
		t.Errorf("after the stops nothing runs: %v %v", err, c.activeOrder)
	}
	c.noteActive(op("stuck"), ocf.Success)
	if err := c.StopLocal(context.Background()); err == nil || !strings.Contains(err.Error(), "could not stop stuck") {
		t.Errorf("a failing stop must be reported: %v", err)
	}
}
