package controller

import (
	"fmt"

	"github.com/baton-ha/baton/crm/cib"
	"github.com/baton-ha/baton/crm/cibdoc"
	"github.com/baton-ha/baton/crm/executor"
)

// OperationFor prepares an action on a configured resource for running it
// by hand (`baton resource --force-*`, crm_resource's habit): the resource's
// parameters, meta attributes and operation timeout from the CIB. A clone
// names its primitive; a group, having several, must be named by member.
func OperationFor(raw *cibdoc.Doc, id, action string) (executor.Operation, int, error) {
	doc, err := cib.Parse(raw.Bytes())
	if err != nil {
		return executor.Operation{}, 0, err
	}
	r := doc.FindResource(id)
	if r == nil {
		return executor.Operation{}, 0, fmt.Errorf("resource %q is not configured in the CIB", id)
	}
	for r.Kind == cib.Clone && len(r.Children) == 1 {
		r = r.Children[0]
	}
	if r.Kind != cib.Primitive {
		var names []string
		for _, p := range primitives(&cib.CIB{Resources: []*cib.Resource{r}}) {
			names = append(names, p.ID)
		}
		return executor.Operation{}, 0, fmt.Errorf("%s %q holds several primitives (%v): name one", r.Kind, id, names)
	}
	nodes := len(doc.Nodes)
	if nodes == 0 {
		nodes = 1
	}
	op, target := buildOperation(raw, r, r.ID, action, 0, nodes)
	return op, target, nil
}
