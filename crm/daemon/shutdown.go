package daemon

import (
	"context"
	"log/slog"
	"time"

	"github.com/baton-ha/baton/crm/controller"
)

// leave asks the cluster to take every resource off this node and returns
// once this node runs none (or ctx ends: a component failed). It has no time
// limit of its own: a stop has its operation timeout, a failed stop is for
// the cluster to recover, and the service manager's TimeoutStopSec (or a
// second SIGTERM) is the administrator's bound.
func leave(ctx context.Context, ctl *controller.Controller, log *slog.Logger) {
	running := ctl.Running()
	log.Info("shutting down: stopping the resources running here first", "running", len(running))
	ctl.RequestShutdown(time.Now())
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for len(running) > 0 {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		running = ctl.Running()
	}
	log.Info("no resource runs here any more; leaving the cluster")
}
