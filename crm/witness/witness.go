// Package witness holds the tie-breaker of two-node clusters (`baton
// witness`), a small service on a third host in the spirit of
// corosync-qnetd, and the client nodes use to ask it: of two partitions
// that both ask, exactly one is granted the vote, and it keeps it for as
// long as it renews it. The rule for when a node needs the vote lives in
// crm/controller/quorum.go.
package witness

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/baton-ha/baton/crm/membership"
	"github.com/baton-ha/baton/crm/ratelog"
)

// A vote is asked in two exchanges, so that no recording can ask again:
//
//  1. the node sends a Hello naming its cluster; the witness answers with a
//     Challenge: its own clock and a MAC, under a secret only the witness
//     holds, over that time and the node's address;
//  2. the node sends a Request carrying the challenge, signed with its
//     cluster's key; the witness checks the signature, that it issued the
//     challenge to that address less than ChallengeTTL ago, and that no
//     request has used it yet. Only then does it decide, and it signs the
//     reply with the cluster's key over the node's nonce.
//
// A recorded request replayed from another address fails the MAC, from
// the same address it finds its challenge used or expired. The witness
// keeps no state for unauthenticated packets: its challenges are computed,
// and only signed requests enter the used-challenge cache. Only the
// witness's own clock is read, so node and witness clocks need not agree.

// ChallengeTTL is how long a challenge may be answered.
const ChallengeTTL = 2 * time.Second

// Hello opens an ask.
type Hello struct {
	Hello   bool   `json:"hello"`
	Cluster string `json:"cluster"`
}

// Challenge answers a Hello.
type Challenge struct {
	Challenge []byte `json:"challenge"`
}

// Request asks the witness for its vote.
type Request struct {
	Cluster string `json:"cluster"`
	Node    string `json:"node"`
	NodeID  int    `json:"node_id"`
	// Nonce is echoed in the reply, so that a recorded grant cannot be
	// replayed to another request.
	Nonce uint64 `json:"nonce"`
	// Challenge is the witness's answer to this ask's Hello.
	Challenge []byte `json:"challenge"`
	// Release gives the vote back instead of asking for it: the node's
	// cluster is whole again, and the next split should find the vote
	// free rather than wait out this node's lease. Ignored unless the
	// node holds the vote.
	Release bool `json:"release,omitempty"`
}

// Reply is the witness's answer.
type Reply struct {
	Nonce   uint64 `json:"nonce"`
	Granted bool   `json:"granted"`
	Holder  string `json:"holder"` // who holds the vote now
	// Lease is how long the grant lasts unless renewed.
	LeaseMS int64 `json:"lease_ms"`
}

// Witness grants its vote to one node of a cluster at a time.
type Witness struct {
	// Keys holds each served cluster's key; Key serves any other cluster
	// (one key shared by all, as with a single --auth-key). A cluster with
	// neither is not served.
	Keys  map[string]membership.Key
	Key   membership.Key
	Lease time.Duration // how long a grant lasts without renewal; default 3 s
	Now   func() time.Time
	Log   *slog.Logger

	mu      sync.Mutex
	holders map[string]grant     // by cluster
	used    map[string]time.Time // challenges answered, until they expire
	secret  []byte               // for challenges; random per start
	drops   *ratelog.Limiter
}

type grant struct {
	node    string
	expires time.Time
}

// keyFor returns the key of a cluster, or nil when it is not served.
func (w *Witness) keyFor(cluster string) membership.Key {
	if k, ok := w.Keys[cluster]; ok {
		return k
	}
	return w.Key
}

