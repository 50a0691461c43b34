package fence

import (
	"context"
	"errors"
	"fmt"

	"github.com/beevik/etree"
)

// Constraints places, finds and removes fencing constraints in a CIB. The
// implementations are Cibadmin (Pacemaker's CIB through cibadmin), Baton
// (Baton's daemon, which owns and replicates its CIB) and File (a CIB XML
// file in Pacemaker's layout, for nodes without a running cluster manager).
type Constraints interface {
	// Place forbids promoting the clone that manages DRBD resource res on
	// every node but keep. Placing the same constraint twice is not an
	// error. It returns ErrFencedElsewhere, placing nothing, when a
	// constraint for res already keeps another node: this node is then the
	// one with stale data.
	Place(ctx context.Context, res, keep string) error
	// Remove deletes the constraint for res; no constraint is not an error.
	Remove(ctx context.Context, res string) error
	// Lookup returns the node the constraint for res keeps, and false when
	// there is none.
	Lookup(ctx context.Context, res string) (keep string, ok bool, err error)
}

// ErrFencedElsewhere says a constraint for the resource keeps another node.
var ErrFencedElsewhere = errors.New("a fencing constraint already keeps another node")

// ErrNoClone says the CIB has no promotable clone managing the resource.
var ErrNoClone = errors.New("no promotable clone in the CIB manages this DRBD resource")

// IDPrefix starts every constraint id, followed by the DRBD resource and the
// clone id: the same ids crm-fence-peer uses.
const IDPrefix = "drbd-fence-by-handler"

// ConstraintID returns the id of the constraint for DRBD resource res on
// clone.
func ConstraintID(res, clone string) string {
	return fmt.Sprintf("%s-%s-%s", IDPrefix, res, clone)
}

// Constraint builds the rsc_location element that keeps clone promoted only
// on node keep.
func Constraint(res, clone, keep string) *etree.Element {
	id := ConstraintID(res, clone)
	loc := etree.NewElement("rsc_location")
	loc.CreateAttr("id", id)
	loc.CreateAttr("rsc", clone)
	rule := loc.CreateElement("rule")
	rule.CreateAttr("id", fmt.Sprintf("%s-%s-rule-%s", IDPrefix, res, clone))
	// "Master" is the role name every Pacemaker version accepts in a
	// rule; 2.1 reads it as Promoted.
	rule.CreateAttr("role", "Master")
	rule.CreateAttr("score", "-INFINITY")
	expr := rule.CreateElement("expression")
	expr.CreateAttr("id", fmt.Sprintf("%s-%s-expr-%s", IDPrefix, res, clone))
	expr.CreateAttr("attribute", "#uname")
	expr.CreateAttr("operation", "ne")
	expr.CreateAttr("value", keep)
	return loc
}

// FindClone returns the id of the clone (or the old master element) whose
// primitive has the instance attribute drbd_resource=res, searching the
// element that holds the resources (the CIB's <resources> or an ancestor).
func FindClone(resources *etree.Element, res string) (string, error) {
	for _, nv := range resources.FindElements(".//primitive/instance_attributes/nvpair[@name='drbd_resource']") {
		if nv.SelectAttrValue("value", "") != res {
			continue
		}
		for p := nv.Parent(); p != nil; p = p.Parent() {
			if p.Tag == "clone" || p.Tag == "master" {
				if id := p.SelectAttrValue("id", ""); id != "" {
					return id, nil
				}
			}
		}
	}
	return "", fmt.Errorf("DRBD resource %q: %w", res, ErrNoClone)
}

// findConstraint returns the fencing constraint for res under constraints,
// whichever clone it names, with the node it keeps.
func findConstraint(constraints *etree.Element, res string) (*etree.Element, string) {
	prefix := fmt.Sprintf("%s-%s-", IDPrefix, res)
	for _, loc := range constraints.SelectElements("rsc_location") {
		id := loc.SelectAttrValue("id", "")
		if len(id) <= len(prefix) || id[:len(prefix)] != prefix {
			continue
		}
		// The clone id follows the prefix; the resource name itself may
		// hold dashes, so check that the rest is this constraint's clone.
		if ConstraintID(res, loc.SelectAttrValue("rsc", "")) != id {
			continue
		}
		keep := ""
		if e := loc.FindElement("./rule/expression[@attribute='#uname']"); e != nil {
			keep = e.SelectAttrValue("value", "")
		}
		return loc, keep
	}
	return nil, ""
}
