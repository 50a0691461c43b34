// Package ping is ocf:baton:ping, a drop-in for ocf:pacemaker:ping: it
// counts the hosts of host_list that answer ICMP echo and publishes
// multiplier x that count as a transient node attribute (pingd by default),
// dampened, so that location rules can move resources off a node that lost
// its service network. It sends ICMP itself (no ping or fping processes)
// and publishes through the OCF attribute channel: attrd_updater under
// Pacemaker, the daemon's socket under Baton's CRM.
package ping

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/baton-ha/baton/ocf"
)

// Config holds the agent's dependencies; its zero value means a real node.
type Config struct {
	// Alive reports whether host answers one of attempts echo requests,
	// each waited for up to wait. Default: ICMP echo (Echo).
	Alive func(ctx context.Context, host string, attempts int, wait time.Duration) bool
}

// New returns the agent.
func New(c Config) *ocf.Agent {
	if c.Alive == nil {
		c.Alive = Echo
	}
	return &ocf.Agent{
		Name:      "ping",
		Version:   "1.0",
		Shortdesc: "Node connectivity as a node attribute, like ocf:pacemaker:ping",
		Longdesc: `Every monitor pings each host of host_list and sets the transient node
attribute name (pingd) to multiplier times the number of hosts that answered,
through the cluster's attribute manager with the dampening delay dampen. Run
it as a clone and add a location rule on the attribute, for example
"-INFINITY where pingd is not defined or lte 0", so that resources leave a
node that lost its service network. ICMP echo is sent by the agent itself;
ping(8) and fping are not needed.`,
		Params: params(),
		Actions: []ocf.ActionSpec{
			{Name: ocf.ActionStart, Timeout: 60 * time.Second},
			{Name: ocf.ActionStop, Timeout: 20 * time.Second},
			{Name: ocf.ActionMonitor, Timeout: 60 * time.Second, Interval: 10 * time.Second},
			{Name: ocf.ActionReloadAgent, Timeout: 20 * time.Second},
			{Name: ocf.ActionMetaData, Timeout: 5 * time.Second},
			{Name: ocf.ActionValidateAll, Timeout: 30 * time.Second},
		},
		Impl: &agent{c: c},
	}
}

func params() []ocf.Param {
	return []ocf.Param{
		{Name: "pidfile", Default: "${HA_VARRUN}/ping-${OCF_RESOURCE_INSTANCE}",
			DefaultFunc: func(e *ocf.Env) string { return filepath.Join(e.VarRun, "ping-"+e.Instance) },
			Shortdesc:   "State file",
			Longdesc:    "The file whose existence says the resource is started."},
		{Name: "dampen", Type: ocf.Duration, Default: "5s", Reloadable: true, Check: nonNegativeDuration,
			Shortdesc: "Dampening interval",
			Longdesc:  "How long the attribute manager waits after a change before it writes the new value, so that a short outage does not move resources."},
		{Name: "name", Default: "pingd", Reloadable: true,
			Shortdesc: "Attribute name",
			Longdesc:  "The name of the node attribute to set."},
		{Name: "failure_score", Type: ocf.Integer, Default: "0", Reloadable: true,
			Shortdesc: "Failure score",
			Longdesc:  "When the published value is below this, the monitor fails (exit 1)."},
		{Name: "multiplier", Type: ocf.Integer, Default: "1", Reloadable: true, Check: ocf.IntRange(0, 1000000),
			Shortdesc: "Value multiplier",
			Longdesc:  "The number of hosts that answered is multiplied by this."},
		{Name: "host_list", Required: true, Reloadable: true, Check: checkHosts,
			Shortdesc: "Host list",
			Longdesc:  "The hosts to ping, IPv4 or IPv6 addresses or names, separated by spaces."},
		{Name: "attempts", Type: ocf.Integer, Default: "3", Reloadable: true, Check: ocf.IntRange(1, 100),
			Shortdesc: "Number of ping attempts per host",
			Longdesc:  "A host counts as reachable when one of this many echo requests is answered."},
		{Name: "timeout", Reloadable: true, Check: checkTimeout,
			Shortdesc: "Ping timeout in seconds",
			Longdesc: `How long to wait for a host's answers, in seconds (or with a unit: 1500ms,
1min), shared by its attempts. Empty: the monitor's timeout divided by the
hosts and attempts, less 10%, as ocf:pacemaker:ping (5 s when that is under
one second). Hosts are pinged in parallel.`},
		{Name: "options", Ignored: "Baton sends ICMP echo itself; there is no ping(8) to pass options to",
			Shortdesc: "Extra ping options",
			Longdesc:  "Accepted for compatibility; without effect."},
		{Name: "use_fping", Type: ocf.Boolean, Default: "1", Ignored: "Baton sends ICMP echo itself, in parallel to all hosts, as fping would",
			Shortdesc: "Use fping",
			Longdesc:  "Accepted for compatibility; without effect."},
		{Name: "debug", Default: "false", Reloadable: true,
			Shortdesc: "Log each host's result",
			Longdesc:  `"true" or a number above 0 logs unreachable hosts; above 1 also reachable ones.`},
	}
}

func nonNegativeDuration(v string) error {
	d, err := ocf.ParseDuration(v)
	if err != nil {
		return err
	}
	if d < 0 {
		return errors.New("must not be negative")
	}
	return nil
}

func checkHosts(v string) error {
	if len(strings.Fields(v)) == 0 {
		return errors.New("empty host_list: name the hosts to ping")
	}
	for _, h := range strings.Fields(v) {
		if strings.HasPrefix(h, "-") {
			return fmt.Errorf("%q is not a host", h)
		}
	}
	return nil
}

func checkTimeout(v string) error {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	_, err := parseTimeout(v)
	return err
}

