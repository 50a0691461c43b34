package watchdog

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a settable clock for the fake device.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestGuardPetsOnlyWhileHealthy(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	dev := &Fake{Now: clk.now}
	var health error
	g := &Guard{Dev: dev, Path: "/dev/fake", Timeout: 5 * time.Second, Healthy: func() error { return health }}
	if err := g.Arm(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ { // healthy: petted every second, never fires
		clk.add(time.Second)
		g.check()
	}
	if dev.Fired() || dev.Pets() != 11 || !g.State().Petting {
		t.Fatalf("healthy: fired %v pets %d state %+v", dev.Fired(), dev.Pets(), g.State())
	}
	health = errors.New("main loop stalled for 4s")
	for i := 0; i < 4; i++ {
		clk.add(time.Second)
		g.check()
		if dev.Fired() {
			t.Fatalf("fired after %d s without pets, before the 5 s timeout", i+1)
		}
	}
	clk.add(time.Second)
	g.check()
	if !dev.Fired() {
		t.Error("5 s unhealthy: the watchdog must have fired")
	}
	if st := g.State(); st.Petting || !strings.Contains(st.Reason, "stalled") {
		t.Errorf("state %+v", st)
	}
}

func TestGuardRefusesALongerTimeoutAndDisarms(t *testing.T) {
	dev := &Fake{Granularity: 30 * time.Second}
	g := &Guard{Dev: dev, Path: "/dev/fake", Timeout: 45 * time.Second, Healthy: func() error { return nil }}
	if err := g.Arm(); err != nil {
		t.Fatalf("rounded down to 30s is fine: %v", err)
	}
	g = &Guard{Dev: &Fake{Granularity: 30 * time.Second}, Path: "/dev/fake", Timeout: 10 * time.Second, Healthy: func() error { return nil }}
	if err := g.Arm(); err == nil {
		t.Error("a driver that cannot do 10s must be refused")
	}
	d := NewFake()
	g = &Guard{Dev: d, Timeout: time.Second, Healthy: func() error { return nil }}
	if err := g.Arm(); err != nil {
		t.Fatal(err)
	}
	if err := g.Disarm(); err != nil || !d.Disarmed() {
		t.Errorf("disarm: %v %v", err, d.Disarmed())
	}
}

func TestBound(t *testing.T) {
	base := Timing{Keepalive: 500 * time.Millisecond, Deadtime: 2 * time.Second, QuorumAsk: time.Second, Lease: 3 * time.Second, Watchdog: 5 * time.Second}
	b := Compute(base)
	if b.MinFenceTimeout != 9*time.Second || b.Takeover != 9*time.Second || b.WorstTakeover != 13*time.Second {
		t.Errorf("defaults: %+v", b)
	}
	for _, tc := range []struct {
		name   string
		edit   func(*Timing)
		policy string
		nodes  int
		want   string
	}{
		{"safe", func(t *Timing) { t.FenceTimeout = 10 * time.Second }, "witness", 2, ""},
		{"off", func(t *Timing) {}, "stop", 2, ""},
		{"too short", func(t *Timing) { t.FenceTimeout = 6 * time.Second }, "witness", 2, "must be at least 9s"},
		{"no device", func(t *Timing) { t.FenceTimeout = 10 * time.Second; t.Watchdog = 0 }, "witness", 2, "no watchdog"},
		{"no arbiter", func(t *Timing) { t.FenceTimeout = 10 * time.Second }, "fence", 2, "needs the witness"},
		{"three nodes", func(t *Timing) { t.FenceTimeout = 10 * time.Second }, "stop", 3, ""},
	} {
		tm := base
		tc.edit(&tm)
		err := Check(tm, tc.policy, tc.nodes)
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}
