// Package netns builds throw-away test networks from real network
// namespaces: a bridge in a hub namespace and hosts attached to it by veth
// pairs. Everything is named uniquely and removed when the test ends, even
// when it fails.
package netns

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/harness"
)

// Network is a bridge in its own namespace.
type Network struct {
	t      testing.TB
	Hub    string // namespace holding the bridge "br0"
	prefix string
	hosts  []*Host
	// attached are other networks' hosts joined here; their namespaces
	// belong to those networks.
	attached []*Host
}

// Host is a namespace with one interface, "eth0", on the network.
type Host struct {
	Name string // the namespace
	Port string // the bridge-side veth end, in the hub
	Addr string // CIDR of eth0, e.g. 10.213.7.1/24
}

// New creates the hub namespace and its bridge; cleanup deletes every
// namespace the network made.
func New(t testing.TB) *Network {
	t.Helper()
	harness.NeedRoot(t)
	harness.NeedCommand(t, "ip")
	n := &Network{t: t, prefix: harness.UniqueName("bt")}
	n.Hub = n.prefix + "h"
	n.must("ip", "netns", "add", n.Hub)
	t.Cleanup(func() {
		for _, h := range n.hosts {
			_ = exec.Command("ip", "netns", "del", h.Name).Run()
		}
		_ = exec.Command("ip", "netns", "del", n.Hub).Run()
	})
	n.must("ip", "-n", n.Hub, "link", "add", "br0", "type", "bridge")
	n.must("ip", "-n", n.Hub, "link", "set", "br0", "up")
	n.must("ip", "-n", n.Hub, "link", "set", "lo", "up")
	return n
}

// AddHost creates a namespace attached to the bridge with the address cidr
// on eth0 (empty cidr: no address).
func (n *Network) AddHost(name, cidr string) *Host {
	n.t.Helper()
	h := &Host{Name: n.prefix + name, Port: fmt.Sprintf("p%d", len(n.hosts)+len(n.attached)), Addr: cidr}
	n.must("ip", "netns", "add", h.Name)
	n.hosts = append(n.hosts, h)
	n.must("ip", "link", "add", "eth0", "netns", h.Name, "type", "veth", "peer", "name", h.Port, "netns", n.Hub)
	n.must("ip", "-n", n.Hub, "link", "set", h.Port, "master", "br0")
	n.must("ip", "-n", n.Hub, "link", "set", h.Port, "up")
	n.must("ip", "-n", h.Name, "link", "set", "lo", "up")
	n.must("ip", "-n", h.Name, "link", "set", "eth0", "up")
	if cidr != "" {
		n.must("ip", "-n", h.Name, "addr", "add", cidr, "dev", "eth0")
	}
	return h
}

// Attach connects an existing host (made by another Network) to this
// network's bridge through a new interface ifname with address cidr: hosts
// with several links, such as cluster nodes with a heartbeat and a service
// network.
func (n *Network) Attach(h *Host, ifname, cidr string) *Host {
	n.t.Helper()
	port := fmt.Sprintf("p%d", len(n.hosts)+len(n.attached))
	n.must("ip", "link", "add", ifname, "netns", h.Name, "type", "veth", "peer", "name", port, "netns", n.Hub)
	n.must("ip", "-n", n.Hub, "link", "set", port, "master", "br0")
	n.must("ip", "-n", n.Hub, "link", "set", port, "up")
	n.must("ip", "-n", h.Name, "link", "set", ifname, "up")
	if cidr != "" {
		n.must("ip", "-n", h.Name, "addr", "add", cidr, "dev", ifname)
	}
	att := &Host{Name: h.Name, Port: port, Addr: cidr}
	n.attached = append(n.attached, att)
	return att
}

// Unplug removes the host's bridge port: the host is silently cut off, as
// if its cable were pulled, without it seeing its own link go down.
func (n *Network) Unplug(h *Host) {
	n.t.Helper()
	n.must("ip", "-n", n.Hub, "link", "set", h.Port, "nomaster")
	n.must("ip", "-n", n.Hub, "link", "set", h.Port, "down")
}

// Plug puts an unplugged host's port back on the bridge.
func (n *Network) Plug(h *Host) {
	n.t.Helper()
	n.must("ip", "-n", n.Hub, "link", "set", h.Port, "master", "br0")
	n.must("ip", "-n", n.Hub, "link", "set", h.Port, "up")
}

// Exec runs a command inside the host's network namespace and returns its
// output and exit code.
func (h *Host) Exec(ctx context.Context, name string, args ...string) (string, int) {
	return harness.Run(ctx, nil, "ip", append([]string{"netns", "exec", h.Name, name}, args...)...)
}

// Command returns an unstarted command that runs inside the host's network
// namespace.
func (h *Host) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", h.Name, name}, args...)...)
}

// MustExec is Exec that fails t on a non-zero exit.
func (h *Host) MustExec(t testing.TB, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, code := h.Exec(ctx, name, args...)
	if code != 0 {
		t.Fatalf("in %s: %s %s: exit %d\n%s", h.Name, name, strings.Join(args, " "), code, out)
	}
	return out
}

func (n *Network) must(name string, args ...string) {
	n.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if out, code := harness.Run(ctx, nil, name, args...); code != 0 {
		n.t.Fatalf("%s %s: exit %d\n%s", name, strings.Join(args, " "), code, out)
	}
}
