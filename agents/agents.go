// Package agents lists Baton's resource agents. The binary, the meta-data
// generator and the executor look agents up here, so adding an agent is one
// line in registry.
package agents

import (
	"sort"

	"github.com/baton-ha/baton/agents/drbd"
	"github.com/baton-ha/baton/agents/drbd/fence"
	"github.com/baton-ha/baton/agents/dummy"
	"github.com/baton-ha/baton/agents/exportfs"
	"github.com/baton-ha/baton/agents/filesystem"
	"github.com/baton-ha/baton/agents/ipaddr"
	"github.com/baton-ha/baton/agents/nfsnotify"
	"github.com/baton-ha/baton/agents/nfsserver"
	"github.com/baton-ha/baton/agents/ping"
	"github.com/baton-ha/baton/agents/stateful"
	"github.com/baton-ha/baton/ocf"
)

// Config is what the binary hands the agents that they cannot find
// themselves. Its zero value gives every agent its production dependencies
// without a link to Baton's daemon; cmd/baton fills it in.
type Config struct {
	// BatonAdmin reaches Baton's daemon for the drbd agent's fencing
	// constraints; nil: the agent uses a CIB file or Pacemaker's CIB.
	BatonAdmin fence.Opener
}

// registry maps each OCF type to the constructor of its agent. Every agent
// is built the same way: New(Config) with a Config whose zero value means
// production. Constructors run only for the agent asked for: an agent call
// pays for its own set-up, not for every agent's.
var registry = map[string]func(Config) *ocf.Agent{
	"drbd":       func(c Config) *ocf.Agent { return drbd.New(drbd.Config{BatonAdmin: c.BatonAdmin}) },
	"Dummy":      func(Config) *ocf.Agent { return dummy.New(dummy.Config{}) },
	"exportfs":   func(Config) *ocf.Agent { return exportfs.New() },
	"Filesystem": func(Config) *ocf.Agent { return filesystem.New(filesystem.Config{}) },
	"IPaddr":     func(Config) *ocf.Agent { return ipaddr.New(ipaddr.Config{}) },
	"nfsnotify":  func(Config) *ocf.Agent { return nfsnotify.New() },
	"nfsserver":  func(Config) *ocf.Agent { return nfsserver.New() },
	"ping":       func(Config) *ocf.Agent { return ping.New(ping.Config{}) },
	"Stateful":   func(Config) *ocf.Agent { return stateful.New(stateful.Config{}) },
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

// All returns every agent with the zero Config, sorted by name: enough for
// meta-data and listings.
func All() []*ocf.Agent { return Config{}.All() }

// Lookup returns the agent of that OCF type with the zero Config, or nil.
func Lookup(name string) *ocf.Agent { return Config{}.Lookup(name) }

// All returns every agent, freshly constructed, sorted by name.
func (c Config) All() []*ocf.Agent {
	var list []*ocf.Agent
	for _, n := range Names() {
		list = append(list, registry[n](c))
	}
	return list
}

// Lookup returns the agent of that OCF type, or nil.
func (c Config) Lookup(name string) *ocf.Agent {
	if f, ok := registry[name]; ok {
		return f(c)
	}
	return nil
}
