package controller

import (
	"strconv"
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

// Running returns what this node's own operation history shows active here.
func (c *Controller) Running() []status.RunningResource {
	return c.local.Running(c.cfg.Node)
}
