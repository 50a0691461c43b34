// Package drbd is ocf:baton:drbd, the promotable-clone agent for a DRBD
// resource, compatible in its parameters with ocf:linbit:drbd. It reads the
// resource's state from drbdsetup, publishes a promotion score computed from
// the disk and connection states on every monitor, and changes roles with
// drbdadm under the action's deadline. Resource-level fencing (the
// fence-peer and after-resync-target handlers) lives in `baton drbd`, with
// the constraint store in package fence.
package drbd

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/baton-ha/baton/agents/drbd/fence"
	"github.com/baton-ha/baton/agents/drbd/status"
	"github.com/baton-ha/baton/ocf"
)

// Config holds the agent's dependencies. Its zero value means a real node:
// every nil or empty field gets the production default in New, and tests
// pass fakes.
type Config struct {
	Runner   Runner                               // drbdadm, drbdsetup, modprobe; default ExecRunner
	ProcRoot string                               // where /proc/drbd is read from; default /proc
	Hostname func() (string, error)               // the local node's name when the CRM does not say; default os.Hostname
	LookPath func(string) (string, error)         // finds drbd-utils' programs; default exec.LookPath
	Fence    func(env *ocf.Env) fence.Constraints // the constraint store (nil result: none); default fence.FromEnv
	// BatonAdmin reaches Baton's daemon for the default constraint store;
	// nil: the store is a CIB file or Pacemaker's CIB only.
	BatonAdmin fence.Opener
	// Retry is the pause between attempts of a role change; default
	// 500 ms, as a cluster manager may ask for promotion before DRBD has
	// noticed that the old Primary is gone.
	Retry time.Duration
}

func (c Config) withDefaults() Config {
	if c.Runner == nil {
		c.Runner = ExecRunner{}
	}
	if c.ProcRoot == "" {
		c.ProcRoot = "/proc"
	}
	if c.Hostname == nil {
		c.Hostname = os.Hostname
	}
	if c.LookPath == nil {
		c.LookPath = exec.LookPath
	}
	if c.Fence == nil {
		open := c.BatonAdmin
		c.Fence = func(env *ocf.Env) fence.Constraints { return fence.FromEnv(env.Vars, env.SbinDir, open) }
	}
	if c.Retry <= 0 {
		c.Retry = 500 * time.Millisecond
	}
	return c
}

// New returns the agent.
func New(c Config) *ocf.Agent {
	c = c.withDefaults()
	return &ocf.Agent{
		Name:      "drbd",
		Version:   "1.0",
		Shortdesc: "Manages a DRBD device as a promotable clone",
		Longdesc: `Brings a DRBD resource up as Secondary on start and down on stop, promotes it
to Primary and demotes it back, and publishes a promotion score on every
monitor from the local and peer disk states, so that the cluster promotes the
node with the best data. Its parameters are those of ocf:linbit:drbd.
Configure DRBD's fence-peer handler as "baton drbd fence-peer" and its
after-resync-target handler as "baton drbd unfence-peer" for resource-level
fencing. Run it as a promotable clone with notify=true.`,
		Params: params(),
		Actions: []ocf.ActionSpec{
			{Name: ocf.ActionStart, Timeout: 240 * time.Second},
			{Name: ocf.ActionPromote, Timeout: 90 * time.Second},
			{Name: ocf.ActionDemote, Timeout: 90 * time.Second},
			{Name: ocf.ActionNotify, Timeout: 90 * time.Second},
			{Name: ocf.ActionStop, Timeout: 100 * time.Second},
			{Name: ocf.ActionReload, Timeout: 30 * time.Second},
			{Name: ocf.ActionMonitor, Timeout: 20 * time.Second, Interval: 20 * time.Second, Role: "Unpromoted"},
			{Name: ocf.ActionMonitor, Timeout: 20 * time.Second, Interval: 10 * time.Second, Role: "Promoted"},
			{Name: ocf.ActionMetaData, Timeout: 5 * time.Second},
			{Name: ocf.ActionValidateAll, Timeout: 30 * time.Second},
		},
		Impl: &agent{c: c},
	}
}

