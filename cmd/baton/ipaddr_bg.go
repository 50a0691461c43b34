package main

import (
	"os"

	"github.com/urfave/cli/v2"

	"github.com/baton-ha/baton/agents/ipaddr"
)

// ipaddrAnnounceCommand is the background announcer that ocf:baton:IPaddr
// starts for arp_bg; it is not meant to be run by hand.
func ipaddrAnnounceCommand() *cli.Command {
	return &cli.Command{
		Name:            ipaddr.BackgroundCommand,
		Hidden:          true,
		SkipFlagParsing: true,
		Action: func(c *cli.Context) error {
			if code := ipaddr.Background(os.Environ(), c.App.ErrWriter); code != 0 {
				return cli.Exit("", code)
			}
			return nil
		},
	}
}
