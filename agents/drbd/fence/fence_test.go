package fence

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"
)

const cib = `<cib epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <resources>
      <clone id="ms_drbd_r0">
        <primitive id="drbd_r0" class="ocf" provider="baton" type="drbd">
          <instance_attributes id="ia"><nvpair id="ia-r" name="drbd_resource" value="r0"/></instance_attributes>
        </primitive>
      </clone>
      <master id="ms_old">
        <primitive id="drbd_r1" class="ocf" provider="linbit" type="drbd">
          <instance_attributes id="ia1"><nvpair id="ia1-r" name="drbd_resource" value="r0-x"/></instance_attributes>
        </primitive>
      </master>
    </resources>
    <constraints/>
  </configuration>
  <status/>
</cib>
`

func TestFileRoundTrip(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cib.xml")
	if err := os.WriteFile(path, []byte(cib), 0o644); err != nil {
		t.Fatal(err)
	}
	f := &File{Path: path}
	if _, ok, err := f.Lookup(ctx, "r0"); ok || err != nil {
		t.Fatalf("Lookup before Place: %v %v", ok, err)
	}
	if err := f.Place(ctx, "r0", "nodea"); err != nil {
		t.Fatal(err)
	}
	if err := f.Place(ctx, "r0", "nodea"); err != nil {
		t.Fatalf("placing the same constraint again: %v", err)
	}
	if err := f.Place(ctx, "r0", "nodeb"); !errors.Is(err, ErrFencedElsewhere) {
		t.Fatalf("Place for another keeper: %v, want ErrFencedElsewhere", err)
	}
	// A resource whose name extends r0's is a different constraint.
	if err := f.Place(ctx, "r0-x", "nodeb"); err != nil {
		t.Fatal(err)
	}
	keep, ok, err := f.Lookup(ctx, "r0")
	if err != nil || !ok || keep != "nodea" {
		t.Fatalf("Lookup r0 = %q %v %v, want nodea", keep, ok, err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromFile(path); err != nil {
		t.Fatal(err)
	}
	loc := doc.FindElement("//rsc_location[@id='drbd-fence-by-handler-r0-ms_drbd_r0']")
	if loc == nil || loc.SelectAttrValue("rsc", "") != "ms_drbd_r0" {
		t.Fatalf("constraint missing or on the wrong clone:\n%s", mustRead(t, path))
	}
	rule := loc.FindElement("rule")
	expr := loc.FindElement("rule/expression")
	if rule.SelectAttrValue("score", "") != "-INFINITY" || rule.SelectAttrValue("role", "") != "Master" ||
		expr.SelectAttrValue("operation", "") != "ne" || expr.SelectAttrValue("value", "") != "nodea" {
		t.Errorf("constraint does not forbid promotion off nodea:\n%s", mustRead(t, path))
	}
	if doc.FindElement("//rsc_location[@rsc='ms_old']") == nil {
		t.Error("no constraint on the old-style master element for r0-x")
	}
	if err := f.Remove(ctx, "r0"); err != nil {
		t.Fatal(err)
	}
	if err := f.Remove(ctx, "r0"); err != nil {
		t.Fatalf("removing twice: %v", err)
	}
	if _, ok, _ := f.Lookup(ctx, "r0"); ok {
		t.Error("constraint still there after Remove")
	}
	if keep, ok, _ := f.Lookup(ctx, "r0-x"); !ok || keep != "nodeb" {
		t.Error("Remove r0 removed r0-x's constraint too")
	}
}

func TestFileErrors(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cib.xml")
	if err := (&File{Path: path}).Place(ctx, "r0", "a"); err == nil {
		t.Error("Place on a missing file succeeded")
	}
	if err := os.WriteFile(path, []byte(strings.Replace(cib, `value="r0"`, `value="other"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := (&File{Path: path}).Place(ctx, "r0", "a"); !errors.Is(err, ErrNoClone) {
		t.Errorf("Place without a clone for r0: %v, want ErrNoClone", err)
	}
}

func mustRead(t *testing.T, p string) string {
	b, _ := os.ReadFile(p)
	return string(b)
}
