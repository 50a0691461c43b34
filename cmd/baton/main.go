// Command baton is Baton's single binary: the cluster tools as subcommands,
// and, when invoked through a symlink named after an agent (IPaddr, Dummy,
// ...), that OCF resource agent itself.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/baton-ha/baton/agents"
	fencenetns "github.com/baton-ha/baton/agents/fence_baton_netns"
	fencevm "github.com/baton-ha/baton/agents/fence_baton_vm"
	"github.com/baton-ha/baton/ocf"
)

// version is set at build time (-ldflags "-X main.version=...").
var version = "dev"

// agentConfig gives the agents what only the binary knows: the way into
// Baton's daemon.
var agentConfig = agents.Config{BatonAdmin: batonAdmin}

func main() {
	// The agent path comes first and skips the CLI entirely: agents run once
	// per monitor, so their start-up cost is paid thousands of times a day.
	if name := filepath.Base(os.Args[0]); name != "baton" {
		if name == fencenetns.Name {
			os.Exit(fencenetns.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
		}
		if name == fencevm.Name {
			os.Exit(fencevm.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
		}
		if a := agentConfig.Lookup(name); a != nil {
			os.Exit(int(runAgent(a, os.Args[1:])))
		}
	}
	app := &cli.App{
		Name:     "baton",
		Usage:    "HA NFS toolkit: OCF resource agents and a small cluster resource manager",
		Version:  version,
		Commands: commands(),
		// Errors are printed once, by main, with the exit code they carry.
		ExitErrHandler: func(*cli.Context, error) {},
	}
	if err := app.Run(os.Args); err != nil {
		if msg := err.Error(); msg != "" {
			fmt.Fprintln(os.Stderr, "baton:", msg)
		}
		code := 1
		if ec, ok := err.(cli.ExitCoder); ok {
			code = ec.ExitCode()
		}
		os.Exit(code)
	}
}

func commands() []*cli.Command {
	return []*cli.Command{
		agentCommand(),
		drbdCommand(),
		versionCommand(),
		daemonCommand(), witnessCommand(), statusCommand(), resourceCommand(), nodeCommand(), cibCommand(),
		ipaddrAnnounceCommand(),
		simulateCommand(), verifyCommand(), fenceCommand(),
		keygenCommand(), manCommand(),
		importCommand(), demoCommand(),
	}
}

func runAgent(a *ocf.Agent, args []string) ocf.ExitCode {
	return ocf.Run(a, ocf.RunOptions{Args: args, Environ: os.Environ(), Stdout: os.Stdout, Stderr: os.Stderr})
}

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print Baton's version",
		Action: func(c *cli.Context) error {
			fmt.Fprintf(c.App.Writer, "baton %s\n", version)
			return nil
		},
	}
}
