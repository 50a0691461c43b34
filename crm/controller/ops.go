package controller

import (
	"strconv"
	"strings"
	"time"

	"github.com/baton-ha/baton/crm/cib"
	"github.com/baton-ha/baton/crm/cibdoc"
	"github.com/baton-ha/baton/crm/executor"
	"github.com/baton-ha/baton/ocf"
)

// firstValues flattens attribute sets: the first set that names a value wins,
// as in Pacemaker when sets carry no scores. Rule-guarded sets are skipped:
// Baton evaluates rules in the scheduler only.
func firstValues(sets []cib.NVSet) map[string]string {
	out := map[string]string{}
	for _, s := range sets {
		if s.Rule != nil {
			continue
		}
		for _, p := range s.Pairs {
			if _, ok := out[p.Name]; !ok {
				out[p.Name] = p.Value
			}
		}
	}
	return out
}

// cloneOf returns the clone a primitive belongs to (directly or through a
// group), or nil.
func cloneOf(r *cib.Resource) *cib.Resource {
	for p := r.Parent; p != nil; p = p.Parent {
		if p.Kind == cib.Clone {
			return p
		}
	}
	return nil
}

func isTrue(s string) bool {
	b, _ := ocf.ParseBool(s)
	return b
}

// historyID is the name a primitive instance's history is kept under and
// the OCF_RESOURCE_INSTANCE its agent sees: anonymous clone instances share
// the primitive's id (they are interchangeable), unique ones keep "id:N".
func historyID(prim *cib.Resource, printed string) string {
	cl := cloneOf(prim)
	if cl == nil {
		return prim.ID
	}
	if isTrue(firstValues(cl.Meta)["globally-unique"]) {
		return printed
	}
	return prim.ID
}

// instanceNumber is N of "id:N", or 0.
func instanceNumber(printed string) int {
	if i := strings.LastIndexByte(printed, ':'); i >= 0 {
		if n, err := strconv.Atoi(printed[i+1:]); err == nil {
			return n
		}
	}
	return 0
}

// metaName turns a meta attribute name into its CRM_meta_ spelling.
func metaName(n string) string { return strings.ReplaceAll(n, "-", "_") }

// buildOperation prepares an agent action for a primitive instance: the
// parameters from its instance attributes, its and its clone's meta
// attributes as CRM_meta_*, and the timeout of the matching <op>.
func buildOperation(raw *cibdoc.Doc, prim *cib.Resource, printed, task string, interval time.Duration, nodes int) (executor.Operation, int) {
	op := executor.Operation{
		Resource: historyID(prim, printed),
		Class:    prim.Class,
		Provider: prim.Provider,
		Type:     prim.Type,
		Action:   task,
		Interval: interval,
		Params:   firstValues(prim.Instance),
		Meta:     map[string]string{},
	}
	for k, v := range firstValues(prim.Meta) {
		op.Meta[metaName(k)] = v
	}
	target := ocf.Success
	if cl := cloneOf(prim); cl != nil {
		m := firstValues(cl.Meta)
		get := func(names []string, def string) string {
			for _, n := range names {
				if v, ok := m[n]; ok {
					return v
				}
			}
			return def
		}
		promotable := cl.Tag == "master" || isTrue(m["promotable"])
		op.Meta["clone"] = strconv.Itoa(instanceNumber(printed))
		op.Meta["clone_max"] = get([]string{"clone-max"}, strconv.Itoa(nodes))
		op.Meta["clone_node_max"] = get([]string{"clone-node-max"}, "1")
		op.Meta["notify"] = get([]string{"notify"}, "false")
		op.Meta["globally_unique"] = get([]string{"globally-unique"}, "false")
		if promotable {
			pm := get([]string{"promoted-max", "master-max"}, "1")
			pnm := get([]string{"promoted-node-max", "master-node-max"}, "1")
			op.Meta["promoted_max"], op.Meta["master_max"] = pm, pm
			op.Meta["promoted_node_max"], op.Meta["master_node_max"] = pnm, pnm
		}
	}
	op.Timeout = ocf.DefaultTimeout
	if el := raw.Element(prim.ID); el != nil {
		for _, o := range el.FindElements("operations/op") {
			if o.SelectAttrValue("name", "") != task {
				continue
			}
			iv, err := cib.ParseInterval(o.SelectAttrValue("interval", "0"))
			if err != nil || iv != interval {
				continue
			}
			if t, err := cib.ParseInterval(o.SelectAttrValue("timeout", "")); err == nil && t > 0 {
				op.Timeout = t
			}
			if role := o.SelectAttrValue("role", ""); role != "" {
				op.Meta["role"] = normaliseRole(role)
				if op.Meta["role"] == "Promoted" && task == ocf.ActionMonitor {
					target = ocf.RunningPromoted
				}
			}
			for _, nv := range o.FindElements("instance_attributes/nvpair") {
				if nv.SelectAttrValue("name", "") == "OCF_CHECK_LEVEL" {
					op.Params["OCF_CHECK_LEVEL"] = nv.SelectAttrValue("value", "")
				}
			}
			break
		}
	}
	return op, int(target)
}

func normaliseRole(r string) string {
	switch strings.ToLower(r) {
	case "master", "promoted":
		return "Promoted"
	case "slave", "unpromoted":
		return "Unpromoted"
	case "started":
		return "Started"
	}
	return r
}

// primitives returns every configured primitive, depth first in
// configuration order.
func primitives(doc *cib.CIB) []*cib.Resource {
	var out []*cib.Resource
	for _, r := range doc.Resources {
		r.Walk(func(x *cib.Resource) {
			if x.Kind == cib.Primitive {
				out = append(out, x)
			}
		})
	}
	return out
}
