package daemon

import (
	"time"

	"github.com/baton-ha/baton/crm/controller"
	"github.com/baton-ha/baton/crm/membership"
	"github.com/baton-ha/baton/crm/view"
)

// metricsSource answers the exporter from the running daemon's parts.
type metricsSource struct {
	ctl *controller.Controller
	mem *membership.Membership
	q   *controller.Quorum
}

func (s *metricsSource) View() (*view.View, error) {
	return view.FromState(s.ctl.Snapshot(), time.Now())
}

func (s *metricsSource) Peers() []membership.PeerState { return s.mem.Snapshot() }

func (s *metricsSource) WitnessVote() (bool, bool) { return s.q.HoldsWitnessVote() }
