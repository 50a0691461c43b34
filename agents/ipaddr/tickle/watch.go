package tickle

import (
	"context"
	"slices"
	"time"
)

// WatchInterval is how often Watch looks at the connection table. A client
// that connected this long before a crash may be missing from the record;
// one dump of a few hundred sockets costs tens of microseconds, so four
// looks a second keep the watcher's CPU use far below 1%.
const WatchInterval = 250 * time.Millisecond

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
