package drbd

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/baton-ha/baton/agents/drbd/status"
)

// Scores are the four promotion scores of adjust_master_score, in the
// reference agent's order.
type Scores struct {
	Consistent    int // only Consistent data here: no peer says it is stale, none says it is current
	PeerUpToDate  int // no good local data, but a connected peer has it: a diskless Primary would read from it
	UpToDateAlone int // UpToDate here, Secondary, peer unknown: maybe newer writes happened there
	UpToDate      int // UpToDate here and either Primary or the peer is connected: nothing can be newer
}

// DefaultScores is adjust_master_score's default, "0 10 1000 10000".
var DefaultScores = Scores{0, 10, 1000, 10000}

// ParseScores reads adjust_master_score: four non-decreasing integers.
func ParseScores(s string) (Scores, error) {
	f := strings.Fields(s)
	if len(f) != 4 {
		return Scores{}, fmt.Errorf("want four space-separated integers, got %d", len(f))
	}
	var n [4]int
	for i, w := range f {
		v, err := strconv.Atoi(w)
		if err != nil {
			return Scores{}, fmt.Errorf("%q is not an integer", w)
		}
		if i > 0 && v < n[i-1] {
			return Scores{}, fmt.Errorf("values must not decrease (%d after %d)", v, n[i-1])
		}
		n[i] = v
	}
	return Scores{n[0], n[1], n[2], n[3]}, nil
}

// Score is the promotion score of the local instance in state r, and false
// when it must not be promoted at all (Inconsistent, Outdated or no disk
// without a good peer, or a failed disk).
//
//	local disks              peer                      score
//	UpToDate                 connected, or we are Primary   UpToDate
//	UpToDate                 unknown (disconnected)    UpToDateAlone
//	not UpToDate             connected and UpToDate    PeerUpToDate
//	Consistent               not UpToDate              Consistent
//	anything else            not UpToDate              none
func Score(r *status.Resource, s Scores) (int, bool) {
	if len(r.Volumes) == 0 {
		return 0, false
	}
	if r.AllDisks(status.UpToDate) {
		if r.Role == status.Primary || r.Connected() {
			return s.UpToDate, true
		}
		return s.UpToDateAlone, true
	}
	if r.AnyDisk(status.Failed) {
		return 0, false
	}
	for _, p := range r.Peers {
		if p.Connected() && p.AllDisks(status.UpToDate) {
			return s.PeerUpToDate, true
		}
	}
	consistent := true
	for _, v := range r.Volumes {
		if v.Disk != status.UpToDate && v.Disk != status.Consistent {
			consistent = false
		}
	}
	if consistent {
		return s.Consistent, true
	}
	return 0, false
}
