package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/baton-ha/baton/crm/daemon"
	"github.com/baton-ha/baton/crm/fencer"
)

// fenceCommand is stonith_admin's --fence/--reboot/--unfence through the
// local daemon's fencer.
func fenceCommand() *cli.Command {
	return &cli.Command{
		Name:      "fence",
		ArgsUsage: "NODE",
		Usage:     "fence a node now with the cluster's fence devices (like stonith_admin --fence)",
		Flags: []cli.Flag{configFlag,
			&cli.BoolFlag{Name: "off", Usage: "power the node off"},
			&cli.BoolFlag{Name: "reboot", Usage: "reboot the node"},
			&cli.BoolFlag{Name: "on", Usage: "power the node on (unfence)"},
			&cli.DurationFlag{Name: "timeout", Value: 5 * time.Minute, Usage: "give up waiting after this long"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return cli.Exit("give the node to fence: baton fence NODE", 2)
			}
			action := ""
			for _, a := range []string{"off", "reboot", "on"} {
				if c.Bool(a) {
					if action != "" {
						return cli.Exit("give at most one of --off, --reboot, --on", 2)
					}
					action = a
				}
			}
			var res fencer.Result
			if err := adminWithin(c, c.Duration("timeout"), "fence", daemon.FenceRequest{Target: c.Args().First(), Action: action}, &res); err != nil {
				return err
			}
			if !res.OK {
				return cli.Exit(fmt.Sprintf("fencing %s failed: %s", res.Target, res.Error), 1)
			}
			fmt.Fprintf(c.App.Writer, "Node %s fenced (%s) by %s with %s in %v\n", res.Target, res.Action, res.Executor,
				strings.Join(res.Devices, ","), res.Completed.Sub(res.Started).Round(time.Millisecond))
			return nil
		},
	}
}
