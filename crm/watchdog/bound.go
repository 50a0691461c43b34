package watchdog

import (
	"fmt"
	"time"
)

// Timing is what the bound depends on: the heartbeat timing, the quorum
// arbiter's, and the watchdog's.
type Timing struct {
	Keepalive, Deadtime time.Duration
	// QuorumAsk bounds how long a node takes to learn it lost the quorum
	// arbiter's vote (quorum.timeout).
	QuorumAsk time.Duration
	// Lease is the witness's lease (3s), when the policy is witness; a node
	// that held the vote keeps it that long after its last renewal.
	Lease time.Duration
	// Watchdog is the watchdog timeout every node uses.
	Watchdog time.Duration
	// FenceTimeout is stonith-watchdog-timeout.
	FenceTimeout time.Duration
}

// Bound is the watchdog fencing guarantee for a Timing.
type Bound struct {
	// MinFenceTimeout is the smallest safe stonith-watchdog-timeout. A
	// lost node stays quorate at most deadtime plus one arbiter question
	// after its last sign of life (it takes that long to see itself alone
	// and be refused the vote); after that it pets only if it runs
	// nothing, so its watchdog fires at most one watchdog timeout later.
	// A margin covers the heartbeat period and 10% of clock-rate error.
	MinFenceTimeout time.Duration
	// Takeover is the worst time from a node's last sign of life until a
	// survivor counts it fenced, when the survivor held quorum already.
	Takeover time.Duration
	// WorstTakeover adds the case where the lost node held the witness's
	// vote: the survivor is quorate only once the lease ran out.
	WorstTakeover time.Duration
}

// Compute returns the bound for t.
func Compute(t Timing) Bound {
	margin := t.Keepalive + t.Watchdog/10
	b := Bound{MinFenceTimeout: t.Deadtime + t.QuorumAsk + t.Watchdog + margin}
	ft := t.FenceTimeout
	if ft < b.MinFenceTimeout {
		ft = b.MinFenceTimeout
	}
	b.Takeover = ft
	b.WorstTakeover = ft
	if t.Lease > 0 {
		b.WorstTakeover = t.Lease + t.QuorumAsk + ft
	}
	return b
}

// Check reports what makes watchdog fencing unsafe with t, or nil.
// Policy is the no-quorum policy; nodes the cluster's size.
func Check(t Timing, policy string, nodes int) error {
	if t.FenceTimeout == 0 {
		return nil
	}
	if t.Watchdog == 0 {
		return fmt.Errorf("stonith-watchdog-timeout is %v but this node has no watchdog (watchdog.device): a lost node would be counted as fenced without ever resetting", t.FenceTimeout)
	}
	b := Compute(t)
	if t.FenceTimeout < b.MinFenceTimeout {
		return fmt.Errorf("stonith-watchdog-timeout %v is too short for watchdog timeout %v with deadtime %v and quorum timeout %v: it must be at least %v (deadtime + quorum timeout + watchdog timeout + heartbeat and clock margin)",
			t.FenceTimeout, t.Watchdog, t.Deadtime, t.QuorumAsk, b.MinFenceTimeout)
	}
	if nodes <= 2 && policy != "witness" {
		return fmt.Errorf("watchdog fencing in a %d-node cluster needs the witness (quorum.policy = \"witness\"): with policy %q both halves of a split would count the other as fenced", nodes, policy)
	}
	return nil
}
