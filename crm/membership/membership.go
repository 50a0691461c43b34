package membership

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/baton-ha/baton/crm/ratelog"
)

// LinkState is the state of one link to one peer.
type LinkState int

const (
	LinkDown LinkState = iota // never heard, or silent for deadtime
	LinkUp
	LinkWarn // silent for warntime: still counted as up
)

func (s LinkState) String() string {
	switch s {
	case LinkUp:
		return "up"
	case LinkWarn:
		return "late"
	default:
		return "down"
	}
}

// Link is one network the node heartbeats on. Conn is bound to this node's
// address on that network; links are listed in the same order on every
// node, so link i means the same wire everywhere.
type Link struct {
	Name string
	Conn net.PacketConn
}

// Peer is another node, with its address on each link (nil where it has
// none).
type Peer struct {
	Name  string
	Addrs []net.Addr
}

// Config configures a Membership.
type Config struct {
	Cluster   string
	Node      string // this node's name
	Key       Key
	Keepalive time.Duration // between heartbeats; default 500 ms
	Warntime  time.Duration // silence that earns a warning; default 1 s
	Deadtime  time.Duration // silence after which a link is down; default 2 s
	Links     []Link
	Peers     []Peer
	// Payload, when set, returns what to piggyback on each heartbeat.
	Payload func() []byte
	// MaxSkew bounds how far a heartbeat's time may be from this node's
	// clock; default 30 s. Run NTP: peers further off are never alive.
	MaxSkew time.Duration
	// StateDir, when set, keeps each peer's newest incarnation and time
	// across restarts (membership.json), so that after a restart a
	// recording of an older incarnation is still recognised as one.
	StateDir string
	Now      func() time.Time
	Log      *slog.Logger
}

// PeerState is what is known of a peer.
type PeerState struct {
	Name      string
	Alive     bool        // some link is up
	Links     []LinkState // per link
	LastHeard []time.Time // per link; zero when never heard
	Payload   []byte      // from the latest heartbeat
}

type peer struct {
	PeerState
	incarnation uint64 // the peer's, as last learned: what we echo to it
	lastTime    int64
	lastSeq     []uint64 // per link
}

// Membership tracks peers. Run it; read Snapshot after each signal on
// Changes.
type Membership struct {
	cfg         Config
	incarnation uint64
	seq         uint64

	mu      sync.Mutex
	peers   map[string]*peer
	changes chan struct{}
	drops   *ratelog.Limiter
	// greet asks Run for a heartbeat now: a peer that just appeared learns
	// of us at once instead of up to a keepalive later.
	greet chan struct{}
}

// New checks cfg and returns a Membership.
func New(cfg Config) (*Membership, error) {
	if cfg.Keepalive == 0 {
		cfg.Keepalive = 500 * time.Millisecond
	}
	if cfg.Warntime == 0 {
		cfg.Warntime = time.Second
	}
	if cfg.Deadtime == 0 {
		cfg.Deadtime = 2 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.MaxSkew <= 0 {
		cfg.MaxSkew = 30 * time.Second
	}
	switch {
	case cfg.Node == "":
		return nil, errors.New("membership: node name missing")
	case len(cfg.Key) < MinKeyLen:
		return nil, errors.New("membership: auth key missing or too short")
	case len(cfg.Links) == 0:
		return nil, errors.New("membership: no heartbeat link")
	case !(0 < cfg.Keepalive && cfg.Keepalive < cfg.Warntime && cfg.Warntime < cfg.Deadtime):
		return nil, fmt.Errorf("membership: need keepalive < warntime < deadtime, got %v, %v, %v", cfg.Keepalive, cfg.Warntime, cfg.Deadtime)
	}
	var inc [8]byte
	if _, err := rand.Read(inc[:]); err != nil {
		return nil, err
	}
	m := &Membership{cfg: cfg, incarnation: binary.BigEndian.Uint64(inc[:]), peers: map[string]*peer{},
		changes: make(chan struct{}, 1), greet: make(chan struct{}, 1), drops: &ratelog.Limiter{Logger: cfg.Log}}
	for _, p := range cfg.Peers {
		if p.Name == cfg.Node {
			return nil, fmt.Errorf("membership: peer %q is this node", p.Name)
		}
		if len(p.Addrs) != len(cfg.Links) {
			return nil, fmt.Errorf("membership: peer %q has %d addresses for %d links", p.Name, len(p.Addrs), len(cfg.Links))
		}
		n := len(cfg.Links)
		m.peers[p.Name] = &peer{PeerState: PeerState{Name: p.Name, Links: make([]LinkState, n), LastHeard: make([]time.Time, n)},
			lastSeq: make([]uint64, n)}
	}
	m.loadState()
	return m, nil
}

// Changes signals (coalesced) that some peer or link changed state.
func (m *Membership) Changes() <-chan struct{} { return m.changes }

// Snapshot returns the current state of every peer.
func (m *Membership) Snapshot() []PeerState {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]PeerState, 0, len(m.peers))
	for _, p := range m.cfg.Peers {
		s := m.peers[p.Name].PeerState
		s.Links = append([]LinkState(nil), s.Links...)
		s.LastHeard = append([]time.Time(nil), s.LastHeard...)
		out = append(out, s)
	}
	return out
}

