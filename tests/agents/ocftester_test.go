// Package agents_test runs Debian's ocf-tester, the reference conformance
// check, on the example agents through the installed-style symlinks.
package agents_test

import (
	"path/filepath"
	"testing"

	"github.com/baton-ha/baton/tests/harness"
)

func TestOCFTester(t *testing.T) {
	harness.NeedRoot(t) // ocf-tester checks permissions as user nobody
	dir := harness.AgentDir(t, "Dummy", "Stateful")
	state := t.TempDir()
	for _, name := range []string{"Dummy", "Stateful"} {
		t.Run(name, func(t *testing.T) {
			harness.OCFTester(t, filepath.Join(dir, name), "t-"+name,
				map[string]string{"state": filepath.Join(state, name+".state")})
		})
	}
}
