// Package fenceapi is the fence-agents calling convention
// (doc/FenceAgentAPI.md of ClusterLabs/fence-agents), written once for
// Baton's fence agents (fence_baton_netns, fence_baton_vm): it reads the
// request, runs the action on the agent's Device and answers with the
// output and exit status Pacemaker's fencer and Baton's expect.
//
// An agent declares itself as an Agent (its name, descriptions and
// parameters) with an Open function, and its program's main is Agent.Main:
//
//	var agent = &fenceapi.Agent{Name: "fence_x", Params: ..., Open: open}
//	func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
//		return agent.Main(args, stdin, stdout, stderr)
//	}
//
// # The request
//
// Options come from the command line when it has any arguments, otherwise
// from stdin, as the fencer passes them: one name=value line each (blank
// lines and #-comments skipped, blanks around name and value trimmed).
// On stdin a name the agent does not declare is reported on stderr and
// ignored, as fence-agents do (a fencer may pass more than an agent
// declares); on the command line it is an error, as is a line without =.
// Command-line options are the parameters' short and long forms, given as
// "-o off", "-o=off", "--action off" or "--action=off"; --port stands for
// --plug. Every agent has the parameters action (-o, --action; default
// reboot), plug (-n, --plug), port (plug's older name: an empty plug takes
// port's value) and nodename (--nodename), then its own (Agent.Params).
// An empty or missing option takes its parameter's default.
//
// # Actions and exit statuses
//
//	metadata      the metadata XML (Agent.Metadata) on stdout; 0
//	validate-all  0 when the options are sound (Open succeeds), else 1
//	monitor       0 when the device answers (List succeeds), else 1
//	list          "plug,plug" per plug; 0
//	list-status   "plug,plug,ON|OFF|UNKNOWN" per plug (UNKNOWN: Status
//	              failed for it); 0
//	status        "Status: ON" and 0, "Status: OFF" and 2 (ExitOff)
//	off, on       "Success: Powered OFF" / "Success: Powered ON"; 0
//	reboot        off, then on: "Success: Rebooted" and 0 once the plug is
//	              off; as with fence-agents a failing power-on is only
//	              reported on stderr (the node is fenced: it is off)
//
// Anything that fails (a parse error, an unknown action, a required
// parameter missing, Open or a Device call failing, a plug missing for
// status, on, off or reboot) is a message on stderr, prefixed with the
// agent's name, and exit status 1 (ExitError).
//
// # The contract with an agent
//
// Open is called once per request, for every action but metadata, after
// the options were parsed and the required parameters (but plug) checked.
// It checks the agent's own options and returns the device they name, and
// it must not act on the device: validate-all is Open alone. Its error is
// the request's message.
//
// The Device's methods are called from one goroutine, in the order of the
// table above: reboot calls PowerOff and, when it succeeded, PowerOn;
// list-status calls List, then Status for each plug. PowerOff and PowerOn
// return nil only once the device reports the plug off (on): an agent
// checks what its device says, as fence-agents wait for the new state;
// powering off a plug already off (on one already on) is success. Status
// reports the plug's power: on (true) or off; an error when the device
// cannot say (an unknown plug, a device that does not answer). List
// returns the plugs the device powers, in the order to print them.
// Errors are shown as they are; the package prefixes the action and plug.
package fenceapi

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// Exit statuses of the fence-agents API.
const (
	ExitOK    = 0 // done; for status: the plug is on
	ExitError = 1 // failed, or a bad request
	ExitOff   = 2 // status: the plug is off
)

// Actions are the fence-agents API's actions the package implements, in
// the order of the metadata.
var Actions = []string{"on", "off", "reboot", "status", "list", "list-status", "monitor", "metadata", "validate-all"}

// Device is a fence device as an agent's Open returns it for one request:
// a power switch of plugs. See the package's doc for the contract.
type Device interface {
	// List returns the plugs the device powers.
	List(ctx context.Context) ([]string, error)
	// Status reports whether plug is powered on.
	Status(ctx context.Context, plug string) (on bool, err error)
	// PowerOff powers plug off; nil once the device reports it off.
	PowerOff(ctx context.Context, plug string) error
	// PowerOn powers plug on; nil once the device reports it on.
	PowerOn(ctx context.Context, plug string) error
}

