package daemon

import (
	"fmt"

	"github.com/baton-ha/baton/crm/cib"
	"github.com/baton-ha/baton/crm/cibdoc"
)

// Verify refuses a CIB the scheduler could not use, so that a bad
// `baton cib replace` never reaches the cluster.
func Verify(d *cibdoc.Doc) error {
	if _, err := cib.Parse(d.Bytes()); err != nil {
		return fmt.Errorf("CIB rejected: %w", err)
	}
	return nil
}
