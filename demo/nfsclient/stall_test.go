package nfsclient

import (
	"testing"
	"time"
)

func TestStall(t *testing.T) {
	base := time.Unix(1000, 0)
	at := func(ms int, ok bool) Event {
		return Event{T: base.Add(time.Duration(ms) * time.Millisecond).UnixNano(), Kind: "write", OK: ok}
	}
	for _, tc := range []struct {
		name   string
		events []Event
		kill   int
		want   time.Duration
	}{
		{"no writes", nil, 0, 0},
		{"steady", []Event{at(0, true), at(20, true), at(40, true)}, 10, 20 * time.Millisecond},
		{"gap after the kill", []Event{at(0, true), at(20, true), at(25, false), at(2600, false), at(2620, true), at(2640, true)}, 30, 2600 * time.Millisecond},
		{"gaps before the kill do not count", []Event{at(0, true), at(5000, true), at(5020, true)}, 5010, 20 * time.Millisecond},
		{"other events ignored", []Event{at(0, true), {T: base.Add(time.Second).UnixNano(), Kind: "verify", OK: true}, at(100, true)}, 50, 100 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Stall(tc.events, base.Add(time.Duration(tc.kill)*time.Millisecond)); got != tc.want {
				t.Errorf("Stall = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestStallUntil: a client whose writes never came back stalls until the
// end of the watch.
func TestStallUntil(t *testing.T) {
	base := time.Unix(1000, 0)
	at := func(ms int) Event {
		return Event{T: base.Add(time.Duration(ms) * time.Millisecond).UnixNano(), Kind: "write", OK: true}
	}
	ms := func(n int) time.Time { return base.Add(time.Duration(n) * time.Millisecond) }
	for _, tc := range []struct {
		name   string
		events []Event
		end    int
		want   time.Duration
	}{
		{"resumed", []Event{at(0), at(20), at(2500), at(2520)}, 2530, 2480 * time.Millisecond},
		{"hung after the kill", []Event{at(0), at(20), at(40)}, 60000, 59960 * time.Millisecond},
		{"no write since before the kill", []Event{at(0)}, 5000, 4970 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := StallUntil(tc.events, ms(30), ms(tc.end)); got != tc.want {
				t.Errorf("StallUntil = %v, want %v", got, tc.want)
			}
		})
	}
}
