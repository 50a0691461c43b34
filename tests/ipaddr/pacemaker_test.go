package ipaddr_test

import (
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/harness"
	"github.com/baton-ha/baton/tests/harness/pacemaker"
)

// TestUnderPacemaker creates the resource the way an administrator would,
// with pcs, on a real one-node Pacemaker, and starts and stops it.
func TestUnderPacemaker(t *testing.T) {
	harness.NeedRoot(t)
	harness.NeedCommand(t, "pcs")
	c := pacemaker.Start(t, "IPaddr")
	// The node's network namespace has only lo: give it an interface with
	// a fixed address, so that nic and the prefix come from the route (a
	// veth pair: this kernel has no dummy driver).
	c.MustExec(t, "ip", "link", "add", "eth0", "type", "veth", "peer", "name", "eth1")
	c.MustExec(t, "ip", "link", "set", "eth1", "up")
	c.MustExec(t, "ip", "link", "set", "eth0", "up")
	c.MustExec(t, "ip", "addr", "add", "10.213.60.1/24", "dev", "eth0")

	c.MustExec(t, "pcs", "resource", "create", "vip", "ocf:baton:IPaddr",
		"ip=10.213.60.100", "cidr_netmask=24", "arp_count=2", "op", "monitor", "interval=5s")
	st, ok := c.WaitFor(t, 60*time.Second, func(s *pacemaker.Status) bool {
		v := s.Instances("vip")
		return len(v) == 1 && v[0].Role == "Started"
	})
	if !ok {
		t.Fatalf("vip did not start; crm_mon shows %+v", st.Resources)
	}
	for _, r := range st.Resources {
		if r.Failed || r.Agent != "ocf:baton:IPaddr" {
			t.Errorf("resource %+v: want ocf:baton:IPaddr, not failed", r)
		}
	}
	if out := c.MustExec(t, "ip", "-o", "addr", "show", "dev", "eth0"); !strings.Contains(out, "10.213.60.100/24") {
		t.Fatalf("vip Started but the address is not on eth0:\n%s", out)
	}

	c.MustExec(t, "pcs", "resource", "disable", "vip")
	st, ok = c.WaitFor(t, 60*time.Second, func(s *pacemaker.Status) bool {
		v := s.Instances("vip")
		return len(v) == 1 && v[0].Role == "Stopped"
	})
	if !ok {
		t.Fatalf("vip did not stop; crm_mon shows %+v", st.Resources)
	}
	if out := c.MustExec(t, "ip", "-o", "addr", "show", "dev", "eth0"); strings.Contains(out, "10.213.60.100") {
		t.Fatalf("vip Stopped but the address is still on eth0:\n%s", out)
	}
	// pcs checks names against the meta-data: a typo is refused.
	if out, code := c.Exec(t.Context(), "pcs", "resource", "create", "vip2", "ocf:baton:IPaddr", "ip=10.213.60.101", "cidr_netmsk=24"); code == 0 {
		t.Errorf("pcs accepted an unknown parameter:\n%s", out)
	}
}
