package faults

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
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
	// Pacemaker is true when the nodes run Corosync and Pacemaker with the
	// same agents and CIB instead of baton daemon: the reference row.
	Pacemaker bool
	// cleanups are the operator interventions settled made since they
	// were last taken (takeCleanups): Pacemaker's failed actions it
	// cleared to let a blocked stack run again.
	cleanups []string
}

// Options shape the rig.
type Options struct {
	Stack nfsstack.Options
	// Pacemaker runs Corosync 3 and Pacemaker 2.1 (two_node, no witness)
	// instead of baton daemon; a ping clone of ocf:pacemaker:ping then
	// publishes pingd, which baton daemon does itself.
	Pacemaker bool
}

// NewRig builds and starts the cluster and waits until the stack runs and
// both nodes have joined.
func NewRig(t testing.TB, opts Options) *Rig {
	t.Helper()
	o := opts.Stack
	o.Witness, o.PingClient = !opts.Pacemaker, true
	if o.Stickiness == 0 {
		o.Stickiness = 200
	}
	if opts.Pacemaker {
		more := o.MoreResources
		o.MoreResources = func(c *cluster.Cluster) string {
			x := pingClone(fmt.Sprintf("10.214.%d.100", c.Subnet))
			if more != nil {
				x += more(c)
			}
			return x
		}
	}
	r := &Rig{t: t, S: nfsstack.New(t, o), Pacemaker: opts.Pacemaker}
	r.Fencing = o.Fencing
	if o.MoreResources != nil && strings.Contains(o.MoreResources(r.S.C), `class="stonith"`) {
		r.Fencing = true
	}
	if r.Pacemaker {
		r.S.C.StartPacemaker(t)
	} else {
		for _, n := range r.S.C.Nodes {
			n.Start(t)
		}
	}
	if _, err := r.settled(90 * time.Second); err != nil {
		r.dumpPacemaker()
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

// dumpPacemaker logs what Pacemaker shows and the end of its log on each
// node, when the rig runs it: its reasons are there, not in daemon.log.
func (r *Rig) dumpPacemaker() {
	if !r.Pacemaker {
		return
	}
	for _, n := range r.S.C.Nodes {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		out, _ := n.Exec(ctx, "crm_mon", "-1", "-r", "-f")
		cancel()
		log, _ := os.ReadFile(filepath.Join(n.Dir, "pcmk", "var", "log", "pacemaker.log"))
		if len(log) > 12000 {
			log = log[len(log)-12000:]
		}
		r.t.Logf("--- %s: crm_mon ---\n%s\n--- %s: pacemaker.log (tail) ---\n%s", n.Name, out, n.Name, log)
	}
}

// pingClone is ocf:pacemaker:ping on every node, pinging the client: under
// Pacemaker it publishes the pingd attribute the stack's location rule reads.
func pingClone(host string) string {
	return `<clone id="ping-clone"><primitive id="ping" class="ocf" provider="pacemaker" type="ping">` +
		`<instance_attributes id="ping-ia"><nvpair id="ping-hosts" name="host_list" value="` + host + `"/>` +
		`<nvpair id="ping-mult" name="multiplier" value="100"/><nvpair id="ping-dampen" name="dampen" value="0"/>` +
		`<nvpair id="ping-timeout" name="timeout" value="1"/><nvpair id="ping-attempts" name="attempts" value="1"/></instance_attributes>` +
		`<operations><op id="ping-mon" name="monitor" interval="1s" timeout="10s"/></operations></primitive></clone>`
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

// settled waits until the cluster is at rest: every node's manager runs,
// sees every node and has quorum, and the whole stack runs on exactly one
// node, which it returns.
func (r *Rig) settled(limit time.Duration) (*cluster.Node, error) {
	start := time.Now()
	deadline := start.Add(limit)
	var last string
	var cleaned time.Time
	for {
		// A node fenced after its fault was healed boots again, as the
		// default fencing action (reboot) does with a real machine.
		for _, n := range r.S.C.Nodes {
			if n.Alive() && !n.PoweredOn() {
				r.revive(n)
			}
		}
		h := r.holders()
		if len(h.vip) == 1 && len(h.mount) == 1 && len(h.server) == 1 && h.vip[0] == h.mount[0] && h.vip[0] == h.server[0] {
			if why := r.atRest(h.vip[0]); why == "" {
				return r.node(h.vip[0]), nil
			} else {
				last = why
			}
		} else {
			last = fmt.Sprintf("VIP on %v, /data on %v, NFS server on %v", h.vip, h.mount, h.server)
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("not settled within %v: %s", limit, last)
		}
		if r.Pacemaker && time.Since(start) > cleanupAfter && time.Since(cleaned) > cleanupAfter {
			if what := r.cleanup(); what != "" {
				cleaned = time.Now()
				r.cleanups = append(r.cleanups, what)
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// cleanupAfter is how long settled leaves Pacemaker to recover by itself
// before it does what an operator would: crm_resource --cleanup of the
// failures that keep the stack from running (a stop that failed without
// fencing leaves the resource blocked until then).
const cleanupAfter = 20 * time.Second

// cleanup clears Pacemaker's recorded failures when they keep the stack
// from running, and returns what it cleared ("" when there was nothing to
// do or no node answered).
func (r *Rig) cleanup() string {
	for _, n := range r.S.C.Nodes {
		if !n.Alive() || !n.PoweredOn() {
			continue
		}
		st, ok := n.CrmMon()
		if !ok || !st.HaveDC {
			continue
		}
		// Stuck: a stack resource failed or blocked, or the stack stopped
		// while failures are recorded (a start that failed bans the
		// resource from that node until its fail count is cleared). Old
		// failures of a stack that runs are left alone.
		var stuck []string
		running := true
		for _, id := range stackResources {
			in := st.Instances(id)
			if len(in) != 1 || in[0].Role != "Started" {
				running = false
			}
			for _, x := range in {
				if x.Blocked || x.Failed {
					stuck = append(stuck, fmt.Sprintf("%s failed=%v blocked=%v", id, x.Failed, x.Blocked))
				}
			}
		}
		if len(stuck) == 0 && (running || len(st.Failures) == 0) {
			return ""
		}
		what := stuck
		for _, f := range st.Failures {
			what = append(what, f.String())
		}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		// What the operator saw, for the record: crm_mon's own words.
		if out, code := n.Exec(ctx, "crm_mon", "-1", "-r", "-f"); code == 0 {
			r.t.Logf("%s before crm_resource --cleanup:\n%s", n.Name, out)
		}
		out, code := n.Exec(ctx, "crm_resource", "--cleanup")
		cancel()
		if code != 0 {
			r.t.Logf("crm_resource --cleanup on %s: exit %d: %s", n.Name, code, out)
		}
		return "crm_resource --cleanup after: " + strings.Join(what, "; ")
	}
	return ""
}

// takeCleanups returns the interventions made since the last call.
func (r *Rig) takeCleanups() []string {
	c := r.cleanups
	r.cleanups = nil
	return c
}

// stackResources are the stack's primitives.
var stackResources = []string{"fs", "nfsd", "exp", "vip"}

// atRest asks every node's manager whether all nodes are members with
// quorum and the stack runs on node; it returns why not, or "".
func (r *Rig) atRest(node string) string {
	for _, n := range r.S.C.Nodes {
		if r.Pacemaker {
			st, ok := n.CrmMon()
			if !ok || !st.HaveDC {
				return n.Name + ": crm_mon shows no DC"
			}
			for _, m := range r.S.C.Nodes {
				if !st.NodeOnline(m.Name) {
					return n.Name + ": crm_mon shows " + m.Name + " offline"
				}
			}
			for _, id := range stackResources {
				in := st.Instances(id)
				if len(in) != 1 || in[0].Role != "Started" || in[0].Failed || len(in[0].Nodes) != 1 || in[0].Nodes[0].Name != node {
					return fmt.Sprintf("%s: crm_mon shows %s as %+v", n.Name, id, in)
				}
			}
			continue
		}
		st, ok := n.Status()
		if !ok || !st.Quorate || len(st.Members) != len(r.S.C.Nodes) {
			return fmt.Sprintf("%s: answered=%v quorate=%v members=%v", n.Name, ok, st.Quorate, st.Members)
		}
		for _, id := range stackResources {
			found := false
			for _, rs := range st.Resources {
				if rs.ID == id && len(rs.Nodes) == 1 && rs.Nodes[0] == node {
					found = true
				}
			}
			if !found {
				return fmt.Sprintf("%s: %s is not reported running on %s", n.Name, id, node)
			}
		}
	}
	return ""
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
