package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/baton-ha/baton/agents/drbd/fence"
)

// Exit codes of DRBD's fence-peer handler protocol (drbd.conf(5)).
const (
	fenceOutdated = 4 // the peer is kept from promotion: as good as Outdated
	fenceFailed   = 1 // nothing placed: DRBD keeps I/O frozen under resource-and-stonith
)

func drbdCommand() *cli.Command {
	flags := []cli.Flag{
		&cli.StringFlag{Name: "resource", Aliases: []string{"r"}, EnvVars: []string{"DRBD_RESOURCE"},
			Usage: "DRBD resource (DRBD passes it as DRBD_RESOURCE)"},
		&cli.StringFlag{Name: "node", Usage: "this node's name in the cluster (default: the host name)"},
		&cli.StringFlag{Name: "cib-file", EnvVars: []string{fence.CIBFileVar},
			Usage: "keep the constraint in this CIB XML file instead of Pacemaker's CIB (cibadmin)"},
		&cli.DurationFlag{Name: "timeout", Value: 60 * time.Second, Usage: "give up after this long"},
	}
	store := func(c *cli.Context) (fence.Constraints, error) {
		if p := c.String("cib-file"); p != "" {
			return &fence.File{Path: p}, nil
		}
		if s := fence.FromEnv(map[string]string{fence.ConfigVar: os.Getenv(fence.ConfigVar)}, "/usr/sbin", batonAdmin); s != nil {
			return s, nil
		}
		return nil, errors.New("no CIB: cibadmin is not installed and neither --cib-file nor " + fence.CIBFileVar + " is set")
	}
	resource := func(c *cli.Context) (string, error) {
		r := c.String("resource")
		if r == "" {
			return "", errors.New("no DRBD resource: DRBD sets DRBD_RESOURCE; by hand, pass --resource")
		}
		return r, nil
	}
	return &cli.Command{
		Name:  "drbd",
		Usage: "DRBD resource-level fencing handlers",
		Subcommands: []*cli.Command{
			{
				Name:  "fence-peer",
				Usage: "DRBD fence-peer handler: forbid promoting the resource on any node but this one",
				Description: `Configure in drbd.conf as: handlers { fence-peer "/usr/sbin/baton drbd fence-peer"; }
with fencing resource-only (or resource-and-stonith). Exits 4 when the
constraint is in place (the peer counts as Outdated), 1 when it could not be
placed.`,
				Flags: flags,
				Action: func(c *cli.Context) error {
					res, err := resource(c)
					if err != nil {
						return cli.Exit(err.Error(), fenceFailed)
					}
					node := c.String("node")
					if node == "" {
						if node, err = os.Hostname(); err != nil {
							return cli.Exit("cannot tell this node's name: "+err.Error(), fenceFailed)
						}
					}
					s, err := store(c)
					if err != nil {
						return cli.Exit(err.Error(), fenceFailed)
					}
					ctx, cancel := context.WithTimeout(context.Background(), c.Duration("timeout"))
					defer cancel()
					if err := s.Place(ctx, res, node); err != nil {
						return cli.Exit(fmt.Sprintf("fence-peer %s: %v", res, err), fenceFailed)
					}
					fmt.Fprintf(c.App.ErrWriter, "baton: fence-peer %s: promotion forbidden on every node but %s (constraint %s-%s-*)\n",
						res, node, fence.IDPrefix, res)
					return cli.Exit("", fenceOutdated)
				},
			},
			{
				Name:  "unfence-peer",
				Usage: "DRBD after-resync-target handler: remove the fencing constraint of the resource",
				Description: `Configure in drbd.conf as: handlers { after-resync-target "/usr/sbin/baton drbd unfence-peer"; }
DRBD runs it on the node that has just caught up; the constraint is no longer
needed. Exits 0 when no constraint is left.`,
				Flags: flags,
				Action: func(c *cli.Context) error {
					res, err := resource(c)
					if err != nil {
						return cli.Exit(err.Error(), 1)
					}
					s, err := store(c)
					if err != nil {
						return cli.Exit(err.Error(), 1)
					}
					ctx, cancel := context.WithTimeout(context.Background(), c.Duration("timeout"))
					defer cancel()
					if err := s.Remove(ctx, res); err != nil {
						return cli.Exit(fmt.Sprintf("unfence-peer %s: %v", res, err), 1)
					}
					return nil
				},
			},
		},
	}
}
