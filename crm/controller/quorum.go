package controller

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/baton-ha/baton/crm/config"
	"github.com/baton-ha/baton/crm/membership"
	"github.com/baton-ha/baton/crm/witness"
)

// View is what a node sees of the cluster when it decides on quorum.
type View struct {
	Self    string
	SelfID  int
	All     []string // every configured node, self included
	Members []string // self and the peers alive now
	// Suspect are peers still counted alive whose every link is late: a
	// partition may be forming. The witness is asked early for them, so
	// that the losing side learns it lost before the winner takes over.
	Suspect []string
	// Fenced are the lost nodes whose fencing was confirmed since they
	// were last members.
	Fenced []string
	// Idle says this node serves nothing the other node does not: it runs
	// no resource, or only clone instances that are not promoted (a ping
	// or fence-device clone, an unpromoted DRBD instance run on both
	// nodes alike). In a split the witness backs
	// the first node that asks; an idle node asks IdleAskDelay after the
	// trouble began, so that the node serving the clients keeps the
	// service (as priority-fencing-delay lets the node running the
	// resources win the fence race) instead of an idle node that may be
	// the one cut off from the clients winning and leaving nothing running.
	Idle bool
}

// idleAskDelay is the default of Quorum.IdleAskDelay: under deadtime - warntime
// with the default heartbeat timing, so that a survivor whose peer is
// really gone has waited it out by the time it declares the peer dead.
const idleAskDelay = 800 * time.Millisecond

// Quorum decides whether this node's partition may run resources. The rule
// (docs/membership.md):
//   - a partition holding more than half of the nodes is quorate;
//   - otherwise, by policy: "witness": quorate only while the witness grants
//     its vote; "fence": quorate once every lost peer was fenced successfully
//     (by the controller's fencer: View.Fenced);
//     "ignore": quorate; "stop": not quorate.
type Quorum struct {
	Policy     string
	Witness    string
	Key        membership.Key
	Cluster    string
	AskTimeout time.Duration
	// IdleAskDelay is how long an idle node (View.Idle) waits, from the
	// first sign of a split, before it asks the witness; zero means 800 ms.
	IdleAskDelay time.Duration
	Log          *slog.Logger

	mu      sync.Mutex
	granted time.Time     // when the witness last granted us the vote
	lease   time.Duration // how long that grant lasts
	holder  string        // who the witness said holds the vote
	asked   time.Time     // when we last asked the witness
	trouble time.Time     // since when a peer is suspect or lost (zero: none)
	healed  time.Time     // when the last trouble ended
	// wmu orders the exchanges with the witness: a release must never
	// arrive after an ask that followed it, or the witness would forget a
	// grant this node counts on.
	wmu sync.Mutex
}

// releaseAfter is how long the cluster must have been whole before a node
// gives the witness's vote back. Keeping it after a split only makes the
// next loss wait out the lease (3 s) if it strikes the holder, which is
// then gone; the fault campaign loses a node half a second after the
// cluster re-formed. A short hysteresis still keeps a link that drops
// for one check from moving the vote.
const releaseAfter = 200 * time.Millisecond

// Decide returns whether the partition is quorate and why.
func (q *Quorum) Decide(ctx context.Context, v View) (bool, string) {
	q.mu.Lock()
	release := false
	if len(v.Suspect) == 0 && len(v.Members) == len(v.All) {
		if !q.trouble.IsZero() {
			q.healed = time.Now()
		}
		q.trouble = time.Time{}
		if q.Policy == config.QuorumWitness && !q.granted.IsZero() && time.Since(q.healed) >= releaseAfter {
			// Forget the grant before the witness does: from here on this
			// node must ask again, like any other, to count it.
			q.granted, q.holder, release = time.Time{}, "", true
		}
	} else if q.trouble.IsZero() {
		q.trouble = time.Now()
	}
	q.mu.Unlock()
	if release {
		q.releaseWitness(ctx, v)
	}
	if len(v.Suspect) > 0 && q.Policy == config.QuorumWitness {
		// Every link to a peer is late: a partition may be forming. Ask the
		// witness now; if it already backs the other side, this side stops
		// at once, a deadtime-less-warntime head start before the winner
		// declares us dead and takes over.
		q.askWitness(ctx, v)
		q.mu.Lock()
		lost := q.holder != "" && q.holder != v.Self && !q.holdsGrant()
		holder := q.holder
		q.mu.Unlock()
		if lost {
			return false, "links to " + strings.Join(v.Suspect, ", ") + " are silent and the witness backs " + holder
		}
	}
	if 2*len(v.Members) > len(v.All) {
		return true, fmt.Sprintf("%d of %d nodes", len(v.Members), len(v.All))
	}
	lost := missing(v.All, v.Members)
	switch q.Policy {
	case config.QuorumIgnore:
		return true, "no-quorum policy ignore (explicitly configured)"
	case config.QuorumWitness:
		q.askWitness(ctx, v)
		q.mu.Lock()
		defer q.mu.Unlock()
		if q.holdsGrant() {
			return true, "witness " + q.Witness + " granted its vote"
		}
		if q.holder != "" && q.holder != v.Self {
			return false, "witness gave its vote to " + q.holder
		}
		return false, "witness " + q.Witness + " did not grant its vote"
	case config.QuorumFence:
		if unfenced := missing(lost, v.Fenced); len(unfenced) > 0 {
			return false, "waiting for the fencing of " + strings.Join(unfenced, ", ") + " (no-quorum policy fence)"
		}
		return true, "lost peers fenced: " + strings.Join(lost, ", ")
	default:
		return false, fmt.Sprintf("%d of %d nodes, no-quorum policy stop", len(v.Members), len(v.All))
	}
}

