package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/baton-ha/baton/crm/cib"
	"github.com/baton-ha/baton/crm/controller"
	"github.com/baton-ha/baton/crm/view"
)

func statusCommand() *cli.Command {
	return &cli.Command{
		Name:  "status",
		Usage: "show the cluster's state, like crm_mon -1 (--watch: like crm_mon, redrawn on change)",
		Description: "--output-as=xml writes crm_mon's XML (the pacemaker-result schema of Pacemaker 2.1.5's crm_mon),\n" +
			"which pcs, crmsh, ha_cluster_exporter and scripts read as they read crm_mon's. --output-as=json is\n" +
			"Baton's own document: the same state plus the heartbeat links and why the node has quorum.\n" +
			"With --cib FILE the state is read from a CIB file (its status section), as CIB_file=FILE crm_mon does.",
		Flags: []cli.Flag{configFlag, cibFlag,
			&cli.StringFlag{Name: "output-as", Value: "text", Usage: "text, xml or json"},
			&cli.BoolFlag{Name: "watch", Aliases: []string{"w"}, Usage: "keep the view on screen and redraw it when the cluster changes (Ctrl-C ends)"},
			&cli.DurationFlag{Name: "interval", Aliases: []string{"i"}, Value: time.Second, Usage: "with --watch: how often to look"},
		},
		Action: func(c *cli.Context) error {
			format := c.String("output-as")
			switch format {
			case "text", "xml", "json":
			default:
				return cli.Exit(fmt.Sprintf("--output-as %q: use text, xml or json", format), 2)
			}
			if c.Bool("watch") {
				if format != "text" {
					return cli.Exit("--watch draws text; leave out --output-as", 2)
				}
				ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
				defer stop()
				fetch := func(context.Context) (*view.View, error) { return currentView(c) }
				err := view.Watch(ctx, c.App.Writer, fetch, view.WatchOptions{Interval: c.Duration("interval"), AltScreen: isTerminal(c.App.Writer)})
				if err != nil {
					return cli.Exit(err.Error(), 1)
				}
				return nil
			}
			v, err := currentView(c)
			if err != nil {
				return err
			}
			switch format {
			case "xml":
				return v.WriteXML(c.App.Writer, "baton "+strings.Join(os.Args[1:], " "))
			case "json":
				enc := json.NewEncoder(c.App.Writer)
				enc.SetIndent("", "  ")
				return enc.Encode(v)
			}
			return v.WriteText(c.App.Writer)
		},
	}
}

// currentView reads the cluster's state from --cib FILE or from the local
// daemon.
func currentView(c *cli.Context) (*view.View, error) {
	if f := c.String("cib"); f != "" {
		doc, err := cib.ParseFile(f)
		if err != nil {
			return nil, cli.Exit(fmt.Sprintf("%s: %v", f, err), 2)
		}
		v, err := view.FromCIB(doc, time.Now())
		if err != nil {
			return nil, cli.Exit(fmt.Sprintf("%s: %v", f, err), 2)
		}
		return v, nil
	}
	var st controller.State
	if err := readStatus(c, &st); err != nil {
		return nil, err
	}
	v, err := view.FromState(st, time.Now())
	if err != nil {
		return nil, cli.Exit(err.Error(), 1)
	}
	return v, nil
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
