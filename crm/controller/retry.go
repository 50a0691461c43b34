package controller

import "time"

// retry paces the re-running of a transition that failed (a peer that
// cannot be reached, an action that keeps failing): one timer at a time,
// whatever wakes the controller meanwhile, waiting twice as long after each
// failure of the same cause up to a bound. A new cause starts again from
// the shortest wait; a transition that completes clears it.
type retry struct {
	min, max time.Duration // defaults 500 ms and 30 s
	cause    string
	wait     time.Duration
	at       time.Time // when the pending retry fires; zero when none
}

// waiting reports whether a retry is pending at now.
func (r *retry) waiting(now time.Time) bool { return !r.at.IsZero() && now.Before(r.at) }

// failed records a failure of cause at now. It returns the wait before the
// retry and true when the caller must arm a timer; false when a retry is
// already pending.
func (r *retry) failed(now time.Time, cause string) (time.Duration, bool) {
	if r.waiting(now) {
		return 0, false
	}
	lo, hi := r.min, r.max
	if lo <= 0 {
		lo = 500 * time.Millisecond
	}
	if hi <= 0 {
		hi = 30 * time.Second
	}
	switch {
	case cause != r.cause || r.wait == 0:
		r.wait = lo
	case r.wait < hi:
		r.wait = min(2*r.wait, hi)
	}
	r.cause = cause
	r.at = now.Add(r.wait)
	return r.wait, true
}

// succeeded clears the backoff.
func (r *retry) succeeded() { *r = retry{min: r.min, max: r.max} }
