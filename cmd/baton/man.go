package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/baton-ha/baton/agents"
	"github.com/baton-ha/baton/cmd/baton/internal/manpage"
)

// manCommand writes the manual pages from the definitions they describe;
// `make man` and the packages call it. It is hidden: a build step, not an
// administrator's command.
func manCommand() *cli.Command {
	return &cli.Command{
		Name:   "man",
		Usage:  "write baton(8), baton.toml(5) and ocf_baton_<Agent>(7) in roff",
		Hidden: true,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "dir", Required: true, Usage: "directory to write man5/, man7/ and man8/ into"},
			&cli.StringFlag{Name: "date", Usage: "date for the pages' footer (empty keeps them reproducible)"},
		},
		Action: func(c *cli.Context) error {
			m := manpage.Meta{Version: version, Date: c.String("date")}
			all := agents.All()
			pages := map[string][]byte{
				"man8/baton.8":      manpage.Baton(c.App, all, m),
				"man5/baton.toml.5": manpage.Config(m),
			}
			for _, a := range all {
				pages["man7/"+manpage.AgentPageName(a)+".7"] = manpage.Agent(a, m)
			}
			for name, b := range pages {
				path := filepath.Join(c.String("dir"), name)
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					return cli.Exit(err.Error(), 1)
				}
				if err := os.WriteFile(path, b, 0o644); err != nil {
					return cli.Exit(err.Error(), 1)
				}
			}
			fmt.Fprintf(c.App.Writer, "wrote %d manual pages under %s\n", len(pages), c.String("dir"))
			return nil
		},
	}
}
