package cib

import (
	"fmt"
	"sort"
	"strings"

	"github.com/beevik/etree"
)

// Validate checks what a well-formed CIB can still get wrong: references
// to resources that do not exist, duplicate ids, ordering loops, and
// values Pacemaker would ignore or reject. Parse already rejects invalid
// scores, unknown roles and malformed elements. The result lists errors
// (the configuration cannot be used as intended) and warnings.
func (c *CIB) Validate() (errs, warns Errors) {
	at := func(el *etree.Element, format string, args ...any) *Error {
		return c.doc.errorf(el, format, args...)
	}
	errs = append(errs, c.constraintAttributeErrors()...)
	ids := map[string]*Resource{}
	for _, r := range c.Resources {
		r.Walk(func(x *Resource) {
			if prev, ok := ids[x.ID]; ok && prev != x {
				errs = append(errs, at(x.el, "resource id %q is used twice", x.ID))
			}
			ids[x.ID] = x
			if v, ok := metaValue(x, "target-role"); ok {
				if _, ok := NormalizeRole(v); !ok {
					errs = append(errs, at(x.el, "unknown target-role %q: want Started, Stopped, Unpromoted or Promoted", v))
				}
			}
			for _, name := range []string{"resource-stickiness", "migration-threshold", "priority"} {
				if v, ok := metaValue(x, name); ok {
					if _, err := ParseScore(v); err != nil {
						errs = append(errs, at(x.el, "%s: %v", name, err))
					}
				}
			}
			if x.Kind == Primitive && x.Class == "stonith" {
				return
			}
		})
	}
	known := func(id string) bool {
		_, ok := ids[id]
		_, tmpl := c.Templates[id]
		_, tag := c.Tags[id]
		return ok || tmpl || tag
	}
	for tag, refs := range c.Tags {
		for _, id := range refs {
			if _, ok := ids[id]; !ok {
				if _, ok := c.Templates[id]; !ok {
					errs = append(errs, &Error{Element: "tag", ID: tag, Msg: fmt.Sprintf("obj_ref %q names no configured resource or template", id)})
				}
			}
		}
	}
	checkSets := func(sets []*ResourceSet) {
		for _, rs := range sets {
			for _, id := range rs.Resources {
				if !known(id) {
					errs = append(errs, at(rs.el, "resource_ref %q names no configured resource, template or tag", id))
				}
			}
		}
	}
	nodes := map[string]bool{}
	for _, n := range c.Nodes {
		nodes[n.Uname] = true
		nodes[n.ID] = true
	}
	for _, l := range c.Locations {
		checkSets(l.Sets)
		if l.Rsc != "" && !known(l.Rsc) {
			errs = append(errs, at(l.el, "rsc %q names no configured resource", l.Rsc))
		}
		if l.Node != "" && len(l.Rules) == 0 && !nodes[l.Node] {
			warns = append(warns, at(l.el, "node %q is not in the nodes section (the constraint has no effect)", l.Node))
		}
	}
	for _, co := range c.Colocations {
		checkSets(co.Sets)
		for _, id := range []string{co.Rsc, co.WithRsc} {
			if id != "" && !known(id) {
				errs = append(errs, at(co.el, "resource %q names no configured resource", id))
			}
		}
		if co.Rsc == co.WithRsc && co.Rsc != "" {
			errs = append(errs, at(co.el, "a resource cannot be colocated with itself"))
		}
	}
	graph := map[string][]string{}
	edgeEl := map[[2]string]*etree.Element{}
	for _, o := range c.Orders {
		checkSets(o.Sets)
		if len(o.Sets) > 0 {
			continue // loops through sets are not looked for
		}
		for _, id := range []string{o.First, o.Then} {
			if id != "" && !known(id) {
				errs = append(errs, at(o.el, "resource %q names no configured resource", id))
			}
		}
		if o.First == o.Then && o.First != "" {
			errs = append(errs, at(o.el, "a resource cannot be ordered after itself"))
			continue
		}
		if o.Kind != "Mandatory" {
			continue
		}
		a, b := o.First+" "+o.FirstAction, o.Then+" "+o.ThenAction
		graph[a] = append(graph[a], b)
		edgeEl[[2]string{a, b}] = o.el
		if o.Symmetrical {
			ia, ib := o.Then+" "+InverseAction(o.ThenAction), o.First+" "+InverseAction(o.FirstAction)
			graph[ia] = append(graph[ia], ib)
			edgeEl[[2]string{ia, ib}] = o.el
		}
	}
	if cyc := findCycle(graph); cyc != nil {
		el := edgeEl[[2]string{cyc[0], cyc[1]}]
		errs = append(errs, at(el, "mandatory orderings form a loop: %s; no action in it can ever run", strings.Join(cyc, " -> ")))
	}
	return errs, warns
}

// InverseAction is the action that undoes a: stop for start, demote for
// promote and the other way round. A symmetrical order runs the inverse
// actions in reverse.
func InverseAction(a string) string {
	switch a {
	case "start":
		return "stop"
	case "stop":
		return "start"
	case "promote":
		return "demote"
	case "demote":
		return "promote"
	}
	return a
}

// findCycle returns one cycle (first node repeated at the end) or nil.
func findCycle(g map[string][]string) []string {
	keys := make([]string, 0, len(g))
	for k := range g {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var stack []string
	var found []string
	var visit func(string) bool
	visit = func(n string) bool {
		color[n] = grey
		stack = append(stack, n)
		for _, m := range g[n] {
			switch color[m] {
			case grey:
				for i, s := range stack {
					if s == m {
						found = append(append([]string(nil), stack[i:]...), m)
						return true
					}
				}
			case white:
				if visit(m) {
					return true
				}
			}
		}
		stack = stack[:len(stack)-1]
		color[n] = black
		return false
	}
	for _, k := range keys {
		if color[k] == white && visit(k) {
			return found
		}
	}
	return nil
}

func metaValue(r *Resource, name string) (string, bool) {
	for _, s := range r.Meta {
		for _, p := range s.Pairs {
			if p.Name == name {
				return p.Value, true
			}
		}
	}
	return "", false
}

// ErrorAt builds an Error for a configured resource (for callers that
// find problems the parser cannot see).
func (c *CIB) ErrorAt(r *Resource, format string, args ...any) *Error {
	if r == nil {
		return &Error{Msg: fmt.Sprintf(format, args...)}
	}
	return c.doc.errorf(r.el, format, args...)
}
