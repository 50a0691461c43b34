package cibxml

import (
	"encoding/xml"
	"strings"
	"testing"
)

// TestGroupXML: the stack renders as well-formed XML whose ids are unique
// (the CIB's rule) and whose values are escaped.
func TestGroupXML(t *testing.T) {
	out := Group("nfs",
		Filesystem("fs", "/dev/loop9", "/data", "ext4", append(StartStop("60s"), Monitor("5s", "20s", NV{"OCF_CHECK_LEVEL", "20"}))...),
		NFSServer("nfsd", "ganesha", "/data/nfs", Monitor("2s", "20s")).WithMeta(NV{"target-role", "Stopped"}),
		Exportfs("exp", "/data/export", "192.168.0.0/24", "rw,sync,no_root_squash", "1"),
		IPaddr("vip", "10.1.2.3", "24", "eth1").With(NV{"tickle_dir", `/data/"t"&<x>`}),
	)
	d := xml.NewDecoder(strings.NewReader(out))
	ids := map[string]bool{}
	elems := 0
	for {
		tok, err := d.Token()
		if err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("not well-formed: %v\n%s", err, out)
			}
			break
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if se.Name.Local != "operations" { // the one element the schema gives no id
			elems++
		}
		for _, a := range se.Attr {
			if a.Name.Local == "id" {
				if ids[a.Value] {
					t.Errorf("duplicate id %q", a.Value)
				}
				ids[a.Value] = true
			}
			if a.Name.Local == "value" && strings.HasPrefix(a.Value, "/data/\"") && a.Value != `/data/"t"&<x>` {
				t.Errorf("value not round-tripped: %q", a.Value)
			}
		}
	}
	if elems != len(ids) {
		t.Errorf("%d elements but %d ids: every CIB element here needs one\n%s", elems, len(ids), out)
	}
	for _, want := range []string{`type="Filesystem"`, `provider="baton"`, `name="OCF_CHECK_LEVEL" value="20"`, `id="fs-monitor-5s"`, `name="target-role" value="Stopped"`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
}
