package fence

import (
	"fmt"

	"github.com/beevik/etree"
)

// The operations on a whole CIB document, shared by the stores that hold
// one (a file, Baton's CRM).

func constraintsOf(doc *etree.Document) (*etree.Element, error) {
	cons := doc.FindElement("/cib/configuration/constraints")
	if cons == nil {
		conf := doc.FindElement("/cib/configuration")
		if conf == nil {
			return nil, fmt.Errorf("the CIB has no /cib/configuration element")
		}
		cons = conf.CreateElement("constraints")
	}
	return cons, nil
}

// placeIn adds the constraint for res keeping keep, reporting whether the
// document changed.
func placeIn(doc *etree.Document, res, keep string) (bool, error) {
	cons, err := constraintsOf(doc)
	if err != nil {
		return false, err
	}
	if old, k := findConstraint(cons, res); old != nil {
		if k == keep {
			return false, nil
		}
		return false, fmt.Errorf("%w: constraint %s keeps %q", ErrFencedElsewhere, old.SelectAttrValue("id", ""), k)
	}
	clone, err := FindClone(doc.Root(), res)
	if err != nil {
		return false, err
	}
	cons.AddChild(Constraint(res, clone, keep))
	return true, nil
}

// removeIn deletes the constraint for res, reporting whether there was one.
func removeIn(doc *etree.Document, res string) bool {
	cons, err := constraintsOf(doc)
	if err != nil {
		return false
	}
	old, _ := findConstraint(cons, res)
	if old == nil {
		return false
	}
	cons.RemoveChild(old)
	return true
}

// lookupIn returns the node the constraint for res keeps.
func lookupIn(doc *etree.Document, res string) (string, bool) {
	cons, err := constraintsOf(doc)
	if err != nil {
		return "", false
	}
	old, keep := findConstraint(cons, res)
	return keep, old != nil
}
