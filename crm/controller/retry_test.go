package controller

import (
	"context"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/baton-ha/baton/crm/cibdoc"
	"github.com/baton-ha/baton/crm/executor"
	"github.com/baton-ha/baton/crm/membership"
)

// bothAlive is a membership layer in which peer b is alive.
type bothAlive struct{}

func (bothAlive) Alive() []string { return []string{"a", "b"} }
func (bothAlive) Snapshot() []membership.PeerState {
	return []membership.PeerState{{Name: "b", Alive: true, Links: []membership.LinkState{membership.LinkUp}}}
}
func (bothAlive) Changes() <-chan struct{} { return nil }

// attempts records when the controller logged a failed transition.
type attempts struct {
	mu sync.Mutex
	at []time.Time
	ch chan struct{}
}

func (a *attempts) Enabled(context.Context, slog.Level) bool { return true }
func (a *attempts) WithAttrs([]slog.Attr) slog.Handler       { return a }
func (a *attempts) WithGroup(string) slog.Handler            { return a }
func (a *attempts) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "transition incomplete; retrying" {
		a.mu.Lock()
		a.at = append(a.at, time.Now())
		a.mu.Unlock()
		select {
		case a.ch <- struct{}{}:
		default:
		}
	}
	return nil
}

// A transition that keeps failing (peer b is a member but its daemon cannot
// be reached) is retried by one loop whose waits grow; the controller's
// one-second tick does not start another chain beside it. Before, every
// tick started a new chain of 500 ms retries that never stopped.
func TestPersistentFailureBacksOff(t *testing.T) {
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := dead.Addr().String()
	dead.Close()
	doc, err := cibdoc.Parse([]byte(cibXML))
	if err != nil {
		t.Fatal(err)
	}
	rec := &attempts{ch: make(chan struct{}, 1)}
	ctl := New(Config{Cluster: "c", Node: "a", NodeID: 1, Key: key, Members: bothAlive{},
		Exec:   &executor.Executor{OCFRoot: t.TempDir()}, // no agents: probes find nothing
		Peers:  []Peer{{Name: "b", ID: 2, Addrs: []string{deadAddr}}},
		Quorum: &Quorum{Policy: "stop"}, Log: slog.New(rec)}, doc)
	ctl.retry.min, ctl.retry.max = 100*time.Millisecond, 800*time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	go ctl.Run(ctx)
	const want = 6 // waits 0.1, 0.2, 0.4, 0.8, 0.8 s
	for {
		rec.mu.Lock()
		n := len(rec.at)
		rec.mu.Unlock()
		if n >= want {
			break
		}
		select {
		case <-rec.ch:
		case <-ctx.Done():
			t.Fatalf("only %d failed transitions logged", n)
		}
	}
	cancel()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	wait := 100 * time.Millisecond
	for i := 1; i < want; i++ {
		gap := rec.at[i].Sub(rec.at[i-1])
		// Slack below for timer jitter; a second chain would show as a gap
		// far shorter than the wait.
		if gap < wait*8/10 {
			t.Fatalf("retry %d came %v after the previous one, want about %v (all: %v)", i, gap, wait, rec.at)
		}
		wait = min(2*wait, 800*time.Millisecond)
	}
}

func TestRetryCauses(t *testing.T) {
	var r retry
	now := time.Unix(0, 0)
	for i, want := range []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second} {
		d, ok := r.failed(now, "cannot read b's history")
		if !ok || d != want {
			t.Fatalf("failure %d: wait %v %v, want %v", i, d, ok, want)
		}
		if _, ok := r.failed(now.Add(d/2), "cannot read b's history"); ok {
			t.Fatal("a second timer armed while one is pending")
		}
		now = now.Add(d)
	}
	if d, _ := r.failed(now, "probe of x on b"); d != 500*time.Millisecond {
		t.Fatalf("a new cause starts from the shortest wait, got %v", d)
	}
	r.succeeded()
	if r.waiting(now) {
		t.Fatal("success leaves a retry pending")
	}
}
