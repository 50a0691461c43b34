package scheduler

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/baton-ha/baton/crm/cib"
)

// promotedLoc is a location preference for the promoted role.
type promotedLoc struct {
	rsc   *Resource
	score []int
}

// resolve maps a constraint's resource id to the resource the constraint
// applies to. An id naming a primitive inside a clone means the clone.
func (c *Cluster) resolve(id string) *Resource {
	if r, ok := c.cfgByID[id]; ok {
		return r
	}
	if cl, ok := c.cloneOf[id]; ok {
		return cl
	}
	return nil
}

// nodeScores evaluates a location constraint on every node; ok[i] tells
// whether the constraint applies to node i.
func (c *Cluster) locationScores(l *cib.Location, role string, r *Resource) (scores []int, applies []bool) {
	scores = make([]int, len(c.Nodes))
	applies = make([]bool, len(c.Nodes))
	if len(l.Rules) == 0 {
		if n := c.nodeByName[l.Node]; n != nil {
			scores[n.Index] = l.Score
			applies[n.Index] = true
		} else if n := c.nodeByID[l.Node]; n != nil {
			scores[n.Index] = l.Score
			applies[n.Index] = true
		}
		return
	}
	for _, rule := range l.Rules {
		if rule.Role != role && !(rule.Role == "" && l.Role == role) {
			if !(rule.Role == "" && role == "" && l.Role == "") {
				continue
			}
		}
		for _, n := range c.Nodes {
			ctx := cib.RuleContext{NodeAttrs: n.Attrs, Now: c.Now, Rsc: c.rscContext(r, n.Attrs)}
			if !rule.Eval(ctx) {
				continue
			}
			s := rule.Score
			if !rule.HasScore && rule.ScoreAttribute != "" {
				v, ok := n.Attrs[rule.ScoreAttribute]
				if !ok {
					continue
				}
				var err error
				if s, err = cib.ParseScore(v); err != nil {
					continue
				}
			}
			scores[n.Index] = cib.AddScores(scores[n.Index], s)
			applies[n.Index] = true
		}
	}
	return
}

func (c *Cluster) applyLocations() {
	for _, l := range c.CIB.Locations {
		var targets []locationTarget
		if l.RscPattern != "" && l.Rsc == "" && len(l.Sets) == 0 {
			// A leading "!" inverts the match, as in Pacemaker.
			pattern, invert := strings.CutPrefix(l.RscPattern, "!")
			re, err := regexp.Compile(pattern)
			if err != nil {
				c.warnf("rsc_location %s: invalid rsc-pattern: %v", l.ID, err)
				continue
			}
			for _, top := range c.Resources {
				top.Walk(func(x *Resource) {
					if x.Instance < 0 && re.MatchString(x.ID) != invert {
						targets = append(targets, locationTarget{x, l.Role})
					}
				})
			}
		} else {
			targets = c.locationTargets(l)
		}
		for _, t := range targets {
			r := t.rsc
			// Role-specific preferences of a promotable clone feed promotion.
			role := t.role
			ruleRole := ""
			for _, rule := range l.Rules {
				if rule.Role != "" {
					ruleRole = rule.Role
				}
			}
			if role == "" {
				role = ruleRole
			}
			if role == RolePromoted {
				s, ap := c.locationScores(l, RolePromoted, r)
				for i := range s {
					if !ap[i] {
						s[i] = 0
					}
				}
				c.promotedLocs = append(c.promotedLocs, promotedLoc{rsc: r, score: s})
				continue
			}
			s, ap := c.locationScores(l, role, r)
			r.ensureLoc(len(c.Nodes))
			if r.allowed == nil {
				r.allowed = make([]bool, len(c.Nodes))
			}
			for i := range s {
				if ap[i] {
					r.loc[i] = cib.AddScores(r.loc[i], s[i])
					r.allowed[i] = true
				}
			}
		}
	}
}

