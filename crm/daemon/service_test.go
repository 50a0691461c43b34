package daemon

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// recorder is an in-memory service manager.
type recorder struct {
	mu     sync.Mutex
	states []string
	got    chan string
}

func newRecorder() *recorder { return &recorder{got: make(chan string, 100)} }

func (r *recorder) Notify(state string) error {
	r.mu.Lock()
	r.states = append(r.states, state)
	r.mu.Unlock()
	r.got <- state
	return nil
}

// next returns the next notification, failing t after limit.
func (r *recorder) next(t *testing.T, limit time.Duration) string {
	t.Helper()
	select {
	case s := <-r.got:
		return s
	case <-time.After(limit):
		t.Fatalf("no notification within %v", limit)
		return ""
	}
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestReadyOnlyOnceJoined(t *testing.T) {
	var joined atomic.Bool
	r := newRecorder()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() {
		superviseService(ctx, r, 0, func() (bool, string) { return joined.Load(), "DC node1" }, quiet())
		close(done)
	}()
	select {
	case s := <-r.got:
		t.Fatalf("notified %q before joining", s)
	case <-time.After(300 * time.Millisecond):
	}
	joined.Store(true)
	if s := r.next(t, 2*time.Second); !strings.HasPrefix(s, "READY=1\n") || !strings.Contains(s, "STATUS=DC node1") {
		t.Fatalf("first notification %q, want READY=1 with a STATUS", s)
	}
	// Without a watchdog there is nothing more to say.
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("supervisor without watchdog did not return after READY")
	}
}

func TestWatchdogPingsOnlyWhileHealthy(t *testing.T) {
	var stuck atomic.Bool
	release := make(chan struct{})
	health := func() (bool, string) {
		if stuck.Load() {
			<-release
		}
		return true, "ok"
	}
	r := newRecorder()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	defer close(release)
	const watchdog = 300 * time.Millisecond
	go superviseService(ctx, r, watchdog, health, quiet())
	if s := r.next(t, 2*time.Second); !strings.HasPrefix(s, "READY=1") {
		t.Fatalf("first notification %q, want READY=1", s)
	}
	for i := 0; i < 3; i++ {
		if s := r.next(t, watchdog); !strings.HasPrefix(s, "WATCHDOG=1") {
			t.Fatalf("notification %q, want WATCHDOG=1", s)
		}
	}
	// A hung daemon: the pings must stop for longer than the watchdog
	// interval, so that systemd would restart it. One ping may already be
	// on its way.
	stuck.Store(true)
	deadline := time.After(3 * watchdog)
	late := 0
	for {
		select {
		case s := <-r.got:
			late++
			if late > 1 {
				t.Fatalf("still pinging (%q) while the health check hangs", s)
			}
			continue
		case <-deadline:
		}
		break
	}
}

func TestStatusLine(t *testing.T) {
	got := statusLine("nfs", "node1", true, 2, 5)
	want := "cluster nfs: DC node1, 2 member(s), quorate; 5 resource(s) active here"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
