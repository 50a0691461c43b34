package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/baton-ha/baton/ocf"
)

func agentCommand() *cli.Command {
	lookup := func(c *cli.Context) (*ocf.Agent, error) {
		name := c.Args().First()
		if name == "" {
			return nil, cli.Exit("name an agent; `baton agent list` shows them", 2)
		}
		a := agentConfig.Lookup(name)
		if a == nil {
			return nil, cli.Exit(fmt.Sprintf("no agent named %q; `baton agent list` shows them", name), 2)
		}
		return a, nil
	}
	return &cli.Command{
		Name:  "agent",
		Usage: "list, describe and run Baton's OCF resource agents",
		Subcommands: []*cli.Command{
			{
				Name:  "list",
				Usage: "list the agents (OCF provider baton)",
				Action: func(c *cli.Context) error {
					for _, a := range agentConfig.All() {
						fmt.Fprintf(c.App.Writer, "%-12s %s\n", a.Name, a.Shortdesc)
					}
					return nil
				},
			},
			{
				Name:      "meta",
				Usage:     "print an agent's meta-data XML",
				ArgsUsage: "NAME",
				Action: func(c *cli.Context) error {
					a, err := lookup(c)
					if err != nil {
						return err
					}
					_, err = c.App.Writer.Write(a.MetaData())
					return err
				},
			},
			{
				Name:      "run",
				Usage:     "run an agent action with the current environment (OCF_RESKEY_*, ...) and exit with its OCF code",
				ArgsUsage: "NAME ACTION",
				Action: func(c *cli.Context) error {
					a, err := lookup(c)
					if err != nil {
						return err
					}
					if c.Args().Len() < 2 {
						return cli.Exit("name an action, e.g. `baton agent run Dummy monitor`", int(ocf.ErrUnimplemented))
					}
					code := ocf.Run(a, ocf.RunOptions{Args: c.Args().Slice()[1:], Environ: os.Environ(),
						Stdout: c.App.Writer, Stderr: c.App.ErrWriter})
					if code != ocf.Success {
						return cli.Exit("", int(code))
					}
					return nil
				},
			},
		},
	}
}
