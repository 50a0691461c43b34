package ocf

import (
	"context"
	"fmt"
	"time"
)

// Poll checks cond every interval until it holds, it fails, limit passes or
// ctx ends: the one bounded wait agents use for a daemon to appear, an
// export to show up, a process to go. It never polls past the action's
// deadline, so an agent reports "gave up" instead of being killed.
func Poll(ctx context.Context, limit, interval time.Duration, cond func() (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		ok, err := cond()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("gave up after %v", limit)
		case <-t.C:
		}
	}
}

// Sleep waits d or until ctx ends, whichever is first, and reports whether
// d passed: the one pause agents take between attempts, so that no wait
// outlives the action's deadline.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
