package cib

import (
	"slices"
	"sort"
	"strings"

	"github.com/beevik/etree"
)

// Pacemaker validates a CIB against the RELAX NG schema its validate-with
// names and refuses the whole CIB when an element carries an attribute the
// schema does not know. Baton's parser reads the attributes it knows and
// would silently ignore a misspelt one, so a CIB that runs under baton
// daemon could be refused by Pacemaker, or mean something else there. For
// the constraints, where a wrong name changes what the cluster does (a role
// written as rsc-role on a location constraint applies the preference to
// every role), Validate checks the attributes as Pacemaker's schemas do.

// constraintAttrs are the attributes the pacemaker-3.x schemas (3.0 to 3.9)
// allow on each constraint element, as Pacemaker Explained documents them.
var constraintAttrs = map[string][]string{
	"rsc_location":   {"id", "rsc", "rsc-pattern", "role", "score", "node", "resource-discovery"},
	"rsc_colocation": {"id", "score", "influence", "rsc", "with-rsc", "node-attribute", "rsc-role", "with-rsc-role"},
	"rsc_order":      {"id", "symmetrical", "require-all", "score", "kind", "first", "then", "first-action", "then-action"},
	"rsc_ticket":     {"id", "ticket", "loss-policy", "rsc", "rsc-role"},
	"resource_set":   {"id", "id-ref", "sequential", "require-all", "ordering", "action", "role", "score", "kind"},
	"resource_ref":   {"id"},
}

// nextAttrs are allowed from pacemaker-next on (promotable clone instances).
var nextAttrs = map[string][]string{
	"rsc_colocation": {"rsc-instance", "with-rsc-instance"},
	"rsc_order":      {"first-instance", "then-instance"},
}

// attrMeant names what a user who wrote an unknown attribute most likely
// meant: the attribute of that name on another constraint type.
var attrMeant = map[string]string{
	"rsc_location rsc-role":        "role",
	"rsc_location with-rsc-role":   "role",
	"rsc_colocation role":          "rsc-role",
	"rsc_ticket role":              "rsc-role",
	"rsc_order first-role":         "first-action (promote, demote, start, stop)",
	"rsc_order then-role":          "then-action (promote, demote, start, stop)",
	"rsc_location score-attribute": "a rule with score-attribute",
}

// schemaChecked reports whether validate-with names a schema whose
// constraint attributes constraintAttrs describes. Older schemas
// (pacemaker-1.x, 2.x, transitional) differ and are left to Pacemaker's
// upgrade; "none" turns validation off, as in Pacemaker.
func schemaChecked(validateWith string) (checked, next bool) {
	switch {
	case validateWith == "" || strings.HasPrefix(validateWith, "pacemaker-3."):
		return true, false
	case validateWith == "pacemaker-next":
		return true, true
	}
	return false, false
}

// constraintAttributeErrors reports every attribute of a constraint element
// (and of its resource sets) that the CIB's schema does not allow.
func (c *CIB) constraintAttributeErrors() (errs Errors) {
	checked, next := schemaChecked(c.ValidateWith)
	if !checked || c.doc == nil || c.doc.root == nil {
		return nil
	}
	cons := c.doc.root.FindElement("configuration/constraints")
	if cons == nil {
		return nil
	}
	var walk func(el *etree.Element)
	walk = func(el *etree.Element) {
		allowed, known := constraintAttrs[el.Tag]
		if !known {
			return
		}
		if next {
			allowed = append(allowed[:len(allowed):len(allowed)], nextAttrs[el.Tag]...)
		}
		var bad []string
		for _, a := range el.Attr {
			if a.Space != "" || slices.Contains(allowed, a.Key) {
				continue
			}
			bad = append(bad, a.Key)
		}
		sort.Strings(bad)
		for _, a := range bad {
			msg := "attribute " + a + " is not allowed here: Pacemaker's schema (" + schemaName(c.ValidateWith) + ") refuses the whole CIB"
			if m, ok := attrMeant[el.Tag+" "+a]; ok {
				msg += "; did you mean " + m + "?"
			} else {
				msg += "; allowed: " + strings.Join(allowed, ", ")
			}
			errs = append(errs, c.doc.errorf(el, "%s", msg))
		}
		for _, ch := range el.ChildElements() {
			walk(ch)
		}
	}
	for _, el := range cons.ChildElements() {
		walk(el)
	}
	return errs
}

func schemaName(validateWith string) string {
	if validateWith == "" {
		return "the newest, as no validate-with is set"
	}
	return validateWith
}
