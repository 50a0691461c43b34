package watchdog

import (
	"errors"
	"sync"
	"time"
)

// Fake is an in-memory watchdog for tests. It keeps the last pet and tells
// whether the timer would have fired by a given time.
type Fake struct {
	// Granularity is the driver's rounding of timeouts (default 1s).
	Granularity time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time

	mu       sync.Mutex
	timeout  time.Duration
	lastPet  time.Time
	pets     int
	disarmed bool
	closed   bool
}

// NewFake returns an armed fake watchdog.
func NewFake() *Fake { f := &Fake{}; f.lastPet = f.now(); return f }

func (f *Fake) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

func (f *Fake) SetTimeout(d time.Duration) (time.Duration, error) {
	g := f.Granularity
	if g <= 0 {
		g = time.Second
	}
	if d < g {
		return 0, errors.New("timeout below the driver's minimum")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.timeout = d / g * g
	return f.timeout, nil
}

func (f *Fake) Pet() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return errors.New("watchdog closed")
	}
	f.lastPet = f.now()
	f.pets++
	return nil
}

func (f *Fake) Disarm() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.disarmed, f.closed = true, true
	return nil
}

func (f *Fake) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	return nil
}

// Fired reports whether the machine would have been reset by now: armed
// and not petted for the timeout.
func (f *Fake) Fired() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return !f.disarmed && f.timeout > 0 && f.now().Sub(f.lastPet) >= f.timeout
}

// Pets returns how often it was petted; Disarmed whether it was disarmed.
func (f *Fake) Pets() int      { f.mu.Lock(); defer f.mu.Unlock(); return f.pets }
func (f *Fake) Disarmed() bool { f.mu.Lock(); defer f.mu.Unlock(); return f.disarmed }
