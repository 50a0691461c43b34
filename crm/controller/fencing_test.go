package controller

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/crm/cib"
	"github.com/baton-ha/baton/crm/cibdoc"
	"github.com/baton-ha/baton/crm/executor"
	"github.com/baton-ha/baton/crm/fencer"
	"github.com/baton-ha/baton/crm/membership"
	"github.com/baton-ha/baton/crm/scheduler"
	"github.com/baton-ha/baton/crm/status"
)

// aloneMembers is a membership in which this node ("a") lost its peer.
type aloneMembers struct{}

func (aloneMembers) Alive() []string                  { return []string{"a"} }
func (aloneMembers) Snapshot() []membership.PeerState { return nil }
func (aloneMembers) Changes() <-chan struct{}         { return nil }

func fencingCIB(opts, resources string) string {
	return `<cib epoch="3" num_updates="0" admin_epoch="0"><configuration>
<crm_config><cluster_property_set id="o">` + opts + `</cluster_property_set></crm_config>
<nodes><node id="1" uname="a"/><node id="2" uname="b"/></nodes>
<resources>` + resources + `</resources><constraints/></configuration><status/></cib>`
}

const fakeDevice = `<primitive id="fd" class="stonith" type="fence_x"><instance_attributes id="fd-ia"><nvpair id="fd-c" name="pcmk_host_check" value="none"/></instance_attributes></primitive>`

func newFencingController(t *testing.T, xml, policy string, f fencer.Fencer) *Controller {
	t.Helper()
	doc, err := cibdoc.Parse([]byte(xml))
	if err != nil {
		t.Fatal(err)
	}
	return New(Config{Cluster: "c", Node: "a", NodeID: 1, Peers: []Peer{{Name: "b", ID: 2}}, Key: key,
		Members: aloneMembers{}, Exec: &executor.Executor{OCFRoot: t.TempDir()}, Quorum: &Quorum{Policy: policy},
		Fencer: f}, doc)
}