func params() []ocf.Param {
	return []ocf.Param{
		{Name: "drbd_resource", Required: true, UniqueGroup: "drbd_resource", Check: resourceName,
			Shortdesc: "DRBD resource name",
			Longdesc:  "The name of the DRBD resource in the DRBD configuration."},
		{Name: "drbdconf", Default: "/etc/drbd.conf", Shortdesc: "Path to drbd.conf",
			Longdesc: "The DRBD configuration file drbdadm reads (-c)."},
		{Name: "adjust_master_score", Default: "0 10 1000 10000", Check: checkScores,
			Shortdesc: "Promotion scores",
			Longdesc: `Four non-decreasing promotion scores, for: only Consistent data here; no good
data here but a connected peer has UpToDate data; UpToDate here while Secondary
and the peer is unknown; UpToDate here and Primary or the peer connected.
Inconsistent, Outdated and diskless nodes without a good peer get no score and
are never promoted.`},
		{Name: "stop_outdates_secondary", Type: ocf.Boolean, Default: "false",
			Shortdesc: "Outdate a Secondary on stop",
			Longdesc: `When a Secondary is stopped while DRBD sees a Primary peer, mark the local data
Outdated after taking the resource down, so that it cannot be promoted before
it has resynchronised. Baton asks DRBD which role the peer has instead of
relying on notification variables.`},
		{Name: "ignore_missing_notifications", Type: ocf.Boolean, Default: "false",
			Shortdesc: "Allow notify=false",
			Longdesc:  "Without this, a clone configured without notify=true fails validation: the agent reconnects and updates its score on notifications."},
		{Name: "wfc_timeout", Type: ocf.Integer, Default: "5", Check: ocf.IntRange(0, 86400),
			Shortdesc: "Wait for the connection on start",
			Longdesc:  "After bringing the resource up, wait at most this many seconds for the peer to connect before start returns (0: do not wait). Start succeeds either way."},
		{Name: "remove_master_score_if_peer_primary", Default: "false",
			Shortdesc: "No promotion score while the peer is Primary",
			Longdesc: `When true (as ocf_is_true reads it), publish no promotion score while DRBD is
connected to a Primary peer, to avoid a promotion attempt after a split of the
cluster's own communication. "unexpected": only while the peer is Primary
without the cluster having promoted it there, as far as this node learnt from
the clone's notifications (with notify=true); a peer the cluster promoted
leaves the score in place, so that this node can take over at once. Any other
value is false.`},
		{Name: "fail_promote_early_if_peer_primary", Type: ocf.Boolean, Default: "false",
			Shortdesc: "Promote only once while the peer is Primary",
			Longdesc:  "When DRBD still sees a Primary peer, try to promote once and fail instead of retrying until the timeout."},
		{Name: "unfence_if_all_uptodate", Type: ocf.Boolean, Default: "false",
			Shortdesc: "Remove a fencing constraint once all is UpToDate",
			Longdesc:  "On monitor and on post notifications, when every local and peer volume is UpToDate and connected, remove a leftover fencing constraint for this resource."},
		{Name: "unfence_extra_args", Default: "",
			Ignored:   "Baton removes fencing constraints itself and calls no unfence script",
			Shortdesc: "Extra arguments for the unfence hook",
			Longdesc:  "Accepted for compatibility; Baton removes constraints in-process."},
		{Name: "require_drbd_module_version_ge", Default: "8.0.0", Check: dottedVersion,
			Shortdesc: "Minimum DRBD module version",
			Longdesc:  "Fail when the loaded DRBD module is older than this x.y.z version."},
		{Name: "require_drbd_module_version_lt", Default: "10.0.0", Check: dottedVersion,
			Shortdesc: "DRBD module version limit",
			Longdesc:  "Fail when the loaded DRBD module is this x.y.z version or newer."},
		{Name: "connect_only_after_promote", Type: ocf.Boolean, Default: "false",
			Unsupported: "stacked setups without fencing are not supported; configure fencing instead",
			Shortdesc:   "Connect only once promoted",
			Longdesc:    "Not supported by Baton."},
	}
}

func resourceName(v string) error {
	if strings.ContainsAny(v, " \t\n/") || strings.HasPrefix(v, "-") {
		return fmt.Errorf("not a DRBD resource name")
	}
	return nil
}

func checkScores(v string) error {
	_, err := ParseScores(v)
	return err
}

func dottedVersion(v string) error {
	if v == "" {
		return nil
	}
	parts := strings.Split(v, ".")
	if len(parts) != 3 {
		return fmt.Errorf("want x.y.z")
	}
	for _, p := range parts {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return fmt.Errorf("want x.y.z")
		}
	}
	return nil
}

type agent struct {
	c Config
}

func (a *agent) tools(r *ocf.Request) tools {
	return tools{run: a.c.Runner, conf: r.Params.String("drbdconf"), res: r.Params.String("drbd_resource")}
}

func (a *agent) scores(r *ocf.Request) Scores {
	s, err := ParseScores(r.Params.String("adjust_master_score"))
	if err != nil {
		return DefaultScores // cannot happen: the declaration checked it
	}
	return s
}

// node returns the local node's name as the cluster knows it.
func (a *agent) node(r *ocf.Request) string {
	if r.Env.Meta.OnNode != "" {
		return r.Env.Meta.OnNode
	}
	if a.c.Hostname != nil {
		if h, err := a.c.Hostname(); err == nil {
			return h
		}
	}
	return ""
}

// proc reads /proc/drbd; nil when the module is not loaded.
func (a *agent) proc() (*status.Proc, error) {
	p, err := status.ReadProc(a.c.ProcRoot)
	if err == status.ErrNoModule {
		return nil, nil
	}
	return p, err
}
