package scheduler

import (
	"crypto/md5"
	"encoding/hex"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/baton-ha/baton/crm/cib"
)

// Definition changes. The executor records with each start (and probe,
// promote, migrate_from) a digest of the parameters it ran with:
// op-digest over all of them and, for agents that can reload,
// op-restart-digest over those that need a restart to change
// (op-force-restart). Pacemaker compares them with digests of the current
// parameters: a changed restart digest, or a changed digest of an agent
// that cannot reload, restarts the resource "due to resource definition
// change"; a changed agent (class, provider, type) restarts it too.

// paramsDigest is Pacemaker's v1 digest of operation parameters: the MD5
// of the element <parameters> with the parameters as attributes in byte
// order of their names, written as " <parameters a="1" b="2"/>\n".
func paramsDigest(params map[string]string) string {
	names := make([]string, 0, len(params))
	for k := range params {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(" <parameters")
	for _, k := range names {
		b.WriteString(" " + k + "=\"" + escapeAttr(params[k]) + "\"")
	}
	b.WriteString("/>\n")
	sum := md5.Sum([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}

// escapeAttr escapes an attribute value as Pacemaker's XML writer does:
// markup characters as entities, other control characters numerically.
func escapeAttr(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		switch ch := v[i]; {
		case ch == '<':
			b.WriteString("&lt;")
		case ch == '>':
			b.WriteString("&gt;")
		case ch == '&':
			b.WriteString("&amp;")
		case ch == '"':
			b.WriteString("&quot;")
		case ch < 0x20 || ch == 0x7f:
			b.WriteString("&#x")
			b.WriteString(strings.ToUpper(hex.EncodeToString([]byte{ch})))
			b.WriteString(";")
		default:
			b.WriteByte(ch)
		}
	}
	return b.String()
}

// digestParams are the parameters a one-time operation's digest covers on
// a node: the resource's instance attributes (rules evaluated there) and
// those of the groups and clones containing it, which it inherits unless
// it sets them itself. Meta attributes (CRM_meta_*) are left out of
// one-time operations.
func (c *Cluster) digestParams(r *Resource, n *Node) map[string]string {
	ctx := cib.RuleContext{Now: c.Now, NodeAttrs: n.Attrs}
	out := map[string]string{}
	for cfg := r.Cfg; cfg != nil; cfg = cfg.Parent {
		cib.MergeValues(out, cfg.Instance, ctx)
	}
	return out
}

// definitionChange says how a resource must react on a node to a changed
// definition: restart (with reason, which may be empty) or nothing.
type definitionChange struct {
	restart bool
	reason  string
	agent   bool // the agent itself changed
}

// checkDefinition compares a primitive's history on a node where it is
// active with its current definition.
func (c *Cluster) checkDefinition(r *Resource, n *Node, lr *cib.LrmResource) definitionChange {
	if r.Cfg == nil || r.Orphan {
		return definitionChange{}
	}
	if lr.Type != "" && (lr.Type != r.Cfg.Type || lr.Class != r.Cfg.Class || lr.Provider != r.Cfg.Provider) {
		// Another agent: the old one is stopped and the new one started.
		return definitionChange{restart: true, agent: true}
	}
	ops := sortedOps(lr)
	start, stop, impliedMonitor, impliedPromote := -1, -1, -1, -1
	startPending := false
	for i, op := range ops {
		switch op.Operation {
		case "stop":
			if op.OpStatus == 0 {
				stop = i
			}
		case "start", "migrate_from":
			start = i
			startPending = op.OpStatus == -1 && op.Operation == "start"
		case "monitor":
			if impliedMonitor <= stop && (op.RC == 0 || op.RC == 8) {
				impliedMonitor = i
			}
		case "promote", "demote":
			impliedPromote = i
		}
	}
	if start == -1 {
		start = impliedPromote
		if start == -1 {
			start = impliedMonitor
		}
	}
	if start < stop {
		return definitionChange{}
	}
	var params map[string]string
	for _, op := range ops[max(start, 0):] {
		if op.Interval != 0 {
			continue // a changed recurring operation is only rescheduled
		}
		switch op.Operation {
		case "monitor", "start", "promote", "migrate_from":
		default:
			continue
		}
		if params == nil {
			params = c.digestParams(r, n)
		}
		if op.RestartDigest != "" {
			restartParams := map[string]string{}
			for _, name := range strings.Fields(op.ForceRestart) {
				if v, ok := params[name]; ok {
					restartParams[name] = v
				}
			}
			if paramsDigest(restartParams) != op.RestartDigest {
				return definitionChange{restart: true, reason: "resource definition change"}
			}
		}
		if op.Digest == "" {
			// Pacemaker restarts when the digest is missing, since its
			// executor always records one. Baton's controller records
			// none yet: without a digest nothing is known to have
			// changed, and restarting on every transition would be worse.
			continue
		}
		if paramsDigest(params) == op.Digest || c.onlyPrivateChanged(r, params, op) {
			continue
		}
		switch {
		case op.RestartDigest == "":
			return definitionChange{restart: true, reason: "resource definition change"}
		case startPending:
			// A reload cannot apply to a start still in progress: the
			// resource is stopped and started again instead.
			return definitionChange{restart: true}
		}
		// The agent reloads the new parameters in place.
	}
	return definitionChange{}
}

// nodeHistory is a resource's operation history on one node.
type nodeHistory struct {
	node *Node
	lr   *cib.LrmResource
}

// checkDefinitions records where r must restart for a changed definition:
// on the nodes it is active on that can run resources.
func (c *Cluster) checkDefinitions(r *Resource) {
	for _, h := range r.histories {
		n := h.node
		if !r.runningOn(n) || !n.Available() || n.Shutdown {
			continue
		}
		if d := c.checkDefinition(r, n, h.lr); d.restart {
			if r.defChanges == nil {
				r.defChanges = map[*Node]definitionChange{}
			}
			r.defChanges[n] = d
			if r.Cfg.Class == "stonith" && c.unfencingDevice() != nil {
				// Nodes unfenced by the old definition are unfenced
				// again by the new one.
				if c.deviceChanged == nil {
					c.deviceChanged = map[*Node]string{}
				}
				if _, ok := c.deviceChanged[n]; !ok {
					c.deviceChanged[n] = "Device parameters changed"
					if d.agent {
						c.deviceChanged[n] = "Device definition changed"
					}
				}
			}
		}
	}
}

// onlyPrivateChanged reports whether the parameters differ from those an
// operation ran with only in private ones (op-secure-params): CIBs are
// often shared with passwords removed, and crm_simulate then compares the
// digest without them.
func (c *Cluster) onlyPrivateChanged(r *Resource, params map[string]string, op *cib.LrmOp) bool {
	if op.SecureDigest == "" {
		return false
	}
	private := strings.Fields(op.SecureParams)
	secure := map[string]string{}
	for k, v := range params {
		if slices.Contains(private, k) {
			continue
		}
		// Before feature set 3.16.0 the executor left out the fencing
		// parameters Pacemaker adds (pcmk_*): agents do not declare them.
		if r.Cfg.Class == "stonith" && strings.HasPrefix(k, "pcmk_") && versionLess(op.FeatureSet, "3.16.0") {
			continue
		}
		secure[k] = v
	}
	return paramsDigest(secure) == op.SecureDigest
}

// versionLess compares dotted version numbers ("3.0.12" < "3.16.0").
func versionLess(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < max(len(as), len(bs)); i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			return x < y
		}
	}
	return false
}
