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
	// The syntax of sets, templates, tags and ISO 8601 durations.
	f.Add([]byte(`<cib><configuration><resources><template id="t" class="ocf" provider="x" type="y"><operations><op id="t-m" name="monitor" interval="PT1M30S"/></operations></template>
<primitive id="a" template="t"/><primitive id="b" class="ocf" provider="x" type="y"><operations><op id="b-m" name="monitor" interval="P10S" timeout="PT20S"/></operations></primitive></resources>
<tags><tag id="tg"><obj_ref id="a"/><obj_ref id="t"/></tag></tags>
<constraints><rsc_order id="o"><resource_set id="s1" sequential="false" require-all="false" action="promote"><resource_ref id="a"/><resource_ref id="b"/></resource_set><resource_set id="s2"><resource_ref id="tg"/></resource_set></rsc_order>
<rsc_colocation id="c" score="-INFINITY"><resource_set id="s3" role="Promoted" score="10"><resource_ref id="a"/><resource_ref id="b"/></resource_set><resource_set id-ref="s2"/></rsc_colocation>
<rsc_location id="l" score="5" node="n1"><resource_set id="s4"><resource_ref id="t"/></resource_set></rsc_location></constraints></configuration></cib>`))
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

// FuzzISODuration: any string is a duration or an error, never a panic,
// and a duration is never negative.
func FuzzISODuration(f *testing.F) {
	for _, s := range []string{"PT10S", "P10S", "P1DT2H3M4.5S", "P1Y2M3W", "PT", "P", "PT1H1H", "P-1D", "PT99999999999999999999H"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseISODuration(s)
		if err == nil && d < 0 {
			t.Fatalf("%q: negative duration %v", s, d)
		}
	})
}
