package authoring

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/baton-ha/baton/crm/cib"
	"github.com/baton-ha/baton/crm/heartbeat"
	"github.com/baton-ha/baton/tests/harness"
)

// TestImportPcsCommands runs the pcs commands `baton import heartbeat
// --pcs` prints for the seed's configuration on an empty CIB file: pcs
// accepts every one, the file passes baton verify, and it holds the same
// resources, with the same agents, as the CIB the import writes itself.
func TestImportPcsCommands(t *testing.T) {
	harness.NeedRoot(t)
	harness.NeedCommand(t, "pcs", "cibadmin", "unshare")
	seed := filepath.Join(harness.RepoRoot(), "crm", "heartbeat", "testdata", "seed")
	in, err := heartbeat.Load(heartbeat.Paths{HACF: []string{"M1.redhat.sx=" + filepath.Join(seed, "ha.cf.m1"), filepath.Join(seed, "ha.cf.m2")},
		HAResources: filepath.Join(seed, "haresources"), Exports: filepath.Join(seed, "exports"), Scripts: heartbeat.ScriptDirs{seed}})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := heartbeat.Import(in, heartbeat.Options{})
	if err != nil {
		t.Fatal(err)
	}
	agents := harness.AgentDir(t, "drbd", "Filesystem", "nfsserver", "exportfs", "IPaddr")
	file := filepath.Join(t.TempDir(), "cib.xml")
	emptyCIB(t, file)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for _, argv := range plan.PcsCommands(file) {
		if out, code := withAgents(ctx, agents, nil, argv...); code != 0 {
			t.Fatalf("%s: exit %d\n%s", heartbeat.Quote(argv), code, out)
		}
	}
	if out, code := harness.Run(ctx, nil, harness.Baton(t), "verify", "-x", file); code != 0 {
		t.Fatalf("baton verify: exit %d\n%s", code, out)
	}
	own, err := plan.CIB()
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(primitives(t, own), primitives(t, readFile(t, file))); d != "" {
		t.Errorf("pcs's CIB and the import's differ in their primitives (-import +pcs):\n%s", d)
	}
}

// primitives lists "id class:provider:type param=value..." for every
// primitive, parameters sorted.
func primitives(t *testing.T, x []byte) []string {
	t.Helper()
	doc, err := cib.Parse(x)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(rs []*cib.Resource)
	walk = func(rs []*cib.Resource) {
		for _, r := range rs {
			if len(r.Children) > 0 {
				walk(r.Children)
				continue
			}
			var params []string
			for _, set := range r.Instance {
				for _, nv := range set.Pairs {
					params = append(params, nv.Name+"="+nv.Value)
				}
			}
			sort.Strings(params)
			out = append(out, r.ID+" "+r.Class+":"+r.Provider+":"+r.Type+" "+strings.Join(params, " "))
		}
	}
	walk(doc.Resources)
	sort.Strings(out)
	return out
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