// askWitness renews our claim on the witness's vote, at most every 200 ms.
// An idle node that holds no grant waits IdleAskDelay from the start of the
// trouble before its first ask.
func (q *Quorum) askWitness(ctx context.Context, v View) {
	q.mu.Lock()
	if time.Since(q.asked) < 200*time.Millisecond {
		q.mu.Unlock()
		// Asked a moment ago, maybe by the other caller (the main loop's
		// step and watchQuorum both decide): wait for that question's
		// answer, which holds wmu until it is in, rather than decide on
		// none. Deciding "not granted" while the answer was on its way
		// made the survivor of a power cut run a transition without
		// quorum, 13 ms before the witness's grant arrived (the VM tier,
		// 2026-12-02 19:17 UTC).
		q.wmu.Lock()
		q.wmu.Unlock() // an empty critical section: waiting is the point
		return
	}
	delay := q.IdleAskDelay
	if delay <= 0 {
		delay = idleAskDelay
	}
	if v.Idle && !q.holdsGrant() && !q.trouble.IsZero() && time.Since(q.trouble) < delay {
		q.mu.Unlock()
		return
	}
	q.asked = time.Now()
	q.mu.Unlock()
	timeout := q.askTimeout()
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	q.wmu.Lock()
	defer q.wmu.Unlock()
	start := time.Now()
	rep, err := witness.Ask(actx, q.Key, q.Witness, witness.Request{Cluster: q.Cluster, Node: v.Self, NodeID: v.SelfID})
	q.log().Debug("asked the witness", "witness", q.Witness, "granted", rep.Granted, "holder", rep.Holder, "took", time.Since(start), "err", err)
	q.mu.Lock()
	defer q.mu.Unlock()
	if err != nil {
		q.log().Warn("witness unreachable", "witness", q.Witness, "err", err)
		q.holder = "" // unknown now: an old answer must not decide
		return
	}
	q.holder = rep.Holder
	q.lease = time.Duration(rep.LeaseMS) * time.Millisecond
	if rep.Granted {
		if !q.holdsGrant() {
			q.log().Info("witness granted its vote", "witness", q.Witness)
		}
		q.granted = time.Now()
	} else {
		q.granted = time.Time{}
	}
}

// releaseWitness gives the witness's vote back. A release that does not
// arrive costs nothing but the wait for the lease to run out.
func (q *Quorum) releaseWitness(ctx context.Context, v View) {
	timeout := q.askTimeout()
	q.wmu.Lock()
	defer q.wmu.Unlock()
	q.mu.Lock()
	asked := !q.granted.IsZero()
	q.mu.Unlock()
	if asked {
		return // granted again since the decision: the vote is in use
	}
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	_, err := witness.Ask(rctx, q.Key, q.Witness, witness.Request{Cluster: q.Cluster, Node: v.Self, NodeID: v.SelfID, Release: true})
	if err != nil {
		q.log().Info("could not give the witness's vote back; it lapses with its lease", "witness", q.Witness, "err", err)
		return
	}
	q.log().Info("gave the witness's vote back: the cluster is whole", "witness", q.Witness)
}

// askTimeout bounds one exchange with the witness: AskTimeout, 1 s unset.
func (q *Quorum) askTimeout() time.Duration {
	if q.AskTimeout > 0 {
		return q.AskTimeout
	}
	return time.Second
}

// holdsGrant reports whether the witness's last grant to this node is
// still within its lease. Callers hold q.mu.
func (q *Quorum) holdsGrant() bool {
	return !q.granted.IsZero() && time.Since(q.granted) < q.lease
}

func (q *Quorum) log() *slog.Logger {
	if q.Log != nil {
		return q.Log
	}
	return slog.Default()
}

func missing(all, have []string) []string {
	set := map[string]bool{}
	for _, h := range have {
		set[h] = true
	}
	var out []string
	for _, a := range all {
		if !set[a] {
			out = append(out, a)
		}
	}
	return out
}
