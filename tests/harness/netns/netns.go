// Package netns builds throw-away test networks from real network
// namespaces (demo/lab's): a bridge in a hub namespace and hosts attached
// to it by veth pairs. Everything is named uniquely and removed when the
// test ends, even when it fails.
package netns

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/demo/lab"
	"github.com/baton-ha/baton/tests/harness"
)

// Network is a bridge in its own namespace (a demo/lab network, removed
// when the test ends).
type Network struct {
	t   testing.TB
	Hub string // namespace holding the bridge "br0"
	nw  *lab.Network
}

// Host is a namespace with one interface, "eth0", on the network.
type Host struct {
	Name string // the namespace
	Port string // the bridge-side veth end, in the hub
	Addr string // CIDR of eth0, e.g. 10.213.7.1/24
}

// New creates the hub namespace and its bridge; cleanup deletes every
// namespace the network made, and anything still running in them.
func New(t testing.TB) *Network {
	t.Helper()
	harness.NeedRoot(t)
	harness.NeedCommand(t, "ip")
	l := lab.Memory(harness.UniqueName("bt"))
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Logf("removing test network: %v", err)
		}
	})
	nw, err := l.AddNetwork("h")
	if err != nil {
		t.Fatal(err)
	}
	return &Network{t: t, Hub: nw.Hub, nw: nw}
}

// AddHost creates a namespace attached to the bridge with the address cidr
// on eth0 (empty cidr: no address).
func (n *Network) AddHost(name, cidr string) *Host {
	n.t.Helper()
	h, err := n.nw.AddHost(name, cidr)
	if err != nil {
		n.t.Fatal(err)
	}
	return &Host{Name: h.NS, Port: h.Port, Addr: cidr}
}

// Attach connects an existing host (made by another Network) to this
// network's bridge through a new interface ifname with address cidr: hosts
// with several links, such as cluster nodes with a heartbeat and a service
// network.
func (n *Network) Attach(h *Host, ifname, cidr string) *Host {
	n.t.Helper()
	a, err := n.nw.Attach(h.Name, ifname, cidr)
	if err != nil {
		n.t.Fatal(err)
	}
	return &Host{Name: h.Name, Port: a.Port, Addr: cidr}
}

// Unplug removes the host's bridge port: the host is silently cut off, as
// if its cable were pulled, without it seeing its own link go down.
func (n *Network) Unplug(h *Host) {
	n.t.Helper()
	if err := n.nw.Unplug(lab.Host{NS: h.Name, Port: h.Port}); err != nil {
		n.t.Fatal(err)
	}
}

// Plug puts an unplugged host's port back on the bridge.
func (n *Network) Plug(h *Host) {
	n.t.Helper()
	if err := n.nw.Plug(lab.Host{NS: h.Name, Port: h.Port}); err != nil {
		n.t.Fatal(err)
	}
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
