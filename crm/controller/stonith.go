package controller

import (
	"context"
	"errors"
	"time"

	"github.com/baton-ha/baton/crm/executor"
	"github.com/baton-ha/baton/crm/fencer"
	"github.com/baton-ha/baton/ocf"
)

// deviceMonitor is a Fencer that can check one of its devices.
type deviceMonitor interface {
	Monitor(ctx context.Context, id string) error
}

// execStonith runs an operation of a class="stonith" resource. As in
// Pacemaker, such a resource "runs" on a node when that node's fencer has
// registered the device: start and monitor check the device (its agent
// exists and answers monitor), stop unregisters, a probe finds it not
// running on a freshly started daemon. Which node may fence with it is
// the fencer's business, not where the resource runs.
func (c *Controller) execStonith(ctx context.Context, op executor.Operation, probe bool) executor.Result {
	res := executor.Result{Op: op, Started: time.Now()}
	defer func() { res.Took = time.Since(res.Started) }()
	running := c.stonithRunning(op.Resource)
	switch {
	case op.Action == ocf.ActionStop:
		c.setStonithRunning(op.Resource, false)
		res.RC = ocf.Success
		return res
	case op.Action == ocf.ActionMonitor && (probe || op.Interval == 0) && !running:
		res.RC = ocf.NotRunning
		return res
	case op.Action != ocf.ActionStart && op.Action != ocf.ActionMonitor:
		res.RC, res.Reason = ocf.ErrUnimplemented, "stonith resources support start, stop and monitor"
		return res
	}
	if _, errs := c.fencingSetup(); len(errs) > 0 {
		c.log.Warn("fencing setup has errors", "errors", errs)
	}
	m, ok := c.cfg.Fencer.(deviceMonitor)
	var err error
	if ok {
		timeout := op.Timeout
		if timeout <= 0 {
			timeout = ocf.DefaultTimeout
		}
		mctx, cancel := context.WithTimeout(ctx, timeout)
		err = m.Monitor(mctx, op.Resource)
		cancel()
	}
	switch {
	case err == nil:
		res.RC = ocf.Success
		if op.Action == ocf.ActionStart {
			c.setStonithRunning(op.Resource, true)
		}
	case errors.Is(err, fencer.ErrAgentMissing):
		res.RC, res.Reason = ocf.ErrInstalled, err.Error()
	default:
		res.RC, res.Reason = ocf.ErrGeneric, err.Error()
	}
	return res
}

func (c *Controller) stonithRunning(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.devices[id]
}

func (c *Controller) setStonithRunning(id string, on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.devices == nil {
		c.devices = map[string]bool{}
	}
	c.devices[id] = on
}
