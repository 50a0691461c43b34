package cib

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: any input yields a model or an error, never a panic, and the
// error of a well-formed document names an element.
func FuzzParse(f *testing.F) {
	f.Add([]byte(smallCIB))
	f.Add([]byte(`<cib><configuration><resources><clone id="c"><group id="g"><primitive id="p" class="ocf" provider="x" type="y"/></group></clone></resources></configuration></cib>`))
	f.Add([]byte(`<cib><configuration><constraints><rsc_order id="o" first="a" then="b" kind="foo" symmetrical="maybe"/></constraints></configuration></cib>`))
	// Pacemaker's corpus, when present next to the repository, seeds real CIBs.
	if files, _ := filepath.Glob("../../../shared/scheduler-corpus/xml/*.xml"); len(files) > 0 {
		added := 0
		for _, name := range files {
			// small documents only: big seeds make mutation crawl
			if data, err := os.ReadFile(name); err == nil && len(data) < 6000 && added < 10 {
				f.Add(data)
				added++
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		c.Validate()
	})
}
