package controller

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/baton-ha/baton/crm/status"
)

// ShutdownAttr is the transient node attribute that asks the scheduler to
// move everything off a node that is leaving, as pacemaker-controld sets it
// when pacemakerd shuts down: the scheduler treats the node as in standby.
const ShutdownAttr = "shutdown"

// RequestShutdown marks this node as leaving: the DC stops (or moves) every
// resource it runs. The daemon then waits for Running to be empty before it
// exits, so that a peer never starts what this node still holds.
func (c *Controller) RequestShutdown(now time.Time) {
	c.SetLocalAttr(ShutdownAttr, strconv.FormatInt(now.Unix(), 10))
	c.Kick()
}

// AnnounceLeave tells every peer that this node shuts down cleanly, so that
// none fences it when it leaves the membership (Pacemaker's shutdown with
// expected="down"). It refuses while anything still runs here: a node that
// leaves with resources active is lost, not shut down. It returns the
// peers that did not acknowledge; they fence this node when it goes, if
// fencing is on.
func (c *Controller) AnnounceLeave(ctx context.Context) ([]string, error) {
	if r := c.Running(); len(r) > 0 {
		return nil, fmt.Errorf("%d resources still run here", len(r))
	}
	var mu sync.Mutex
	var missed []string
	var wg sync.WaitGroup
	for _, p := range c.cfg.Peers {
		wg.Add(1)
		go func(p Peer) {
			defer wg.Done()
			if err := c.client.Call(ctx, p.Addrs, "leaving", nil, nil); err != nil {
				c.log.Debug("cannot tell a peer this node leaves", "peer", p.Name, "err", err)
				mu.Lock()
				missed = append(missed, p.Name)
				mu.Unlock()
			}
		}(p)
	}
	wg.Wait()
	sort.Strings(missed)
	return missed, nil
}

// Running returns what this node's own operation history shows active here.
func (c *Controller) Running() []status.RunningResource {
	return c.local.Running(c.cfg.Node)
}
