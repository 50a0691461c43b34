package cibdoc

import (
	"strings"
	"testing"
)

const sample = `<cib admin_epoch="0" epoch="5" num_updates="3" validate-with="pacemaker-3.7" have-quorum="1">
  <configuration>
    <crm_config/>
    <nodes><node id="1" uname="node1"/></nodes>
    <resources>
      <group id="nfs"><primitive id="vip" class="ocf" provider="baton" type="IPaddr"/></group>
      <!-- kept -->
    </resources>
    <constraints/>
  </configuration>
</cib>`

func TestVersionAndEdits(t *testing.T) {
	d, err := Parse([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	if v := d.Version(); v != (Version{0, 5, 3}) {
		t.Fatalf("version %v", v)
	}
	d.StatusChanged()
	if v := d.Version(); v != (Version{0, 5, 4}) {
		t.Fatalf("after status change %v", v)
	}
	d.ConfigChanged()
	if v := d.Version(); v != (Version{0, 6, 0}) {
		t.Fatalf("after config change %v", v)
	}
	if !(Version{0, 5, 9}).Less(Version{0, 6, 0}) || (Version{1, 0, 0}).Less(Version{0, 9, 9}) {
		t.Error("Less")
	}

	if err := d.Move("nfs", "node2"); err != nil {
		t.Fatal(err)
	}
	if err := d.Ban("vip", "node1"); err != nil {
		t.Fatal(err)
	}
	if err := d.Move("nope", "node2"); err == nil || !strings.Contains(err.Error(), `"nope" is not configured`) {
		t.Errorf("move of unknown resource: %v", err)
	}
	out := string(d.Bytes())
	for _, want := range []string{`<rsc_location id="cli-prefer-nfs" rsc="nfs" node="node2" score="INFINITY"/>`,
		`<rsc_location id="cli-ban-vip-on-node1" rsc="vip" node="node1" score="-INFINITY"/>`, "<!-- kept -->", "<status/>"} {
		if !strings.Contains(out, want) {
			t.Errorf("document lacks %s:\n%s", want, out)
		}
	}
	if n := d.Clear("nfs"); n != 1 {
		t.Errorf("Clear(nfs) removed %d", n)
	}
	if n := d.Clear("vip"); n != 1 {
		t.Errorf("Clear(vip) removed %d", n)
	}

	d.SetNodeAttr("node1", "standby", "on")
	d.SetNodeAttr("node2", "standby", "on")
	d.SetNodeAttr("node1", "standby", "off")
	if v, ok := d.NodeAttr("node1", "standby"); !ok || v != "off" {
		t.Errorf("node1 standby %q %v", v, ok)
	}
	if v, ok := d.NodeAttr("node2", "standby"); !ok || v != "on" {
		t.Errorf("node2 standby %q %v", v, ok)
	}
	if err := d.AddElement("constraints", `<rsc_location id="cli-prefer-x" rsc="vip" node="node1" score="1"/>`); err != nil {
		t.Error(err)
	}
	if err := d.AddElement("resources", `<primitive id="vip" class="ocf" provider="baton" type="Dummy"/>`); err == nil {
		t.Error("duplicate id accepted")
	}
	// A copy round-trips through Parse.
	if _, err := Parse(d.Clone().Bytes()); err != nil {
		t.Fatal(err)
	}
}

func TestParseErrors(t *testing.T) {
	for in, want := range map[string]string{
		"<cib":        "not well-formed",
		"<foo/>":      "root element must be <cib>",
		"<cib></cib>": "no <configuration>",
	} {
		if _, err := Parse([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q): %v, want %q", in, err, want)
		}
	}
}
