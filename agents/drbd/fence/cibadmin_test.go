package fence

import (
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/harness"
	"github.com/baton-ha/baton/tests/harness/pacemaker"
)

// Under real Pacemaker: `baton drbd fence-peer` places the constraint
// through cibadmin, and the scheduler honours it by demoting the instance on
// a node the constraint does not keep; `unfence-peer` removes it and the
// instance is promoted again. ocf:baton:Stateful stands in for the DRBD
// agent: Pacemaker's decision depends on the constraint, not on the agent,
// and this host has no DRBD.
func TestCibadminUnderPacemaker(t *testing.T) {
	harness.NeedRoot(t)
	c := pacemaker.Start(t, "Stateful")
	bin := harness.Baton(t)
	c.MustExec(t, "cibadmin", "--create", "-o", "resources", "--xml-text",
		`<clone id="ms_drbd_r0">
		   <meta_attributes id="ms-meta"><nvpair id="ms-promotable" name="promotable" value="true"/></meta_attributes>
		   <primitive id="drbd_r0" class="ocf" provider="baton" type="Stateful">
		     <instance_attributes id="drbd_r0-ia"><nvpair id="drbd_r0-res" name="drbd_resource" value="r0"/></instance_attributes>
		     <operations>
		       <op id="m-p" name="monitor" interval="3s" role="Promoted" timeout="20s"/>
		       <op id="m-u" name="monitor" interval="4s" role="Unpromoted" timeout="20s"/>
		     </operations>
		   </primitive>
		 </clone>`)
	role := func(want string) {
		t.Helper()
		st, ok := c.WaitFor(t, 60*time.Second, func(s *pacemaker.Status) bool {
			in := s.Instances("drbd_r0")
			return len(in) == 1 && in[0].Role == want
		})
		if !ok {
			t.Fatalf("want drbd_r0 %s; crm_mon shows %+v", want, st.Resources)
		}
	}
	role("Promoted")

	// The other node lost its peer and fences this one: promotion here is
	// forbidden.
	out := c.MustExec(t, "env", "DRBD_RESOURCE=r0", "sh", "-c", bin+" drbd fence-peer --node othernode; echo rc=$?")
	if !strings.Contains(out, "rc=4") {
		t.Fatalf("fence-peer: %s", out)
	}
	cons := c.MustExec(t, "cibadmin", "--query", "--scope", "constraints")
	if !strings.Contains(cons, `id="drbd-fence-by-handler-r0-ms_drbd_r0"`) || !strings.Contains(cons, `value="othernode"`) {
		t.Fatalf("constraint not in the CIB:\n%s", cons)
	}
	role("Unpromoted")

	// A second placement for another keeper is refused.
	out = c.MustExec(t, "env", "DRBD_RESOURCE=r0", "sh", "-c", bin+" drbd fence-peer --node node1; echo rc=$?")
	if !strings.Contains(out, "rc=1") {
		t.Fatalf("fence-peer over an existing constraint: %s", out)
	}

	c.MustExec(t, "env", "DRBD_RESOURCE=r0", bin, "drbd", "unfence-peer")
	if cons := c.MustExec(t, "cibadmin", "--query", "--scope", "constraints"); strings.Contains(cons, "drbd-fence-by-handler") {
		t.Fatalf("constraint left after unfence-peer:\n%s", cons)
	}
	role("Promoted")
}
