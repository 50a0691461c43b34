// Package agents lists Baton's resource agents. The binary, the meta-data
// generator and the executor look agents up here, so adding an agent is one
// line in registry.
package agents

import (
	"os"
	"sort"

	"github.com/baton-ha/baton/agents/drbd"
	"github.com/baton-ha/baton/agents/dummy"
	"github.com/baton-ha/baton/agents/exportfs"
	"github.com/baton-ha/baton/agents/filesystem"
	"github.com/baton-ha/baton/agents/ipaddr"
	"github.com/baton-ha/baton/agents/nfsnotify"
	"github.com/baton-ha/baton/agents/nfsserver"
	"github.com/baton-ha/baton/agents/stateful"
	"github.com/baton-ha/baton/ocf"
)

// registry maps each OCF type to the constructor of its agent with its
// production dependencies. Constructors run only for the agent asked for:
// an agent call pays for its own set-up, not for every agent's.
var registry = map[string]func() *ocf.Agent{
	"drbd":       func() *ocf.Agent { return drbd.New(drbd.Production()) },
	"Dummy":      func() *ocf.Agent { return dummy.New(os.Hostname) },
	"exportfs":   exportfs.New,
	"Filesystem": func() *ocf.Agent { return filesystem.New(filesystem.Config{}) },
	"IPaddr":     ipaddr.New,
	"nfsnotify":  nfsnotify.New,
	"nfsserver":  nfsserver.New,
	"Stateful":   stateful.New,
}

// Names returns the agents' OCF types, sorted.
func Names() []string {
	out := make([]string, 0, len(registry))
	for n := range registry {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// All returns every agent, freshly constructed, sorted by name.
func All() []*ocf.Agent {
	var list []*ocf.Agent
	for _, n := range Names() {
		list = append(list, registry[n]())
	}
	return list
}

// Lookup returns the agent of that OCF type, or nil.
func Lookup(name string) *ocf.Agent {
	if f, ok := registry[name]; ok {
		return f()
	}
	return nil
}