// stepUntil steps the controller until cond holds, at most limit.
func stepUntil(t *testing.T, c *Controller, limit time.Duration, what string, cond func(State) bool) State {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		c.step(context.Background(), false)
		st := c.Snapshot()
		if cond(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not reached; state %+v holding %q", what, st.Fencing, st.Holding)
		}
		select {
		case <-c.kick:
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func TestLostPeerIsFencedBeforeRecovery(t *testing.T) {
	f := &fencer.Fake{Self: "a", Block: make(chan struct{})}
	c := newFencingController(t, fencingCIB(`<nvpair id="o1" name="stonith-enabled" value="true"/>`, fakeDevice), "fence", f)
	st := stepUntil(t, c, 2*time.Second, "fencing of b under way", func(st State) bool {
		return len(st.Fencing.Unclean) == 1 && st.Fencing.Unclean[0].Fencing
	})
	if st.Quorate || !strings.Contains(st.Reason, "waiting for the fencing of b") {
		t.Errorf("before the fence is confirmed: quorate %v (%s)", st.Quorate, st.Reason)
	}
	close(f.Block)
	st = stepUntil(t, c, 2*time.Second, "b fenced", func(st State) bool { return st.Quorate && len(st.Fencing.Unclean) == 0 })
	if st.Holding != "" || len(st.Fencing.History) != 1 || !st.Fencing.History[0].OK {
		t.Errorf("after the fence: holding %q, history %+v", st.Holding, st.Fencing.History)
	}
	if calls := f.Calls(); len(calls) != 1 || calls[0].Target != "b" || calls[0].Origin != "a" {
		t.Errorf("fence requests %+v, want one for b from a", calls)
	}
}

func TestFailedFenceKeepsHoldingAndRetries(t *testing.T) {
	f := &fencer.Fake{Self: "a", Fail: map[string]error{"b": errFake("device unreachable")}}
	c := newFencingController(t, fencingCIB("", fakeDevice), "ignore", f)
	st := stepUntil(t, c, 2*time.Second, "a failed fence", func(st State) bool {
		return len(st.Fencing.Unclean) == 1 && strings.Contains(st.Fencing.Unclean[0].Error, "device unreachable")
	})
	if !strings.Contains(st.Holding, "recovery waits for the fencing of b") {
		t.Errorf("holding %q", st.Holding)
	}
	stepUntil(t, c, 5*time.Second, "a retry", func(State) bool { return len(f.Calls()) >= 2 })
}

func TestSafeByDefaultWithoutDevices(t *testing.T) {
	f := &fencer.Fake{Self: "a"}
	c := newFencingController(t, fencingCIB("", ""), "ignore", f)
	st := stepUntil(t, c, time.Second, "b unclean", func(st State) bool {
		return len(st.Fencing.Unclean) == 1 && st.Fencing.Unclean[0].Error != ""
	})
	if len(f.Calls()) != 0 {
		t.Errorf("nothing can fence b, yet the fencer was called: %+v", f.Calls())
	}
	if !strings.Contains(st.Fencing.Unclean[0].Error, "no fence device") || !strings.Contains(st.Holding, "stonith-enabled=false") {
		t.Errorf("status must say why there is no failover: %+v / %q", st.Fencing.Unclean, st.Holding)
	}
	// Fencing disabled explicitly: no wait, and the status says it is unsafe.
	c = newFencingController(t, fencingCIB(`<nvpair id="o1" name="stonith-enabled" value="false"/>`, ""), "ignore", f)
	c.step(context.Background(), false)
	st = c.Snapshot()
	if st.Holding != "" || len(st.Fencing.Unclean) != 0 || !strings.Contains(st.Fencing.Unsafe, "stonith-enabled=false") {
		t.Errorf("fencing disabled: holding %q, fencing %+v", st.Holding, st.Fencing)
	}
}

type errFake string

func (e errFake) Error() string { return string(e) }

func TestRequiresDecidesWhatWaitsForFencing(t *testing.T) {
	x := fencingCIB("", fakeDevice+`
<primitive id="dflt" class="ocf" provider="baton" type="Dummy"/>
<primitive id="dq" class="ocf" provider="baton" type="Dummy"><meta_attributes id="dq-m"><nvpair id="dq-r" name="requires" value="quorum"/></meta_attributes></primitive>
<group id="g"><meta_attributes id="g-m"><nvpair id="g-r" name="requires" value="nothing"/></meta_attributes><primitive id="gd" class="ocf" provider="baton" type="Dummy"/></group>`)
	doc, err := cib.Parse([]byte(x))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		rsc, task string
		held      bool
	}{
		{"dflt", "start", true}, {"dflt", "promote", true}, {"dflt", "stop", false}, {"dflt", "monitor", false},
		{"dq", "start", false}, {"gd", "start", false}, {"fd", "start", false},
	} {
		a := &scheduler.Action{Task: tc.task, Primitive: doc.FindResource(tc.rsc)}
		if got := heldByFencing(doc, a); got != tc.held {
			t.Errorf("%s %s held = %v, want %v", tc.rsc, tc.task, got, tc.held)
		}
	}
}

func TestFailedStopCallsForFencing(t *testing.T) {
	x := fencingCIB("", fakeDevice+`
<primitive id="d" class="ocf" provider="baton" type="Dummy"/>
<primitive id="blk" class="ocf" provider="baton" type="Dummy"><operations><op id="blk-stop" name="stop" interval="0" on-fail="block"/></operations></primitive>
<primitive id="mon" class="ocf" provider="baton" type="Dummy"><operations><op id="mon-m" name="monitor" interval="5s" on-fail="fence"/></operations></primitive>`)
	c := newFencingController(t, x, "stop", &fencer.Fake{Self: "a"})
	doc, err := cib.Parse([]byte(x))
	if err != nil {
		t.Fatal(err)
	}
	rec := func(node, rsc, op string, iv time.Duration, rc int) {
		c.cluster.Record(node, status.Resource{ID: rsc, Class: "ocf", Provider: "baton", Type: "Dummy"},
			status.Op{Operation: op, Interval: iv, RC: rc, TargetRC: 0})
	}
	rec("a", "d", "start", 0, 0)
	rec("b", "blk", "stop", 0, 1)
	if got := c.failureFencing(doc, []string{"a", "b"}); len(got) != 0 {
		t.Errorf("no failure calls for fencing yet (blk's stop is on-fail=block): %v", got)
	}
	rec("a", "d", "stop", 0, 1)
	rec("b", "mon", "monitor", 5*time.Second, 7)
	got := c.failureFencing(doc, []string{"a", "b"})
	if !strings.Contains(got["a"], "d stop failed") || !strings.Contains(got["b"], "mon monitor failed") {
		t.Errorf("failed stop of d on a and on-fail=fence monitor of mon on b: %v", got)
	}
}

func TestPriorityFencingDelaySparesTheImportantNode(t *testing.T) {
	x := fencingCIB(`<nvpair id="o1" name="priority-fencing-delay" value="200ms"/>`, fakeDevice+`
<primitive id="imp" class="ocf" provider="baton" type="Dummy"><meta_attributes id="imp-m"><nvpair id="imp-p" name="priority" value="10"/></meta_attributes></primitive>`)
	x = strings.Replace(x, "<status/>", `<status><node_state id="2" uname="b" in_ccm="true" crmd="online" join="member" expected="member"><lrm id="2"><lrm_resources>
<lrm_resource id="imp" type="Dummy" class="ocf" provider="baton"><lrm_rsc_op id="imp_last_0" operation_key="imp_start_0" operation="start" transition-key="1:1:0:x" transition-magic="0:0;1:1:0:x" call-id="1" rc-code="0" op-status="0" interval="0"/></lrm_resource>
</lrm_resources></lrm></node_state></status>`, 1)
	f := &fencer.Fake{Self: "a"}
	c := newFencingController(t, x, "fence", f)
	stepUntil(t, c, 2*time.Second, "b fenced", func(st State) bool { return st.Quorate })
	if calls := f.Calls(); len(calls) != 1 || calls[0].Delay != 200*time.Millisecond {
		t.Errorf("b ran the priority-10 resource: its fencing must wait priority-fencing-delay; requests %+v", calls)
	}
}

// TestCleanLeaveIsNotUnclean: a node that announced its clean shutdown and
// then left is offline and clean (not fenced, counted as safe for quorum);
// one that announced it long before it went, or came back in between, is
// lost as any other.
func TestCleanLeaveIsNotUnclean(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	both := View{Self: "a", All: []string{"a", "b"}, Members: []string{"a", "b"}}
	alone := View{Self: "a", All: []string{"a", "b"}, Members: []string{"a"}}
	for _, tc := range []struct {
		name    string
		steps   func(f *fencing)
		unclean []string
	}{
		{"crash", func(f *fencing) {
			f.observe(both, t0)
			f.observe(alone, t0.Add(2*time.Second))
		}, []string{"b"}},
		{"clean leave", func(f *fencing) {
			f.observe(both, t0)
			f.markLeaving("b", t0.Add(time.Second))
			f.observe(both, t0.Add(1500*time.Millisecond))
			f.observe(alone, t0.Add(4*time.Second))
		}, nil},
		{"announced, then heard for too long", func(f *fencing) {
			f.observe(both, t0)
			f.markLeaving("b", t0)
			f.observe(both, t0.Add(2*leftValid))
			f.observe(alone, t0.Add(2*leftValid+time.Second))
		}, []string{"b"}},
		{"left cleanly, came back, crashed", func(f *fencing) {
			f.observe(both, t0)
			f.markLeaving("b", t0)
			f.observe(alone, t0.Add(time.Second))
			f.observe(both, t0.Add(time.Minute))
			f.observe(alone, t0.Add(2*time.Minute))
		}, []string{"b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFencing()
			tc.steps(f)
			got := f.unclean(alone)
			if strings.Join(got, ",") != strings.Join(tc.unclean, ",") {
				t.Errorf("unclean = %v, want %v", got, tc.unclean)
			}
			safe := len(f.fencedNodes(alone)) == 1
			if safe == (len(tc.unclean) > 0) {
				t.Errorf("fencedNodes = %v with unclean %v", f.fencedNodes(alone), got)
			}
		})
	}
}

// TestFenceConfirmedAfterRejoinIsDropped: a fence of a node that was down
// can finish after the node booted again and joined. That confirmation
// must not make the new boot count as fenced: when it is lost next, it is
// unclean (and fenced again), or the survivor would start its resources
// while it still runs them.
func TestFenceConfirmedAfterRejoinIsDropped(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	both := View{Self: "a", All: []string{"a", "b"}, Members: []string{"a", "b"}}
	alone := View{Self: "a", All: []string{"a", "b"}, Members: []string{"a"}}

	f := newFencing()
	f.observe(both, t0)
	f.observe(alone, t0.Add(2*time.Second)) // b lost
	requested := t0.Add(3 * time.Second)    // fence of b asked
	f.observe(both, t0.Add(4*time.Second))  // b booted again and joined
	if f.markFenced("b", requested, t0.Add(5*time.Second)) {
		t.Fatal("a confirmation that ended after b joined again was recorded")
	}
	f.observe(alone, t0.Add(60*time.Second)) // b lost again
	if got := f.unclean(alone); len(got) != 1 || got[0] != "b" {
		t.Errorf("unclean = %v, want [b]: its new boot was never fenced", got)
	}

	// A fence of a member (baton fence of a live node) still counts once
	// the node leaves.
	g := newFencing()
	g.observe(both, t0)
	if !g.markFenced("b", t0.Add(time.Second), t0.Add(2*time.Second)) {
		t.Fatal("the fence of a live member was dropped")
	}
	g.observe(alone, t0.Add(3*time.Second))
	if got := g.unclean(alone); len(got) != 0 {
		t.Errorf("unclean = %v after b was fenced and left", got)
	}
}
