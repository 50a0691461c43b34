package witness

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/baton-ha/baton/crm/membership"
)

var key = membership.Key("0123456789abcdef0123456789abcdef")

func TestDecide(t *testing.T) {
	now := time.Unix(0, 0)
	w := &Witness{Key: key, Lease: 3 * time.Second, Now: func() time.Time { return now }}
	ask := func(node string) bool { return w.Decide(Request{Cluster: "c", Node: node}).Granted }
	steps := []struct {
		advance time.Duration
		node    string
		want    bool
	}{
		{0, "a", true},                       // nobody holds it
		{0, "b", false},                      // a holds it: a split brain's other half is refused
		{time.Second, "a", true},             // renewal
		{2 * time.Second, "b", false},        // a renewed 2 s ago
		{1500 * time.Millisecond, "b", true}, // a's lease (3 s) ran out: a is gone
		{0, "a", false},                      // and a cannot take it back while b renews
	}
	for i, s := range steps {
		now = now.Add(s.advance)
		if got := ask(s.node); got != s.want {
			t.Fatalf("step %d: %s granted=%v, want %v", i, s.node, got, s.want)
		}
	}
	// Clusters are independent.
	if !w.Decide(Request{Cluster: "other", Node: "x"}).Granted {
		t.Error("another cluster's first request refused")
	}
}

func serve(t *testing.T, k membership.Key) string {
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	w := &Witness{Key: k}
	go func() { w.Serve(ctx, conn); close(done) }()
	t.Cleanup(func() { cancel(); <-done; conn.Close() })
	return conn.LocalAddr().String()
}

func TestAskOverUDP(t *testing.T) {
	addr := serve(t, key)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	r, err := Ask(ctx, key, addr, Request{Cluster: "c", Node: "node1", NodeID: 1})
	if err != nil || !r.Granted || r.Holder != "node1" {
		t.Fatalf("first ask: %+v %v", r, err)
	}
	r, err = Ask(ctx, key, addr, Request{Cluster: "c", Node: "node2", NodeID: 2})
	if err != nil || r.Granted || r.Holder != "node1" {
		t.Fatalf("second node: %+v %v", r, err)
	}
}

func TestAskWrongKeyGetsNoVote(t *testing.T) {
	addr := serve(t, key)
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if r, err := Ask(ctx, membership.Key("a-different-key-of-32-bytes-long"), addr, Request{Cluster: "c", Node: "n"}); err == nil {
		t.Fatalf("a request signed with another key was answered: %+v", r)
	}
}
