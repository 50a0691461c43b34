// Package dummy is ocf:baton:Dummy, a Go counterpart of ocf:pacemaker:Dummy:
// a resource that only records whether it runs, in a state file, and can be
// told to be slow or to fail. Cluster tests lean on it.
package dummy

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/baton-ha/baton/agents/envdump"
	"github.com/baton-ha/baton/ocf"
)

// Config holds the agent's dependencies; its zero value means a real node.
type Config struct {
	// Hostname reports this node's name (uname -n), which fail_start_on is
	// compared with. Default os.Hostname.
	Hostname func() (string, error)
}

// New returns the agent.
func New(c Config) *ocf.Agent {
	if c.Hostname == nil {
		c.Hostname = os.Hostname
	}
	d := &dummy{hostname: c.Hostname}
	return &ocf.Agent{
		Name:      "Dummy",
		Version:   "1.0",
		Shortdesc: "Example stateless resource agent",
		Longdesc: `This agent does nothing but keep track of whether it is running, in a state
file. Its actions can be made slow or made to fail, to test how a cluster
reacts. It behaves like ocf:pacemaker:Dummy.`,
		Params: []ocf.Param{
			{Name: "state", UniqueGroup: "state", Shortdesc: "State file",
				Longdesc: "Location to store the resource state in.",
				Default:  "${HA_VARRUN}/Dummy-${OCF_RESOURCE_INSTANCE}.state", DefaultFunc: StateFile("Dummy")},
			{Name: "passwd", Reloadable: true, Shortdesc: "Fake password field", Longdesc: "Fake password field."},
			{Name: "fake", Default: "dummy", Reloadable: true, Shortdesc: "Fake attribute that can be changed to cause a reload",
				Longdesc: "Fake attribute that can be changed to cause an agent reload."},
			{Name: "op_sleep", Default: "0", Reloadable: true, Check: NonNegativeSeconds, Shortdesc: "Operation sleep duration in seconds.",
				Longdesc: "Number of seconds to sleep during operations (fractions allowed). This can be used to test how the cluster reacts to operation timeouts."},
			{Name: "fail_start_on", Reloadable: true, Shortdesc: "Report bogus start failure on specified host",
				Longdesc: "Start, migrate_from and reload-agent return failure when run on the host named here, but the resource runs anyway (later monitors find it running). This can be used to test on-fail=ignore."},
			{Name: "envfile", Reloadable: true, Shortdesc: "Environment dump file",
				Longdesc: "If this is set, the environment is appended to this file on every call."},
		},
		Actions: []ocf.ActionSpec{
			{Name: ocf.ActionStart, Timeout: 20 * time.Second},
			{Name: ocf.ActionStop, Timeout: 20 * time.Second},
			{Name: ocf.ActionMonitor, Timeout: 20 * time.Second, Interval: 10 * time.Second},
			{Name: ocf.ActionReload, Timeout: 20 * time.Second},
			{Name: ocf.ActionReloadAgent, Timeout: 20 * time.Second},
			{Name: ocf.ActionMigrateTo, Timeout: 20 * time.Second},
			{Name: ocf.ActionMigrateFrom, Timeout: 20 * time.Second},
			{Name: ocf.ActionMetaData, Timeout: 5 * time.Second},
			{Name: ocf.ActionValidateAll, Timeout: 20 * time.Second},
		},
		Impl: d,
	}
}

// StateFile returns the default state file of an agent: under HA_VARRUN,
// named after the resource; anonymous clone instances share one file, as in
// Pacemaker's example agents.
func StateFile(agent string) func(*ocf.Env) string {
	return func(e *ocf.Env) string {
		inst := e.Instance
		if !e.Meta.GloballyUnique {
			inst = e.BaseInstance()
		}
		return filepath.Join(e.VarRun, agent+"-"+inst+".state")
	}
}

// NonNegativeSeconds checks a parameter holding a number of seconds.
func NonNegativeSeconds(v string) error {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 {
		return errors.New("must be a non-negative number of seconds")
	}
	return nil
}

type dummy struct {
	hostname func() (string, error)
}

