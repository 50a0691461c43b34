package controller

import (
	"time"

	"github.com/baton-ha/baton/crm/config"
)

// HoldsWitnessVote reports whether this node holds the witness's vote now
// (granted and within its lease), and whether the policy uses a witness at
// all. The metrics report it.
func (q *Quorum) HoldsWitnessVote() (held, configured bool) {
	if q == nil || q.Policy != config.QuorumWitness {
		return false, false
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	return !q.granted.IsZero() && time.Since(q.granted) < q.lease, true
}
