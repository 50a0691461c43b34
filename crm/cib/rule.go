package cib

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// RuleContext is what a rule is evaluated against.
type RuleContext struct {
	// NodeAttrs are the node's attributes, including #uname, #id and #kind.
	NodeAttrs map[string]string
	// Role is the role the rule is asked about ("" matches any rule role).
	Role string
	Now  time.Time
	// Rsc is the resource the rule is evaluated for (rsc_defaults,
	// locations): its agent for rsc_expression, its instance and meta
	// attributes for value-source=param and meta. Nil outside a resource.
	Rsc *RscContext
}

// RscContext describes a resource to rules.
type RscContext struct {
	Class, Provider, Type string
	Params, Meta          map[string]string
}

// Eval reports whether the rule matches in ctx. A rule with a role only
// matches when ctx.Role is that role; callers decide which role they ask.
func (r *Rule) Eval(ctx RuleContext) bool {
	if r == nil {
		return true
	}
	if r.Role != "" && ctx.Role != "" && r.Role != ctx.Role {
		return false
	}
	if len(r.Exprs) == 0 {
		return r.BooleanOp != "or"
	}
	for _, e := range r.Exprs {
		m := e.eval(ctx)
		if r.BooleanOp == "or" && m {
			return true
		}
		if r.BooleanOp != "or" && !m {
			return false
		}
	}
	return r.BooleanOp != "or"
}

func (e Expr) eval(ctx RuleContext) bool {
	switch e.Kind {
	case "rule":
		return e.Sub.Eval(ctx)
	case "date":
		return evalDate(e, ctx.Now)
	case "attr":
		v, ok := ctx.NodeAttrs[e.Attribute]
		return compareAttr(e, v, ok, ctx)
	case "rsc_expression":
		if ctx.Rsc == nil {
			return false
		}
		return (e.Class == "" || e.Class == ctx.Rsc.Class) && (e.Provider == "" || e.Provider == ctx.Rsc.Provider) &&
			(e.Value == "" || e.Value == ctx.Rsc.Type)
	}
	return false
}

func compareAttr(e Expr, have string, defined bool, ctx RuleContext) bool {
	switch e.Operation {
	case "defined":
		return defined
	case "not_defined":
		return !defined
	}
	if !defined {
		// ne matches a missing attribute; every other comparison fails.
		return e.Operation == "ne"
	}
	want := e.Value
	if e.ValueSrc == "param" || e.ValueSrc == "meta" {
		// The value names a parameter or meta attribute of the resource;
		// without a resource, or without that attribute, nothing matches.
		if ctx.Rsc == nil {
			return false
		}
		src := ctx.Rsc.Params
		if e.ValueSrc == "meta" {
			src = ctx.Rsc.Meta
		}
		v, ok := src[want]
		if !ok {
			return false
		}
		want = v
	}
	typ := strings.ToLower(e.Type)
	if typ == "" {
		switch e.Operation {
		case "lt", "gt", "lte", "gte":
			if strings.Contains(have, ".") || strings.Contains(want, ".") {
				typ = "number"
			} else {
				typ = "integer"
			}
		default:
			typ = "string"
		}
	}
	cmp := 0
	switch typ {
	case "integer":
		a, err1 := parseIntLoose(have)
		b, err2 := parseIntLoose(want)
		if err1 != nil || err2 != nil {
			cmp = strings.Compare(strings.ToLower(have), strings.ToLower(want))
		} else {
			cmp = cmpOrdered(a, b)
		}
	case "number":
		a, err1 := strconv.ParseFloat(have, 64)
		b, err2 := strconv.ParseFloat(want, 64)
		if err1 != nil || err2 != nil {
			cmp = strings.Compare(strings.ToLower(have), strings.ToLower(want))
		} else {
			cmp = cmpOrdered(a, b)
		}
	case "version":
		cmp = compareVersion(have, want)
	default:
		cmp = strings.Compare(strings.ToLower(have), strings.ToLower(want))
	}
	switch e.Operation {
	case "eq":
		return cmp == 0
	case "ne":
		return cmp != 0
	case "lt":
		return cmp < 0
	case "lte":
		return cmp <= 0
	case "gt":
		return cmp > 0
	case "gte":
		return cmp >= 0
	}
	return false
}

// parseIntLoose reads an integer, truncating a decimal part as Pacemaker's
// "integer" type does ("3.6" is 3).
func parseIntLoose(s string) (int64, error) {
	if i, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil {
		return i, nil
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0, err
	}
	return int64(math.Trunc(f)), nil
}

func cmpOrdered[T int64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func compareVersion(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) || i < len(pb); i++ {
		var x, y int64
		if i < len(pa) {
			x, _ = strconv.ParseInt(pa[i], 10, 64)
		}
		if i < len(pb) {
			y, _ = strconv.ParseInt(pb[i], 10, 64)
		}
		if c := cmpOrdered(x, y); c != 0 {
			return c
		}
	}
	return 0
}

func evalDate(e Expr, now time.Time) bool {
	if now.IsZero() {
		now = time.Now()
	}
	parse := func(s string) (time.Time, bool) {
		for _, layout := range []string{time.RFC3339, "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05 Z07:00", "2006-01-02 15:04:05 -0700", "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02"} {
			if t, err := time.Parse(layout, s); err == nil {
				return t, true
			}
		}
		return time.Time{}, false
	}
	start, hasStart := parse(e.Start)
	end, hasEnd := parse(e.End)
	switch e.Operation {
	case "gt":
		return hasStart && now.After(start)
	case "lt":
		return hasEnd && now.Before(end)
	case "in_range":
		if hasStart && now.Before(start) {
			return false
		}
		if hasEnd && now.After(end) {
			return false
		}
		return hasStart || hasEnd
	}
	return false
}

// Values flattens attribute sets into a map: sets are taken in descending
// score order (configuration order on ties) and the first set to define a
// name wins; sets whose rule does not match are skipped.
func Values(sets []NVSet, ctx RuleContext) map[string]string {
	out := map[string]string{}
	MergeValues(out, sets, ctx)
	return out
}

// MergeValues adds to out the names from sets that out does not define yet.
func MergeValues(out map[string]string, sets []NVSet, ctx RuleContext) {
	idx := make([]int, len(sets))
	for i := range idx {
		idx[i] = i
	}
	// stable insertion sort by score descending; lists are tiny
	for i := 1; i < len(idx); i++ {
		for j := i; j > 0 && sets[idx[j]].Score > sets[idx[j-1]].Score; j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
		}
	}
	for _, i := range idx {
		s := sets[i]
		if s.Rule != nil && !s.Rule.Eval(ctx) {
			continue
		}
		for _, p := range s.Pairs {
			if _, ok := out[p.Name]; !ok {
				out[p.Name] = p.Value
			}
		}
	}
}
