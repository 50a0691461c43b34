// Package metrics exports the daemon's view of the cluster to Prometheus.
//
// Where a metric means what one of ClusterLabs' ha_cluster_exporter means,
// it has that metric's name and labels (ha_cluster_pacemaker_nodes,
// ha_cluster_pacemaker_resources, ha_cluster_pacemaker_fail_count, ...), so
// that its dashboards and alerts work on a Baton cluster unchanged. What
// only Baton has (heartbeat links, the witness, the watchdog, fencing,
// failover timing) is under baton_.
//
// The cluster metrics are computed at each scrape from the same view
// `baton status` shows (package view), so a scrape never reports a series
// for a resource or node that is gone. Events that happen between scrapes
// (a fencing action, a failover) are fed in through Recorder.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/baton-ha/baton/crm/membership"
	"github.com/baton-ha/baton/crm/view"
)

// Source is what the daemon knows when Prometheus asks.
type Source interface {
	// View is the cluster as this node sees it (`baton status`).
	View() (*view.View, error)
	// Peers is the state of every heartbeat link to every peer, in link
	// order.
	Peers() []membership.PeerState
	// WitnessVote reports whether the witness's vote is held now, and
	// whether a witness is configured at all.
	WitnessVote() (held, configured bool)
}

// Recorder takes the events Baton's own metrics count. The fencing and
// watchdog code calls it; it is safe for concurrent use.
type Recorder interface {
	// Fenced records a finished fencing action ("reboot", "off") against
	// target: status "success" or "failed".
	Fenced(target, action, status string, took time.Duration)
	// Watchdog records whether the node's watchdog is armed and its
	// timeout.
	Watchdog(armed bool, timeout time.Duration)
	// FailedOver records how long the last failover took, from the loss
	// of the peer to the resources running again here.
	FailedOver(took time.Duration)
}

// Exporter is the daemon's metrics: a Prometheus registry with the cluster
// collector and Baton's event metrics. It implements Recorder.
type Exporter struct {
	reg *prometheus.Registry

	fenceTotal    *prometheus.CounterVec
	fenceLast     *prometheus.GaugeVec
	fenceDuration *prometheus.GaugeVec
	watchdogArmed prometheus.Gauge
	watchdogTO    prometheus.Gauge
	failover      prometheus.Gauge
	failoverSeen  sync.Once
}

// New builds the exporter over src. linkNames names the heartbeat links in
// the order Source.Peers reports them.
func New(src Source, linkNames []string) *Exporter {
	e := &Exporter{reg: prometheus.NewRegistry()}
	e.fenceTotal = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "baton_fence_events_total",
		Help: "Fencing actions this node ran, by target, action and outcome (success or failed)."},
		[]string{"target", "action", "status"})
	e.fenceLast = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "baton_fence_last_timestamp_seconds",
		Help: "When this node last fenced the target (Unix time), by outcome."}, []string{"target", "status"})
	e.fenceDuration = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "baton_fence_last_duration_seconds",
		Help: "How long this node's last fencing action against the target took."}, []string{"target"})
	e.watchdogArmed = prometheus.NewGauge(prometheus.GaugeOpts{Name: "baton_watchdog_armed",
		Help: "1 when this node's watchdog is armed (the node resets itself if the daemon hangs), 0 otherwise."})
	e.watchdogTO = prometheus.NewGauge(prometheus.GaugeOpts{Name: "baton_watchdog_timeout_seconds",
		Help: "The armed watchdog's timeout."})
	e.failover = prometheus.NewGauge(prometheus.GaugeOpts{Name: "baton_last_failover_duration_seconds",
		Help: "How long the last failover to this node took, from the loss of the peer to the resources running here."})
	e.reg.MustRegister(&clusterCollector{src: src, links: linkNames}, e.fenceTotal, e.fenceLast, e.fenceDuration,
		e.watchdogArmed, e.watchdogTO)
	return e
}

// Registry is the exporter's registry (for tests and extra collectors).
func (e *Exporter) Registry() *prometheus.Registry { return e.reg }

// Fenced implements Recorder.
func (e *Exporter) Fenced(target, action, status string, took time.Duration) {
	e.fenceTotal.WithLabelValues(target, action, status).Inc()
	e.fenceLast.WithLabelValues(target, status).Set(float64(time.Now().Unix()))
	e.fenceDuration.WithLabelValues(target).Set(took.Seconds())
}

// Watchdog implements Recorder.
func (e *Exporter) Watchdog(armed bool, timeout time.Duration) {
	e.watchdogArmed.Set(boolValue(armed))
	e.watchdogTO.Set(timeout.Seconds())
}

// FailedOver implements Recorder. The metric appears with the first
// failover: before one, there is no duration to report.
func (e *Exporter) FailedOver(took time.Duration) {
	e.failoverSeen.Do(func() { e.reg.MustRegister(e.failover) })
	e.failover.Set(took.Seconds())
}

// Handler serves the metrics in Prometheus's text format.
func (e *Exporter) Handler() http.Handler {
	return promhttp.HandlerFor(e.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// Serve answers GET /metrics on l until ctx ends.
func (e *Exporter) Serve(ctx context.Context, l net.Listener, log *slog.Logger) error {
	mux := http.NewServeMux()
	mux.Handle("/metrics", e.Handler())
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintln(w, "baton daemon: metrics at /metrics")
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	log.Info("metrics", "address", l.Addr().String())
	if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// score turns a Pacemaker score into a metric value (INFINITY is +Inf, as
// ha_cluster_exporter reports it).
func score(n int) float64 {
	switch {
	case n >= 1000000:
		return math.Inf(1)
	case n <= -1000000:
		return math.Inf(-1)
	}
	return float64(n)
}

func lower(s string) string { return strings.ToLower(s) }
