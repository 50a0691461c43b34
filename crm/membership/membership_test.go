package membership

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

var testKey = Key("0123456789abcdef0123456789abcdef")

// cuttable is a real UDP socket whose sends can be dropped, to cut a link
// without touching the host's network.
type cuttable struct {
	net.PacketConn
	cut  atomic.Bool
	read atomic.Int64 // packets that arrived on this socket
}

func (c *cuttable) ReadFrom(b []byte) (int, net.Addr, error) {
	n, addr, err := c.PacketConn.ReadFrom(b)
	if err == nil {
		c.read.Add(1)
	}
	return n, addr, err
}

func (c *cuttable) WriteTo(b []byte, addr net.Addr) (int, error) {
	if c.cut.Load() {
		return len(b), nil
	}
	return c.PacketConn.WriteTo(b, addr)
}

type node struct {
	m     *Membership
	conns []*cuttable
}

// pair builds two nodes with two links each, on loopback UDP.
func pair(t *testing.T, keyB Key) (a, b *node) {
	t.Helper()
	return pairTimed(t, keyB, 20*time.Millisecond, 60*time.Millisecond, 150*time.Millisecond)
}

func pairTimed(t *testing.T, keyB Key, keepalive, warntime, deadtime time.Duration) (a, b *node) {
	t.Helper()
	listen := func() *cuttable {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return &cuttable{PacketConn: c}
	}
	a, b = &node{conns: []*cuttable{listen(), listen()}}, &node{conns: []*cuttable{listen(), listen()}}
	mk := func(self, other *node, name, peer string, key Key) *Membership {
		links := []Link{{Name: "hb", Conn: self.conns[0]}, {Name: "svc", Conn: self.conns[1]}}
		m, err := New(Config{Cluster: "c1", Node: name, Key: key, Links: links,
			Keepalive: keepalive, Warntime: warntime, Deadtime: deadtime,
			Peers:   []Peer{{Name: peer, Addrs: []net.Addr{other.conns[0].LocalAddr(), other.conns[1].LocalAddr()}}},
			Payload: func() []byte { return []byte("from " + name) }})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	a.m = mk(a, b, "a", "b", testKey)
	b.m = mk(b, a, "b", "a", keyB)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	go func() { a.m.Run(ctx); done <- struct{}{} }()
	go func() { b.m.Run(ctx); done <- struct{}{} }()
	t.Cleanup(func() { cancel(); <-done; <-done })
	return a, b
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func state(m *Membership) PeerState { return m.Snapshot()[0] }

func TestPeersSeeEachOther(t *testing.T) {
	a, b := pair(t, testKey)
	waitFor(t, "both alive on both links", func() bool {
		sa, sb := state(a.m), state(b.m)
		return sa.Alive && sb.Alive && sa.Links[0] == LinkUp && sa.Links[1] == LinkUp && sb.Links[0] == LinkUp && sb.Links[1] == LinkUp
	})
	if got := string(state(a.m).Payload); got != "from b" {
		t.Errorf("payload %q", got)
	}
	if got := strings.Join(a.m.Alive(), ","); got != "a,b" {
		t.Errorf("Alive = %s", got)
	}
}

func TestOneLinkCutKeepsPeerAlive(t *testing.T) {
	a, b := pair(t, testKey)
	waitFor(t, "alive", func() bool { return state(a.m).Alive && state(b.m).Alive })
	a.conns[0].cut.Store(true)
	b.conns[0].cut.Store(true)
	waitFor(t, "link hb down on a", func() bool { return state(a.m).Links[0] == LinkDown })
	// Two more deadtimes (150 ms) of heartbeats heard on the service link
	// alone: b stays alive all along.
	down := time.Now()
	waitFor(t, "b heard on svc two deadtimes after hb went down", func() bool {
		s := state(a.m)
		if !s.Alive || s.Links[1] != LinkUp {
			t.Fatalf("peer b should stay alive on the service link: %+v", s)
		}
		return s.LastHeard[1].After(down.Add(300 * time.Millisecond))
	})
}

func TestAllLinksCutKillsPeer(t *testing.T) {
	a, b := pair(t, testKey)
	waitFor(t, "alive", func() bool { return state(a.m).Alive })
	for _, c := range b.conns {
		c.cut.Store(true)
	}
	waitFor(t, "b dead on a", func() bool { return !state(a.m).Alive })
	s := state(a.m)
	for i, l := range s.Links {
		if l != LinkDown {
			t.Errorf("link %d is %v", i, l)
		}
	}
	// Recovery when the links come back.
	for _, c := range b.conns {
		c.cut.Store(false)
	}
	waitFor(t, "b alive again", func() bool { return state(a.m).Alive })
}

// TestDeathSeenAtDeadtime: a peer is declared dead within a few check
// periods of deadtime after it was last heard, not up to a keepalive
// later (the check runs more often than heartbeats are sent).
func TestDeathSeenAtDeadtime(t *testing.T) {
	const keepalive, deadtime = 400 * time.Millisecond, time.Second
	a, b := pairTimed(t, testKey, keepalive, 600*time.Millisecond, deadtime)
	waitFor(t, "alive", func() bool { return state(a.m).Alive })
	for _, c := range b.conns {
		c.cut.Store(true)
	}
	waitFor(t, "b dead on a", func() bool { return !state(a.m).Alive })
	seen := time.Now()
	var last time.Time
	for _, h := range state(a.m).LastHeard {
		if h.After(last) {
			last = h
		}
	}
	if late := seen.Sub(last) - deadtime; late > keepalive/2 {
		t.Errorf("b declared dead %v after its deadtime (keepalive %v)", late, keepalive)
	}
}

func TestWrongKeyNeverAlive(t *testing.T) {
	a, b := pair(t, Key("another-key-of-enough-length!!"))
	// Each side receives a good number of the other's heartbeats (keepalive
	// 20 ms) and accepts none of them.
	waitFor(t, "heartbeats arriving on every link", func() bool {
		if state(a.m).Alive || state(b.m).Alive {
			t.Fatal("a peer with another key was accepted")
		}
		for _, c := range append(a.conns, b.conns...) {
			if c.read.Load() < 10 {
				return false
			}
		}
		return true
	})
	if state(a.m).Alive || state(b.m).Alive {
		t.Fatal("a peer with another key was accepted")
	}
}

func TestReplayRejected(t *testing.T) {
	clock := time.Unix(1000, 0)
	at := func(d time.Duration) int64 { return time.Unix(1000, 0).Add(d).UnixNano() }
	m, err := New(Config{Cluster: "c", Node: "a", Key: testKey, Links: []Link{{Name: "l"}},
		Peers: []Peer{{Name: "b", Addrs: []net.Addr{nil}}}, Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	me := m.incarnation
	m.accept(&Heartbeat{Cluster: "c", From: "b", Incarnation: 1, Echo: me, Seq: 5, Time: at(0)}, 0)
	if !state(m).Alive {
		t.Fatal("first heartbeat not accepted")
	}
	// b restarts with a new incarnation and a later clock.
	m.accept(&Heartbeat{Cluster: "c", From: "b", Incarnation: 2, Echo: me, Seq: 1, Time: at(time.Second)}, 0)
	// Time passes and b dies.
	clock = clock.Add(10 * time.Second)
	m.check()
	if state(m).Alive {
		t.Fatal("b should be dead")
	}
	// A recording of b's first incarnation must not revive it, nor a
	// repeated packet of the current one, nor one sent on another link,
	// nor one that does not echo this node's incarnation, nor one whose
	// time is far from this node's clock.
	for _, h := range []*Heartbeat{
		{Cluster: "c", From: "b", Incarnation: 1, Echo: me, Seq: 6, Time: at(500 * time.Millisecond)},
		{Cluster: "c", From: "b", Incarnation: 2, Echo: me, Seq: 1, Time: at(time.Second)},
		{Cluster: "c", From: "b", Incarnation: 2, Echo: me, Seq: 9, Time: at(2 * time.Second), Link: 1},
		{Cluster: "other", From: "b", Incarnation: 2, Echo: me, Seq: 9, Time: at(2 * time.Second)},
		{Cluster: "c", From: "stranger", Incarnation: 2, Echo: me, Seq: 9, Time: at(2 * time.Second)},
		{Cluster: "c", From: "b", Incarnation: 3, Echo: me + 1, Seq: 1, Time: at(9 * time.Second)},
		{Cluster: "c", From: "b", Incarnation: 4, Echo: me, Seq: 1, Time: at(time.Hour)},
	} {
		m.accept(h, 0)
		if state(m).Alive {
			t.Fatalf("heartbeat %+v revived b", h)
		}
	}
	// The live b answers the challenge: alive again.
	m.accept(&Heartbeat{Cluster: "c", From: "b", Incarnation: 3, Echo: me, Seq: 2, Time: at(9 * time.Second)}, 0)
	if !state(m).Alive {
		t.Fatal("b echoing this boot's incarnation is not accepted")
	}
}

// After this node restarts (a new Membership, so a new incarnation), every
// packet recorded before it started echoes the old incarnation and is not
// counted, however fresh its time; the peer's saved incarnation and time
// survive in the state directory.
func TestReplayAfterRestart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	clock := time.Unix(5000, 0)
	cfg := Config{Cluster: "c", Node: "a", Key: testKey, Links: []Link{{Name: "l"}}, StateDir: dir,
		Peers: []Peer{{Name: "b", Addrs: []net.Addr{nil}}}, Now: func() time.Time { return clock }}
	first, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var recorded []*Heartbeat
	for i := 1; i <= 5; i++ {
		h := &Heartbeat{Cluster: "c", From: "b", Incarnation: 7, Echo: first.incarnation, Seq: uint64(i), Time: clock.Add(time.Duration(i) * 500 * time.Millisecond).UnixNano()}
		first.accept(h, 0)
		recorded = append(recorded, h)
	}
	if !state(first).Alive {
		t.Fatal("b not alive before the restart")
	}
	again, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if p := again.peers["b"]; p.incarnation != 7 || p.lastTime != recorded[0].Time {
		t.Fatalf("saved state not restored: %+v", p)
	}
	for _, h := range recorded {
		again.accept(h, 0)
	}
	if state(again).Alive {
		t.Fatal("a recording from before the restart made b alive")
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	h := &Heartbeat{Cluster: "c1", From: "node-1", Incarnation: 7, Seq: 9, Time: 12345, Link: 1, Payload: []byte("dc=node-1")}
	pkt, err := h.Marshal(testKey)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Unmarshal(testKey, pkt)
	if err != nil {
		t.Fatal(err)
	}
	if got.Cluster != h.Cluster || got.From != h.From || got.Incarnation != 7 || got.Seq != 9 || got.Time != 12345 || got.Link != 1 || string(got.Payload) != "dc=node-1" {
		t.Errorf("round trip: %+v", got)
	}
	pkt[10] ^= 1
	if _, err := Unmarshal(testKey, pkt); err == nil {
		t.Error("tampered packet accepted")
	}
}

func FuzzUnmarshal(f *testing.F) {
	h := &Heartbeat{Cluster: "c", From: "n", Payload: []byte("x")}
	pkt, _ := h.Marshal(testKey)
	f.Add(pkt)
	f.Add([]byte("BTN1"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = Unmarshal(testKey, b)
		// Also exercise the decoder behind a valid signature.
		signed := append(append([]byte(nil), b...), testKey.sign(b)...)
		_, _ = Unmarshal(testKey, signed)
	})
}

func TestLoadKey(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "authkey")
	os.WriteFile(good, []byte("0123456789abcdef0123\n"), 0o600)
	if k, err := LoadKey(good); err != nil || string(k) != "0123456789abcdef0123" {
		t.Errorf("LoadKey: %q %v", k, err)
	}
	open := filepath.Join(dir, "open")
	os.WriteFile(open, []byte("0123456789abcdef0123"), 0o644)
	if _, err := LoadKey(open); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("world-readable key accepted or unclear: %v", err)
	}
	short := filepath.Join(dir, "short")
	os.WriteFile(short, []byte("abc"), 0o600)
	if _, err := LoadKey(short); err == nil || !strings.Contains(err.Error(), "at least 16") {
		t.Errorf("short key: %v", err)
	}
	if _, err := LoadKey(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "urandom") {
		t.Errorf("missing key: %v", err)
	}
	if os.Geteuid() == 0 {
		// A key another user owns could be replaced or read by that user.
		theirs := filepath.Join(dir, "theirs")
		os.WriteFile(theirs, []byte("0123456789abcdef0123"), 0o600)
		if err := os.Chown(theirs, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadKey(theirs); err == nil || !strings.Contains(err.Error(), "owned by uid 65534") {
			t.Errorf("key owned by another user: %v", err)
		}
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for name, cfg := range map[string]Config{
		"no node":  {Key: testKey, Links: []Link{{}}},
		"no key":   {Node: "a", Links: []Link{{}}},
		"no links": {Node: "a", Key: testKey},
		"timing":   {Node: "a", Key: testKey, Links: []Link{{}}, Keepalive: time.Second, Warntime: time.Second, Deadtime: 2 * time.Second},
		"negative": {Node: "a", Key: testKey, Links: []Link{{}}, Keepalive: -time.Second},
		"addrs":    {Node: "a", Key: testKey, Links: []Link{{}}, Peers: []Peer{{Name: "b"}}},
		"self":     {Node: "a", Key: testKey, Links: []Link{{}}, Peers: []Peer{{Name: "a", Addrs: []net.Addr{nil}}}},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// A correctly signed, fresh heartbeat that comes from an address other
// than the one configured for its sender on that link is dropped.
func TestSourceAddressChecked(t *testing.T) {
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	liar, err := net.ListenPacket("udp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("no 127.0.0.2 on this host: %v", err)
	}
	defer liar.Close()
	bAddr := &net.UDPAddr{IP: net.ParseIP("127.0.0.3"), Port: 9}
	m, err := New(Config{Cluster: "c", Node: "a", Key: testKey, Links: []Link{{Name: "l", Conn: conn}},
		Keepalive: 20 * time.Millisecond, Warntime: 60 * time.Millisecond, Deadtime: 150 * time.Millisecond,
		Peers: []Peer{{Name: "b", Addrs: []net.Addr{bAddr}}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { m.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	for i := 1; i <= 3; i++ {
		h := Heartbeat{Cluster: "c", From: "b", Incarnation: 1, Echo: m.incarnation, Seq: uint64(i), Time: time.Now().UnixNano()}
		pkt, _ := h.Marshal(testKey)
		if _, err := liar.WriteTo(pkt, conn.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	right, err := net.ListenPacket("udp", "127.0.0.3:0")
	if err != nil {
		t.Skipf("no 127.0.0.3 on this host: %v", err)
	}
	defer right.Close()
	waitFor(t, "the dropped packets to be read", func() bool { return m.drops.Count() >= 3 })
	if state(m).Alive {
		t.Fatal("a heartbeat from an unconfigured address made b alive")
	}
	h := Heartbeat{Cluster: "c", From: "b", Incarnation: 1, Echo: m.incarnation, Seq: 10, Time: time.Now().UnixNano()}
	pkt, _ := h.Marshal(testKey)
	right.WriteTo(pkt, conn.LocalAddr())
	waitFor(t, "b alive from its own address", func() bool { return state(m).Alive })
}
