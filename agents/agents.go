// Package agents lists Baton's resource agents. The binary, the meta-data
// generator and the executor look agents up here, so adding an agent is one
// line in All.
package agents

import (
	"os"
	"sort"

	"github.com/baton-ha/baton/agents/drbd"
	"github.com/baton-ha/baton/agents/dummy"
	"github.com/baton-ha/baton/agents/exportfs"
	"github.com/baton-ha/baton/agents/filesystem"
	"github.com/baton-ha/baton/agents/ipaddr"
	"github.com/baton-ha/baton/agents/nfsserver"
	"github.com/baton-ha/baton/agents/stateful"
	"github.com/baton-ha/baton/ocf"
)

// All returns every agent, freshly constructed with its production
// dependencies.
func All() []*ocf.Agent {
	list := []*ocf.Agent{
		drbd.New(drbd.Production()),
		dummy.New(os.Hostname),
		filesystem.New(filesystem.Config{}),
		stateful.New(),
		ipaddr.New(),
		nfsserver.New(),
		exportfs.New(),
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	return list
}

// Lookup returns the agent of that OCF type, or nil.
func Lookup(name string) *ocf.Agent {
	for _, a := range All() {
		if a.Name == name {
			return a
		}
	}
	return nil
}
