package filesystem_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/crm/cibxml"
	"github.com/baton-ha/baton/tests/harness"
	"github.com/baton-ha/baton/tests/harness/pacemaker"
)

// Under a real Pacemaker: crm_resource's --force-check/--force-start/
// --force-stop run the agent with the CIB's parameters, then the cluster
// itself starts the resource, monitors it at depth 20 and stops it.
func TestUnderPacemaker(t *testing.T) {
	harness.NeedRoot(t)
	d := newDisk(t, "xfs")
	c := pacemaker.Start(t, "Filesystem")
	traces := t.TempDir()
	fs := cibxml.Filesystem("fs", d.dev.Path, d.dir, "xfs",
		cibxml.Monitor("5s", "20s", cibxml.NV{Name: "OCF_CHECK_LEVEL", Value: "20"})).
		Traced(traces).WithMeta(cibxml.NV{Name: "target-role", Value: "Stopped"})
	c.MustExec(t, "cibadmin", "--create", "-o", "resources", "--xml-text", fs.XML())

	mountedInside := func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		out, _ := c.Exec(ctx, "cat", "/proc/self/mountinfo")
		return strings.Contains(out, " "+d.dir+" ")
	}
	for _, step := range []struct {
		op      string
		want    int
		mounted bool
	}{{"--force-check", 7, false}, {"--force-start", 0, true}, {"--force-start", 0, true}, {"--force-check", 0, true},
		{"--force-stop", 0, false}, {"--force-stop", 0, false}, {"--force-check", 7, false}} {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		out, code := c.Exec(ctx, "crm_resource", step.op, "-r", "fs")
		cancel()
		if code != step.want {
			t.Fatalf("crm_resource %s -r fs: exit %d, want %d\n%s", step.op, code, step.want, out)
		}
		if got := mountedInside(); got != step.mounted {
			t.Fatalf("after crm_resource %s: mounted=%v, want %v", step.op, got, step.mounted)
		}
	}

	// Now the cluster runs it, with a depth-20 monitor every 5 s.
	c.MustExec(t, "crm_resource", "-r", "fs", "--meta", "-p", "target-role", "-v", "Started")
	st, ok := c.WaitFor(t, 60*time.Second, func(s *pacemaker.Status) bool {
		i := s.Instances("fs")
		return len(i) == 1 && i[0].Role == "Started"
	})
	if !ok {
		t.Fatalf("fs not Started: %+v", st.Resources)
	}
	// The cluster's own recurring monitors, at depth 20, and they pass.
	harness.WaitTraces(t, traces, "fs", "monitor", 2, 60*time.Second, func(tr harness.Trace) bool {
		if tr.Recurring() && !tr.Succeeded() {
			t.Fatalf("a recurring monitor failed:\n%s", tr.Text)
		}
		return tr.Recurring() && tr.Has("OCF_CHECK_LEVEL=20")
	})
	st = c.Status(t)
	if i := st.Instances("fs"); len(i) != 1 || i[0].Failed || i[0].Role != "Started" || i[0].Agent != "ocf:baton:Filesystem" {
		t.Fatalf("after a monitor: %+v", st.Resources)
	}
	if !mountedInside() {
		t.Fatal("Started, but not in the mount table")
	}
	c.MustExec(t, "crm_resource", "-r", "fs", "--meta", "-p", "target-role", "-v", "Stopped")
	st, ok = c.WaitFor(t, 60*time.Second, func(s *pacemaker.Status) bool {
		i := s.Instances("fs")
		return len(i) == 1 && i[0].Role == "Stopped" && !i[0].Failed
	})
	if !ok {
		t.Fatalf("fs not Stopped: %+v", st.Resources)
	}
	if mountedInside() {
		t.Fatal("Stopped, but still mounted")
	}
}
