package watchdog

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Guard pets a watchdog while the node is healthy.
type Guard struct {
	Dev  Device
	Path string // for the status and logs
	// Timeout is asked of the driver; the granted one must not be longer
	// (the cluster's timing bound assumes it).
	Timeout time.Duration
	// Interval between health checks and pets; default a quarter of the
	// timeout, at most one second.
	Interval time.Duration
	// Healthy returns nil while the node may keep its watchdog petted: its
	// main loop and executor make progress, and it is quorate or runs
	// nothing. Any error stops the petting (and so resets the node unless
	// health returns within the timeout).
	Healthy func() error
	Log     *slog.Logger

	mu    sync.Mutex
	state State
}

// State is the watchdog as `baton status` and the metrics show it.
type State struct {
	Device  string        `json:"device"`
	Timeout time.Duration `json:"timeout"`
	LastPet time.Time     `json:"last_pet"`
	Petting bool          `json:"petting"`
	Reason  string        `json:"reason,omitempty"` // why it is not petted
	Pets    uint64        `json:"pets"`
}

// Arm sets the timeout and checks the driver's answer.
func (g *Guard) Arm() error {
	got, err := g.Dev.SetTimeout(g.Timeout)
	if err != nil {
		return err
	}
	if got > g.Timeout || got <= 0 {
		return fmt.Errorf("watchdog %s: asked for a %v timeout, the driver set %v; the cluster's timing bound needs at most %v (choose a timeout the driver supports)", g.Path, g.Timeout, got, g.Timeout)
	}
	if err := g.Dev.Pet(); err != nil {
		return err
	}
	g.mu.Lock()
	g.state = State{Device: g.Path, Timeout: got, LastPet: time.Now(), Petting: true, Pets: 1}
	g.mu.Unlock()
	if got != g.Timeout {
		g.log().Warn("watchdog driver rounded the timeout down", "asked", g.Timeout, "granted", got)
	}
	g.log().Info("watchdog armed", "device", g.Path, "timeout", got)
	return nil
}

func (g *Guard) log() *slog.Logger {
	if g.Log != nil {
		return g.Log
	}
	return slog.Default()
}

// Run pets the watchdog until ctx ends; it never disarms it (Disarm does,
// after the resources were stopped).
func (g *Guard) Run(ctx context.Context) {
	iv := g.Interval
	if iv <= 0 {
		iv = g.Timeout / 4
		if iv > time.Second {
			iv = time.Second
		}
	}
	t := time.NewTicker(iv)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		g.check()
	}
}

// check pets once if healthy.
func (g *Guard) check() {
	err := g.Healthy()
	if err == nil {
		err = g.Dev.Pet()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if err != nil {
		if g.state.Petting {
			g.log().Error("watchdog no longer petted: this node resets unless it recovers in time", "reason", err, "timeout", g.state.Timeout)
		}
		g.state.Petting, g.state.Reason = false, err.Error()
		return
	}
	if !g.state.Petting {
		g.log().Info("watchdog petted again")
	}
	g.state.Petting, g.state.Reason = true, ""
	g.state.LastPet = time.Now()
	g.state.Pets++
}

// State returns the guard's state.
func (g *Guard) State() State {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.state
}

// Disarm stops the watchdog: only after everything was stopped.
func (g *Guard) Disarm() error {
	g.log().Info("watchdog disarmed (magic close)", "device", g.Path)
	return g.Dev.Disarm()
}

// Abandon closes the device without disarming it: the node resets when the
// timeout passes. For a shutdown that could not stop its resources.
func (g *Guard) Abandon() error {
	g.log().Error("leaving the watchdog armed: resources could not be stopped; this node will reset", "device", g.Path)
	return g.Dev.Close()
}
