// Package stateful is ocf:baton:Stateful, a Go counterpart of
// ocf:pacemaker:Stateful: a promotable resource whose role lives in a state
// file and whose promotion score it publishes through ocf.Attributes.
package stateful

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/baton-ha/baton/agents/dummy"
	"github.com/baton-ha/baton/agents/envdump"
	"github.com/baton-ha/baton/ocf"
)

// Promotion scores, as in Pacemaker's example agent: a promoted instance
// scores higher so that it keeps its role.
const (
	ScoreUnpromoted = 5
	ScorePromoted   = 10
)

const (
	rolePromoted   = "Promoted"
	roleUnpromoted = "Unpromoted"
)

// Config holds the agent's dependencies. Stateful has none beyond its
// parameters (its state file) and the attribute interface the request
// carries; the type keeps its constructor shaped like every agent's.
type Config struct{}

// New returns the agent.
func New(Config) *ocf.Agent {
	return &ocf.Agent{
		Name:      "Stateful",
		Version:   "1.0",
		Shortdesc: "Example stateful resource agent",
		Longdesc: `This agent implements the Promoted and Unpromoted roles with nothing but a
state file, and publishes a promotion score for its instance. It behaves like
ocf:pacemaker:Stateful and serves to test promotable clones.`,
		Params: []ocf.Param{
			{Name: "state", UniqueGroup: "state", Shortdesc: "State file",
				Longdesc: "Location to store the resource state in.",
				Default:  "${HA_VARRUN}/Stateful-${OCF_RESOURCE_INSTANCE}.state", DefaultFunc: dummy.StateFile("Stateful")},
			{Name: "envfile", Reloadable: true, Shortdesc: "Environment dump file",
				Longdesc: "If this is set, the environment is appended to this file on every call."},
			{Name: "notify_delay", Default: "0", Reloadable: true, Check: dummy.NonNegativeSeconds, Shortdesc: "Notify delay in seconds",
				Longdesc: "The notify action sleeps this many seconds before it returns, to simulate a long-running notify."},
		},
		Actions: []ocf.ActionSpec{
			{Name: ocf.ActionStart, Timeout: 20 * time.Second},
			{Name: ocf.ActionStop, Timeout: 20 * time.Second},
			{Name: ocf.ActionMonitor, Timeout: 20 * time.Second, Interval: 10 * time.Second, Role: rolePromoted},
			{Name: ocf.ActionMonitor, Timeout: 20 * time.Second, Interval: 11 * time.Second, Role: roleUnpromoted},
			{Name: ocf.ActionPromote, Timeout: 10 * time.Second},
			{Name: ocf.ActionDemote, Timeout: 10 * time.Second},
			{Name: ocf.ActionNotify, Timeout: 5 * time.Second},
			{Name: ocf.ActionMetaData, Timeout: 5 * time.Second},
			{Name: ocf.ActionReloadAgent, Timeout: 10 * time.Second},
			{Name: ocf.ActionValidateAll, Timeout: 30 * time.Second},
		},
		Impl: stateful{},
	}
}

type stateful struct{}

// role reads the state file: "" when absent.
func role(r *ocf.Request) (string, error) {
	b, err := os.ReadFile(r.Params.String("state"))
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", ocf.Errorf(ocf.ErrGeneric, "cannot read state file: %v", err)
	}
	return strings.TrimSpace(string(b)), nil
}

func setRole(r *ocf.Request, role string) error {
	state := r.Params.String("state")
	if err := os.MkdirAll(filepath.Dir(state), 0o755); err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "cannot create the state directory: %v", err)
	}
	if err := os.WriteFile(state, []byte(role+"\n"), 0o644); err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "cannot write state file: %v", err)
	}
	return nil
}

// score publishes the promotion score. A failure is logged, not returned: the
// score steers the choice of promoted instance but the role change itself has
// happened, and failing the action would make the cluster recover a healthy
// resource.
func score(ctx context.Context, r *ocf.Request, n int) {
	if err := r.Attrs.SetPromotion(ctx, n); err != nil {
		r.Log.Warn("cannot set promotion score", "score", n, "err", err)
	}
}

func (stateful) Start(ctx context.Context, r *ocf.Request) error {
	envdump.Append(r, r.Params.String("envfile"))
	cur, err := role(r)
	if err != nil {
		return err
	}
	if cur == rolePromoted {
		return ocf.RunningPromoted
	}
	if err := setRole(r, roleUnpromoted); err != nil {
		return err
	}
	score(ctx, r, ScoreUnpromoted)
	return nil
}

func (stateful) Stop(ctx context.Context, r *ocf.Request) error {
	envdump.Append(r, r.Params.String("envfile"))
	if err := r.Attrs.DeletePromotion(ctx); err != nil {
		r.Log.Warn("cannot remove promotion score", "err", err)
	}
	cur, err := role(r)
	if err != nil {
		return err
	}
	if cur == rolePromoted {
		// Pacemaker demotes before it stops; a stop of a promoted instance
		// is refused so that the mistake shows.
		return ocf.Errorf(ocf.RunningPromoted, "instance is promoted: demote it before stopping")
	}
	if err := os.Remove(r.Params.String("state")); err != nil && !errors.Is(err, os.ErrNotExist) {
		return ocf.Errorf(ocf.ErrGeneric, "cannot remove state file: %v", err)
	}
	return nil
}

func (stateful) Monitor(ctx context.Context, r *ocf.Request) error {
	envdump.Append(r, r.Params.String("envfile"))
	// A "<state>.rc" file forces a result, so that tests can inject failures.
	if b, err := os.ReadFile(r.Params.String("state") + ".rc"); err == nil {
		if rc, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			return ocf.Errorf(ocf.ExitCode(rc), "forced result %d from %s.rc", rc, r.Params.String("state"))
		}
	}
	cur, err := role(r)
	if err != nil {
		return err
	}
	switch cur {
	case rolePromoted:
		if r.IsProbe() {
			score(ctx, r, ScorePromoted)
		}
		return ocf.RunningPromoted
	case roleUnpromoted:
		if r.IsProbe() {
			score(ctx, r, ScoreUnpromoted)
		}
		return nil
	case "":
		return ocf.NotRunning
	}
	return ocf.Errorf(ocf.ErrGeneric, "state file %s holds unexpected contents %q", r.Params.String("state"), cur)
}

func (stateful) Promote(ctx context.Context, r *ocf.Request) error {
	return changeRole(ctx, r, "promote", rolePromoted, ScorePromoted)
}

func (stateful) Demote(ctx context.Context, r *ocf.Request) error {
	return changeRole(ctx, r, "demote", roleUnpromoted, ScoreUnpromoted)
}

// changeRole is promote and demote: a running instance takes role to and
// publishes its promotion score.
func changeRole(ctx context.Context, r *ocf.Request, verb, to string, sc int) error {
	envdump.Append(r, r.Params.String("envfile"))
	cur, err := role(r)
	if err != nil {
		return err
	}
	if cur == "" {
		return ocf.Errorf(ocf.NotRunning, "cannot %s: not running", verb)
	}
	if err := setRole(r, to); err != nil {
		return err
	}
	score(ctx, r, sc)
	return nil
}

func (stateful) Notify(ctx context.Context, r *ocf.Request) error {
	envdump.Append(r, r.Params.String("envfile"))
	return dummy.SleepParam(ctx, r, "notify_delay")
}

func (stateful) ReloadAgent(_ context.Context, r *ocf.Request) error {
	envdump.Append(r, r.Params.String("envfile"))
	return nil
}
