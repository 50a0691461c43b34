// Package fencenetns is fence_baton_netns, a fence device for Baton's
// namespace test world: each "machine" there is a network namespace and a
// mount namespace, and this agent is its power switch. Off takes the
// machine's links down, forgets its runtime addresses and kills every
// process in its namespaces; on brings its links back with their base
// addresses; status says whether anything of it still runs. It speaks the
// fence-agents API through agents/fenceapi: options on the command line or
// as name=value lines on stdin, exit 0 on success, and for status 0 = on,
// 2 = off.
package fencenetns

import (
	"context"
	"io"

	"github.com/baton-ha/baton/agents/fenceapi"
)

// Name is the agent's program name.
const Name = "fence_baton_netns"

// agent is fence_baton_netns's declaration: the metadata, the command line
// and the defaults all come from its parameters.
var agent = &fenceapi.Agent{
	Name:      Name,
	ShortDesc: "Fence agent for Baton's namespace test machines",
	LongDesc:  `Powers a namespace "machine" of Baton's test world off and on: off takes its links down, drops its runtime addresses and kills every process in its network and mount namespaces; on brings its links back with their base addresses. Each machine is described by a JSON file named after its plug in devices_dir.`,
	PlugDesc:  "The machine's name (its file in devices_dir)",
	Params: []fenceapi.Param{
		{Name: "devices_dir", Long: "--devices-dir", Arg: "dir", Type: "string", Required: true,
			Desc: "Directory of the machine descriptions"},
	},
	Open: openSwitch,
}

// Main runs the agent and returns its exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return agent.Main(args, stdin, stdout, stderr)
}

// openSwitch returns the switch of devices_dir (fenceapi has checked that
// it is set) once its directory reads (validate-all).
func openSwitch(o fenceapi.Options) (fenceapi.Device, error) {
	sw := &Switch{Dir: o["devices_dir"]}
	if err := sw.Check(); err != nil {
		return nil, err
	}
	return device{sw}, nil
}

// device is the Switch as fenceapi acts on it.
type device struct{ sw *Switch }

func (d device) List(context.Context) ([]string, error)              { return d.sw.List() }
func (d device) Status(_ context.Context, plug string) (bool, error) { return d.sw.On(plug) }
func (d device) PowerOff(_ context.Context, plug string) error       { return d.sw.PowerOff(plug) }
func (d device) PowerOn(_ context.Context, plug string) error        { return d.sw.PowerOn(plug) }
