package metrics_test

import (
	"testing"
	"time"

	"github.com/baton-ha/baton/crm/membership"
	"github.com/baton-ha/baton/crm/metrics"
	"github.com/baton-ha/baton/crm/view"
)

type durations struct{ got []time.Duration }

func (d *durations) Fenced(string, string, string, time.Duration) {}
func (d *durations) Watchdog(bool, time.Duration)                 {}
func (d *durations) FailedOver(took time.Duration)                { d.got = append(d.got, took) }

func running(on string, failed bool) *view.View {
	var nodes []view.NodeRef
	if on != "" {
		nodes = []view.NodeRef{{Name: on}}
	}
	return &view.View{Resources: []view.Resource{
		{ID: "vip", Kind: view.KindPrimitive, Active: on != "", Failed: failed, Nodes: nodes},
		{ID: "cl", Kind: view.KindClone, Children: []view.Resource{
			{ID: "st", Kind: view.KindPrimitive, Clone: "cl", Active: true},
			{ID: "st", Kind: view.KindPrimitive, Clone: "cl", Active: on == "node1"},
		}},
	}}
}

// TestFailoverClock: node1 runs the VIP; it is lost (last heard at t0); the
// VIP is first gone, then failed, then running on node2: one failover,
// measured from t0.
func TestFailoverClock(t *testing.T) {
	t0 := time.Unix(1000, 0)
	src := &fakeSource{}
	rec := &durations{}
	clock := &metrics.FailoverClock{Source: src, Recorder: rec}
	steps := []struct {
		at    time.Duration
		alive bool
		v     *view.View
	}{
		{-time.Second, true, running("node1", false)},
		{0, true, running("node1", false)},
		{2 * time.Second, false, running("", false)}, // deadtime passed: lost
		{2500 * time.Millisecond, false, running("node2", true)},
		{3200 * time.Millisecond, false, running("node2", false)}, // done: 3.2 s after t0
		{4 * time.Second, false, running("node2", false)},
	}
	for _, s := range steps {
		src.v = s.v
		heard := t0
		if s.alive {
			heard = t0.Add(s.at)
		}
		src.peers = []membership.PeerState{{Name: "node1", Alive: s.alive, LastHeard: []time.Time{heard, heard.Add(-100 * time.Millisecond)}}}
		clock.Look(t0.Add(s.at))
	}
	if len(rec.got) != 1 || rec.got[0] != 3200*time.Millisecond {
		t.Errorf("failovers measured: %v, want one of 3.2s", rec.got)
	}
}
