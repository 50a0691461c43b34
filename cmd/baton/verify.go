package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/baton-ha/baton/crm/cibdoc"
	"github.com/baton-ha/baton/crm/config"
	"github.com/baton-ha/baton/crm/daemon"
	"github.com/baton-ha/baton/crm/fencer"
	"github.com/baton-ha/baton/crm/verify"
	"github.com/baton-ha/baton/crm/watchdog"
)

func verifyCommand() *cli.Command {
	return &cli.Command{
		Name:  "verify",
		Usage: "check a CIB for configuration errors, like crm_verify",
		Flags: append(cibSourceFlags(),
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"V"}, Usage: "also show warnings"},
			&cli.StringFlag{Name: "config", Usage: "also check this daemon configuration with the CIB (watchdog fencing timing)"},
		),
		Action: func(c *cli.Context) error {
			data, err := readCIB(c)
			if err != nil {
				var ec cli.ExitCoder
				if errors.As(err, &ec) {
					for _, line := range strings.Split(err.Error(), "\n") {
						fmt.Fprintln(c.App.ErrWriter, "error:", line)
					}
					return cli.Exit("Errors found during check: config not valid", 2)
				}
				return err
			}
			rep := verify.Bytes(data)
			if d, err := cibdoc.Parse(data); err == nil {
				errs, warns := fencer.Verify(d)
				rep.Errors = append(rep.Errors, errs...)
				rep.Warnings = append(rep.Warnings, warns...)
				if path := c.String("config"); path != "" {
					rep.Errors = append(rep.Errors, verifyTiming(c, path, d)...)
				}
			}
			for _, w := range rep.Warnings {
				if c.Bool("verbose") {
					fmt.Fprintln(c.App.ErrWriter, "warning:", w)
				}
			}
			for _, e := range append(rep.Errors, rep.Unsupported...) {
				fmt.Fprintln(c.App.ErrWriter, "error:", e)
			}
			switch {
			case rep.Err() != nil:
				return cli.Exit("Errors found during check: config not valid", 2)
			case len(rep.Warnings) > 0 && c.Bool("verbose"):
				fmt.Fprintln(c.App.ErrWriter, "Warnings found during check: config may not be valid")
			}
			return nil
		},
	}
}

// verifyTiming checks the daemon configuration at path with the CIB and,
// when watchdog fencing is on, prints its timing bound.
func verifyTiming(c *cli.Context, path string, d *cibdoc.Doc) []string {
	cfg, err := config.Load(path)
	if err != nil {
		return []string{err.Error()}
	}
	if err := daemon.CheckTiming(cfg, d); err != nil {
		return []string{fmt.Sprintf("config %s with this CIB: %v", path, err)}
	}
	if t := daemon.Timing(cfg, d); t.FenceTimeout > 0 {
		b := watchdog.Compute(t)
		fmt.Fprintf(c.App.Writer, "watchdog fencing: watchdog timeout %v, stonith-watchdog-timeout %v (minimum safe %v); a lost node counts as fenced %v after its last sign of life, at worst %v\n",
			t.Watchdog, t.FenceTimeout, b.MinFenceTimeout, b.Takeover, b.WorstTakeover)
	}
	return nil
}