// parseTimeout reads the timeout parameter: seconds, or a duration with a
// unit.
func parseTimeout(v string) (time.Duration, error) {
	d, err := ocf.ParseDuration(v)
	if err != nil {
		return 0, err
	}
	if d <= 0 {
		return 0, errors.New("must be positive")
	}
	return d, nil
}

type agent struct {
	c Config
}

// debugLevel reads the debug parameter: ocf:pacemaker:ping takes a number;
// true counts as 1.
func debugLevel(v string) int {
	if ocf.IsTrue(v) {
		return 1
	}
	n, _ := strconv.Atoi(strings.TrimSpace(v))
	return n
}

func (a *agent) Validate(context.Context, *ocf.Request) error { return nil }

func (a *agent) Start(ctx context.Context, r *ocf.Request) error {
	if a.started(r) {
		return a.update(ctx, r, false)
	}
	path := r.Params.String("pidfile")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "create the directory of the state file %s: %v", path, err)
	}
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "create the state file %s: %v", path, err)
	}
	return a.update(ctx, r, true)
}

func (a *agent) Stop(ctx context.Context, r *ocf.Request) error {
	if err := os.Remove(r.Params.String("pidfile")); err != nil && !errors.Is(err, os.ErrNotExist) {
		return ocf.Errorf(ocf.ErrGeneric, "remove the state file: %v", err)
	}
	name := r.Params.String("name")
	var err error
	if d, ok := r.Attrs.(ocf.Dampener); ok {
		err = d.DeleteDampened(ctx, name, r.Params.Duration("dampen"))
	} else {
		err = r.Attrs.Delete(ctx, name, ocf.Reboot)
	}
	if err != nil {
		// As the reference: the attribute is the cluster's to clean up
		// with the node; stop itself succeeded.
		r.Log.Warn(fmt.Sprintf("cannot remove the attribute %s: %v", name, err))
	}
	return nil
}

func (a *agent) Monitor(ctx context.Context, r *ocf.Request) error {
	if !a.started(r) {
		return ocf.NotRunning
	}
	return a.update(ctx, r, false)
}

// ReloadAgent applies changed parameters: they are read afresh by every
// monitor, and the attribute is published at once with them.
func (a *agent) ReloadAgent(ctx context.Context, r *ocf.Request) error {
	return a.update(ctx, r, true)
}

func (a *agent) started(r *ocf.Request) bool {
	_, err := os.Stat(r.Params.String("pidfile"))
	return err == nil
}

// update pings the hosts and publishes the score; first also sets the
// attribute's dampening delay.
func (a *agent) update(ctx context.Context, r *ocf.Request, first bool) error {
	hosts := strings.Fields(r.Params.String("host_list"))
	attempts := int(r.Params.Int("attempts"))
	budget := a.timeout(r, len(hosts), attempts)
	up := a.count(ctx, r, hosts, attempts, budget/time.Duration(attempts))
	score := up * int(r.Params.Int("multiplier"))
	name, value := r.Params.String("name"), strconv.Itoa(score)
	var err error
	if d, ok := r.Attrs.(ocf.Dampener); ok {
		err = d.SetDampened(ctx, name, value, r.Params.Duration("dampen"), first)
	} else {
		err = r.Attrs.Set(ctx, name, value, ocf.Reboot)
	}
	if err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "cannot set the node attribute %s=%s: %v", name, value, err)
	}
	if debugLevel(r.Params.String("debug")) > 0 {
		r.Log.Info(fmt.Sprintf("%s = %d (%d of %d hosts reachable)", name, score, up, len(hosts)))
	}
	if fs := int(r.Params.Int("failure_score")); score < fs {
		return ocf.Errorf(ocf.ErrGeneric, "%s is %d, below failure_score %d: %d of %d hosts reachable", name, score, fs, up, len(hosts))
	}
	return nil
}

// timeout is the time all attempts of one host may take.
func (a *agent) timeout(r *ocf.Request, hosts, attempts int) time.Duration {
	if v := r.Params.String("timeout"); strings.TrimSpace(v) != "" {
		if d, err := parseTimeout(v); err == nil {
			return d
		}
	}
	// As the reference: the operation's timeout shared by the hosts and
	// attempts, finishing 10% early; 5 s when that is under a second. The
	// hosts are pinged in parallel here, so this is generous.
	op := r.Env.Meta.Timeout
	if op <= 0 || hosts == 0 {
		return 5 * time.Second
	}
	d := op / time.Duration(hosts*attempts) * 10 / 11
	if d < time.Second {
		return 5 * time.Second
	}
	return d
}

// count pings every host in parallel and returns how many answered.
func (a *agent) count(ctx context.Context, r *ocf.Request, hosts []string, attempts int, wait time.Duration) int {
	var mu sync.Mutex
	up := 0
	var wg sync.WaitGroup
	level := debugLevel(r.Params.String("debug"))
	for _, h := range hosts {
		wg.Add(1)
		go func(h string) {
			defer wg.Done()
			ok := a.c.Alive(ctx, h, attempts, wait)
			mu.Lock()
			defer mu.Unlock()
			if ok {
				up++
			}
			switch {
			case !ok && level > 0:
				r.Log.Warn(h + " is inactive: no answer to ICMP echo")
			case ok && level > 1:
				r.Log.Info(h + " is reachable")
			}
		}(h)
	}
	wg.Wait()
	return up
}

// resolve returns host's address: itself when it is one, else the first
// address the resolver gives.
func resolve(ctx context.Context, host string) (net.IP, error) {
	if ip := net.ParseIP(host); ip != nil {
		return ip, nil
	}
	addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		return nil, err
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("%s has no address", host)
	}
	return addrs[0].IP, nil
}
