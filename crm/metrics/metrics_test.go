package metrics_test

import (
	"errors"
	"io"
	"math"
	"net/http/httptest"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/baton-ha/baton/crm/membership"
	"github.com/baton-ha/baton/crm/metrics"
	"github.com/baton-ha/baton/crm/view"
	"github.com/baton-ha/baton/tests/harness/prom"
)

// fakeSource is an in-memory cluster.
type fakeSource struct {
	v     *view.View
	err   error
	peers []membership.PeerState
	vote  bool
}

func (f *fakeSource) View() (*view.View, error)            { return f.v, f.err }
func (f *fakeSource) Peers() []membership.PeerState        { return f.peers }
func (f *fakeSource) WitnessVote() (held, configured bool) { return f.vote, true }

func cluster() *view.View {
	return &view.View{DC: "node1", Quorate: true,
		LastChange: view.Change{Time: "Wed Dec  2 04:00:00 2026"},
		Options:    view.ClusterOptions{StonithEnabled: true},
		Nodes: []view.Node{{Name: "node1", ID: "1", Online: true, IsDC: true, ExpectedUp: true},
			{Name: "node2", ID: "2", Online: true, Standby: true, ExpectedUp: true}},
		Resources: []view.Resource{
			{ID: "g", Kind: view.KindGroup, Managed: true, Children: []view.Resource{
				{ID: "vip", Kind: view.KindPrimitive, Agent: "ocf:baton:IPaddr", Role: "Started", Active: true, Managed: true,
					Group: "g", Nodes: []view.NodeRef{{Name: "node1", ID: "1"}}},
			}},
			{ID: "st-clone", Kind: view.KindClone, Promotable: true, Managed: true, Children: []view.Resource{
				{ID: "st", Kind: view.KindPrimitive, Agent: "ocf:baton:Stateful", Role: "Promoted", Active: true, Managed: true,
					Clone: "st-clone", Nodes: []view.NodeRef{{Name: "node1", ID: "1"}}},
				{ID: "st", Kind: view.KindPrimitive, Agent: "ocf:baton:Stateful", Role: "Stopped", Managed: true, Failed: true,
					Clone: "st-clone"},
			}},
		},
		History: []view.NodeHistory{{Node: "node1", Resources: []view.ResourceHistory{
			{ID: "vip", MigrationThreshold: 3, FailCount: 2},
			{ID: "st", MigrationThreshold: 1000000, FailCount: 1000000},
		}}},
		Locations:   []view.Location{{ID: "cli-ban-vip-on-node2", Resource: "vip", Node: "node2", Score: -1000000}},
		Constraints: 3,
	}
}

func scrape(t *testing.T, e *metrics.Exporter) (string, map[string]*dto.MetricFamily) {
	t.Helper()
	srv := httptest.NewServer(e.Handler())
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b), prom.Parse(t, string(b))
}

func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	t.Helper()
	return prom.Value(t, fams, name, want)
}

