package controller

import (
	"net"
	"sync"
	"testing"
	"time"
)

// slowRelay forwards UDP datagrams to addr after delay and relays the
// answers back: a witness far away. It serves one client at a time. The
// delay must stay below witness.Ask's 200 ms per exchange, or no question
// is ever answered.
func slowRelay(t *testing.T, addr string, delay time.Duration) string {
	t.Helper()
	front, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	back, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { front.Close(); back.Close() })
	var mu sync.Mutex
	var client net.Addr
	go func() {
		buf := make([]byte, 64<<10)
		for {
			n, from, err := front.ReadFrom(buf)
			if err != nil {
				return
			}
			mu.Lock()
			client = from
			mu.Unlock()
			p := append([]byte(nil), buf[:n]...)
			time.AfterFunc(delay, func() { _, _ = back.Write(p) })
		}
	}()
	go func() {
		buf := make([]byte, 64<<10)
		for {
			n, err := back.Read(buf)
			if err != nil {
				return
			}
			mu.Lock()
			c := client
			mu.Unlock()
			_, _ = front.WriteTo(buf[:n], c)
		}
	}()
	return front.LocalAddr().String()
}

// TestDecideWaitsForTheQuestionInFlight: the main loop's step and the
// quorum watcher both decide; when one has just asked the witness and its
// answer is on its way, the other must wait for that answer rather than
// decide "not granted" (a survivor once ran a transition without quorum
// that way, 13 ms before the grant arrived).
func TestDecideWaitsForTheQuestionInFlight(t *testing.T) {
	ctx, addr := startWitness(t)
	q := &Quorum{Policy: "witness", Witness: slowRelay(t, addr, 120*time.Millisecond), Key: key, Cluster: "c"}
	v := View{Self: "a", SelfID: 1, All: []string{"a", "b"}, Members: []string{"a"}}
	first := make(chan bool, 1)
	go func() {
		ok, _ := q.Decide(ctx, v)
		first <- ok
	}()
	// Wait until the first question is on its way.
	deadline := time.Now().Add(5 * time.Second)
	for {
		q.mu.Lock()
		asked := !q.asked.IsZero()
		q.mu.Unlock()
		if asked {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first Decide never asked the witness")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if ok, why := q.Decide(ctx, v); !ok {
		t.Errorf("the second Decide, while the question was in flight: not quorate (%s)", why)
	}
	if ok := <-first; !ok {
		t.Error("the first Decide: not quorate")
	}
}