// applyFailCounts bans resources from nodes where their fail count reached
// migration-threshold.
func (c *Cluster) applyFailCounts() {
	for _, st := range c.CIB.Status {
		node := c.nodeByID[st.ID]
		if node == nil {
			node = c.nodeByName[st.Uname]
		}
		if node == nil {
			continue
		}
		counts := map[string]int{}
		lastFail := map[string]int64{}
		for k, v := range st.Attrs {
			var rest string
			var isCount bool
			switch {
			case strings.HasPrefix(k, "fail-count-"):
				rest, isCount = k[len("fail-count-"):], true
			case strings.HasPrefix(k, "last-failure-"):
				rest = k[len("last-failure-"):]
			default:
				continue
			}
			if i := strings.IndexByte(rest, '#'); i >= 0 {
				op := rest[i+1:]
				rest = rest[:i]
				if c.failureIgnored(rest, op) {
					continue
				}
			}
			// Anonymous clone instances share one count per node, whatever
			// instance number an older history gave them.
			if base, num := stripInstance(rest); num >= 0 {
				if r := c.byID[rest]; r != nil && r.clone() != nil && !r.clone().Unique {
					rest = base
				}
			}
			if isCount {
				n, err := cib.ParseScore(v)
				if err != nil {
					continue
				}
				counts[rest] = cib.AddScores(counts[rest], n)
			} else if t, err := strconv.ParseInt(v, 10, 64); err == nil && t > lastFail[rest] {
				lastFail[rest] = t
			}
		}
		for id, n := range counts {
			r := c.byID[id]
			if r == nil {
				base, _ := stripInstance(id)
				if t := c.resolve(base); t != nil {
					// anonymous clone: the fail count belongs to whatever
					// instance ran there; any instance's ban hits the clone
					t.Walk(func(x *Resource) {
						if r == nil && x.Kind == cib.Primitive && x.Cfg.ID == base {
							r = x
						}
					})
				}
				if r == nil {
					r = c.cfgByID[base]
				}
			}
			if r == nil || r.Kind != cib.Primitive || n <= 0 {
				continue
			}
			if ft := r.Meta["failure-timeout"]; ft != "" {
				if d, err := cib.ParseInterval(ft); err == nil && d > 0 {
					if lf := lastFail[id]; lf > 0 && c.Now.Unix() > lf+int64(d.Seconds()) {
						continue
					}
				}
			}
			if r.MigrationThreshold > 0 && n >= r.MigrationThreshold {
				r.banOn(node, c)
			}
		}
	}
}

func (c *Cluster) buildColocations() {
	var all []*cib.Colocation
	for _, cl := range c.CIB.Colocations {
		all = append(all, c.expandColocation(cl)...)
	}
	for _, cl := range all {
		d, p := c.resolve(cl.Rsc), c.resolve(cl.WithRsc)
		if d == nil || p == nil {
			c.warnf("rsc_colocation %s: resource %s or %s is not configured", cl.ID, cl.Rsc, cl.WithRsc)
			continue
		}
		if cl.Score == 0 || d == p {
			continue
		}
		co := &colocation{cfg: cl, dependent: d, primary: p, score: cl.Score, depRole: cl.RscRole, primaryRole: cl.WithRscRole, nodes: c.Nodes}
		if !promotable(p) && (co.primaryRole == RolePromoted || co.primaryRole == RoleUnpromoted) {
			// A resource that cannot be promoted never takes the role
			// the colocation is limited to: it never applies (Pacemaker
			// compares the role with the primary's next role).
			c.warnf("rsc_colocation %s: %s cannot be promoted, so never is %s: ignored", cl.ID, p.ID, co.primaryRole)
			continue
		}
		d.thisWith = append(d.thisWith, co)
		p.withThis = append(p.withThis, co)
	}
}

// rscContext describes r to rules (value-source=param/meta, rsc_expression)
// on a node with these attributes (parameters may depend on them).
func (c *Cluster) rscContext(r *Resource, nodeAttrs map[string]string) *cib.RscContext {
	if r == nil || r.Cfg == nil {
		return nil
	}
	rc := &cib.RscContext{Class: r.Cfg.Class, Provider: r.Cfg.Provider, Type: r.Cfg.Type, Meta: r.Meta}
	rc.Params = cib.Values(r.Cfg.Instance, cib.RuleContext{Now: c.Now, NodeAttrs: nodeAttrs})
	return rc
}

// failureIgnored reports whether the operation a fail count is kept for
// ("monitor_10000") has on-fail=ignore: such failures do not count
// towards migration-threshold.
func (c *Cluster) failureIgnored(id, op string) bool {
	base, _ := stripInstance(id)
	cfg := c.templates[base]
	if cfg == nil {
		if r := c.cfgByID[base]; r != nil {
			cfg = r.Cfg
		}
	}
	i := strings.LastIndexByte(op, '_')
	if cfg == nil || i < 0 {
		return false
	}
	ms, err := strconv.ParseInt(op[i+1:], 10, 64)
	if err != nil {
		return false
	}
	for _, o := range cfg.Ops {
		if o.Name == op[:i] && o.Interval.Milliseconds() == ms {
			return o.OnFail == "ignore"
		}
	}
	return false
}

// promotable reports whether r is, or is inside, a promotable clone.
func promotable(r *Resource) bool {
	cl := r.clone()
	return cl != nil && cl.Promotable
}
