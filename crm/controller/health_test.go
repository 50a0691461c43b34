package controller

import (
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
