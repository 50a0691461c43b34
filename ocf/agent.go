package ocf

import (
	"context"
	"log/slog"
	"time"
)

// Agent is the declaration of a resource agent: what the meta-data says, which
// parameters it takes, and the implementation of its actions.
type Agent struct {
	Name      string // the OCF type, e.g. "IPaddr"
	Version   string // the agent's own version
	Shortdesc string
	Longdesc  string
	Params    []Param
	// Actions lists the advertised actions with their default timeouts and
	// recommended monitor intervals. When empty, DefaultActions derives them
	// from the interfaces Impl implements.
	Actions []ActionSpec
	// Impl runs the actions. It must implement Resource and may implement
	// Promoter, Notifier, Validator, Reloader, AgentReloader and Migrator.
	Impl Resource
}

// ActionSpec is one <action> element of the meta-data.
type ActionSpec struct {
	Name       string
	Timeout    time.Duration
	Interval   time.Duration // recurring monitors only
	Depth      int           // OCF_CHECK_LEVEL of a monitor
	Role       string        // "Promoted" or "Unpromoted" for role-specific monitors
	StartDelay time.Duration
}

// Request is what a handler gets: the action, the environment, the validated
// parameters, the node-attribute channel and a logger tagged for this
// resource.
type Request struct {
	Action string
	Env    *Env
	Params Params
	Attrs  Attributes
	Log    *slog.Logger
}

// IsProbe reports whether the request is a probe: a monitor with interval 0,
// which Pacemaker sends to learn the state before it has started anything.
func (r *Request) IsProbe() bool {
	return r.Action == ActionMonitor && r.Env.Meta.Interval == 0
}

// Action names.
const (
	ActionStart       = "start"
	ActionStop        = "stop"
	ActionMonitor     = "monitor"
	ActionMetaData    = "meta-data"
	ActionValidateAll = "validate-all"
	ActionPromote     = "promote"
	ActionDemote      = "demote"
	ActionNotify      = "notify"
	ActionReload      = "reload"
	ActionReloadAgent = "reload-agent"
	ActionMigrateTo   = "migrate_to"
	ActionMigrateFrom = "migrate_from"
	ActionMethods     = "methods"
	ActionUsage       = "usage"
	ActionHelp        = "help"
	ActionStatus      = "status" // the pre-OCF name of monitor, kept for old tools
)

// Resource is the contract every agent implements. Each method returns nil
// for success, an ExitCode for a plain status (NotRunning, RunningPromoted),
// or an error made with Errorf, whose reason becomes the ocf-exit-reason.
// Any other error is OCF_ERR_GENERIC with its text as the reason.
//
// Start and Stop must be idempotent: start on a running resource and stop on
// a stopped one succeed. Monitor returns Success, NotRunning, RunningPromoted
// or a failure; on a probe (r.IsProbe()) it must not fail merely because the
// resource was never set up on this node.
//
// The context's deadline is the action's timeout less a safety margin: a
// handler that waits must wait on ctx and give up in time, so that the agent
// reports a reason instead of being killed.
type Resource interface {
	Start(ctx context.Context, r *Request) error
	Stop(ctx context.Context, r *Request) error
	Monitor(ctx context.Context, r *Request) error
}

// Promoter is implemented by agents that can run as a promotable clone.
type Promoter interface {
	Promote(ctx context.Context, r *Request) error
	Demote(ctx context.Context, r *Request) error
}

// Notifier is implemented by agents that act on clone notifications.
type Notifier interface {
	Notify(ctx context.Context, r *Request) error
}

// Validator checks what the declaration cannot: that the configuration fits
// this host (a device exists, a program is installed). The runtime has
// already checked types, required parameters and choices. It runs for
// validate-all and before start, promote, reload and migrate_from. Return
// ErrConfigured for a configuration that is wrong everywhere, ErrArgs or
// ErrInstalled for one that is wrong only here.
type Validator interface {
	Validate(ctx context.Context, r *Request) error
}

// Reloader implements the legacy reload action.
type Reloader interface {
	Reload(ctx context.Context, r *Request) error
}

// AgentReloader implements OCF 1.1 reload-agent: apply changed reloadable
// parameters without restarting the service.
type AgentReloader interface {
	ReloadAgent(ctx context.Context, r *Request) error
}

// Migrator implements live migration.
type Migrator interface {
	MigrateTo(ctx context.Context, r *Request) error
	MigrateFrom(ctx context.Context, r *Request) error
}

// DefaultTimeout is the timeout of an action whose declaration gives none,
// and of an invocation without CRM_meta_timeout: Pacemaker's own default.
const DefaultTimeout = 20 * time.Second

// handler returns the function that runs action, or nil when the agent does
// not implement it.
func (a *Agent) handler(action string) func(context.Context, *Request) error {
	switch action {
	case ActionStart:
		return a.Impl.Start
	case ActionStop:
		return a.Impl.Stop
	case ActionMonitor, ActionStatus:
		return a.Impl.Monitor
	case ActionValidateAll:
		if v, ok := a.Impl.(Validator); ok {
			return v.Validate
		}
		return func(context.Context, *Request) error { return nil }
	}
	switch i := a.Impl.(type) {
	case Promoter:
		switch action {
		case ActionPromote:
			return i.Promote
		case ActionDemote:
			return i.Demote
		}
	}
	switch action {
	case ActionNotify:
		if i, ok := a.Impl.(Notifier); ok {
			return i.Notify
		}
	case ActionReload:
		if i, ok := a.Impl.(Reloader); ok {
			return i.Reload
		}
	case ActionReloadAgent:
		if i, ok := a.Impl.(AgentReloader); ok {
			return i.ReloadAgent
		}
	case ActionMigrateTo:
		if i, ok := a.Impl.(Migrator); ok {
			return i.MigrateTo
		}
	case ActionMigrateFrom:
		if i, ok := a.Impl.(Migrator); ok {
			return i.MigrateFrom
		}
	}
	return nil
}

// Methods returns the actions the agent supports, in the order the methods
// action prints them.
func (a *Agent) Methods() []string {
	all := []string{ActionStart, ActionStop, ActionMonitor, ActionPromote, ActionDemote,
		ActionNotify, ActionReload, ActionReloadAgent, ActionMigrateTo, ActionMigrateFrom,
		ActionValidateAll}
	out := []string{}
	for _, name := range all {
		if a.handler(name) != nil {
			out = append(out, name)
		}
	}
	return append(out, ActionMetaData, ActionMethods, ActionUsage)
}

// DefaultActions returns the meta-data actions: the declared ones, or, when
// none are declared, each implemented action with the default timeout and a
// monitor every 10 s.
func (a *Agent) DefaultActions() []ActionSpec {
	if len(a.Actions) > 0 {
		return a.Actions
	}
	var out []ActionSpec
	for _, m := range a.Methods() {
		switch m {
		case ActionMonitor:
			out = append(out, ActionSpec{Name: m, Timeout: DefaultTimeout, Interval: 10 * time.Second})
		case ActionUsage:
		default:
			out = append(out, ActionSpec{Name: m, Timeout: DefaultTimeout})
		}
	}
	return out
}

// timeoutFor returns the declared timeout of an action, or DefaultTimeout.
func (a *Agent) timeoutFor(action string) time.Duration {
	for _, s := range a.DefaultActions() {
		if s.Name == action && s.Timeout > 0 {
			return s.Timeout
		}
	}
	return DefaultTimeout
}