// Alive returns the names of live peers and this node.
func (m *Membership) Alive() []string {
	out := []string{m.cfg.Node}
	for _, p := range m.Snapshot() {
		if p.Alive {
			out = append(out, p.Name)
		}
	}
	return out
}

func (m *Membership) notify() {
	select {
	case m.changes <- struct{}{}:
	default:
	}
}

// Run sends and receives heartbeats until ctx ends. It closes no
// connection: the caller owns them.
func (m *Membership) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for i := range m.cfg.Links {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			m.receive(ctx, i)
		}(i)
	}
	t := time.NewTicker(m.cfg.Keepalive)
	defer t.Stop()
	// Silence is judged more often than heartbeats go out: checked only
	// with each heartbeat, a peer's death would be seen up to a keepalive
	// after its deadtime, half a second of every failover.
	c := time.NewTicker(checkEvery(m.cfg.Keepalive))
	defer c.Stop()
	m.send()
	for {
		select {
		case <-ctx.Done():
			// Unblock the readers.
			for _, l := range m.cfg.Links {
				_ = l.Conn.SetReadDeadline(time.Now())
			}
			wg.Wait()
			return nil
		case <-t.C:
			m.send()
			m.check()
		case <-c.C:
			m.check()
		case <-m.greet:
			m.send()
		}
	}
}

// checkEvery is how often silence is checked: 50 ms, or the keepalive
// when that is shorter.
func checkEvery(keepalive time.Duration) time.Duration {
	return min(keepalive, 50*time.Millisecond)
}

func (m *Membership) send() {
	var payload []byte
	if m.cfg.Payload != nil {
		payload = m.cfg.Payload()
	}
	for li, l := range m.cfg.Links {
		for _, p := range m.cfg.Peers {
			if p.Addrs[li] == nil {
				continue
			}
			m.mu.Lock()
			echo := m.peers[p.Name].incarnation
			m.mu.Unlock()
			m.seq++
			h := Heartbeat{Cluster: m.cfg.Cluster, From: m.cfg.Node, Incarnation: m.incarnation, Echo: echo, Seq: m.seq,
				Time: m.cfg.Now().UnixNano(), Link: uint8(li), Payload: payload}
			pkt, err := h.Marshal(m.cfg.Key)
			if err != nil {
				m.cfg.Log.Error("cannot build heartbeat", "err", err)
				return
			}
			// A send error (link down, no route) is what silence on the
			// other side will report; logging it every 500 ms would drown
			// the log.
			_, _ = l.Conn.WriteTo(pkt, p.Addrs[li])
		}
	}
}

func (m *Membership) receive(ctx context.Context, li int) {
	buf := make([]byte, 2048)
	conn := m.cfg.Links[li].Conn
	for ctx.Err() == nil {
		n, from, err := conn.ReadFrom(buf)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			// A closed socket ends this link's reader; others go on.
			m.cfg.Log.Warn("heartbeat link read failed", "link", m.cfg.Links[li].Name, "err", err)
			return
		}
		h, err := Unmarshal(m.cfg.Key, buf[:n])
		if err != nil {
			m.drops.Record("dropped a heartbeat", "link", m.cfg.Links[li].Name, "from", from.String(), "err", err)
			continue
		}
		if !m.fromPeer(h.From, li, from) {
			m.drops.Record("dropped a heartbeat from an address not configured for its sender", "link", m.cfg.Links[li].Name,
				"from", from.String(), "sender", h.From)
			continue
		}
		m.accept(h, li)
	}
}

// fromPeer reports whether addr is the address configured for peer name
// on link li (the IP; the source port is the peer's own business).
func (m *Membership) fromPeer(name string, li int, addr net.Addr) bool {
	for _, p := range m.cfg.Peers {
		if p.Name != name {
			continue
		}
		return p.Addrs[li] != nil && sameIP(p.Addrs[li], addr)
	}
	return false
}

