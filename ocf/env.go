package ocf

import (
	"strconv"
	"strings"
	"time"
)

// Env is the OCF environment of one invocation, as Pacemaker's execd (or
// Baton's executor) sets it up.
type Env struct {
	Root     string // OCF_ROOT
	Instance string // OCF_RESOURCE_INSTANCE, e.g. "drbd:1" for a clone instance
	Type     string // OCF_RESOURCE_TYPE
	Provider string // OCF_RESOURCE_PROVIDER
	// CheckLevel is OCF_CHECK_LEVEL, the monitor depth (0, 10, 20, ...).
	CheckLevel int
	Meta       Meta
	Notify     Notification
	// Params are the OCF_RESKEY_ values without the prefix, CRM_meta_*
	// excluded.
	Params map[string]string
	// RscTmp is HA_RSCTMP, the agents' volatile state directory.
	RscTmp string
	// VarRun is HA_VARRUN, where Pacemaker's example agents keep state files.
	VarRun string
	// SbinDir is HA_SBIN_DIR, where Pacemaker's command-line tools live.
	SbinDir string
	// Vars is the whole environment, for what the runtime does not model
	// (logging switches, the attribute channel).
	Vars map[string]string
}

// Meta holds the OCF_RESKEY_CRM_meta_* values.
type Meta struct {
	Interval        time.Duration // 0 for a one-shot action; a monitor with 0 is a probe
	Timeout         time.Duration // 0 when the caller gave none
	Name            string        // the operation name Pacemaker sent
	Role            string        // the role a recurring monitor is for
	Clone           int           // this clone instance's number; -1 outside clones
	CloneMax        int
	CloneNodeMax    int
	PromotedMax     int // promoted_max, or the older master_max
	PromotedNodeMax int // promoted_node_max, or master_node_max
	Notify          bool
	GloballyUnique  bool
	OnNode          string
	OnNodeUUID      string
	MigrateSource   string
	MigrateTarget   string
	// All holds every CRM_meta_ value by its name without the prefix.
	All map[string]string
}

// IsClone reports whether the resource runs as a clone instance.
func (m Meta) IsClone() bool { return m.Clone >= 0 || m.CloneMax > 0 }

const (
	reskey   = "OCF_RESKEY_"
	metaKey  = "OCF_RESKEY_CRM_meta_"
	levelKey = "OCF_CHECK_LEVEL"
)

// ParseEnv reads an environment given as KEY=VALUE strings (os.Environ()).
func ParseEnv(environ []string) *Env {
	vars := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			vars[k] = v
		}
	}
	return EnvFromMap(vars)
}

// EnvFromMap reads an environment given as a map. Numeric values that do not
// parse are treated as absent: the runtime must work with whatever a caller
// passes, and a bad meta value is Pacemaker's bug, not a reason to fail.
func EnvFromMap(vars map[string]string) *Env {
	e := &Env{
		Root:     vars["OCF_ROOT"],
		Instance: vars["OCF_RESOURCE_INSTANCE"],
		Type:     vars["OCF_RESOURCE_TYPE"],
		Provider: vars["OCF_RESOURCE_PROVIDER"],
		RscTmp:   vars["HA_RSCTMP"],
		VarRun:   vars["HA_VARRUN"],
		SbinDir:  vars["HA_SBIN_DIR"],
		Params:   map[string]string{},
		Vars:     vars,
	}
	if e.Root == "" {
		e.Root = "/usr/lib/ocf"
	}
	if e.RscTmp == "" {
		e.RscTmp = "/run/resource-agents"
	}
	if e.VarRun == "" {
		e.VarRun = "/run"
	}
	if e.SbinDir == "" {
		e.SbinDir = "/usr/sbin"
	}
	all := map[string]string{}
	for k, v := range vars {
		switch {
		case strings.HasPrefix(k, metaKey):
			all[k[len(metaKey):]] = v
		case strings.HasPrefix(k, reskey):
			name := k[len(reskey):]
			if name == levelKey {
				continue // an op attribute, not an agent parameter
			}
			e.Params[name] = v
		}
	}
	lvl := vars[levelKey]
	if lvl == "" {
		lvl = vars[reskey+levelKey]
	}
	e.CheckLevel = atoiOr(lvl, 0)

	m := Meta{All: all, Clone: -1}
	if ms, err := strconv.ParseInt(strings.TrimSpace(all["interval"]), 10, 64); err == nil && ms > 0 {
		m.Interval = time.Duration(ms) * time.Millisecond
	}
	if ms, err := strconv.ParseInt(strings.TrimSpace(all["timeout"]), 10, 64); err == nil && ms > 0 {
		m.Timeout = time.Duration(ms) * time.Millisecond
	}
	m.Name = all["name"]
	m.Role = all["role"]
	if v, ok := all["clone"]; ok {
		m.Clone = atoiOr(v, -1)
	}
	m.CloneMax = atoiOr(all["clone_max"], 0)
	m.CloneNodeMax = atoiOr(all["clone_node_max"], 0)
	m.PromotedMax = atoiOr(first(all["promoted_max"], all["master_max"]), 0)
	m.PromotedNodeMax = atoiOr(first(all["promoted_node_max"], all["master_node_max"]), 0)
	m.Notify, _ = ParseBool(all["notify"])
	m.GloballyUnique, _ = ParseBool(all["globally_unique"])
	m.OnNode = all["on_node"]
	m.OnNodeUUID = all["on_node_uuid"]
	m.MigrateSource = all["migrate_source"]
	m.MigrateTarget = all["migrate_target"]
	e.Meta = m
	e.Notify = parseNotification(all)
	return e
}

// BaseInstance returns the instance name without a clone suffix ("drbd:1"
// gives "drbd"): anonymous clone instances share state and attributes.
func (e *Env) BaseInstance() string {
	if i := strings.LastIndexByte(e.Instance, ':'); i >= 0 {
		if _, err := strconv.Atoi(e.Instance[i+1:]); err == nil {
			return e.Instance[:i]
		}
	}
	return e.Instance
}

func atoiOr(s string, def int) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return def
	}
	return n
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
