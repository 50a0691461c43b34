package crm_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/harness/cluster"
	"github.com/baton-ha/baton/tests/harness/nfsstack"
)

// TestForceActionsFromCIBFile runs every agent of the NFS stack, plus the
// example agents, by hand with `baton resource --force-* --cib FILE`, as an
// administrator tests a configuration before handing it to a cluster: no
// daemon runs.
func TestForceActionsFromCIBFile(t *testing.T) {
	s := nfsstack.New(t, nfsstack.Options{})
	n := s.C.Nodes[0]
	cib := filepath.Join(n.Dir, "cib.xml")
	run := func(args ...string) (string, int) {
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		return n.Baton(ctx, append([]string{"resource", "--cib", cib}, args...)...)
	}
	order := []string{"fs", "nfsd", "exp", "vip"}
	for _, id := range order {
		if out, code := run("--force-check", "-r", id); code != 7 {
			t.Fatalf("%s --force-check before start: exit %d, want 7\n%s", id, code, out)
		}
		if out, code := run("--validate", "-r", id); code != 0 && id != "exp" {
			// exportfs validates its directory, which exists only once
			// /data is mounted: checked after the start below.
			t.Errorf("%s --validate: exit %d\n%s", id, code, out)
		}
		if out, code := run("--force-start", "-r", id); code != 0 || !strings.Contains(out, "returned: 'ok' (0)") {
			t.Fatalf("%s --force-start: exit %d\n%s", id, code, out)
		}
		if out, code := run("--force-check", "-r", id); code != 0 {
			t.Fatalf("%s --force-check after start: exit %d\n%s", id, code, out)
		}
	}
	if out, code := run("--validate", "-r", "exp"); code != 0 {
		t.Errorf("exp --validate with /data mounted: exit %d\n%s", code, out)
	}
	for i := len(order) - 1; i >= 0; i-- {
		id := order[i]
		if out, code := run("--force-stop", "-r", id); code != 0 {
			t.Fatalf("%s --force-stop: exit %d\n%s", id, code, out)
		}
		if out, code := run("--force-check", "-r", id); code != 7 {
			t.Errorf("%s --force-check after stop: exit %d, want 7\n%s", id, code, out)
		}
	}
	if out, code := run("--force-start", "-r", "nfs"); code != 6 || !strings.Contains(out, "several primitives") {
		t.Errorf("a group has no single agent: exit %d\n%s", code, out)
	}
	if out, code := run("--force-start", "-r", "nope"); code != 6 || !strings.Contains(out, `"nope" is not configured`) {
		t.Errorf("unknown resource: exit %d\n%s", code, out)
	}
}

func TestForceActionsExampleAgents(t *testing.T) {
	c := cluster.New(t, cluster.Options{Agents: []string{"Dummy", "Stateful"}, Resources: `
<primitive id="d" class="ocf" provider="baton" type="Dummy"/>
<clone id="ms"><meta_attributes id="ms-m"><nvpair id="ms-p" name="promotable" value="true"/></meta_attributes>
  <primitive id="st" class="ocf" provider="baton" type="Stateful"/></clone>`})
	n := c.Nodes[0]
	cib := filepath.Join(n.Dir, "cib.xml")
	for _, step := range []struct {
		op, rsc string
		want    int
	}{
		{"--force-check", "d", 7}, {"--force-start", "d", 0}, {"--force-check", "d", 0}, {"--force-stop", "d", 0},
		{"--force-check", "ms", 7}, {"--force-start", "ms", 0}, {"--force-promote", "st", 0}, {"--force-check", "st", 8},
		{"--force-demote", "st", 0}, {"--force-check", "st", 0}, {"--force-stop", "st", 0}, {"--validate", "st", 0},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		out, code := n.Baton(ctx, "resource", "--cib", cib, step.op, "-r", step.rsc)
		cancel()
		if code != step.want {
			t.Errorf("%s -r %s: exit %d, want %d\n%s", step.op, step.rsc, code, step.want, out)
		}
	}
}
