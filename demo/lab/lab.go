// Package lab builds a throw-away cluster lab on one Linux machine from
// real kernel objects: network namespaces joined by bridges, nodes that
// each run in their own network and mount namespaces, and loop devices as
// shared disks. Everything it makes is recorded in a state file, so that
// another process can remove it later (`baton demo --down`), and every name
// carries a prefix unique to the lab, so that nothing else is touched.
package lab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Lab is the record of what was made. Its fields are saved as JSON in
// Dir/lab.json after every change.
type Lab struct {
	Dir    string `json:"dir"`
	Prefix string `json:"prefix"`
	// Namespaces are the network namespaces made, in order.
	Namespaces []string `json:"namespaces"`
	// Loops are attached loop devices.
	Loops []string `json:"loops"`
	// Ports counts bridge ports per hub namespace, for unique names.
	Ports map[string]int `json:"ports"`
	// Created are host directories made for the lab (a mount point).
	Created []string `json:"created"`
}

// StateFile is where a lab in dir records itself.
func StateFile(dir string) string { return filepath.Join(dir, "lab.json") }

// New starts a lab in dir, which must not hold another lab. prefix starts
// every namespace name (at most 6 characters: interface names are short).
func New(dir, prefix string) (*Lab, error) {
	if _, err := os.Stat(StateFile(dir)); err == nil {
		return nil, fmt.Errorf("%s holds a lab already: remove it first (baton demo --down --dir %s)", dir, dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	l := &Lab{Dir: dir, Prefix: prefix, Ports: map[string]int{}}
	return l, l.save()
}

// Open reads the lab recorded in dir.
func Open(dir string) (*Lab, error) {
	b, err := os.ReadFile(StateFile(dir))
	if err != nil {
		return nil, err
	}
	var l Lab
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, fmt.Errorf("%s: %w", StateFile(dir), err)
	}
	return &l, nil
}

// Memory starts a lab that records itself nowhere: for callers that remove
// it themselves in the same process (tests).
func Memory(prefix string) *Lab {
	return &Lab{Prefix: prefix, Ports: map[string]int{}}
}

func (l *Lab) save() error {
	if l.Dir == "" {
		return nil
	}
	b, _ := json.MarshalIndent(l, "", "  ")
	return os.WriteFile(StateFile(l.Dir), b, 0o644)
}

// run runs a command with a bound and returns an error carrying its output.
func run(name string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

func output(name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).Output()
	if err != nil {
		return "", fmt.Errorf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return string(out), nil
}

// addNamespace creates a network namespace named prefix+name, with lo up.
func (l *Lab) addNamespace(name string) (string, error) {
	ns := l.Prefix + name
	if err := run("ip", "netns", "add", ns); err != nil {
		return "", err
	}
	l.Namespaces = append(l.Namespaces, ns)
	if err := l.save(); err != nil {
		return ns, err
	}
	return ns, run("ip", "-n", ns, "link", "set", "lo", "up")
}

// Network is a bridge in its own namespace.
type Network struct {
	l   *Lab
	Hub string
}

// AddNetwork creates a hub namespace with a bridge br0.
func (l *Lab) AddNetwork(name string) (*Network, error) {
	hub, err := l.addNamespace(name)
	if err != nil {
		return nil, err
	}
	if err := run("ip", "-n", hub, "link", "add", "br0", "type", "bridge"); err != nil {
		return nil, err
	}
	return &Network{l: l, Hub: hub}, run("ip", "-n", hub, "link", "set", "br0", "up")
}

// Host is a namespace's attachment to a network: the namespace, and the
// bridge port (in the hub) its interface is plugged into.
type Host struct {
	NS   string
	Port string
}

// AddHost creates a namespace attached to the bridge as eth0 with address
// cidr (none when empty).
func (n *Network) AddHost(name, cidr string) (Host, error) {
	ns, err := n.l.addNamespace(name)
	if err != nil {
		return Host{}, err
	}
	return n.Attach(ns, "eth0", cidr)
}

// Attach connects namespace ns to the bridge through a new interface
// ifname with address cidr (none when empty).
func (n *Network) Attach(ns, ifname, cidr string) (Host, error) {
	h := Host{NS: ns, Port: fmt.Sprintf("p%d", n.l.Ports[n.Hub])}
	n.l.Ports[n.Hub]++
	if err := n.l.save(); err != nil {
		return h, err
	}
	cmds := [][]string{
		{"link", "add", ifname, "netns", ns, "type", "veth", "peer", "name", h.Port, "netns", n.Hub},
		{"-n", n.Hub, "link", "set", h.Port, "master", "br0"},
		{"-n", n.Hub, "link", "set", h.Port, "up"},
		{"-n", ns, "link", "set", ifname, "up"},
	}
	if cidr != "" {
		cmds = append(cmds, []string{"-n", ns, "addr", "add", cidr, "dev", ifname})
	}
	for _, args := range cmds {
		if err := run("ip", args...); err != nil {
			return h, err
		}
	}
	return h, nil
}

// Unplug removes the host's bridge port: the host is silently cut off, as
// if its cable were pulled, without it seeing its own link go down.
func (n *Network) Unplug(h Host) error {
	if err := run("ip", "-n", n.Hub, "link", "set", h.Port, "nomaster"); err != nil {
		return err
	}
	return run("ip", "-n", n.Hub, "link", "set", h.Port, "down")
}

// Plug puts an unplugged host's port back on the bridge.
func (n *Network) Plug(h Host) error {
	if err := run("ip", "-n", n.Hub, "link", "set", h.Port, "master", "br0"); err != nil {
		return err
	}
	return run("ip", "-n", n.Hub, "link", "set", h.Port, "up")
}

// SetLinks takes every interface of namespace ns (but lo) up or down.
func SetLinks(ns string, up bool) error {
	out, err := output("ip", "-n", ns, "-o", "link", "show")
	if err != nil {
		return err
	}
	state := "down"
	if up {
		state = "up"
	}
	var errs []error
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		ifc, _, _ := strings.Cut(strings.TrimSuffix(f[1], ":"), "@")
		if ifc == "lo" {
			continue
		}
		errs = append(errs, run("ip", "-n", ns, "link", "set", "dev", ifc, state))
	}
	return errors.Join(errs...)
}

// Pids returns the processes in network namespace ns, never this process:
// "ip netns pids" goes by the namespace of a process's main thread, and a
// Go program's main thread can be left in a namespace it entered for a
// goroutine locked to it (Go wedges the main thread instead of ending it).
// The lab must not kill the program that runs it.
func Pids(ns string) []int {
	out, _ := output("ip", "netns", "pids", ns)
	var pids []int
	for _, f := range strings.Fields(out) {
		if p, err := strconv.Atoi(f); err == nil && p != os.Getpid() {
			pids = append(pids, p)
		}
	}
	return pids
}

// KillNamespace SIGKILLs every process in network namespace ns and waits
// (bounded) until none is left. Only processes in the lab's own namespaces
// are ever signalled.
func KillNamespace(ns string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		pids := Pids(ns)
		if len(pids) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("namespace %s: processes %v still there after SIGKILL", ns, pids)
		}
		for _, p := range pids {
			_ = syscall.Kill(p, syscall.SIGKILL)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Close removes everything the lab made: processes in its namespaces, the
// namespaces, loop devices, and its directory. It goes on past errors and
// reports them all.
func (l *Lab) Close() error {
	var errs []error
	for i := len(l.Namespaces) - 1; i >= 0; i-- {
		errs = append(errs, KillNamespace(l.Namespaces[i], 5*time.Second))
	}
	for i := len(l.Namespaces) - 1; i >= 0; i-- {
		errs = append(errs, run("ip", "netns", "del", l.Namespaces[i]))
	}
	for _, d := range l.Loops {
		errs = append(errs, run("losetup", "-d", d))
	}
	for _, d := range l.Created {
		_ = os.Remove(d) // only when empty: something else may use it now
	}
	errs = append(errs, os.RemoveAll(l.Dir))
	return errors.Join(errs...)
}
