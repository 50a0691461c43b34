package metrics

import (
	"context"
	"time"

	"github.com/baton-ha/baton/crm/view"
)

// FailoverClock measures failovers as a client sees them: from the last
// heartbeat of a peer that is then lost to the moment every resource that
// was active before the loss is active again somewhere, none failed. It
// reports each one to the Recorder (baton_last_failover_duration_seconds).
type FailoverClock struct {
	Source   Source
	Recorder Recorder
	// Interval between looks; default 200ms (the figure's resolution).
	Interval time.Duration
	// GiveUp drops a failover that has not completed after this long;
	// default 10 minutes.
	GiveUp time.Duration

	alive   map[string]bool
	before  map[string]bool // resources active at the previous look (clone instances by clone)
	pending *failover
}

type failover struct {
	lost time.Time       // the lost peer's last heartbeat
	want map[string]bool // what must be active again
}

// Run looks until ctx ends.
func (f *FailoverClock) Run(ctx context.Context) error {
	if f.Interval <= 0 {
		f.Interval = 200 * time.Millisecond
	}
	tick := time.NewTicker(f.Interval)
	defer tick.Stop()
	for {
		f.Look(time.Now())
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// Look takes one look at the cluster at now.
func (f *FailoverClock) Look(now time.Time) {
	if f.alive == nil {
		f.alive = map[string]bool{}
	}
	if f.GiveUp <= 0 {
		f.GiveUp = 10 * time.Minute
	}
	var lostAt time.Time
	for _, p := range f.Source.Peers() {
		if f.alive[p.Name] && !p.Alive {
			for _, h := range p.LastHeard {
				if h.After(lostAt) {
					lostAt = h
				}
			}
			if lostAt.IsZero() {
				lostAt = now
			}
		}
		f.alive[p.Name] = p.Alive
	}
	v, err := f.Source.View()
	if err != nil {
		return
	}
	active, failed := activeSet(v)
	if !lostAt.IsZero() && len(f.before) > 0 && f.pending == nil {
		f.pending = &failover{lost: lostAt, want: f.before}
	}
	if p := f.pending; p != nil {
		done := !failed
		for id := range p.want {
			done = done && active[id]
		}
		switch {
		case done:
			f.Recorder.FailedOver(now.Sub(p.lost))
			f.pending = nil
		case now.Sub(p.lost) > f.GiveUp:
			f.pending = nil
		}
		return
	}
	f.before = active
}

// activeSet returns the resources active anywhere (a clone's instances
// count as the clone: after a failover it runs fewer of them) and whether
// any is failed.
func activeSet(v *view.View) (map[string]bool, bool) {
	active := map[string]bool{}
	failed := false
	for _, p := range v.Primitives() {
		id := p.ID
		if p.Clone != "" {
			id = p.Clone + "/" + p.ID
		}
		if p.Active {
			active[id] = true
		}
		failed = failed || p.Failed
	}
	return active, failed
}
