// Package witness holds the tie-breaker of two-node clusters (`baton
// witness`), a small service on a third host in the spirit of
// corosync-qnetd, and the client nodes use to ask it: of two partitions
// that both ask, exactly one is granted the vote, and it keeps it for as
// long as it renews it. The rule for when a node needs the vote lives in
// crm/controller/quorum.go.
package witness

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/baton-ha/baton/crm/membership"
)

// Request asks the witness for its vote.
type Request struct {
	Cluster string `json:"cluster"`
	Node    string `json:"node"`
	NodeID  int    `json:"node_id"`
	// Nonce is echoed in the reply, so that a recorded grant cannot be
	// replayed to another request.
	Nonce uint64 `json:"nonce"`
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
	Key   membership.Key
	Lease time.Duration // how long a grant lasts without renewal; default 3 s
	Now   func() time.Time
	Log   *slog.Logger

	mu      sync.Mutex
	holders map[string]grant // by cluster
}

type grant struct {
	node    string
	expires time.Time
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

// Serve answers requests on conn until ctx ends.
func (w *Witness) Serve(ctx context.Context, conn net.PacketConn) error {
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
		var req Request
		if err := open(w.Key, buf[:n], &req); err != nil {
			w.log().Debug("witness dropped a request", "from", from, "err", err)
			continue
		}
		pkt, err := seal(w.Key, w.Decide(req))
		if err == nil {
			_, _ = conn.WriteTo(pkt, from)
		}
	}
}

// Ask requests the witness's vote at addr, waiting until ctx ends for the
// answer. It returns whether the vote was granted.
func Ask(ctx context.Context, key membership.Key, addr string, req Request) (Reply, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "udp", addr)
	if err != nil {
		return Reply{}, fmt.Errorf("witness %s: %w", addr, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	var nonce [8]byte
	if _, err := randRead(nonce[:]); err != nil {
		return Reply{}, err
	}
	req.Nonce = binary.LittleEndian.Uint64(nonce[:])
	pkt, err := seal(key, req)
	if err != nil {
		return Reply{}, err
	}
	// UDP may lose the packet: resend every 200 ms until answered.
	buf := make([]byte, 2048)
	for {
		if _, err := conn.Write(pkt); err != nil {
			return Reply{}, fmt.Errorf("witness %s: %w", addr, err)
		}
		_ = conn.SetReadDeadline(minTime(time.Now().Add(200*time.Millisecond), ctx))
		n, err := conn.Read(buf)
		if err == nil {
			var rep Reply
			if err := open(key, buf[:n], &rep); err == nil && rep.Nonce == req.Nonce {
				return rep, nil
			}
			continue
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
