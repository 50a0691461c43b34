package metrics

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/baton-ha/baton/crm/membership"
)

// ha_cluster_exporter's metrics: names, help and labels as it has them.
var (
	descNodes = prometheus.NewDesc("ha_cluster_pacemaker_nodes",
		"The status of each node in the cluster; 1 means the node is in that status, 0 otherwise",
		[]string{"node", "type", "status"}, nil)
	descNodeAttrs = prometheus.NewDesc("ha_cluster_pacemaker_node_attributes",
		"Metadata attributes of each node; value is always 1", []string{"node", "name", "value"}, nil)
	descResources = prometheus.NewDesc("ha_cluster_pacemaker_resources",
		"The status of each resource in the cluster; 1 means the resource is in that status, 0 otherwise",
		[]string{"node", "resource", "role", "managed", "status", "agent", "group", "clone"}, nil)
	descStonith = prometheus.NewDesc("ha_cluster_pacemaker_stonith_enabled", "Whether or not stonith is enabled", nil, nil)
	descMaint   = prometheus.NewDesc("ha_cluster_pacemaker_maintenance_mode_enabled",
		"Whether or not cluster wide maintenance-mode is enabled", nil, nil)
	descFailCount = prometheus.NewDesc("ha_cluster_pacemaker_fail_count",
		"The Fail count number per node and resource id", []string{"node", "resource"}, nil)
	descMigration = prometheus.NewDesc("ha_cluster_pacemaker_migration_threshold",
		"The migration_threshold number per node and resource id", []string{"node", "resource"}, nil)
	descLastChange = prometheus.NewDesc("ha_cluster_pacemaker_config_last_change",
		"The timestamp of the last change of the cluster configuration", nil, nil)
	descLocations = prometheus.NewDesc("ha_cluster_pacemaker_location_constraints",
		"Resource location constraints. The value indicates the score.", []string{"constraint", "node", "resource", "role"}, nil)
	descQuorate = prometheus.NewDesc("ha_cluster_corosync_quorate",
		"Whether or not the cluster is quorate", nil, nil)
	descRingErrors = prometheus.NewDesc("ha_cluster_corosync_ring_errors",
		"The number of faulty corosync rings", nil, nil)
)

// Baton's own.
var (
	descConstraints = prometheus.NewDesc("baton_constraints",
		"Constraints in the CIB, by kind (location, colocation, order).", []string{"kind"}, nil)
	descLinkUp = prometheus.NewDesc("baton_heartbeat_link_up",
		"1 when heartbeats from the peer arrive on the link (late ones included), 0 when it has been silent for deadtime.",
		[]string{"peer", "link"}, nil)
	descLinkLate = prometheus.NewDesc("baton_heartbeat_link_late",
		"1 when the peer's heartbeats on the link are late (silent for warntime), 0 otherwise.", []string{"peer", "link"}, nil)
	descLastSeen = prometheus.NewDesc("baton_heartbeat_last_seen_seconds",
		"Seconds since the last heartbeat from the peer on the link (absent when never heard).", []string{"peer", "link"}, nil)
	descPeerAlive = prometheus.NewDesc("baton_peer_alive",
		"1 when some link to the peer is up, 0 when the peer is lost.", []string{"peer"}, nil)
	descWitness = prometheus.NewDesc("baton_witness_vote",
		"1 while this node holds the witness's vote, 0 otherwise (present when a witness is configured).", nil, nil)
	descDC = prometheus.NewDesc("baton_dc",
		"1 on the node this node sees as designated controller.", []string{"node"}, nil)
	descScrapeErr = prometheus.NewDesc("baton_status_error",
		"1 when the cluster's state could not be read at this scrape (the cluster metrics are then missing).", nil, nil)
)

// clusterCollector computes the cluster metrics from a fresh view at each
// scrape.
type clusterCollector struct {
	src   Source
	links []string
}

// Describe sends nothing: the collector is unchecked, as its series
// follow the cluster's nodes and resources.
func (c *clusterCollector) Describe(chan<- *prometheus.Desc) {}

