package controller

import (
	"github.com/baton-ha/baton/crm/cib"
	"github.com/baton-ha/baton/crm/scheduler"
)

// requires returns a primitive's requires meta attribute (its own, its
// parents', then rsc_defaults), with Pacemaker's defaults: "quorum" for
// stonith devices, "fencing" otherwise.
func requires(doc *cib.CIB, prim *cib.Resource) string {
	if v, ok := requiresSet(doc, prim); ok {
		return v
	}
	if prim.Class == "stonith" {
		return "quorum"
	}
	return "fencing"
}

// heldByFencing reports whether an action must wait while a lost node is
// unclean: starting or promoting a resource that requires fencing (or
// unfencing) could make a second owner. Stops, demotes and monitors run,
// and so does everything of a resource that requires only quorum or
// nothing.
func heldByFencing(doc *cib.CIB, a *scheduler.Action) bool {
	switch a.Task {
	case "stop", "demote", "monitor", "notify", "cancel":
		return false
	}
	switch requires(doc, a.Primitive) {
	case "nothing", "quorum":
		return false
	}
	return true
}

// requiresSet returns the requires meta attribute a primitive is given
// (its own, its parents', then rsc_defaults), and whether one is.
func requiresSet(doc *cib.CIB, prim *cib.Resource) (string, bool) {
	for r := prim; r != nil; r = r.Parent {
		if v, ok := firstValues(r.Meta)["requires"]; ok {
			return v, true
		}
	}
	v, ok := firstValues(doc.RscDefaults)["requires"]
	return v, ok
}