func sameIP(a, b net.Addr) bool {
	ip := func(x net.Addr) net.IP {
		switch v := x.(type) {
		case *net.UDPAddr:
			return v.IP
		case *net.TCPAddr:
			return v.IP
		}
		h, _, err := net.SplitHostPort(x.String())
		if err != nil {
			return nil
		}
		return net.ParseIP(h)
	}
	x, y := ip(a), ip(b)
	return x != nil && x.Equal(y)
}

// accept records a verified heartbeat received on link li.
func (m *Membership) accept(h *Heartbeat, li int) {
	if h.Cluster != m.cfg.Cluster || int(h.Link) != li {
		return
	}
	now := m.cfg.Now()
	if skew := time.Duration(h.Time - now.UnixNano()).Abs(); skew > m.cfg.MaxSkew {
		m.drops.Record("dropped a heartbeat whose time is too far from this node's clock (a replay, or clocks out of sync: run NTP)",
			"peer", h.From, "skew", skew.Round(time.Millisecond), "max", m.cfg.MaxSkew)
		return
	}
	m.mu.Lock()
	p, ok := m.peers[h.From]
	if !ok {
		m.mu.Unlock()
		return
	}
	restarted := false
	switch {
	case h.Incarnation == p.incarnation:
		if h.Seq <= p.lastSeq[li] {
			m.mu.Unlock()
			return // duplicate or replay
		}
	case h.Time > p.lastTime:
		// The peer restarted (or we did and are learning its incarnation).
		p.incarnation = h.Incarnation
		for i := range p.lastSeq {
			p.lastSeq[i] = 0
		}
		restarted = true
	default:
		m.mu.Unlock()
		return // an older incarnation: a replay
	}
	p.lastSeq[li] = h.Seq
	if h.Time > p.lastTime {
		p.lastTime = h.Time
	}
	if restarted {
		m.saveState()
	}
	if h.Echo != m.incarnation {
		// Authentic, but not (yet) an answer to this boot's challenge: the
		// peer has not heard us since we started, or this is a recording.
		// Tell it our incarnation now; it counts once it echoes it.
		m.mu.Unlock()
		m.cfg.Log.Debug("heartbeat does not answer this boot's challenge; not counted", "peer", h.From, "link", m.cfg.Links[li].Name)
		select {
		case m.greet <- struct{}{}:
		default:
		}
		return
	}
	p.LastHeard[li] = now
	p.Payload = h.Payload
	changed := p.Links[li] != LinkUp
	if changed && p.Links[li] == LinkDown {
		m.cfg.Log.Info("heartbeat link up", "peer", p.Name, "link", m.cfg.Links[li].Name)
	}
	p.Links[li] = LinkUp
	if !p.Alive {
		p.Alive = true
		m.cfg.Log.Info("peer alive", "peer", p.Name)
		select {
		case m.greet <- struct{}{}:
		default:
		}
	}
	m.mu.Unlock()
	if changed {
		m.notify()
	}
}

// check downgrades links that have been silent too long.
func (m *Membership) check() {
	now := m.cfg.Now()
	changed := false
	m.mu.Lock()
	for _, p := range m.peers {
		alive := false
		for li := range p.Links {
			silent := now.Sub(p.LastHeard[li])
			st := LinkUp
			switch {
			case p.LastHeard[li].IsZero() || silent >= m.cfg.Deadtime:
				st = LinkDown
			case silent >= m.cfg.Warntime:
				st = LinkWarn
			}
			if st != p.Links[li] {
				changed = true
				switch st {
				case LinkWarn:
					m.cfg.Log.Warn("heartbeat late", "peer", p.Name, "link", m.cfg.Links[li].Name, "silent", silent.Round(time.Millisecond))
				case LinkDown:
					m.cfg.Log.Warn("heartbeat link down", "peer", p.Name, "link", m.cfg.Links[li].Name, "silent", silent.Round(time.Millisecond))
				}
				p.Links[li] = st
			}
			if st != LinkDown {
				alive = true
			}
		}
		if alive != p.Alive {
			changed = true
			p.Alive = alive
			if !alive {
				m.cfg.Log.Warn("peer dead: every link silent for deadtime", "peer", p.Name, "deadtime", m.cfg.Deadtime)
			}
		}
	}
	m.mu.Unlock()
	if changed {
		m.notify()
	}
}
