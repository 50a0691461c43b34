package faults

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/harness/cluster"
	"github.com/baton-ha/baton/tests/harness/nfsstack"
)

// Rig is the two-node NFS cluster the campaign faults: nfsstack with a
// witness, a ping node (the client) that the stack needs, stickiness so
// that a healed node does not pull the stack back, and the client's ARP
// probe on the service bridge.
type Rig struct {
	t   testing.TB
	S   *nfsstack.Stack
	arp *arpProbe
	// Fencing is true when the CIB configures a fence device the cluster
	// can use: faults that only fencing makes safe run only then.
	Fencing bool
}

// NewRig builds and starts the cluster and waits until the stack runs and
// both nodes have joined.
func NewRig(t testing.TB, o nfsstack.Options) *Rig {
	t.Helper()
	o.Witness, o.PingClient = true, true
	if o.Stickiness == 0 {
		o.Stickiness = 200
	}
	r := &Rig{t: t, S: nfsstack.New(t, o)}
	r.Fencing = strings.Contains(o.Resources, `class="stonith"`)
	for _, n := range r.S.C.Nodes {
		n.Start(t)
	}
	if _, err := r.settled(90 * time.Second); err != nil {
		t.Fatalf("the NFS cluster did not come up: %v", err)
	}
	p, err := newARPProbe(r.S.C.Client.Name, "eth0", r.S.VIP)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.close)
	r.arp = p
	return r
}

// holding is who holds what at one instant.
type holding struct {
	vip, mount, server []string
}

// holders looks at every running node: the VIP on an interface that is
// up, /data mounted, the NFS server's process alive.
func (r *Rig) holders() holding {
	var h holding
	h.vip, h.mount = r.S.Holders()
	for _, n := range r.S.C.Nodes {
		if n.Alive() && len(n.Pids("ganesha.nfsd")) > 0 {
			h.server = append(h.server, n.Name)
		}
	}
	return h
}

// node returns the node named name.
func (r *Rig) node(name string) *cluster.Node {
	for _, n := range r.S.C.Nodes {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// settled waits until the cluster is at rest: every node's daemon runs,
// sees every node and has quorum, and the whole stack runs on exactly one
// node, which it returns.
func (r *Rig) settled(limit time.Duration) (*cluster.Node, error) {
	deadline := time.Now().Add(limit)
	var last string
	for {
		h := r.holders()
		joined := true
		for _, n := range r.S.C.Nodes {
			st, ok := n.Status()
			if !ok || !st.Quorate || len(st.Members) != len(r.S.C.Nodes) {
				joined = false
				last = fmt.Sprintf("%s: answered=%v quorate=%v members=%v", n.Name, ok, st.Quorate, st.Members)
				break
			}
		}
		if joined && len(h.vip) == 1 && len(h.mount) == 1 && len(h.server) == 1 && h.vip[0] == h.mount[0] && h.vip[0] == h.server[0] {
			running := true
			for _, id := range []string{"fs", "nfsd", "exp", "vip"} {
				st, _ := r.node(h.vip[0]).Status()
				found := false
				for _, rs := range st.Resources {
					if rs.ID == id && len(rs.Nodes) == 1 && rs.Nodes[0] == h.vip[0] {
						found = true
					}
				}
				running = running && found
			}
			if running {
				return r.node(h.vip[0]), nil
			}
			last = "the stack's resources are not all reported running on " + h.vip[0]
		} else if joined {
			last = fmt.Sprintf("VIP on %v, /data on %v, NFS server on %v", h.vip, h.mount, h.server)
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("not settled within %v: %s", limit, last)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// other returns the node that is not n.
func (r *Rig) other(n *cluster.Node) *cluster.Node {
	for _, m := range r.S.C.Nodes {
		if m != n {
			return m
		}
	}
	return nil
}
