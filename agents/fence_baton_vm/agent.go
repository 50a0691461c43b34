// Package fencevm is fence_baton_vm, the fence device of Baton's VM test
// tier: a PDU-like power switch on the host that runs the qemu guests
// (Switch, driven by tests/vm), and the agent that asks it over the
// network, as fence_virsh or fence_xvm ask a libvirt host. Off kills the
// guest's emulator (it can never resume its old state), on has the host
// boot it again, status reports whether it runs. The agent speaks the
// fence-agents API (doc/FenceAgentAPI.md of ClusterLabs/fence-agents):
// options on the command line or as name=value lines on stdin, exit 0 on
// success, and for status 0 = on, 2 = off.
package fencevm

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// Name is the agent's program name.
const Name = "fence_baton_vm"

// Exit statuses of the fence-agents API.
const (
	exitOK    = 0
	exitError = 1
	exitOff   = 2 // status: the plug is off
)

// options are the agent's inputs, by their stdin names.
type options map[string]string

// parse reads the options: from the command line when any are given,
// otherwise from stdin, as Pacemaker's fencer passes them. Unknown names on
// stdin are reported on stderr and ignored, as fence-agents do (a fencer
// may pass more than an agent declares); on the command line they are an
// error.
func parse(args []string, stdin io.Reader, stderr io.Writer) (options, error) {
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
			k = strings.TrimSpace(k)
			if !known(k) {
				fmt.Fprintf(stderr, "%s: ignoring unknown option %q\n", Name, k)
				continue
			}
			o[k] = strings.TrimSpace(v)
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("read stdin: %w", err)
		}
	} else {
		flags := flagNames()
		for i := 0; i < len(args); i++ {
			name, value, hasValue := strings.Cut(args[i], "=")
			key, ok := flags[name]
			if !ok {
				return nil, fmt.Errorf("unknown option %q (see %s -o metadata)", args[i], Name)
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
	for _, p := range params {
		if o[p.Name] == "" && p.Default != "" {
			o[p.Name] = p.Default
		}
	}
	return o, nil
}

// settings are the checked options.
type settings struct {
	addr         string
	keyFile      string
	login, power time.Duration
}

func seconds(o options, name string) (time.Duration, error) {
	f, err := strconv.ParseFloat(o[name], 64)
	if err != nil || f <= 0 {
		return 0, fmt.Errorf("%s %q is not a positive number of seconds", name, o[name])
	}
	return time.Duration(f * float64(time.Second)), nil
}

// check validates the options (validate-all), without the network.
func check(o options) (settings, error) {
	var s settings
	if o["ip"] == "" {
		return s, errors.New("ip is required: the power switch's address")
	}
	s.addr = o["ip"]
	if _, _, err := net.SplitHostPort(s.addr); err != nil {
		port, perr := strconv.Atoi(o["ipport"])
		if perr != nil || port <= 0 || port > 65535 {
			return s, fmt.Errorf("ipport %q is not a TCP port", o["ipport"])
		}
		s.addr = net.JoinHostPort(s.addr, o["ipport"])
	}
	var err error
	if s.login, err = seconds(o, "login_timeout"); err != nil {
		return s, err
	}
	if s.power, err = seconds(o, "power_timeout"); err != nil {
		return s, err
	}
	s.keyFile = o["key_file"]
	return s, nil
}

// Main runs the agent and returns its exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "%s: "+format+"\n", append([]any{Name}, a...)...)
		return exitError
	}
	o, err := parse(args, stdin, stderr)
	if err != nil {
		return fail("%v", err)
	}
	action := o["action"]
	if action == "metadata" {
		io.WriteString(stdout, metadata())
		return exitOK
	}
	known := false
	for _, a := range actions {
		known = known || a == action
	}
	if !known {
		return fail("unknown action %q (%s)", action, strings.Join(actions, ", "))
	}
	s, err := check(o)
	if err != nil {
		return fail("%v", err)
	}
	key, err := LoadKey(s.keyFile)
	if err != nil {
		return fail("key_file: %v", err)
	}
	if action == "validate-all" {
		return exitOK
	}
	cl := &Client{Addr: s.addr, Key: key, LoginTimeout: s.login}
	ctx := context.Background()
	ask := func(op, plug string) (*Reply, error) { return cl.Do(ctx, op, plug, s.power) }
	plug := o["plug"]
	if plug == "" && action != "monitor" && action != "list" && action != "list-status" {
		return fail("action %s needs plug (the guest's name on the switch)", action)
	}
	switch action {
	case "monitor":
		if _, err := ask(OpList, ""); err != nil {
			return fail("%v", err)
		}
		return exitOK
	case "list", "list-status":
		rep, err := ask(OpList, "")
		if err != nil {
			return fail("%v", err)
		}
		for _, p := range rep.Plugs {
			if action == "list" {
				fmt.Fprintf(stdout, "%s,%s\n", p, p)
				continue
			}
			st := "UNKNOWN"
			if r, err := ask(OpStatus, p); err == nil {
				st = map[bool]string{true: "ON", false: "OFF"}[r.On]
			}
			fmt.Fprintf(stdout, "%s,%s,%s\n", p, p, st)
		}
		return exitOK
	case "status":
		rep, err := ask(OpStatus, plug)
		if err != nil {
			return fail("%v", err)
		}
		if rep.On {
			fmt.Fprintln(stdout, "Status: ON")
			return exitOK
		}
		fmt.Fprintln(stdout, "Status: OFF")
		return exitOff
	case "off", "reboot":
		rep, err := ask(OpOff, plug)
		if err != nil {
			return fail("off %s: %v", plug, err)
		}
		if rep.On {
			return fail("off %s: the switch still reports it on", plug)
		}
		if action == "off" {
			fmt.Fprintln(stdout, "Success: Powered OFF")
			return exitOK
		}
		// As with fence-agents: once the guest is off the node is fenced;
		// a failing power-on is reported but does not fail the reboot.
		if rep, err := ask(OpOn, plug); err != nil || !rep.On {
			fmt.Fprintf(stderr, "%s: reboot %s: powered off, but powering on failed: %v\n", Name, plug, err)
		}
		fmt.Fprintln(stdout, "Success: Rebooted")
		return exitOK
	case "on":
		rep, err := ask(OpOn, plug)
		if err != nil {
			return fail("on %s: %v", plug, err)
		}
		if !rep.On {
			return fail("on %s: the switch still reports it off", plug)
		}
		fmt.Fprintln(stdout, "Success: Powered ON")
		return exitOK
	}
	return fail("unknown action %q", action)
}
