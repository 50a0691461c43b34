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
	// Say so to the peers before going silent, or they take the silence
	// for a crash and fence this node.
	actx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	missed, err := ctl.AnnounceLeave(actx)
	switch {
	case err != nil:
		log.Warn("leaving without announcing a clean shutdown", "err", err)
	case len(missed) > 0:
		log.Warn("peers did not hear of this clean shutdown; they may fence this node", "peers", missed)
	}
	log.Info("no resource runs here any more; leaving the cluster")
}
