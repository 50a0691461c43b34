package demo

import (
	"fmt"
	"sync"
	"time"
)

// WatchOwners samples holders every 100 ms until the returned stop is
// called, and records each sample where more than one node held the VIP or
// the mount: the "never two owners" check of the demo and the failover
// tests. stop returns the violations, timed from start.
func WatchOwners(holders func() (vip, mount []string), start time.Time) (stop func() []string) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	var violations []string
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			case <-time.After(100 * time.Millisecond):
			}
			if vip, mount := holders(); len(vip) > 1 || len(mount) > 1 {
				violations = append(violations, fmt.Sprintf("%.2fs: VIP on %v, /data mounted on %v", time.Since(start).Seconds(), vip, mount))
			}
		}
	}()
	return func() []string {
		close(done)
		wg.Wait()
		return violations
	}
}