func (c *clusterCollector) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	c.collectLinks(gauge)
	if held, ok := c.src.WitnessVote(); ok {
		gauge(descWitness, boolValue(held))
	}
	v, err := c.src.View()
	if err != nil {
		gauge(descScrapeErr, 1)
		return
	}
	gauge(descScrapeErr, 0)
	gauge(descStonith, boolValue(v.Options.StonithEnabled))
	gauge(descMaint, boolValue(v.Options.Maintenance))
	gauge(descQuorate, boolValue(v.Quorate))
	if v.DC != "" {
		gauge(descDC, 1, v.DC)
	}
	for _, n := range v.Nodes {
		for _, s := range []struct {
			name string
			on   bool
		}{{"online", n.Online}, {"standby", n.Standby}, {"standby_onfail", false}, {"maintenance", n.Maintenance},
			{"pending", n.Pending}, {"unclean", n.Unclean}, {"shutdown", n.Shutdown}, {"expected_up", n.ExpectedUp},
			{"dc", n.IsDC}} {
			gauge(descNodes, boolValue(s.on), n.Name, "member", s.name)
		}
	}
	for node, attrs := range v.NodeAttrs {
		for name, val := range attrs {
			gauge(descNodeAttrs, 1, node, name, val)
		}
	}
	seen := map[string]bool{} // anonymous instances that are alike are one series
	for _, p := range v.Primitives() {
		nodes := []string{""}
		if len(p.Nodes) > 0 {
			nodes = nodes[:0]
			for _, n := range p.Nodes {
				nodes = append(nodes, n.Name)
			}
		}
		for _, node := range nodes {
			for _, s := range []struct {
				name string
				on   bool
			}{{"active", p.Active}, {"orphaned", p.Orphaned}, {"blocked", p.Blocked}, {"failed", p.Failed},
				{"failure_ignored", p.FailureIgnored}} {
				labels := []string{node, p.ID, lower(p.Role), strconv.FormatBool(p.Managed), s.name, p.Agent, p.Group, p.Clone}
				key := ""
				for _, l := range labels {
					key += l + "\x00"
				}
				if seen[key] {
					continue
				}
				seen[key] = true
				gauge(descResources, boolValue(s.on), labels...)
			}
		}
	}
	for _, h := range v.History {
		for _, r := range h.Resources {
			gauge(descFailCount, score(r.FailCount), h.Node, r.ID)
			gauge(descMigration, float64(r.MigrationThreshold), h.Node, r.ID)
		}
	}
	if t, err := time.Parse(time.ANSIC, v.LastChange.Time); err == nil {
		// ha_cluster_exporter types it a counter; a timestamp is a gauge
		// (promtool rejects a counter without _total), and queries read
		// both alike.
		gauge(descLastChange, float64(t.Unix()))
	}
	for _, l := range v.Locations {
		gauge(descLocations, score(l.Score), l.ID, l.Node, l.Resource, lower(l.Role))
	}
	gauge(descConstraints, float64(len(v.Locations)), "location")
	gauge(descConstraints, float64(v.Constraints-len(v.Locations)), "other")
}

// collectLinks reports every link to every peer, and counts the links
// on which no peer is heard (corosync's faulty rings).
func (c *clusterCollector) collectLinks(gauge func(*prometheus.Desc, float64, ...string)) {
	peers := c.src.Peers()
	heard := make([]bool, len(c.links))
	for _, p := range peers {
		gauge(descPeerAlive, boolValue(p.Alive), p.Name)
		for i, st := range p.Links {
			name := strconv.Itoa(i)
			if i < len(c.links) {
				name = c.links[i]
			}
			up := st == membership.LinkUp || st == membership.LinkWarn
			if up && i < len(heard) {
				heard[i] = true
			}
			gauge(descLinkUp, boolValue(up), p.Name, name)
			gauge(descLinkLate, boolValue(st == membership.LinkWarn), p.Name, name)
			if i < len(p.LastHeard) && !p.LastHeard[i].IsZero() {
				gauge(descLastSeen, time.Since(p.LastHeard[i]).Seconds(), p.Name, name)
			}
		}
	}
	if len(peers) > 0 {
		faulty := 0
		for _, h := range heard {
			if !h {
				faulty++
			}
		}
		gauge(descRingErrors, float64(faulty))
	}
}
