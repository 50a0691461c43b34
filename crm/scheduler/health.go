package scheduler

import (
	"strings"

	"github.com/baton-ha/baton/crm/cib"
)

// Node health (Pacemaker Explained, "Tracking Node Health"): node
// attributes named #health-* are red, yellow, green or a score; with a
// node-health-strategy their sum is a location score of every resource on
// that node.

// healthScores returns the health score of every node, or nil when the
// strategy is none.
func (c *Cluster) healthScores() []int {
	strategy := c.options["node-health-strategy"]
	colours := map[string]int{}
	switch strategy {
	case "", "none":
		return nil
	case "migrate-on-red":
		colours = map[string]int{"red": -inf, "yellow": 0, "green": 0}
	case "only-green":
		colours = map[string]int{"red": -inf, "yellow": -inf, "green": 0}
	case "progressive", "custom":
		for _, col := range []string{"red", "yellow", "green"} {
			v, err := cib.ParseScore(c.options["node-health-"+col])
			if err != nil {
				v = 0
			}
			colours[col] = v
		}
	default:
		c.warnf("node-health-strategy %q unknown: node health ignored", strategy)
		return nil
	}
	base := 0
	if strategy == "progressive" {
		if v, err := cib.ParseScore(c.options["node-health-base"]); err == nil {
			base = v
		}
	}
	out := make([]int, len(c.Nodes))
	for _, n := range c.Nodes {
		s := base
		for k, v := range n.Attrs {
			if !strings.HasPrefix(k, "#health") {
				continue
			}
			if col, ok := colours[strings.ToLower(v)]; ok {
				s = cib.AddScores(s, col)
			} else if sc, err := cib.ParseScore(v); err == nil {
				s = cib.AddScores(s, sc)
			}
		}
		out[n.Index] = s
	}
	return out
}

// applyNodeHealth adds the health scores to every top-level resource
// (except those with allow-unhealthy-nodes).
func (c *Cluster) applyNodeHealth() {
	h := c.healthScores()
	if h == nil {
		return
	}
	for _, r := range c.Resources {
		if boolOpt(r.Meta["allow-unhealthy-nodes"], false) {
			continue
		}
		r.ensureLoc(len(c.Nodes))
		for i, s := range h {
			r.loc[i] = cib.AddScores(r.loc[i], s)
		}
	}
}
