package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	sd "github.com/coreos/go-systemd/v22/daemon"
	"github.com/urfave/cli/v2"

	"github.com/baton-ha/baton/crm/config"
	"github.com/baton-ha/baton/crm/daemon"
	"github.com/baton-ha/baton/crm/membership"
	"github.com/baton-ha/baton/crm/witness"
)

const defaultConfig = "/etc/baton/baton.toml"

var configFlag = &cli.StringFlag{Name: "config", Aliases: []string{"c"}, Value: defaultConfig, Usage: "the daemon's configuration file", EnvVars: []string{"BATON_CONFIG"}}

func logger(c *cli.Context) *slog.Logger {
	level := slog.LevelInfo
	if c.Bool("debug") {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

func daemonCommand() *cli.Command {
	return &cli.Command{
		Name:  "daemon",
		Usage: "run this node of a Baton cluster (heartbeats, controller, executor)",
		Flags: []cli.Flag{configFlag,
			&cli.BoolFlag{Name: "check", Usage: "validate the configuration and exit"},
			&cli.BoolFlag{Name: "debug", Usage: "log debug messages"}},
		Action: func(c *cli.Context) error {
			cfg, err := config.Load(c.String("config"))
			if err != nil {
				return cli.Exit(err.Error(), 2)
			}
			if _, err := membership.LoadKey(cfg.AuthKey); err != nil {
				return cli.Exit(fmt.Sprintf("config %s: auth_key: %v", c.String("config"), err), 2)
			}
			if err := cfg.CheckFiles(); err != nil {
				return cli.Exit(err.Error(), 2)
			}
			if c.Bool("check") {
				fmt.Fprintf(c.App.Writer, "configuration %s is valid\n", c.String("config"))
				return nil
			}
			// The first SIGTERM or SIGINT stops the resources running here,
			// then the daemon; a second one ends the daemon at once (the
			// signal's default action), leaving the resources as they are.
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			go func() { <-ctx.Done(); stop() }()
			return daemon.Run(ctx, cfg, logger(c))
		},
	}
}

func witnessCommand() *cli.Command {
	return &cli.Command{
		Name:  "witness",
		Usage: "run the quorum tie-breaker for two-node clusters, on a third host",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "listen", Value: ":5406", Usage: "UDP address to answer on"},
			&cli.StringFlag{Name: "auth-key", Usage: "the key file (mode 0600) of every cluster not named by --cluster-key"},
			&cli.StringSliceFlag{Name: "cluster-key", Usage: "`CLUSTER=FILE`: serve cluster CLUSTER with its own key file (repeat per cluster)"},
			&cli.DurationFlag{Name: "lease", Value: 3 * time.Second, Usage: "how long a granted vote lasts without renewal"},
			&cli.BoolFlag{Name: "debug"},
		},
		Action: func(c *cli.Context) error {
			w := &witness.Witness{Lease: c.Duration("lease"), Keys: map[string]membership.Key{}}
			if f := c.String("auth-key"); f != "" {
				key, err := membership.LoadKey(f)
				if err != nil {
					return cli.Exit("--auth-key: "+err.Error(), 2)
				}
				w.Key = key
			}
			for _, ck := range c.StringSlice("cluster-key") {
				name, file, ok := strings.Cut(ck, "=")
				if !ok || name == "" || file == "" {
					return cli.Exit(fmt.Sprintf("--cluster-key %q: want CLUSTER=FILE", ck), 2)
				}
				key, err := membership.LoadKey(file)
				if err != nil {
					return cli.Exit(fmt.Sprintf("--cluster-key %s: %v", name, err), 2)
				}
				w.Keys[name] = key
			}
			if w.Key == nil && len(w.Keys) == 0 {
				return cli.Exit("give --auth-key FILE or --cluster-key CLUSTER=FILE", 2)
			}
			conn, err := net.ListenPacket("udp", c.String("listen"))
			if err != nil {
				return cli.Exit(err.Error(), 1)
			}
			defer conn.Close()
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			log := logger(c)
			log.Info("baton witness listening", "addr", conn.LocalAddr().String(), "lease", c.Duration("lease"))
			// baton-witness.service is Type=notify: ready once the socket is bound.
			if _, err := sd.SdNotify(false, sd.SdNotifyReady); err != nil {
				log.Warn("notifying systemd", "err", err)
			}
			w.Log = log
			return w.Serve(ctx, conn)
		},
	}
}
