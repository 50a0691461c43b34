// Package pacemaker_test runs Baton's agents under a real Pacemaker 2.1 and
// Corosync 3 (one node, in private namespaces) and reads the outcome from
// crm_mon, as an administrator would.
package pacemaker_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/baton-ha/baton/tests/harness"
	"github.com/baton-ha/baton/tests/harness/crmmon"
	"github.com/baton-ha/baton/tests/harness/pacemaker"
)

func TestDummyAndStatefulUnderPacemaker(t *testing.T) {
	harness.NeedRoot(t)
	c := pacemaker.Start(t, "Dummy", "Stateful")

	c.MustExec(t, "cibadmin", "--create", "-o", "resources", "--xml-text",
		`<primitive id="d1" class="ocf" provider="baton" type="Dummy">
		   <operations><op id="d1-mon" name="monitor" interval="5s" timeout="20s"/></operations>
		 </primitive>`)
	c.MustExec(t, "cibadmin", "--create", "-o", "resources", "--xml-text",
		`<clone id="st-clone">
		   <meta_attributes id="st-clone-meta"><nvpair id="st-clone-promotable" name="promotable" value="true"/></meta_attributes>
		   <primitive id="st" class="ocf" provider="baton" type="Stateful">
		     <operations>
		       <op id="st-mon-p" name="monitor" interval="10s" role="Promoted" timeout="20s"/>
		       <op id="st-mon-u" name="monitor" interval="11s" role="Unpromoted" timeout="20s"/>
		     </operations>
		   </primitive>
		 </clone>`)

	st, ok := c.WaitFor(t, 60*time.Second, func(s *pacemaker.Status) bool {
		d := s.Instances("d1")
		p := s.Instances("st")
		return len(d) == 1 && d[0].Role == "Started" && len(p) == 1 && p[0].Role == "Promoted"
	})
	if !ok {
		t.Fatalf("want d1 Started and st Promoted; crm_mon shows %+v", st.Resources)
	}
	sameAsCrmMon(t, c)
	for _, r := range st.Resources {
		if r.Failed {
			t.Errorf("resource %s failed", r.ID)
		}
		if !strings.HasPrefix(r.Agent, "ocf:baton:") {
			t.Errorf("resource %s runs agent %s, want ocf:baton:*", r.ID, r.Agent)
		}
	}

	// crm_resource's --force-* run the agent directly with the CIB's
	// parameters, as an administrator tests an agent; the resources are
	// stopped in the CIB so that the cluster does not interfere.
	for _, rsc := range []struct{ id, agent string }{{"d2", "Dummy"}, {"st2", "Stateful"}} {
		c.MustExec(t, "cibadmin", "--create", "-o", "resources", "--xml-text",
			`<primitive id="`+rsc.id+`" class="ocf" provider="baton" type="`+rsc.agent+`">
			   <meta_attributes id="`+rsc.id+`-meta"><nvpair id="`+rsc.id+`-tr" name="target-role" value="Stopped"/></meta_attributes>
			 </primitive>`)
		for _, step := range []struct {
			op   string
			want int
		}{{"--force-check", 7}, {"--force-start", 0}, {"--force-check", 0}, {"--force-stop", 0}, {"--force-check", 7}} {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			out, code := c.Exec(ctx, "crm_resource", step.op, "-r", rsc.id)
			cancel()
			if code != step.want {
				t.Errorf("crm_resource %s -r %s: exit %d, want %d\n%s", step.op, rsc.id, code, step.want, out)
			}
		}
	}
}

// sameAsCrmMon reads Pacemaker's live CIB with `baton status --cib` and
// compares the result with crm_mon's XML of the same moment: the same
// nodes and the same resources in the same roles on the same nodes, in a
// document valid against the same schema.
func sameAsCrmMon(t *testing.T, c *pacemaker.Cluster) {
	t.Helper()
	var mon, ours *pacemaker.Status
	var monXML, oursXML []byte
	for try := 0; ; try++ {
		monXML = []byte(c.MustExec(t, "crm_mon", "-1", "--inactive", "--output-as=xml"))
		cib := filepath.Join(t.TempDir(), "cib.xml")
		if err := os.WriteFile(cib, []byte(c.MustExec(t, "cibadmin", "-Q")), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(harness.Baton(t), "status", "--cib", cib, "--output-as=xml").CombinedOutput()
		if err != nil {
			t.Fatalf("baton status --cib: %v\n%s", err, out)
		}
		oursXML = out
		if mon, err = pacemaker.ParseStatus(monXML); err != nil {
			t.Fatal(err)
		}
		if ours, err = pacemaker.ParseStatus(oursXML); err != nil {
			t.Fatal(err)
		}
		// A monitor may land between the two reads; the state settles.
		if cmp.Diff(mon, ours) == "" || try == 5 {
			break
		}
		time.Sleep(time.Second)
	}
	crmmon.Validate(t, oursXML)
	if d := cmp.Diff(mon, ours); d != "" {
		t.Errorf("baton status --cib differs from crm_mon on Pacemaker's live CIB (-crm_mon +baton):\n%s\n--- crm_mon ---\n%s\n--- baton ---\n%s", d, monXML, oursXML)
	}
}