// Decide applies the witness's rule to one request: the vote goes to the
// node that holds it (a renewal), or to the asker when nobody holds it or
// the holder's lease ran out. Two partitions that both ask therefore never
// both get it while one keeps renewing.
func (w *Witness) Decide(r Request) Reply {
	now := w.now()
	lease := w.lease()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.holders == nil {
		w.holders = map[string]grant{}
	}
	g := w.holders[r.Cluster]
	if r.Release {
		if g.node == r.Node {
			w.log().Info("witness vote released", "cluster", r.Cluster, "node", r.Node)
			delete(w.holders, r.Cluster)
			g = grant{}
		}
		return Reply{Nonce: r.Nonce, Granted: false, Holder: g.node, LeaseMS: lease.Milliseconds()}
	}
	if g.node == "" || g.node == r.Node || now.After(g.expires) {
		if g.node != r.Node {
			w.log().Info("witness vote granted", "cluster", r.Cluster, "node", r.Node, "previous", g.node)
		}
		w.holders[r.Cluster] = grant{node: r.Node, expires: now.Add(lease)}
		return Reply{Nonce: r.Nonce, Granted: true, Holder: r.Node, LeaseMS: lease.Milliseconds()}
	}
	return Reply{Nonce: r.Nonce, Granted: false, Holder: g.node, LeaseMS: lease.Milliseconds()}
}

func (w *Witness) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

func (w *Witness) lease() time.Duration {
	if w.Lease > 0 {
		return w.Lease
	}
	return 3 * time.Second
}

func (w *Witness) log() *slog.Logger {
	if w.Log != nil {
		return w.Log
	}
	return slog.Default()
}

func (w *Witness) init() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.secret == nil {
		w.secret = make([]byte, 32)
		if _, err := randRead(w.secret); err != nil {
			panic(fmt.Sprintf("witness: no randomness: %v", err))
		}
		w.used = map[string]time.Time{}
		w.drops = &ratelog.Limiter{Logger: w.log()}
	}
}

// challenge is the witness's clock (8 bytes, Unix ms), 8 random bytes
// (two asks in one millisecond differ) and a MAC over both and the asker's
// address.
func (w *Witness) challenge(from net.Addr, at time.Time) []byte {
	b := binary.BigEndian.AppendUint64(nil, uint64(at.UnixMilli()))
	b = append(b, make([]byte, 8)...)
	_, _ = randRead(b[8:])
	return append(b, w.challengeMAC(from, b)...)
}

func (w *Witness) challengeMAC(from net.Addr, stamp []byte) []byte {
	m := hmac.New(sha256.New, w.secret)
	m.Write(stamp)
	m.Write([]byte(hostOf(from)))
	return m.Sum(nil)[:16]
}

func hostOf(a net.Addr) string {
	if u, ok := a.(*net.UDPAddr); ok {
		return u.IP.String()
	}
	h, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return h
}

// redeem checks that c is a challenge this witness gave from less than
// ChallengeTTL ago and that no request used it before; it then marks it
// used.
func (w *Witness) redeem(c []byte, from net.Addr) error {
	if len(c) != 16+16 {
		return errors.New("no challenge")
	}
	if !hmac.Equal(w.challengeMAC(from, c[:16]), c[16:]) {
		return errors.New("challenge not issued to this address")
	}
	now := w.now()
	age := now.Sub(time.UnixMilli(int64(binary.BigEndian.Uint64(c[:8]))))
	if age < 0 || age > ChallengeTTL {
		return fmt.Errorf("challenge expired (%v old)", age.Round(time.Millisecond))
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for k, exp := range w.used {
		if now.After(exp) {
			delete(w.used, k)
		}
	}
	if _, dup := w.used[string(c)]; dup {
		return errors.New("challenge already used (a replay)")
	}
	w.used[string(c)] = now.Add(ChallengeTTL)
	return nil
}

// Handle answers one packet from from; nil means no answer.
func (w *Witness) Handle(pkt []byte, from net.Addr) []byte {
	w.init()
	var hello Hello
	if json.Unmarshal(pkt, &hello) == nil && hello.Hello {
		if w.keyFor(hello.Cluster) == nil {
			w.drops.Record("witness: hello for a cluster it does not serve", "from", from.String(), "cluster", hello.Cluster)
			return nil
		}
		b, _ := json.Marshal(Challenge{Challenge: w.challenge(from, w.now())})
		return b
	}
	cluster, err := clusterOf(pkt)
	if err != nil {
		w.drops.Record("witness: dropped a malformed request", "from", from.String(), "err", err)
		return nil
	}
	key := w.keyFor(cluster)
	if key == nil {
		w.drops.Record("witness: request for a cluster it does not serve", "from", from.String(), "cluster", cluster)
		return nil
	}
	var req Request
	if err := open(key, pkt, &req); err != nil {
		w.drops.Record("witness: dropped a request", "from", from.String(), "cluster", cluster, "err", err)
		return nil
	}
	if req.Cluster != cluster {
		return nil
	}
	if err := w.redeem(req.Challenge, from); err != nil {
		w.drops.Record("witness: refused a stale or replayed request", "from", from.String(), "cluster", cluster, "node", req.Node, "err", err)
		return nil
	}
	out, err := seal(key, w.Decide(req))
	if err != nil {
		return nil
	}
	return out
}

// clusterOf reads the cluster a signed request names, before its
// signature can be checked with that cluster's key.
func clusterOf(pkt []byte) (string, error) {
	if len(pkt) < membership.SignatureLen {
		return "", errors.New("packet shorter than its signature")
	}
	var r struct {
		Cluster string `json:"cluster"`
	}
	if err := json.Unmarshal(pkt[:len(pkt)-membership.SignatureLen], &r); err != nil {
		return "", err
	}
	return r.Cluster, nil
}

// Serve answers requests on conn until ctx ends.
func (w *Witness) Serve(ctx context.Context, conn net.PacketConn) error {
	w.init()
	go func() {
		<-ctx.Done()
		_ = conn.SetReadDeadline(time.Now())
	}()
	buf := make([]byte, 2048)
	for {
		n, from, err := conn.ReadFrom(buf)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("witness: %w", err)
		}
		if out := w.Handle(buf[:n], from); out != nil {
			_, _ = conn.WriteTo(out, from)
		}
	}
}

