package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/baton-ha/baton/crm/membership"
)

const defaultKeyFile = "/etc/baton/authkey"

func keygenCommand() *cli.Command {
	return &cli.Command{
		Name:      "keygen",
		Usage:     "write a new random cluster key file (mode 0600) for auth_key and the witness",
		ArgsUsage: "[FILE]",
		Description: "Writes 32 random bytes, hex-encoded, to FILE (default " + defaultKeyFile + ") with mode 0600.\n" +
			"Copy the same file to every node and to the witness host.\n" +
			"An existing file is left alone unless --force is given: a node with a new key cannot talk to the others until they have it too.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "force", Usage: "replace an existing key file"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return cli.Exit("keygen takes at most one FILE", 2)
			}
			path := c.Args().First()
			if path == "" {
				path = defaultKeyFile
			}
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return cli.Exit(fmt.Sprintf("creating the key's directory: %v", err), 1)
			}
			k, err := membership.NewKey()
			if err != nil {
				return cli.Exit(err.Error(), 1)
			}
			if err := membership.WriteKey(path, k, c.Bool("force")); err != nil {
				code := 1
				if errors.Is(err, membership.ErrKeyExists) {
					code = 2
				}
				return cli.Exit(err.Error(), code)
			}
			fmt.Fprintf(c.App.Writer, "wrote a new key to %s (mode 0600); copy it to every node and the witness\n", path)
			return nil
		},
	}
}
