package demo

import (
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/baton-ha/baton/crm/cib"
	"github.com/baton-ha/baton/crm/config"
	"github.com/baton-ha/baton/crm/verify"
)

// TestGeneratedFiles: the CIB and the nodes' baton.toml the demo writes are
// accepted by the daemon's own checks.
func TestGeneratedFiles(t *testing.T) {
	nodes := []*node{
		{Name: "node1", ID: 1, Dir: "/tmp/d/node1", HB: "10.213.1.1", SVC: "10.214.1.1"},
		{Name: "node2", ID: 2, Dir: "/tmp/d/node2", HB: "10.213.1.2", SVC: "10.214.1.2"},
	}
	doc, err := cib.Parse([]byte(cibXML(nodes, "/dev/loop9", "10.214.1.200")))
	if err != nil {
		t.Fatal(err)
	}
	if err := verify.CIB(doc).Err(); err != nil {
		t.Fatalf("verify: %v", err)
	}
	for _, n := range nodes {
		var c config.Config
		if _, err := toml.Decode(nodeConfig(n, nodes, "/tmp/d/ocf", "10.215.1.100:5406"), &c); err != nil {
			t.Fatal(err)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", n.Name, err)
		}
		if c.Quorum.Policy != config.QuorumWitness || len(c.Peers) != 1 {
			t.Errorf("%s: policy %q, %d peers", n.Name, c.Quorum.Policy, len(c.Peers))
		}
	}
}
