package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/baton-ha/baton/crm/config"
	"github.com/baton-ha/baton/crm/controller"
	"github.com/baton-ha/baton/crm/watchdog"
)

// shutdownLimit bounds the stops of a clean shutdown under a watchdog.
const shutdownLimit = 5 * time.Minute

func watchdogTimeout(cfg *config.Config) time.Duration {
	if cfg.Watchdog.Device == "" {
		return 0
	}
	return cfg.Watchdog.Timeout.Duration
}

// armWatchdog opens and arms the configured watchdog; nil without one.
// Only here is a watchdog device ever opened.
func armWatchdog(cfg *config.Config, ctl *controller.Controller, log *slog.Logger) (*watchdog.Guard, error) {
	if cfg.Watchdog.Device == "" {
		return nil, nil
	}
	dev, err := watchdog.Open(cfg.Watchdog.Device)
	if err != nil {
		return nil, err
	}
	g := &watchdog.Guard{Dev: dev, Path: cfg.Watchdog.Device, Timeout: cfg.Watchdog.Timeout.Duration,
		Healthy: ctl.Healthy, Log: log.With("part", "watchdog")}
	if err := g.Arm(); err != nil {
		// Nothing runs yet: disarm rather than reset the machine.
		_ = dev.Disarm()
		return nil, fmt.Errorf("watchdog.device: %w", err)
	}
	return g, nil
}

// shutdownWatchdog ends a daemon that runs under a watchdog: its resources
// are stopped, then the watchdog is disarmed. If a stop fails the watchdog
// stays armed and the node resets, so that no resource outlives the
// daemon unsupervised.
func shutdownWatchdog(ctl *controller.Controller, g *watchdog.Guard, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownLimit)
	defer cancel()
	if err := ctl.StopLocal(ctx); err != nil {
		log.Error("shutdown: resources not stopped", "err", err)
		_ = g.Abandon()
		return
	}
	if err := g.Disarm(); err != nil {
		log.Error("shutdown: cannot disarm the watchdog; this node will reset", "err", err)
	}
}