func TestClusterMetrics(t *testing.T) {
	heard := time.Now().Add(-1500 * time.Millisecond)
	src := &fakeSource{v: cluster(), vote: true, peers: []membership.PeerState{{Name: "node2", Alive: true,
		Links: []membership.LinkState{membership.LinkUp, membership.LinkDown}, LastHeard: []time.Time{time.Now(), heard}}}}
	e := metrics.New(src, []string{"hb", "svc"})
	e.Fenced("node2", "reboot", "success", 3*time.Second)
	e.Watchdog(true, 10*time.Second)
	text, fams := scrape(t, e)
	if _, ok := fams["baton_last_failover_duration_seconds"]; ok {
		t.Error("a failover duration before any failover")
	}
	e.FailedOver(2500 * time.Millisecond)
	_, after := scrape(t, e)

	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"ha_cluster_pacemaker_nodes", map[string]string{"node": "node1", "status": "online", "type": "member"}, 1},
		{"ha_cluster_pacemaker_nodes", map[string]string{"node": "node1", "status": "dc"}, 1},
		{"ha_cluster_pacemaker_nodes", map[string]string{"node": "node2", "status": "dc"}, 0},
		{"ha_cluster_pacemaker_nodes", map[string]string{"node": "node2", "status": "standby"}, 1},
		{"ha_cluster_pacemaker_resources", map[string]string{"node": "node1", "resource": "vip", "role": "started",
			"managed": "true", "status": "active", "agent": "ocf:baton:IPaddr", "group": "g", "clone": ""}, 1},
		{"ha_cluster_pacemaker_resources", map[string]string{"node": "node1", "resource": "st", "role": "promoted",
			"status": "active", "clone": "st-clone"}, 1},
		{"ha_cluster_pacemaker_resources", map[string]string{"node": "", "resource": "st", "role": "stopped",
			"status": "failed"}, 1},
		{"ha_cluster_pacemaker_fail_count", map[string]string{"node": "node1", "resource": "vip"}, 2},
		{"ha_cluster_pacemaker_fail_count", map[string]string{"node": "node1", "resource": "st"}, math.Inf(1)},
		{"ha_cluster_pacemaker_migration_threshold", map[string]string{"node": "node1", "resource": "vip"}, 3},
		{"ha_cluster_pacemaker_location_constraints", map[string]string{"constraint": "cli-ban-vip-on-node2",
			"node": "node2", "resource": "vip", "role": ""}, math.Inf(-1)},
		{"ha_cluster_pacemaker_config_last_change", nil, float64(time.Date(2026, 12, 2, 4, 0, 0, 0, time.UTC).Unix())},
		{"ha_cluster_pacemaker_stonith_enabled", nil, 1},
		{"ha_cluster_pacemaker_maintenance_mode_enabled", nil, 0},
		{"ha_cluster_corosync_quorate", nil, 1},
		{"ha_cluster_corosync_ring_errors", nil, 1}, // svc hears nobody
		{"baton_heartbeat_link_up", map[string]string{"peer": "node2", "link": "hb"}, 1},
		{"baton_heartbeat_link_up", map[string]string{"peer": "node2", "link": "svc"}, 0},
		{"baton_peer_alive", map[string]string{"peer": "node2"}, 1},
		{"baton_witness_vote", nil, 1},
		{"baton_dc", map[string]string{"node": "node1"}, 1},
		{"baton_fence_events_total", map[string]string{"target": "node2", "action": "reboot", "status": "success"}, 1},
		{"baton_fence_last_duration_seconds", map[string]string{"target": "node2"}, 3},
		{"baton_watchdog_armed", nil, 1},
		{"baton_watchdog_timeout_seconds", nil, 10},
		{"baton_constraints", map[string]string{"kind": "location"}, 1},
		{"baton_status_error", nil, 0},
	}
	for _, tt := range tests {
		if got := value(t, fams, tt.name, tt.labels); got != tt.want {
			t.Errorf("%s%v = %v, want %v", tt.name, tt.labels, got, tt.want)
		}
	}
	if age := value(t, fams, "baton_heartbeat_last_seen_seconds", map[string]string{"peer": "node2", "link": "svc"}); age < 1.5 || age > 60 {
		t.Errorf("svc last seen %v s ago, want about 1.5", age)
	}
	if got := value(t, after, "baton_last_failover_duration_seconds", nil); got != 2.5 {
		t.Errorf("last failover %v s, want 2.5", got)
	}
	prom.Check(t, text)
}

// TestUnreadableState: when the state cannot be read, the scrape still
// answers, says so, and reports no stale cluster series.
func TestUnreadableState(t *testing.T) {
	e := metrics.New(&fakeSource{err: errors.New("no CIB")}, nil)
	_, fams := scrape(t, e)
	if v := value(t, fams, "baton_status_error", nil); v != 1 {
		t.Errorf("baton_status_error = %v, want 1", v)
	}
	if _, ok := fams["ha_cluster_pacemaker_nodes"]; ok {
		t.Error("node series without a state")
	}
}
