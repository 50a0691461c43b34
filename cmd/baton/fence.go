package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/baton-ha/baton/crm/controller"
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

// printFencing writes the fencing part of `baton status`, in crm_mon's
// words where it has them.
func printFencing(w io.Writer, st controller.State) {
	f := st.Fencing
	fmt.Fprintln(w, "\nFencing:")
	switch {
	case !f.Enabled:
		fmt.Fprintln(w, "  * disabled (stonith-enabled=false)")
	case len(f.Devices) == 0:
		fmt.Fprintln(w, "  * enabled, but no device and no watchdog is configured")
	default:
		fmt.Fprintf(w, "  * enabled: %s\n", strings.Join(f.Devices, ", "))
	}
	if f.Unsafe != "" {
		fmt.Fprintf(w, "  * UNSAFE: %s\n", f.Unsafe)
	}
	for _, u := range f.Unclean {
		state := "waiting to be fenced"
		if u.Fencing {
			state = "being fenced"
		}
		if u.Error != "" {
			state += ": " + u.Error
		}
		seen := "never seen"
		if !u.LastSeen.IsZero() {
			seen = "last seen " + u.LastSeen.Format(time.RFC3339)
		}
		fmt.Fprintf(w, "  * Node %s: UNCLEAN (%s), %s\n", u.Node, seen, state)
	}
	if st.Holding != "" {
		fmt.Fprintf(w, "  * No failover: %s\n", st.Holding)
	}
	if wd := st.Watchdog; wd != nil {
		state := "petted"
		if !wd.Petting {
			state = "NOT petted (" + wd.Reason + "): this node resets when it expires"
		}
		fmt.Fprintf(w, "  * Watchdog %s (timeout %v): %s, last pet %s\n", wd.Device, wd.Timeout, state, wd.LastPet.Format("15:04:05.000"))
	}
	if len(f.History) == 0 {
		return
	}
	fmt.Fprintln(w, "\nFencing History:")
	for i := len(f.History) - 1; i >= 0; i-- {
		r := f.History[i]
		outcome := "successful"
		if !r.OK {
			outcome = "failed (" + r.Error + ")"
		}
		fmt.Fprintf(w, "  * %s of %s %s: delegate=%s, origin=%s, devices=%s, completed='%s'\n",
			r.Action, r.Target, outcome, r.Executor, r.Origin, strings.Join(r.Devices, ","), r.Completed.Format("2006-01-02 15:04:05.000Z07:00"))
	}
}
