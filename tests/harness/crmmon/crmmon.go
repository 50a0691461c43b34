// Package crmmon checks a crm_mon XML document the way its consumers read
// it: against the pacemaker-result schema Pacemaker installs, and through
// the parsers of pcs and crmsh (Debian's packages, run as they run), so
// that a test of `baton status --output-as=xml` proves more than that our
// own reader agrees with our own writer.
package crmmon

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/baton-ha/baton/tests/harness"
)

// Schema is Pacemaker's schema for the results of its command-line tools,
// crm_mon's included (Pacemaker 2.1.5: api-version 2.25).
const Schema = "/usr/share/pacemaker/api/api-result.rng"

// python is the interpreter Debian's pcs and crmsh are installed for (not
// whatever python3 comes first on PATH).
const python = "/usr/bin/python3"

// Validate fails t unless doc is valid against Schema (xmllint --relaxng).
func Validate(t testing.TB, doc []byte) {
	t.Helper()
	harness.NeedCommand(t, "xmllint")
	if _, err := os.Stat(Schema); err != nil {
		t.Fatalf("%s is missing: run `make deps` (pacemaker-common)", Schema)
	}
	f := writeTemp(t, "status.xml", doc)
	out, err := exec.Command("xmllint", "--noout", "--relaxng", Schema, f).CombinedOutput()
	if err != nil {
		t.Fatalf("not valid against %s: %v\n%s\n--- document ---\n%s", Schema, err, out, doc)
	}
}

// Pcs is what pcs's cluster-state library makes of a document.
type Pcs struct {
	Nodes               map[string]PcsNode `json:"nodes"`
	NodesConfigured     int                `json:"nodes_configured"`
	ResourcesConfigured int                `json:"resources_configured"`
	// Resources maps each asked resource id to its running roles and the
	// nodes in each (pcs's get_resource_state).
	Resources map[string]map[string][]string `json:"resources"`
	Managed   map[string]bool                `json:"managed"`
}

// PcsNode is one node as pcs reads it.
type PcsNode struct {
	Online           bool `json:"online"`
	Standby          bool `json:"standby"`
	IsDC             bool `json:"is_dc"`
	ResourcesRunning int  `json:"resources_running"`
}

// pcsScript feeds the document to pcs exactly where pcs reads crm_mon's
// output (its command runner), so pcs validates it against the schema and
// parses it with its own code.
const pcsScript = `
import json, sys
from pcs.lib.pacemaker.live import get_cluster_status_dom
from pcs.lib.pacemaker.state import ClusterState, get_resource_state, is_resource_managed

xml = open(sys.argv[1]).read()

class Runner:
    def run(self, args, **kwargs):
        assert "crm_mon" in args[0], args
        return xml, "", 0

dom = get_cluster_status_dom(Runner())
cs = ClusterState(dom)
print(json.dumps({
    "nodes": {n.attrs.name: {"online": n.attrs.online, "standby": n.attrs.standby, "is_dc": n.attrs.is_dc,
                             "resources_running": n.attrs.resources_running} for n in cs.node_section.nodes},
    "nodes_configured": cs.summary.nodes.attrs.count,
    "resources_configured": cs.summary.resources.attrs.count,
    "resources": {r: get_resource_state(dom, r) for r in sys.argv[2:]},
    "managed": {r: is_resource_managed(dom, r) for r in sys.argv[2:]},
}))
`

// ReadWithPcs parses doc with pcs's library and asks it about rscs.
func ReadWithPcs(t testing.TB, doc []byte, rscs ...string) Pcs {
	t.Helper()
	harness.NeedCommand(t, python, "pcs")
	f := writeTemp(t, "status.xml", doc)
	script := writeTemp(t, "pcs_read.py", []byte(pcsScript))
	out, err := exec.Command(python, append([]string{script, f}, rscs...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("pcs does not read the document: %v\n%s", err, out)
	}
	var p Pcs
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatalf("pcs script output: %v\n%s", err, out)
	}
	return p
}

// Crmsh is what crmsh's crm_mon parser (CrmMonXmlParser, used by its
// bootstrap and sbd code) answers about a document.
type Crmsh struct {
	NodeOnline map[string]bool `json:"node_online"`
	Started    map[string]bool `json:"started"`
	AnyRunning bool            `json:"any_running"`
}

// crmshScript lets crmsh run "crm_mon --output-as=xml" itself, through the
// shell and PATH, which leads to a crm_mon that prints the document.
const crmshScript = `
import json, sys
from crmsh import xmlutil
P = xmlutil.CrmMonXmlParser
nodes, rscs = sys.argv[1].split(","), sys.argv[2].split(",")
print(json.dumps({
    "node_online": {n: P.is_node_online(n) for n in nodes if n},
    "started": {r: P.is_resource_started(r) for r in rscs if r},
    "any_running": P.is_any_resource_running(),
}))
`

// ReadWithCrmsh asks crmsh's parser about nodes and resources of doc.
func ReadWithCrmsh(t testing.TB, doc []byte, nodes, rscs []string) Crmsh {
	t.Helper()
	harness.NeedCommand(t, python, "crm")
	f := writeTemp(t, "status.xml", doc)
	bin := t.TempDir()
	fake := "#!/bin/sh\nexec cat '" + f + "'\n"
	if err := os.WriteFile(filepath.Join(bin, "crm_mon"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	script := writeTemp(t, "crmsh_read.py", []byte(crmshScript))
	cmd := exec.Command(python, script, strings.Join(nodes, ","), strings.Join(rscs, ","))
	cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"))
	cmd.Dir = bin
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("crmsh does not read the document: %v\n%s", err, out)
	}
	var c Crmsh
	if err := json.Unmarshal(out, &c); err != nil {
		t.Fatalf("crmsh script output: %v\n%s", err, out)
	}
	return c
}

func writeTemp(t testing.TB, name string, b []byte) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(f, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}
