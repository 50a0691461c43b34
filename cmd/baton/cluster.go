package main

import (
	"context"

	"fmt"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/baton-ha/baton/crm/cib"
	"github.com/baton-ha/baton/crm/cibdoc"
	"github.com/baton-ha/baton/crm/config"
	"github.com/baton-ha/baton/crm/controller"
	"github.com/baton-ha/baton/crm/executor"
	"github.com/baton-ha/baton/crm/verify"
	"github.com/baton-ha/baton/ocf"
)

// loadClusterCIB reads the CIB from --cib FILE, or from the running daemon.
func loadClusterCIB(c *cli.Context) (*cibdoc.Doc, error) {
	if f := c.String("cib"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, cli.Exit(err.Error(), 2)
		}
		d, err := cibdoc.Parse(b)
		if err != nil {
			return nil, cli.Exit(fmt.Sprintf("%s: %v", f, err), 2)
		}
		return d, nil
	}
	var x string
	if err := admin(c, "cib-query", nil, &x); err != nil {
		return nil, err
	}
	return cibdoc.Parse([]byte(x))
}

// saveCIB writes a changed CIB back where it came from.
func saveCIB(c *cli.Context, d *cibdoc.Doc) error {
	host, _ := os.Hostname()
	d.Stamp("baton", host, time.Now())
	if f := c.String("cib"); f != "" {
		d.ConfigChanged()
		if err := verify.Bytes(d.Bytes()).Err(); err != nil {
			return cli.Exit(err.Error(), 2)
		}
		return os.WriteFile(f, d.Bytes(), 0o644)
	}
	d.ConfigChanged()
	return admin(c, "cib-replace", string(d.Bytes()), nil)
}

var cibFlag = &cli.StringFlag{Name: "cib", Usage: "work on this CIB file instead of the running cluster's"}

func resourceCommand() *cli.Command {
	type forceOp struct{ flag, action string }
	forces := []forceOp{{"force-start", "start"}, {"force-stop", "stop"}, {"force-check", "monitor"},
		{"force-promote", "promote"}, {"force-demote", "demote"}, {"validate", "validate-all"}}
	flags := []cli.Flag{configFlag, cibFlag,
		&cli.StringFlag{Name: "resource", Aliases: []string{"r"}, Usage: "the resource id"},
		&cli.StringFlag{Name: "node", Aliases: []string{"N"}, Usage: "the node, for --move and --ban"},
		&cli.BoolFlag{Name: "move", Aliases: []string{"M"}, Usage: "make the resource prefer --node (cli-prefer-RSC)"},
		&cli.BoolFlag{Name: "ban", Aliases: []string{"B"}, Usage: "keep the resource off --node (cli-ban-RSC-on-NODE)"},
		&cli.BoolFlag{Name: "clear", Aliases: []string{"U"}, Usage: "remove what --move and --ban placed"},
		&cli.BoolFlag{Name: "cleanup", Aliases: []string{"C"}, Usage: "forget the resource's history and fail counts"},
		&cli.IntFlag{Name: "check-level", Usage: "OCF_CHECK_LEVEL for --force-check"},
	}
	for _, f := range forces {
		flags = append(flags, &cli.BoolFlag{Name: f.flag, Usage: "run the agent's " + f.action + " here with the resource's parameters from the CIB (no daemon needed with --cib)"})
	}
	return &cli.Command{
		Name:  "resource",
		Usage: "test, move, ban, clear and clean up resources, in crm_resource's habits",
		Flags: flags,
		Action: func(c *cli.Context) error {
			id := c.String("resource")
			if id == "" {
				return cli.Exit("name the resource with -r ID", 2)
			}
			for _, f := range forces {
				if c.Bool(f.flag) {
					return forceAction(c, id, f.flag, f.action)
				}
			}
			switch {
			case c.Bool("cleanup"):
				if c.String("cib") != "" {
					return cli.Exit("--cleanup works on the running cluster, not on a file", 2)
				}
				return admin(c, "cleanup", id, nil)
			case c.Bool("move"), c.Bool("ban"), c.Bool("clear"):
			default:
				return cli.Exit("say what to do: --force-start, --force-stop, --force-check, --force-promote, --force-demote, --validate, --move, --ban, --clear or --cleanup", 2)
			}
			d, err := loadClusterCIB(c)
			if err != nil {
				return err
			}
			node := c.String("node")
			switch {
			case c.Bool("clear"):
				n := d.Clear(id)
				fmt.Fprintf(c.App.Writer, "Removed %d constraint(s) placed for %s\n", n, id)
			case node == "":
				return cli.Exit("--move and --ban need --node NODE", 2)
			case c.Bool("move"):
				err = d.Move(id, node)
			default:
				err = d.Ban(id, node)
			}
			if err != nil {
				return cli.Exit(err.Error(), 2)
			}
			return saveCIB(c, d)
		},
	}
}

