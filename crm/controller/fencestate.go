package controller

import (
	"strings"
	"time"

	"github.com/baton-ha/baton/crm/fencer"
)

// FenceState is the fencing part of `baton status`.
type FenceState struct {
	Enabled bool `json:"enabled"`
	// Unsafe says why this cluster can end up with two owners (fencing
	// disabled, no-quorum policy ignore); empty when it cannot.
	Unsafe  string          `json:"unsafe,omitempty"`
	Unclean []UncleanNode   `json:"unclean,omitempty"`
	Devices []string        `json:"devices,omitempty"`
	History []fencer.Result `json:"history,omitempty"`
}

// UncleanNode is a lost node whose resources wait for its fencing.
type UncleanNode struct {
	Node     string    `json:"node"`
	LastSeen time.Time `json:"last_seen"`
	Fencing  bool      `json:"fencing"` // a fence is running
	Error    string    `json:"error,omitempty"`
}

// fenceState builds FenceState; v is the last step's view.
func (c *Controller) fenceState(s *fencer.Setup, v View, policy string) FenceState {
	st := FenceState{Enabled: s.Options.Enabled}
	for _, d := range s.Devices {
		st.Devices = append(st.Devices, d.ID+" ("+d.Agent+")")
	}
	if s.Options.WatchdogTimeout != 0 {
		st.Devices = append(st.Devices, "watchdog (stonith-watchdog-timeout "+s.Options.WatchdogTimeout.String()+")")
	}
	var unsafe []string
	if !s.Options.Enabled {
		unsafe = append(unsafe, "stonith-enabled=false: a lost node is assumed to have stopped its resources")
	}
	if policy == "ignore" {
		unsafe = append(unsafe, "no-quorum policy ignore: both halves of a split run resources")
	}
	st.Unsafe = strings.Join(unsafe, "; ")
	if c.cfg.Fencer != nil {
		st.History = c.cfg.Fencer.History()
	}
	if !s.Options.Enabled {
		return st
	}
	f := c.fence
	for _, n := range f.unclean(v) {
		f.mu.Lock()
		u := UncleanNode{Node: n, LastSeen: f.lastSeen[n], Fencing: f.running[n], Error: f.lastErr[n]}
		f.mu.Unlock()
		st.Unclean = append(st.Unclean, u)
	}
	return st
}

// noFencingReason explains, for the status, why fencing cannot work at
// all: safe by default means no failover then.
func noFencingReason(s *fencer.Setup) string {
	if !s.Options.Enabled || len(s.Devices) > 0 || s.Options.WatchdogTimeout != 0 {
		return ""
	}
	return "fencing is enabled but no fence device (class=\"stonith\" primitive) and no watchdog (stonith-watchdog-timeout) is configured: " +
		"a lost node's resources are never recovered elsewhere. Configure one, or set stonith-enabled=false to accept split brain"
}
