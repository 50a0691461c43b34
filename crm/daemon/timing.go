package daemon

import (
	"time"

	"github.com/baton-ha/baton/crm/cibdoc"
	"github.com/baton-ha/baton/crm/config"
	"github.com/baton-ha/baton/crm/fencer"
	"github.com/baton-ha/baton/crm/watchdog"
)

// witnessLease is `baton witness`'s default lease (crm/quorum).
const witnessLease = 3 * time.Second

// Timing is the watchdog fencing timing of this node's configuration with
// the CIB's stonith-watchdog-timeout (a negative one meaning twice the
// watchdog timeout, as in Pacemaker).
func Timing(cfg *config.Config, doc *cibdoc.Doc) watchdog.Timing {
	s, _ := fencer.Load(doc)
	t := watchdog.Timing{Keepalive: cfg.Heartbeat.Keepalive.Duration, Deadtime: cfg.Heartbeat.Deadtime.Duration,
		QuorumAsk: cfg.Quorum.Timeout.Duration, Watchdog: cfg.Watchdog.Timeout.Duration,
		FenceTimeout: s.Options.WatchdogTimeout}
	if cfg.Watchdog.Device == "" {
		t.Watchdog = 0
	}
	if t.FenceTimeout < 0 {
		t.FenceTimeout = 2 * t.Watchdog
	}
	if cfg.Quorum.Policy == config.QuorumWitness {
		t.Lease = witnessLease
	}
	return t
}

// CheckTiming reports what makes this node's watchdog fencing unsafe, with
// the CIB doc, or nil.
func CheckTiming(cfg *config.Config, doc *cibdoc.Doc) error {
	return watchdog.Check(Timing(cfg, doc), cfg.Quorum.Policy, 1+len(cfg.Peers))
}
