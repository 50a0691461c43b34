package witness

import (
	"context"
	"encoding/json"
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
	// b holds the vote: a's release changes nothing; b's frees it at once,
	// and a may have it without waiting out b's lease.
	release := func(node string) Reply { return w.Decide(Request{Cluster: "c", Node: node, Release: true}) }
	if rep := release("a"); rep.Granted || rep.Holder != "b" || ask("a") {
		t.Errorf("a released a vote it does not hold: %+v; the vote must stay with b", rep)
	}
	if rep := release("b"); rep.Granted || rep.Holder != "" {
		t.Errorf("b's release: %+v, want the vote free", rep)
	}
	if !ask("a") {
		t.Error("after b released the vote, a was refused it")
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

// ask runs the two exchanges through Handle, as node from addr.
func ask(t *testing.T, w *Witness, k membership.Key, from net.Addr, r Request) (req []byte, rep *Reply) {
	t.Helper()
	hello, _ := json.Marshal(Hello{Hello: true, Cluster: r.Cluster})
	out := w.Handle(hello, from)
	var ch Challenge
	if out == nil || json.Unmarshal(out, &ch) != nil {
		t.Fatalf("no challenge for %s: %q", r.Cluster, out)
	}
	r.Challenge = ch.Challenge
	req, err := seal(k, r)
	if err != nil {
		t.Fatal(err)
	}
	return req, answer(w, k, req, from)
}

// answer hands a (possibly recorded) request to the witness.
func answer(w *Witness, k membership.Key, req []byte, from net.Addr) *Reply {
	out := w.Handle(req, from)
	if out == nil {
		return nil
	}
	var rep Reply
	if open(k, out, &rep) != nil {
		return nil
	}
	return &rep
}

// A recorded vote request is worth nothing a second time: not from the
// same address (its challenge is used), not from another (the challenge
// was issued to the first), not later (expired). Before, one recording
// replayed every 500 ms held the vote for a dead node indefinitely.
func TestRecordedRequestIsRefused(t *testing.T) {
	now := time.Unix(100, 0)
	w := &Witness{Key: key, Lease: 3 * time.Second, Now: func() time.Time { return now }}
	x := &net.UDPAddr{IP: net.ParseIP("10.0.0.1"), Port: 40000}
	req, rep := ask(t, w, key, x, Request{Cluster: "c", Node: "x", Nonce: 1})
	if rep == nil || !rep.Granted {
		t.Fatalf("x's own request: %+v", rep)
	}
	other := &net.UDPAddr{IP: net.ParseIP("10.0.0.66"), Port: 40000}
	for i, tc := range []struct {
		advance time.Duration
		from    net.Addr
	}{
		{0, x}, {500 * time.Millisecond, other}, {500 * time.Millisecond, x}, {3 * time.Second, x},
	} {
		now = now.Add(tc.advance)
		if rep := answer(w, key, req, tc.from); rep != nil {
			t.Fatalf("replay %d from %v answered: %+v", i, tc.from, rep)
		}
	}
	// x is gone (its lease ran out while only recordings came): y gets it.
	if _, rep := ask(t, w, key, other, Request{Cluster: "c", Node: "y", Nonce: 2}); rep == nil || !rep.Granted {
		t.Fatalf("the survivor after the holder died: %+v", rep)
	}
}

// One witness serves several clusters, each with its own key; a cluster's
// key does not speak for another, and an unknown cluster gets no answer.
func TestClustersWithTheirOwnKeys(t *testing.T) {
	k1 := membership.Key("cluster-one-key-cluster-one-key!")
	k2 := membership.Key("cluster-two-key-cluster-two-key!")
	w := &Witness{Keys: map[string]membership.Key{"one": k1, "two": k2}}
	a := &net.UDPAddr{IP: net.ParseIP("10.0.0.1"), Port: 1}
	if _, rep := ask(t, w, k1, a, Request{Cluster: "one", Node: "n1"}); rep == nil || !rep.Granted {
		t.Fatalf("cluster one: %+v", rep)
	}
	if _, rep := ask(t, w, k2, a, Request{Cluster: "two", Node: "n1"}); rep == nil || !rep.Granted {
		t.Fatalf("cluster two: %+v", rep)
	}
	if _, rep := ask(t, w, k1, a, Request{Cluster: "two", Node: "intruder"}); rep != nil {
		t.Fatalf("cluster one's key spoke for cluster two: %+v", rep)
	}
	hello, _ := json.Marshal(Hello{Hello: true, Cluster: "three"})
	if out := w.Handle(hello, a); out != nil {
		t.Fatalf("a cluster the witness does not serve got a challenge: %s", out)
	}
}