func (d *dummy) prepare(r *ocf.Request) {
	envdump.Append(r, r.Params.String("envfile"))
}

// sleep waits op_sleep seconds, or until the deadline.
func sleep(ctx context.Context, r *ocf.Request) error { return SleepParam(ctx, r, "op_sleep") }

// SleepParam waits as many seconds (fractions allowed) as the parameter
// says, giving up with a reason at the action's deadline. The example
// agents use it to simulate slow operations.
func SleepParam(ctx context.Context, r *ocf.Request, param string) error {
	f, _ := strconv.ParseFloat(r.Params.String(param), 64)
	if f <= 0 {
		return nil
	}
	t := time.NewTimer(time.Duration(f * float64(time.Second)))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ocf.Errorf(ocf.ErrGeneric, "%s of %ss outlasted the %s timeout", param, r.Params.String(param), r.Action)
	}
}

func (d *dummy) running(r *ocf.Request) (bool, error) {
	_, err := os.Stat(r.Params.String("state"))
	if err == nil {
		return true, nil
	}
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	return false, ocf.Errorf(ocf.ErrGeneric, "cannot read state file: %v", err)
}

// failHere reports whether fail_start_on names this node.
func (d *dummy) failHere(r *ocf.Request) error {
	target := r.Params.String("fail_start_on")
	if target == "" {
		return nil
	}
	if name, err := d.hostname(); err == nil && name == target {
		return ocf.Errorf(ocf.ErrGeneric, "simulated failure: fail_start_on is this node (%s)", name)
	}
	return nil
}

func (d *dummy) Start(ctx context.Context, r *ocf.Request) error {
	d.prepare(r)
	if err := sleep(ctx, r); err != nil {
		return err
	}
	state := r.Params.String("state")
	if err := os.MkdirAll(filepath.Dir(state), 0o755); err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "cannot create the state directory: %v", err)
	}
	f, err := os.OpenFile(state, os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "cannot create state file: %v", err)
	}
	f.Close()
	return d.failHere(r)
}

func (d *dummy) Stop(ctx context.Context, r *ocf.Request) error {
	d.prepare(r)
	if err := sleep(ctx, r); err != nil {
		return err
	}
	if err := os.Remove(r.Params.String("state")); err != nil && !errors.Is(err, os.ErrNotExist) {
		return ocf.Errorf(ocf.ErrGeneric, "cannot remove state file: %v", err)
	}
	return nil
}

func (d *dummy) Monitor(ctx context.Context, r *ocf.Request) error {
	d.prepare(r)
	if err := sleep(ctx, r); err != nil {
		return err
	}
	up, err := d.running(r)
	if err != nil {
		return err
	}
	if !up {
		return ocf.NotRunning
	}
	return nil
}

func (d *dummy) Validate(_ context.Context, r *ocf.Request) error {
	if r.Env.CheckLevel < 10 {
		return nil
	}
	for _, p := range []string{"state", "envfile"} {
		v := r.Params.String(p)
		if v == "" {
			continue
		}
		if err := writableDir(filepath.Dir(v)); err != nil {
			return ocf.Errorf(ocf.ErrArgs, "parameter %s: %v", p, err)
		}
	}
	return nil
}

func writableDir(dir string) error {
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("directory %s: %v", dir, err)
	}
	if !st.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	f, err := os.CreateTemp(dir, ".baton-probe-*")
	if err != nil {
		return fmt.Errorf("directory %s is not writable: %v", dir, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

func (d *dummy) Reload(_ context.Context, r *ocf.Request) error {
	d.prepare(r)
	return nil
}

func (d *dummy) ReloadAgent(_ context.Context, r *ocf.Request) error {
	d.prepare(r)
	return d.failHere(r)
}

func (d *dummy) MigrateTo(ctx context.Context, r *ocf.Request) error {
	r.Log.Info("migrating to " + r.Env.Meta.MigrateTarget)
	return d.Stop(ctx, r)
}

func (d *dummy) MigrateFrom(ctx context.Context, r *ocf.Request) error {
	r.Log.Info("migrating from " + r.Env.Meta.MigrateSource)
	return d.Start(ctx, r)
}
