package fencer

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/baton-ha/baton/crm/cibdoc"
)

// FuzzLoad: no CIB makes the fencing setup reader panic, and whatever it
// returns can be asked for levels and fenceability.
func FuzzLoad(f *testing.F) {
	b, _ := os.ReadFile(filepath.Join("testdata", "cib-fencing.xml"))
	f.Add(b)
	f.Add([]byte(`<cib><configuration><crm_config/><resources/><fencing-topology><fencing-level id="l" index="1" target-pattern="(" devices="x"/></fencing-topology></configuration></cib>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := cibdoc.Parse(data)
		if err != nil {
			return
		}
		s, _ := Load(d)
		s.Levels("node1", map[string]string{"a": "b"})
		s.Fenceable("node1")
		Verify(d)
		for _, dev := range s.Devices {
			dev.Plug("node1")
			dev.delay()
		}
	})
}

// FuzzParseMetadata: agent metadata never panics the reader.
func FuzzParseMetadata(f *testing.F) {
	f.Add([]byte(`<resource-agent name="x"><parameters><parameter name="plug"/></parameters></resource-agent>`))
	f.Fuzz(func(t *testing.T, data []byte) { _, _ = ParseMetadata(data) })
}
