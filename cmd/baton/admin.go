package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/baton-ha/baton/agents/drbd/fence"
	"github.com/baton-ha/baton/crm/config"
	"github.com/baton-ha/baton/crm/controller"
	"github.com/baton-ha/baton/crm/daemon"
	"github.com/baton-ha/baton/crm/membership"
	"github.com/baton-ha/baton/crm/wire"
)

// adminClient is the one client of the local daemon's admin socket: the
// CLI's cluster commands and DRBD's fencing store both call through it.
type adminClient struct {
	cfg  *config.Config
	from string // the caller's name in the daemon's log
}

// openAdmin reads the daemon configuration at path.
func openAdmin(path, from string) (*adminClient, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	return &adminClient{cfg: cfg, from: from}, nil
}

// Call sends one request. The key is read on every call, so that a rotated
// key is picked up without restarting the caller.
func (a *adminClient) Call(ctx context.Context, method string, body, out any) error {
	key, err := membership.LoadKey(a.cfg.AuthKey)
	if err != nil {
		return err
	}
	cl := &wire.Client{Key: key, From: a.from}
	return cl.CallUnix(ctx, a.cfg.AdminSocket(), method, body, out)
}

// batonAdmin is the DRBD agent's and handlers' way into Baton's daemon: the
// admin channel when a daemon runs on this node (its configuration loads
// and its admin socket exists), else false.
func batonAdmin(path string) (fence.Admin, bool) {
	a, err := openAdmin(path, "drbd-fence")
	if err != nil {
		return nil, false
	}
	if _, err := os.Stat(a.cfg.AdminSocket()); err != nil {
		return nil, false
	}
	return a.Call, true
}

// admin calls the local daemon's admin socket for a CLI command.
func admin(c *cli.Context, method string, body, out any) error {
	return adminWithin(c, 30*time.Second, method, body, out)
}

// adminWithin is admin with a time limit for slow calls (fencing).
func adminWithin(c *cli.Context, limit time.Duration, method string, body, out any) error {
	a, err := openAdmin(c.String("config"), "cli")
	if err != nil {
		return cli.Exit(err.Error(), 2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	if err := a.Call(ctx, method, body, out); err != nil {
		return cli.Exit(fmt.Sprintf("%s: %v (is `baton daemon` running on this node?)", method, err), 1)
	}
	return nil
}

// readStatus asks the admin socket when this user can read the cluster
// key, and otherwise the read-only status socket (status_group).
func readStatus(c *cli.Context, st *controller.State) error {
	cfg, err := config.Load(c.String("config"))
	if err != nil {
		return cli.Exit(err.Error(), 2)
	}
	if _, kerr := membership.LoadKey(cfg.AuthKey); kerr == nil || cfg.StatusGroup == "" {
		return admin(c, "status", nil, st)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := daemon.ReadStatus(ctx, cfg.StatusSocket, st); err != nil {
		return cli.Exit(fmt.Sprintf("status: %v (is `baton daemon` running on this node?)", err), 1)
	}
	return nil
}