// Options are a request's options, by their stdin names.
type Options map[string]string

// Agent is one fence agent: its declaration and how it opens its device.
type Agent struct {
	// Name is the program's name (fence_x); messages start with it.
	Name string
	// ShortDesc and LongDesc describe the agent in its metadata.
	ShortDesc, LongDesc string
	// PlugDesc describes the plug parameter (and port) in the metadata:
	// what a plug names on this device.
	PlugDesc string
	// Params are the agent's own parameters, after action, plug, port and
	// nodename, in the order of its metadata.
	Params []Param
	// Open checks the options and returns the device they name, without
	// acting on it (see the package's doc).
	Open func(o Options) (Device, error)
}

// needsPlug reports whether action acts on one plug.
func needsPlug(action string) bool {
	switch action {
	case "status", "on", "off", "reboot":
		return true
	}
	return false
}

// Main runs one request of the agent and returns its exit status.
func (a *Agent) Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fail := func(format string, v ...any) int {
		fmt.Fprintf(stderr, "%s: "+format+"\n", append([]any{a.Name}, v...)...)
		return ExitError
	}
	o, err := a.Parse(args, stdin, stderr)
	if err != nil {
		return fail("%v", err)
	}
	action := o["action"]
	if action == "metadata" {
		io.WriteString(stdout, a.Metadata())
		return ExitOK
	}
	known := false
	for _, k := range Actions {
		known = known || k == action
	}
	if !known {
		return fail("unknown action %q (%s)", action, strings.Join(Actions, ", "))
	}
	for _, p := range a.AllParams() {
		if p.Required && p.Name != "plug" && o[p.Name] == "" {
			return fail("%s is required: %s", p.Name, lowerFirst(p.Desc))
		}
	}
	dev, err := a.Open(o)
	if err != nil {
		return fail("%v", err)
	}
	if action == "validate-all" {
		return ExitOK
	}
	plug := o["plug"]
	if plug == "" && needsPlug(action) {
		return fail("action %s needs plug: %s", action, lowerFirst(a.PlugDesc))
	}
	ctx := context.Background()
	switch action {
	case "monitor":
		if _, err := dev.List(ctx); err != nil {
			return fail("%v", err)
		}
		return ExitOK
	case "list", "list-status":
		plugs, err := dev.List(ctx)
		if err != nil {
			return fail("%v", err)
		}
		for _, p := range plugs {
			if action == "list" {
				fmt.Fprintf(stdout, "%s,%s\n", p, p)
				continue
			}
			st := "UNKNOWN"
			if on, err := dev.Status(ctx, p); err == nil {
				st = map[bool]string{true: "ON", false: "OFF"}[on]
			}
			fmt.Fprintf(stdout, "%s,%s,%s\n", p, p, st)
		}
		return ExitOK
	case "status":
		on, err := dev.Status(ctx, plug)
		if err != nil {
			return fail("%v", err)
		}
		if on {
			fmt.Fprintln(stdout, "Status: ON")
			return ExitOK
		}
		fmt.Fprintln(stdout, "Status: OFF")
		return ExitOff
	case "off", "reboot":
		if err := dev.PowerOff(ctx, plug); err != nil {
			return fail("%s %s: %v", action, plug, err)
		}
		if action == "off" {
			fmt.Fprintln(stdout, "Success: Powered OFF")
			return ExitOK
		}
		// Once the plug is off the node is fenced; a failing power-on is
		// reported but does not fail the reboot.
		if err := dev.PowerOn(ctx, plug); err != nil {
			fmt.Fprintf(stderr, "%s: reboot %s: powered off, but powering on failed: %v\n", a.Name, plug, err)
		}
		fmt.Fprintln(stdout, "Success: Rebooted")
		return ExitOK
	case "on":
		if err := dev.PowerOn(ctx, plug); err != nil {
			return fail("on %s: %v", plug, err)
		}
		fmt.Fprintln(stdout, "Success: Powered ON")
		return ExitOK
	}
	return fail("unknown action %q", action)
}