// Ask requests the witness's vote at addr, waiting until ctx ends for the
// answer: a hello, then the request with the witness's challenge, again
// from the start every 200 ms until answered (UDP may lose either).
func Ask(ctx context.Context, key membership.Key, addr string, req Request) (Reply, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "udp", addr)
	if err != nil {
		return Reply{}, fmt.Errorf("witness %s: %w", addr, err)
	}
	defer conn.Close()
	hello, _ := json.Marshal(Hello{Hello: true, Cluster: req.Cluster})
	buf := make([]byte, 2048)
	// exchange sends pkt and returns the first answer accept takes.
	exchange := func(pkt []byte, accept func([]byte) bool) error {
		if _, err := conn.Write(pkt); err != nil {
			return err
		}
		stop := minTime(time.Now().Add(200*time.Millisecond), ctx)
		for {
			_ = conn.SetReadDeadline(stop)
			n, err := conn.Read(buf)
			if err != nil {
				return err
			}
			if accept(buf[:n]) {
				return nil
			}
		}
	}
	for {
		var ch Challenge
		err := exchange(hello, func(b []byte) bool { return json.Unmarshal(b, &ch) == nil && len(ch.Challenge) > 0 })
		var rep Reply
		if err == nil {
			var nonce [8]byte
			if _, err := randRead(nonce[:]); err != nil {
				return Reply{}, err
			}
			req.Nonce = binary.LittleEndian.Uint64(nonce[:])
			req.Challenge = ch.Challenge
			pkt, serr := seal(key, req)
			if serr != nil {
				return Reply{}, serr
			}
			err = exchange(pkt, func(b []byte) bool { return open(key, b, &rep) == nil && rep.Nonce == req.Nonce })
		}
		if err == nil {
			return rep, nil
		}
		if ctx.Err() != nil {
			return Reply{}, fmt.Errorf("witness %s did not answer: %w", addr, ctx.Err())
		}
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			// e.g. ECONNREFUSED from an ICMP port unreachable: retry until
			// the deadline, the witness may be restarting.
			time.Sleep(100 * time.Millisecond)
		}
	}
}

func minTime(t time.Time, ctx context.Context) time.Time {
	if dl, ok := ctx.Deadline(); ok && dl.Before(t) {
		return dl
	}
	return t
}

// seal encodes v as JSON followed by its HMAC, reusing the heartbeat key.
func seal(key membership.Key, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, key.Sign(b)...), nil
}

func open(key membership.Key, pkt []byte, v any) error {
	msg, err := key.Verify(pkt)
	if err != nil {
		return err
	}
	return json.Unmarshal(msg, v)
}
