package main

import (
	"fmt"

	"os"

	"github.com/urfave/cli/v2"

	"github.com/baton-ha/baton/crm/cib"
	"github.com/baton-ha/baton/crm/cib/live"
	"github.com/baton-ha/baton/crm/simulate"
	"github.com/baton-ha/baton/crm/verify"
)

// loadCIB reads the CIB from -x FILE, stdin (-p) or the live cluster (-L).
func loadCIB(c *cli.Context) (*cib.CIB, error) {
	data, err := readCIB(c)
	if err != nil {
		return nil, err
	}
	doc, err := cib.Parse(data)
	if err != nil {
		return nil, cli.Exit(err.Error(), 2)
	}
	return doc, nil
}

// readCIB reads the CIB named by the -x/-p/-L flags, refusing one over
// verify.MaxSize before reading it whole.
func readCIB(c *cli.Context) ([]byte, error) {
	var data []byte
	var err error
	switch {
	case c.Bool("live-check"):
		conn, oerr := live.OpenCib(live.ForQuery)
		if oerr != nil {
			return nil, cli.Exit(oerr.Error(), 2)
		}
		defer conn.Close()
		doc, qerr := conn.Query()
		if qerr != nil {
			return nil, cli.Exit("query the live CIB: "+qerr.Error(), 2)
		}
		data = doc.Bytes()
	case c.Bool("xml-pipe"):
		data, err = verify.Read(os.Stdin)
	case c.String("xml-file") != "":
		data, err = verify.ReadFile(c.String("xml-file"))
	default:
		return nil, cli.Exit("give the CIB: -x FILE, -p (stdin) or -L (live cluster)", 2)
	}
	if err != nil {
		return nil, cli.Exit("read CIB: "+err.Error(), 2)
	}
	return data, nil
}

func cibSourceFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "xml-file", Aliases: []string{"x"}, Usage: "read the CIB from `FILE`"},
		&cli.BoolFlag{Name: "xml-pipe", Aliases: []string{"p"}, Usage: "read the CIB from stdin"},
		&cli.BoolFlag{Name: "live-check", Aliases: []string{"L", "live"}, Usage: "read the running cluster's CIB (cibadmin --query)"},
	}
}

func simulateCommand() *cli.Command {
	return &cli.Command{
		Name:  "simulate",
		Usage: "show what the scheduler decides for a CIB, like crm_simulate",
		Description: "Reads a Pacemaker CIB and prints the cluster status, the Transition Summary\n" +
			"(-R), the executed transition and the resulting status (-S), and\n" +
			"allocation scores (-s). What-if injections change the input first.",
		Flags: append(cibSourceFlags(),
			&cli.BoolFlag{Name: "run", Aliases: []string{"R"}, Usage: "show the Transition Summary"},
			&cli.BoolFlag{Name: "simulate", Aliases: []string{"S"}, Usage: "also execute the transition and show the new status"},
			&cli.BoolFlag{Name: "show-scores", Aliases: []string{"s"}, Usage: "show allocation and promotion scores"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"Q"}, Usage: "leave out the current status"},
			&cli.StringSliceFlag{Name: "node-up", Aliases: []string{"u"}, Usage: "simulate `NODE` coming online"},
			&cli.StringSliceFlag{Name: "node-down", Aliases: []string{"d"}, Usage: "simulate `NODE` going offline"},
			&cli.StringSliceFlag{Name: "node-fail", Aliases: []string{"f"}, Usage: "simulate `NODE` failing"},
			&cli.StringSliceFlag{Name: "op-inject", Aliases: []string{"i"}, Usage: "record an operation result `RSC_TASK_INTERVALMS@NODE=RC`"},
			&cli.StringFlag{Name: "quorum", Aliases: []string{"q"}, Usage: "set whether the cluster has quorum (true/false)"},
		),
		Action: func(c *cli.Context) error {
			doc, err := loadCIB(c)
			if err != nil {
				return err
			}
			inj := simulate.Injection{
				NodeUp:   c.StringSlice("node-up"),
				NodeDown: c.StringSlice("node-down"),
				NodeFail: c.StringSlice("node-fail"),
				Ops:      c.StringSlice("op-inject"),
			}
			if q := c.String("quorum"); q != "" {
				v, ok := cib.ParseBool(q)
				if !ok {
					return cli.Exit(fmt.Sprintf("--quorum %q: want true or false", q), 2)
				}
				inj.Quorum = &v
			}
			if err := inj.Apply(doc); err != nil {
				return cli.Exit(err.Error(), 2)
			}
			_, err = simulate.Run(c.App.Writer, doc, simulate.Options{
				Run:        c.Bool("run"),
				Simulate:   c.Bool("simulate"),
				ShowScores: c.Bool("show-scores"),
				Quiet:      c.Bool("quiet"),
			})
			if err != nil {
				return cli.Exit(err.Error(), 1)
			}
			return nil
		},
	}
}
