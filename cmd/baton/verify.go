package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/baton-ha/baton/crm/verify"
)

func verifyCommand() *cli.Command {
	return &cli.Command{
		Name:  "verify",
		Usage: "check a CIB for configuration errors, like crm_verify",
		Flags: append(cibSourceFlags(),
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"V"}, Usage: "also show warnings"},
		),
		Action: func(c *cli.Context) error {
			data, err := readCIBSource(c)
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
