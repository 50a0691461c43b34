package view_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baton-ha/baton/crm/view"
)

// frames records what Watch writes, one Write per frame.
type frames struct {
	mu  sync.Mutex
	all []string
	got chan string
}

func (f *frames) Write(b []byte) (int, error) {
	f.mu.Lock()
	f.all = append(f.all, string(b))
	f.mu.Unlock()
	select {
	case f.got <- string(b):
	default: // the test stopped reading (error frames repeat)
	}
	return len(b), nil
}

// TestWatchRedrawsOnChangeOnly feeds Watch a cluster that stays the same
// for several looks, then changes, then fails to answer: it must draw the
// first state once, the change once, and the error.
func TestWatchRedrawsOnChangeOnly(t *testing.T) {
	base := func(standby bool) *view.View {
		return &view.View{DC: "node1", Quorate: true, LastUpdate: time.Now(),
			Nodes: []view.Node{{Name: "node1", ID: "1", Online: true}, {Name: "node2", ID: "2", Online: true, Standby: standby}}}
	}
	var mu sync.Mutex
	calls := 0
	fetch := func(context.Context) (*view.View, error) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		switch {
		case calls <= 3:
			return base(false), nil // LastUpdate differs each time: no redraw
		case calls <= 6:
			return base(true), nil
		}
		return nil, errors.New("daemon gone")
	}
	w := &frames{got: make(chan string, 16)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- view.Watch(ctx, w, fetch, view.WatchOptions{Interval: 5 * time.Millisecond}) }()
	expect := func(what string) string {
		t.Helper()
		select {
		case f := <-w.got:
			if !strings.Contains(f, what) {
				t.Fatalf("frame without %q:\n%q", what, f)
			}
			if !strings.HasPrefix(f, "\x1b[H") || !strings.HasSuffix(f, "\x1b[J") {
				t.Errorf("frame does not redraw from the top left: %q", f)
			}
			return f
		case <-time.After(5 * time.Second):
			t.Fatalf("no frame with %q within 5s", what)
		}
		return ""
	}
	first := expect("Online: [ node1 node2 ]")
	if strings.Contains(first, "standby") {
		t.Errorf("first frame shows a standby node:\n%s", first)
	}
	expect("Node node2: standby")
	expect("daemon gone")
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, f := range w.all {
		if !strings.Contains(f, "daemon gone") {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d frames for two distinct states; want 2 (no redraw when only the time changes)", n)
	}
}