// forceAction runs an agent action here, as crm_resource --force-* does,
// and exits with the agent's code.
func forceAction(c *cli.Context, id, flag, action string) error {
	d, err := loadClusterCIB(c)
	if err != nil {
		return err
	}
	op, _, err := controller.OperationFor(d, id, action)
	if err != nil {
		return cli.Exit(err.Error(), 6)
	}
	if lvl := c.Int("check-level"); lvl > 0 {
		op.Params["OCF_CHECK_LEVEL"] = fmt.Sprint(lvl)
	}
	ocfRoot := "/usr/lib/ocf"
	if cfg, err := config.Load(c.String("config")); err == nil {
		ocfRoot = cfg.OCFRoot
	}
	if v := os.Getenv("OCF_ROOT"); v != "" {
		ocfRoot = v
	}
	host, _ := os.Hostname()
	e := &executor.Executor{OCFRoot: ocfRoot, Node: host}
	res := e.Run(context.Background(), op)
	fmt.Fprint(c.App.ErrWriter, res.Output)
	fmt.Fprintf(c.App.Writer, "Operation %s for %s (%s:%s:%s) returned: '%s' (%d)\n", strings.TrimPrefix(flag, "force-"),
		id, op.Class, op.Provider, op.Type, codeText(res.RC), int(res.RC))
	if res.Reason != "" {
		fmt.Fprintf(c.App.Writer, "  %s\n", res.Reason)
	}
	if res.RC != ocf.Success {
		return cli.Exit("", int(res.RC))
	}
	return nil
}

func codeText(rc ocf.ExitCode) string {
	switch rc {
	case ocf.Success:
		return "ok"
	case ocf.NotRunning:
		return "not running"
	case ocf.RunningPromoted:
		return "promoted"
	case ocf.ErrConfigured:
		return "invalid parameter"
	case ocf.ErrInstalled:
		return "not installed"
	case ocf.ErrArgs:
		return "invalid parameter"
	case ocf.ErrUnimplemented:
		return "unimplemented feature"
	}
	return "error"
}

func nodeCommand() *cli.Command {
	set := func(value string) func(*cli.Context) error {
		return func(c *cli.Context) error {
			node := c.Args().First()
			if node == "" {
				if cfg, err := config.Load(c.String("config")); err == nil {
					node = cfg.Node
				}
			}
			if node == "" {
				return cli.Exit("name the node", 2)
			}
			d, err := loadClusterCIB(c)
			if err != nil {
				return err
			}
			found := false
			for _, n := range mustParse(d).Nodes {
				if n.Uname == node {
					found = true
				}
			}
			if !found {
				return cli.Exit(fmt.Sprintf("node %q is not in the CIB", node), 2)
			}
			d.SetNodeAttr(node, "standby", value)
			return saveCIB(c, d)
		}
	}
	return &cli.Command{
		Name:  "node",
		Usage: "put a node in standby or back online",
		Subcommands: []*cli.Command{
			{Name: "standby", ArgsUsage: "[NODE]", Usage: "move every resource off the node", Flags: []cli.Flag{configFlag, cibFlag}, Action: set("on")},
			{Name: "online", ArgsUsage: "[NODE]", Usage: "let the node run resources again", Flags: []cli.Flag{configFlag, cibFlag}, Action: set("off")},
		},
	}
}

func mustParse(d *cibdoc.Doc) *cib.CIB {
	doc, err := cib.Parse(d.Bytes())
	if err != nil {
		return &cib.CIB{}
	}
	return doc
}

func cibCommand() *cli.Command {
	return &cli.Command{
		Name:  "cib",
		Usage: "show or replace the cluster's CIB (Pacemaker's XML: cibadmin --replace loads the same file)",
		Subcommands: []*cli.Command{
			{Name: "show", Usage: "print the CIB", Flags: []cli.Flag{configFlag, cibFlag}, Action: func(c *cli.Context) error {
				d, err := loadClusterCIB(c)
				if err != nil {
					return err
				}
				_, err = c.App.Writer.Write(d.Bytes())
				return err
			}},
			{Name: "replace", ArgsUsage: "FILE", Usage: "install FILE as the CIB (its configuration; the status is the cluster's own)",
				Flags: []cli.Flag{configFlag}, Action: func(c *cli.Context) error {
					f := c.Args().First()
					if f == "" {
						return cli.Exit("name the CIB file", 2)
					}
					b, err := verify.ReadFile(f)
					if err != nil {
						return cli.Exit(err.Error(), 2)
					}
					// The daemon checks again (it trusts no client); checking
					// here first names the file and spares the round trip.
					d, err := verify.Parse(b)
					if err != nil {
						return cli.Exit(fmt.Sprintf("%s: %v", f, err), 2)
					}
					host, _ := os.Hostname()
					d.Stamp("baton", host, time.Now())
					return admin(c, "cib-replace", string(d.Bytes()), nil)
				}},
		},
	}
}
