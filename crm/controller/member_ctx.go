package controller

import (
	"context"
	"slices"
	"time"
)

// memberPoll is how often a call to a peer checks that the peer is still
// a member.
const memberPoll = 50 * time.Millisecond

// whileMember returns a context that ends with ctx, after timeout, or as
// soon as node leaves the membership. A call to a peer that died mid-way
// (its daemon gathered, an operation run) then ends when the membership
// declares it dead, not at its own timeout: the step that follows, which
// fences and recovers, is not held up by a dead peer's silence (Pacemaker
// aborts its transition on a membership change likewise).
func (c *Controller) whileMember(ctx context.Context, node string, timeout time.Duration) (context.Context, context.CancelFunc) {
	cctx, cancel := context.WithTimeout(ctx, timeout)
	go func() {
		t := time.NewTicker(memberPoll)
		defer t.Stop()
		for {
			select {
			case <-cctx.Done():
				return
			case <-t.C:
				if !slices.Contains(c.cfg.Members.Alive(), node) {
					cancel()
					return
				}
			}
		}
	}()
	return cctx, cancel
}
