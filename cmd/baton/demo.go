package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/baton-ha/baton/demo"
	"github.com/baton-ha/baton/demo/nfsclient"
)

func demoCommand() *cli.Command {
	dirFlag := &cli.StringFlag{Name: "dir", Value: demo.DefaultDir, Usage: "the demo's state `DIR`"}
	return &cli.Command{
		Name:  "demo",
		Usage: "run a two-node HA NFS cluster on this machine and fail it over (root)",
		Description: "Builds two nodes in network and mount namespaces, a client, a witness and a loop device as\n" +
			"the shared disk; starts baton daemon on both with the NFS stack; has the client write through\n" +
			"the floating IP; kills the active node; prints the timeline, the client-visible stall and\n" +
			"whether every acknowledged write survived; and cleans up. --keep leaves the cluster running.",
		Flags: []cli.Flag{dirFlag,
			&cli.BoolFlag{Name: "keep", Usage: "leave the cluster up afterwards, and print the commands to explore it"},
			&cli.BoolFlag{Name: "down", Usage: "remove a demo left up by --keep"},
			&cli.StringFlag{Name: "kill", Usage: "kill `NODE` of a demo left up by --keep (links cut, every process SIGKILLed)"},
		},
		Action: func(c *cli.Context) error {
			switch {
			case c.Bool("down"):
				if err := demo.Down(c.String("dir")); err != nil {
					return cli.Exit(err.Error(), 1)
				}
				return nil
			case c.String("kill") != "":
				if err := demo.Kill(c.String("dir"), c.String("kill")); err != nil {
					return cli.Exit(err.Error(), 1)
				}
				return nil
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			res, err := demo.Run(ctx, demo.Options{Dir: c.String("dir"), Out: c.App.Writer, Keep: c.Bool("keep")})
			if err != nil {
				return cli.Exit("demo: "+err.Error(), 1)
			}
			if !res.OK() {
				return cli.Exit("demo: the failover did not meet the bar (see above)", 1)
			}
			return nil
		},
		Subcommands: []*cli.Command{{
			Name:   "nfs-client",
			Hidden: true,
			Usage:  "the demo's NFS client: write to one file handle until SIGTERM, then verify (JSON lines)",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "server", Required: true},
				&cli.StringFlag{Name: "export", Required: true},
				&cli.StringFlag{Name: "file", Value: "demo.dat"},
			},
			Action: func(c *cli.Context) error {
				ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
				defer stop()
				err := nfsclient.Run(ctx, nfsclient.Config{Server: c.String("server"), Export: c.String("export"),
					File: c.String("file"), Interval: 20 * time.Millisecond}, c.App.Writer)
				if err != nil {
					return cli.Exit(err.Error(), 1)
				}
				return nil
			},
		}},
	}
}
