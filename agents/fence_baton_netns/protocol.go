// Package fencenetns is fence_baton_netns, a fence device for Baton's
// namespace test world: each "machine" there is a network namespace and a
// mount namespace, and this agent is its power switch. Off takes the
// machine's links down, forgets its runtime addresses and kills every
// process in its namespaces; on brings its links back with their base
// addresses; status says whether anything of it still runs. It speaks the
// fence-agents API (doc/FenceAgentAPI.md of ClusterLabs/fence-agents):
// options on the command line or as name=value lines on stdin, exit 0 on
// success, and for status 0 = on, 2 = off.
package fencenetns

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Name is the agent's program name.
const Name = "fence_baton_netns"

// Exit statuses of the fence-agents API.
const (
	exitOK    = 0
	exitError = 1
	exitOff   = 2 // status: the plug is off
)

// options are the agent's inputs, by their stdin names.
type options map[string]string

// longFlags maps command-line options to stdin names; short ones follow
// fence-agents' conventions.
var longFlags = map[string]string{
	"-o": "action", "--action": "action",
	"-n": "plug", "--plug": "plug", "--port": "plug",
	"--nodename":    "nodename",
	"--devices-dir": "devices_dir",
}

// parse reads the options: from the command line when any are given,
// otherwise from stdin, as Pacemaker's fencer passes them.
func parse(args []string, stdin io.Reader) (options, error) {
	o := options{}
	if len(args) == 0 {
		sc := bufio.NewScanner(stdin)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				return nil, fmt.Errorf("stdin line %q is not name=value", line)
			}
			o[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("read stdin: %w", err)
		}
	} else {
		for i := 0; i < len(args); i++ {
			a := args[i]
			name, value, hasValue := strings.Cut(a, "=")
			key, ok := longFlags[name]
			if !ok {
				return nil, fmt.Errorf("unknown option %q (see %s -o metadata)", a, Name)
			}
			if !hasValue {
				if i+1 >= len(args) {
					return nil, fmt.Errorf("option %s needs a value", name)
				}
				i++
				value = args[i]
			}
			o[key] = value
		}
	}
	if o["plug"] == "" && o["port"] != "" {
		o["plug"] = o["port"] // the older name
	}
	if o["action"] == "" {
		o["action"] = "reboot" // the fence-agents default
	}
	return o, nil
}

// Main runs the agent and returns its exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	o, err := parse(args, stdin)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", Name, err)
		return exitError
	}
	action := o["action"]
	if action == "metadata" {
		io.WriteString(stdout, metadata)
		return exitOK
	}
	dir := o["devices_dir"]
	if dir == "" {
		fmt.Fprintf(stderr, "%s: devices_dir is required: the directory with one machine description per plug\n", Name)
		return exitError
	}
	sw := &Switch{Dir: dir}
	needPlug := func() (string, bool) {
		if o["plug"] == "" {
			fmt.Fprintf(stderr, "%s: action %s needs plug (the machine's name)\n", Name, action)
			return "", false
		}
		return o["plug"], true
	}
	switch action {
	case "monitor", "validate-all":
		if err := sw.Check(); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", Name, err)
			return exitError
		}
		return exitOK
	case "list", "list-status":
		plugs, err := sw.List()
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", Name, err)
			return exitError
		}
		for _, p := range plugs {
			if action == "list-status" {
				st := "OFF"
				if on, err := sw.On(p); err == nil && on {
					st = "ON"
				}
				fmt.Fprintf(stdout, "%s,%s,%s\n", p, p, st)
				continue
			}
			fmt.Fprintf(stdout, "%s,%s\n", p, p)
		}
		return exitOK
	case "status":
		plug, ok := needPlug()
		if !ok {
			return exitError
		}
		on, err := sw.On(plug)
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", Name, err)
			return exitError
		}
		if on {
			fmt.Fprintln(stdout, "Status: ON")
			return exitOK
		}
		fmt.Fprintln(stdout, "Status: OFF")
		return exitOff
	case "off", "on", "reboot":
		plug, ok := needPlug()
		if !ok {
			return exitError
		}
		var err error
		switch action {
		case "off":
			err = sw.PowerOff(plug)
		case "on":
			err = sw.PowerOn(plug)
		case "reboot":
			if err = sw.PowerOff(plug); err == nil {
				err = sw.PowerOn(plug)
			}
		}
		if err != nil {
			fmt.Fprintf(stderr, "%s: %s %s: %v\n", Name, action, plug, err)
			return exitError
		}
		fmt.Fprintln(stdout, "Success: "+map[string]string{"off": "Powered OFF", "on": "Powered ON", "reboot": "Rebooted"}[action])
		return exitOK
	}
	fmt.Fprintf(stderr, "%s: unknown action %q (on, off, reboot, status, list, list-status, monitor, metadata, validate-all)\n", Name, action)
	return exitError
}
