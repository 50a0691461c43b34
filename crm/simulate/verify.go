package simulate

import (
	"fmt"

	"github.com/baton-ha/baton/crm/cib"
	"github.com/baton-ha/baton/crm/scheduler"
)

// Report is what verify found.
type Report struct {
	Errors   []string
	Warnings []string
}

// Verify checks a parsed CIB like crm_verify: configuration errors from
// validation, and the scheduler's own warnings when it runs on it. It
// never panics on bad input; a scheduler failure is reported as an error.
func Verify(doc *cib.CIB) (rep Report) {
	for _, w := range doc.Warnings {
		rep.Warnings = append(rep.Warnings, w.Error())
	}
	errs, warns := doc.Validate()
	for _, e := range errs {
		rep.Errors = append(rep.Errors, e.Error())
	}
	for _, w := range warns {
		rep.Warnings = append(rep.Warnings, w.Error())
	}
	defer func() {
		if r := recover(); r != nil {
			rep.Errors = append(rep.Errors, fmt.Sprintf("scheduler failed on this CIB: %v", r))
		}
	}()
	res, err := scheduler.Schedule(doc)
	if err != nil {
		rep.Errors = append(rep.Errors, err.Error())
		return rep
	}
	rep.Warnings = append(rep.Warnings, res.Cluster.Warnings...)
	return rep
}
