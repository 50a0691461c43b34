// Package fencevm is fence_baton_vm, the fence device of Baton's VM test
// tier: a PDU-like power switch on the host that runs the qemu guests
// (Switch, driven by tests/vm), and the agent that asks it over the
// network, as fence_virsh or fence_xvm ask a libvirt host. Off kills the
// guest's emulator (it can never resume its old state), on has the host
// boot it again, status reports whether it runs. The agent speaks the
// fence-agents API through agents/fenceapi: options on the command line or
// as name=value lines on stdin, exit 0 on success, and for status 0 = on,
// 2 = off.
package fencevm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"

	"github.com/baton-ha/baton/agents/fenceapi"
)

// Name is the agent's program name.
const Name = "fence_baton_vm"

// Defaults of the switch's port and the agent's key file.
const (
	DefaultPort    = "5407"
	DefaultKeyFile = "/etc/baton/fence_baton_vm.key"
)

// agent is fence_baton_vm's declaration: the metadata, the command line
// and the defaults all come from its parameters.
var agent = &fenceapi.Agent{
	Name:      Name,
	ShortDesc: "Fence agent for the guests of Baton's VM test tier",
	LongDesc:  "Asks the power switch of Baton's VM test tier, a small server on the host that runs the guests, to power a guest off (its emulator is killed: the guest cannot resume), on (the host boots it again) or to report its state, as fence_virsh or fence_xvm do for libvirt guests. Requests and answers are signed with a key shared with the switch (HMAC-SHA256) and bound to one-time challenges of both sides, so that a recorded request or answer cannot be played again.",
	PlugDesc:  "The guest's name on the power switch",
	Params: []fenceapi.Param{
		{Name: "ip", Short: "-a", Long: "--ip", Arg: "ip", Type: "string", Required: true,
			Desc: "The power switch's address (host name or IP, optionally host:port)"},
		{Name: "ipport", Short: "-u", Long: "--ipport", Arg: "port", Type: "integer", Default: DefaultPort,
			Desc: "The power switch's TCP port"},
		{Name: "key_file", Short: "-k", Long: "--key-file", Arg: "filename", Type: "string", Default: DefaultKeyFile,
			Desc: "The key shared with the power switch (mode 0600, at least 16 bytes): requests and answers are signed with it"},
		{Name: "login_timeout", Long: "--login-timeout", Arg: "seconds", Type: "second", Default: "5",
			Desc: "Wait X seconds for the switch to answer a connection"},
		{Name: "power_timeout", Long: "--power-timeout", Arg: "seconds", Type: "second", Default: "20",
			Desc: "Wait X seconds for the switch to power a guest off or on"},
	},
	Open: openDevice,
}

// Main runs the agent and returns its exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return agent.Main(args, stdin, stdout, stderr)
}

func seconds(o fenceapi.Options, name string) (time.Duration, error) {
	f, err := strconv.ParseFloat(o[name], 64)
	if err != nil || f <= 0 {
		return 0, fmt.Errorf("%s %q is not a positive number of seconds", name, o[name])
	}
	return time.Duration(f * float64(time.Second)), nil
}

// openDevice checks the options (fenceapi has checked that ip is set)
// and loads the key, without the network (validate-all).
func openDevice(o fenceapi.Options) (fenceapi.Device, error) {
	addr := o["ip"]
	if _, _, err := net.SplitHostPort(addr); err != nil {
		port, perr := strconv.Atoi(o["ipport"])
		if perr != nil || port <= 0 || port > 65535 {
			return nil, fmt.Errorf("ipport %q is not a TCP port", o["ipport"])
		}
		addr = net.JoinHostPort(addr, o["ipport"])
	}
	login, err := seconds(o, "login_timeout")
	if err != nil {
		return nil, err
	}
	power, err := seconds(o, "power_timeout")
	if err != nil {
		return nil, err
	}
	key, err := LoadKey(o["key_file"])
	if err != nil {
		return nil, fmt.Errorf("key_file: %w", err)
	}
	return &device{cl: &Client{Addr: addr, Key: key, LoginTimeout: login}, power: power}, nil
}

// device is the power switch as fenceapi acts on it: one signed request
// per call.
type device struct {
	cl    *Client
	power time.Duration // the power_timeout of each request
}

func (d *device) ask(ctx context.Context, op, plug string) (*Reply, error) {
	return d.cl.Do(ctx, op, plug, d.power)
}

func (d *device) List(ctx context.Context) ([]string, error) {
	rep, err := d.ask(ctx, OpList, "")
	if err != nil {
		return nil, err
	}
	return rep.Plugs, nil
}

func (d *device) Status(ctx context.Context, plug string) (bool, error) {
	rep, err := d.ask(ctx, OpStatus, plug)
	if err != nil {
		return false, err
	}
	return rep.On, nil
}

func (d *device) PowerOff(ctx context.Context, plug string) error {
	rep, err := d.ask(ctx, OpOff, plug)
	if err != nil {
		return err
	}
	if rep.On {
		return errors.New("the switch still reports it on")
	}
	return nil
}

func (d *device) PowerOn(ctx context.Context, plug string) error {
	rep, err := d.ask(ctx, OpOn, plug)
	if err != nil {
		return err
	}
	if !rep.On {
		return errors.New("the switch still reports it off")
	}
	return nil
}
