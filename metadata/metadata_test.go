// Package metadata_test checks the checked-in meta-data: one file per agent,
// equal to what the agent prints, valid against the DTD that resource-agents
// ships (the one ocf-tester and Pacemaker's tools use). `make metadata`
// regenerates the files.
package metadata_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/baton-ha/baton/agents"
)

// The two schemas resource-agents ships: the DTD ocf-tester uses and the
// OCF 1.1 RELAX NG schema of its meta-data checks. Valid meta-data passes
// both.
const (
	dtd = "/usr/share/resource-agents/ra-api-1.dtd"
	rng = "/usr/share/resource-agents/metadata.rng"
)

func TestMetadataFilesMatchAgents(t *testing.T) {
	var names []string
	for _, a := range agents.All() {
		names = append(names, a.Name+".xml")
		want := a.MetaData()
		got, err := os.ReadFile(a.Name + ".xml")
		if err != nil {
			t.Errorf("%s: %v (run make metadata)", a.Name, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("metadata/%s.xml differs from what the agent prints: run make metadata", a.Name)
		}
		for _, p := range a.Params {
			if p.Shortdesc == "" || p.Longdesc == "" {
				t.Errorf("%s: parameter %s lacks a short or long description", a.Name, p.Name)
			}
		}
	}
	files, _ := filepath.Glob("*.xml")
	sort.Strings(files)
	sort.Strings(names)
	if strings.Join(files, " ") != strings.Join(names, " ") {
		t.Errorf("metadata/ holds %v, agents are %v: run make metadata", files, names)
	}
}

func TestMetadataValidatesAgainstDTD(t *testing.T) {
	if _, err := exec.LookPath("xmllint"); err != nil {
		t.Fatal("xmllint missing: run make deps")
	}
	if _, err := os.Stat(dtd); err != nil {
		t.Fatalf("%s missing (package resource-agents): run make deps", dtd)
	}
	files, _ := filepath.Glob("*.xml")
	if len(files) == 0 {
		t.Fatal("no metadata files")
	}
	for _, f := range files {
		out, err := exec.Command("xmllint", "--noout", "--dtdvalid", dtd, f).CombinedOutput()
		// xmllint warns that it cannot load the relative SYSTEM id; only
		// validity errors count.
		if err != nil {
			t.Errorf("%s does not validate against %s: %v\n%s", f, dtd, err, out)
		}
	}
}

func TestMetadataValidatesAgainstRelaxNG(t *testing.T) {
	if _, err := exec.LookPath("xmllint"); err != nil {
		t.Fatal("xmllint missing: run make deps")
	}
	if _, err := os.Stat(rng); err != nil {
		t.Fatalf("%s missing (package resource-agents): run make deps", rng)
	}
	files, _ := filepath.Glob("*.xml")
	if len(files) == 0 {
		t.Fatal("no metadata files")
	}
	for _, f := range files {
		out, err := exec.Command("xmllint", "--noout", "--relaxng", rng, f).CombinedOutput()
		if err != nil {
			t.Errorf("%s does not validate against %s: %v\n%s", f, rng, err, out)
		}
	}
}
