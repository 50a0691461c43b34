package cibdoc

import "testing"

// FuzzParse: any input gives a document or an error, never a panic; a
// parsed document renders to something that parses again with the same
// version.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`<cib epoch="3" num_updates="1" admin_epoch="0"><configuration/></cib>`))
	f.Add([]byte(`<cib epoch="9223372036854775807"><configuration><resources/></configuration><status/></cib>`))
	f.Add([]byte(`<cib/><cib/>`))
	f.Add([]byte(`<?xml version="1.0"?><!-- c --><cib><configuration><nodes><node id="1"/></nodes></configuration></cib>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := Parse(b)
		if err != nil {
			return
		}
		v := d.Version()
		d.ConfigChanged()
		d.StatusChanged()
		again, err := Parse(d.Bytes())
		if err != nil {
			t.Fatalf("a parsed CIB does not parse after rendering: %v", err)
		}
		if w := again.Version(); w.Less(v) {
			t.Fatalf("version went back from %v to %v", v, w)
		}
	})
}
