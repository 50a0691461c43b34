package pacemaker_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/harness/pacemaker"
)

// TestPingMovesServiceOffLostNetwork: ocf:baton:ping as a clone publishes
// pingd through Pacemaker's attribute manager, and a location rule on it
// keeps a service where the service network is reachable. The node loses
// the pinged address: pingd drops to 0 and the service leaves (on this
// one-node cluster: stops); the address comes back and so does the service.
func TestPingMovesServiceOffLostNetwork(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real cluster")
	}
	c := pacemaker.Start(t, "ping", "Dummy")
	// The service network stands as an address in the node's namespace
	// (on lo: this kernel has no dummy links): reachable while it exists,
	// without a route once it is removed.
	c.MustExec(t, "ip", "addr", "add", "10.213.77.1/32", "dev", "lo")

	c.MustExec(t, "cibadmin", "--create", "-o", "resources", "--xml-text",
		`<clone id="ping-clone">
		   <primitive id="ping" class="ocf" provider="baton" type="ping">
		     <instance_attributes id="ping-ia">
		       <nvpair id="ping-hosts" name="host_list" value="10.213.77.1"/>
		       <nvpair id="ping-mult" name="multiplier" value="100"/>
		       <nvpair id="ping-damp" name="dampen" value="1s"/>
		       <nvpair id="ping-att" name="attempts" value="1"/>
		       <nvpair id="ping-to" name="timeout" value="1"/>
		     </instance_attributes>
		     <operations><op id="ping-mon" name="monitor" interval="2s" timeout="20s"/></operations>
		   </primitive>
		 </clone>`)
	c.MustExec(t, "cibadmin", "--create", "-o", "resources", "--xml-text",
		`<primitive id="svc" class="ocf" provider="baton" type="Dummy">
		   <operations><op id="svc-mon" name="monitor" interval="5s" timeout="20s"/></operations>
		 </primitive>`)
	c.MustExec(t, "cibadmin", "--create", "-o", "constraints", "--xml-text",
		`<rsc_location id="svc-needs-net" rsc="svc">
		   <rule id="svc-needs-net-rule" score="-INFINITY" boolean-op="or">
		     <expression id="svc-nd" attribute="pingd" operation="not_defined"/>
		     <expression id="svc-lte" attribute="pingd" operation="lte" value="0" type="integer"/>
		   </rule>
		 </rsc_location>`)

	pingd := func() string {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		out, code := c.Exec(ctx, "attrd_updater", "-Q", "-n", "pingd")
		if code != 0 {
			return "(unset)"
		}
		// name="pingd" host="node1" value="100"
		if i := strings.Index(out, `value="`); i >= 0 {
			v := out[i+len(`value="`):]
			return v[:strings.IndexByte(v, '"')]
		}
		return "(unparsed: " + strings.TrimSpace(out) + ")"
	}
	svc := func(want string, limit time.Duration) {
		t.Helper()
		st, ok := c.WaitFor(t, limit, func(s *pacemaker.Status) bool {
			in := s.Instances("svc")
			if want == "Stopped" {
				return len(in) == 0 || in[0].Role == "Stopped"
			}
			return len(in) == 1 && in[0].Role == want
		})
		if !ok {
			t.Fatalf("want svc %s (pingd %s); crm_mon shows %+v", want, pingd(), st.Resources)
		}
		for _, r := range st.Resources {
			if r.Failed {
				t.Errorf("resource %s failed", r.ID)
			}
		}
	}
	svc("Started", 60*time.Second)
	if v := pingd(); v != "100" {
		t.Fatalf("with the network up pingd = %s, want 100", v)
	}

	lost := time.Now()
	c.MustExec(t, "ip", "addr", "del", "10.213.77.1/32", "dev", "lo")
	svc("Stopped", 30*time.Second)
	t.Logf("service stopped %v after the network was lost (monitor 2 s, dampen 1 s)", time.Since(lost).Round(100*time.Millisecond))
	if v := pingd(); v != "0" {
		t.Errorf("with the network lost pingd = %s, want 0", v)
	}

	c.MustExec(t, "ip", "addr", "add", "10.213.77.1/32", "dev", "lo")
	svc("Started", 30*time.Second)
	if v := pingd(); v != "100" {
		t.Errorf("with the network back pingd = %s, want 100", v)
	}
}
