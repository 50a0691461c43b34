// Package fencer fences nodes the way Pacemaker's fencer does: with the
// CIB's class="stonith" devices (Debian's fence_* agents, spoken to through
// the fence-agents stdin protocol), tried level by level as the
// fencing-topology says, and, when no device can do it, by waiting out the
// target's watchdog (stonith-watchdog-timeout). The controller decides
// whom to fence (the DC, for a lost or unclean node, or a failed stop with
// on-fail=fence); this package only carries the decision out and records
// the result.
package fencer

import (
	"context"
	"time"
)

// Request asks for one node to be fenced.
type Request struct {
	Target string // the node's name (its uname)
	// Action is "off", "reboot" or "on" (unfencing); empty means the
	// cluster's stonith-action.
	Action string
	Origin string // the node that asked (for the history)
	// LastSeen is the target's last sign of life. Watchdog fencing counts
	// stonith-watchdog-timeout from it.
	LastSeen time.Time
	// Delay is waited before the first device runs: the controller's
	// priority-fencing-delay when the target runs the more important
	// resources, so that in a two-node fence race that node survives.
	Delay time.Duration
}

// Result is the outcome of a Request, as the fence history keeps it.
type Result struct {
	Target    string    `json:"target"`
	Action    string    `json:"action"`
	Origin    string    `json:"origin"`
	Executor  string    `json:"executor"` // the node whose fencer ran it
	Devices   []string  `json:"devices,omitempty"`
	OK        bool      `json:"ok"`
	Error     string    `json:"error,omitempty"`
	Started   time.Time `json:"started"`
	Completed time.Time `json:"completed"`
}

// Fencer carries out fencing requests.
//
// Contract: Fence returns only when the target is confirmed fenced
// (Result.OK), when every way to fence it failed, or when ctx ends; it
// never reports success it did not observe (a device's exit 0, or the
// whole watchdog wait). A fencer never fences its own node with a device.
// Every call ends in History, newest last. Implementations are safe for
// concurrent use.
type Fencer interface {
	Fence(ctx context.Context, req Request) Result
	History() []Result
}
