package tickle

import (
	"context"
	"slices"
	"time"
)

// WatchInterval is how often Watch looks at the connection table: a client
// that connected less than this before a crash may be missing from the
// record. A look costs the kernel a walk of its whole TCP established hash
// table, which is sized by the host's memory, not by the connections (about
// 6 ms for both families on a 24 GB host): twice a second keeps the watcher
// near 1% of one core there (docs/benchmarks.md).
const WatchInterval = 500 * time.Millisecond

// Watch keeps a record current until ctx ends: every interval it lists the
// connections with list and, when they differ from the last saved list,
// saves them with save (Save, which writes atomically and fsyncs, so the
// next owner finds them after a power cut). It first saves the current list
// at once. A failure is passed to report when it differs from the previous
// one, so that a persistent fault is reported once, not four times a second,
// and is retried on the next tick.
func Watch(ctx context.Context, interval time.Duration, list func() ([]Conn, error), save func([]Conn) error, report func(error)) {
	var last []Conn
	saved := false
	var lastErr string
	fail := func(err error) {
		if err.Error() != lastErr {
			lastErr = err.Error()
			report(err)
		}
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		cs, err := list()
		if err != nil {
			fail(err)
		} else if !saved || !slices.Equal(cs, last) {
			if err := save(cs); err != nil {
				fail(err)
			} else {
				last, saved, lastErr = cs, true, ""
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
