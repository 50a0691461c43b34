package controller

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/baton-ha/baton/crm/membership"
)

// switchMembers is a membership whose alive set the test changes.
type switchMembers struct {
	mu    sync.Mutex
	alive []string
}

func (s *switchMembers) Alive() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.alive...)
}
func (s *switchMembers) set(a ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.alive = a
}
func (*switchMembers) Snapshot() []membership.PeerState { return nil }
func (*switchMembers) Changes() <-chan struct{}         { return nil }

// TestCallToAPeerEndsWhenItIsDeclaredDead: a call to a peer that stops
// answering ends when the membership loses the peer, not at its timeout.
func TestCallToAPeerEndsWhenItIsDeclaredDead(t *testing.T) {
	m := &switchMembers{alive: []string{"a", "b"}}
	c := &Controller{cfg: Config{Members: m}}
	ctx, cancel := c.whileMember(context.Background(), "b", time.Minute)
	defer cancel()
	select {
	case <-ctx.Done():
		t.Fatal("ended while b is a member")
	case <-time.After(3 * memberPoll):
	}
	lost := time.Now()
	m.set("a")
	select {
	case <-ctx.Done():
		if took := time.Since(lost); took > 10*memberPoll {
			t.Errorf("ended %v after b was lost", took)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("still running 5 s after b left the membership")
	}
	// A member's call ends at its timeout.
	ctx2, cancel2 := c.whileMember(context.Background(), "a", 100*time.Millisecond)
	defer cancel2()
	<-ctx2.Done()
	if ctx2.Err() != context.DeadlineExceeded {
		t.Errorf("a's call ended with %v, want its deadline", ctx2.Err())
	}
}
