// Package watchdog is Baton's self-fencing, what sbd's watchdog mode does:
// the daemon arms a watchdog device and pets it only while it is healthy
// and allowed to run what it runs, so that a node whose daemon died, hung
// or lost quorum without completing its stops resets within the watchdog
// timeout. A survivor may then treat the node as fenced once
// stonith-watchdog-timeout has passed (see Bound and docs/membership.md).
package watchdog

import "time"

// Device is a watchdog timer.
//
// Contract: once opened the timer runs; SetTimeout asks the driver for a
// timeout and returns the one it granted (drivers round); Pet restarts the
// countdown; Disarm stops it for good (the magic close: the caller must
// have stopped everything first); Close without Disarm leaves it running,
// so that the machine resets when the timeout passes, as it does when the
// process dies.
type Device interface {
	SetTimeout(d time.Duration) (time.Duration, error)
	Pet() error
	Disarm() error
	Close() error
}
