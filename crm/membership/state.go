package membership

import (
	"encoding/json"
	"errors"
	"os"

	"github.com/baton-ha/baton/crm/statedir"
)

const stateFile = "membership.json"

// savedPeer is what survives a restart of each peer: its newest
// incarnation and the newest time it sent.
type savedPeer struct {
	Incarnation uint64 `json:"incarnation"`
	Time        int64  `json:"time"`
}

// loadState restores the peers' newest incarnations and times. A missing
// or unreadable file only loses that protection (the per-boot echo still
// holds), so it is logged, not fatal.
func (m *Membership) loadState() {
	if m.cfg.StateDir == "" {
		return
	}
	b, err := statedir.ReadFile(m.cfg.StateDir, stateFile)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			m.cfg.Log.Warn("cannot read the saved membership state", "err", err)
		}
		return
	}
	var saved map[string]savedPeer
	if err := json.Unmarshal(b, &saved); err != nil {
		m.cfg.Log.Warn("ignoring the saved membership state", "err", err)
		return
	}
	for name, s := range saved {
		if p, ok := m.peers[name]; ok {
			p.incarnation, p.lastTime = s.Incarnation, s.Time
		}
	}
}

// saveState records every peer's incarnation and time; callers hold m.mu.
// It runs when a peer's incarnation changes, not per heartbeat.
func (m *Membership) saveState() {
	if m.cfg.StateDir == "" {
		return
	}
	saved := map[string]savedPeer{}
	for name, p := range m.peers {
		saved[name] = savedPeer{Incarnation: p.incarnation, Time: p.lastTime}
	}
	b, _ := json.Marshal(saved)
	if err := statedir.WriteFile(m.cfg.StateDir, stateFile, b); err != nil {
		m.cfg.Log.Error("cannot save the membership state", "err", err)
	}
}
