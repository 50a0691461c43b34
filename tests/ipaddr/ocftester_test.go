package ipaddr_test

import (
	"testing"

	"github.com/baton-ha/baton/tests/harness"
)

// TestOCFTester runs Debian's ocf-tester on IPaddr. ocf-tester calls the
// agent in the host's namespace; network_namespace makes the agent itself
// work inside the test's namespace, so nothing touches the host's network.
func TestOCFTester(t *testing.T) {
	for _, tc := range []struct{ name, ip, mask string }{
		{"ipv4", "10.213.50.100", "24"},
		{"ipv6", "fd00:213:50::100", "64"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLab(t)
			out := harness.OCFTester(t, l.agent, "vip", map[string]string{
				"ip": tc.ip, "cidr_netmask": tc.mask, "nic": "eth0", "nodad": "true",
				"network_namespace": l.a.Name, "arp_count": "2", "arp_interval": "100",
			}, "HA_RSCTMP="+l.rscTmp[l.a.Name])
			t.Log(out)
		})
	}
}
