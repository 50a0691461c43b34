package daemon

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// writes records what a dampener writes, and when.
type writes struct {
	mu   sync.Mutex
	vals map[string]string
	log  []string
	at   []time.Time
	ch   chan struct{}
}

func newWrites() *writes { return &writes{vals: map[string]string{}, ch: make(chan struct{}, 16)} }

func (w *writes) write(name, value string) {
	w.mu.Lock()
	w.vals[name] = value
	w.log = append(w.log, name+"="+value)
	w.at = append(w.at, time.Now())
	w.mu.Unlock()
	w.ch <- struct{}{}
}

func (w *writes) current(name string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.vals[name]
}

// wait returns the log once it holds n writes, failing after 5 s.
func (w *writes) wait(t *testing.T, n int) ([]string, []time.Time) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		w.mu.Lock()
		if len(w.log) >= n {
			l, a := append([]string(nil), w.log...), append([]time.Time(nil), w.at...)
			w.mu.Unlock()
			return l, a
		}
		w.mu.Unlock()
		select {
		case <-w.ch:
		case <-deadline:
			t.Fatalf("waited 5 s for %d writes, have %q", n, w.log)
		}
	}
}

// TestDampenerHoldsChangesForTheDelay follows attrd_updater -d: a change
// is written once it has stayed for the delay, a flap shorter than the
// delay never reaches the controller, each change restarts the wait, and
// a plain write goes through at once and drops what was pending.
func TestDampenerHoldsChangesForTheDelay(t *testing.T) {
	const delay = 150 * time.Millisecond
	w := newWrites()
	d := &dampener{write: w.write, current: w.current}
	t.Cleanup(d.stop)

	// A first value waits out the delay, as attrd's first write does.
	began := time.Now()
	d.set("pingd", "1000", delay)
	d.set("pingd", "1000", delay) // the next monitor: the same change
	log, at := w.wait(t, 1)
	if log[0] != "pingd=1000" || at[0].Sub(began) < delay {
		t.Fatalf("first write %q after %v, want pingd=1000 after at least %v", log[0], at[0].Sub(began), delay)
	}

	// A flap: 0 then 1000 again within the delay. The pending value goes
	// back to what is written (written again: no change); 0 never is.
	d.set("pingd", "0", delay)
	d.set("pingd", "1000", delay)
	if log, _ = w.wait(t, 2); log[1] != "pingd=1000" {
		t.Errorf("after a flap the write was %q, want the unchanged pingd=1000", log[1])
	}
	// A real loss: 0 for longer than the delay, with a change in between
	// restarting the wait.
	d.set("pingd", "500", delay)
	time.Sleep(delay / 3) // spacing the updates, not an assertion
	began = time.Now()
	d.set("pingd", "0", delay)
	log, at = w.wait(t, 3)
	if log[2] != "pingd=0" {
		t.Errorf("writes %q: the superseded 500 was written", log)
	}
	if waited := at[2].Sub(began); waited < delay {
		t.Errorf("the last change was written %v after it was made, before its delay", waited)
	}

	// A plain write (a delay of 0) is written at once and drops a pending
	// change.
	d.set("pingd", "1000", delay)
	d.set("pingd", "200", 0)
	d.set("other", "1", delay)
	log, _ = w.wait(t, 5)
	if got := strings.Join(log[3:], " "); got != "pingd=200 other=1" {
		t.Errorf("writes %q, want the plain write then the other attribute, the dropped 1000 never", got)
	}
	if v := w.current("pingd"); v != "200" {
		t.Errorf("pingd=%q, want 200", v)
	}
}
