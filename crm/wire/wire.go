// Package wire carries authenticated requests between Baton daemons: one
// TCP connection per call, tried on each heartbeat link in turn, so that a
// call goes through as long as any link works.
//
// A call: the server sends a fresh 16-byte nonce; the client sends one
// frame, JSON plus HMAC-SHA256 over nonce and JSON; the server answers with
// one frame signed over the nonce, a marker and the JSON. A frame recorded
// on one connection is therefore worthless on any other.
//
// The port is open to whoever reaches the network, so nothing large is
// allocated for a caller before it has proved it holds the key: a frame
// starts with its length and an HMAC over the nonce and that length, and
// only a length so signed is read. Connections still in the handshake are
// limited per source address and in total; rejections are logged at WARN,
// at most once per 10 s per kind.
package wire

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/baton-ha/baton/crm/membership"
	"github.com/baton-ha/baton/crm/ratelog"
)

const (
	nonceLen = 16
	// MaxFrame bounds one call or answer: a CIB (at most 4 MiB, see
	// crm/verify) JSON-escaped, with room to spare.
	MaxFrame = 16 << 20
	// handshakeTime bounds the unauthenticated part of a call.
	handshakeTime = 5 * time.Second
	// Defaults of Server.MaxPending and Server.MaxPendingPerSource.
	defaultMaxPending          = 64
	defaultMaxPendingPerSource = 8
)

// Request is a call's body.
type Request struct {
	From   string          `json:"from"`
	Method string          `json:"method"`
	Body   json.RawMessage `json:"body,omitempty"`
}

// Response is the answer.
type Response struct {
	Body  json.RawMessage `json:"body,omitempty"`
	Error string          `json:"error,omitempty"`
}

// Handler serves one method.
type Handler func(ctx context.Context, from string, body json.RawMessage) (any, error)

// Server answers calls.
type Server struct {
	Key membership.Key
	Log *slog.Logger
	// MaxPending bounds connections that have not yet authenticated, in
	// total and per source address (defaults 64 and 8); more are closed at
	// once.
	MaxPending, MaxPendingPerSource int

	mu       sync.Mutex
	handlers map[string]Handler
	pending  map[string]int // unauthenticated connections by source
	npending int
	rejects  *ratelog.Limiter
}

// Handle registers the handler of a method.
func (s *Server) Handle(method string, h Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.handlers == nil {
		s.handlers = map[string]Handler{}
	}
	s.handlers[method] = h
}

// Serve accepts calls on l until ctx ends.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	go func() {
		<-ctx.Done()
		l.Close()
	}()
	for {
		conn, err := l.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		go s.serve(ctx, conn)
	}
}

func (s *Server) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// reject logs a refused connection or call, rate-limited.
func (s *Server) reject(msg string, args ...any) {
	s.mu.Lock()
	if s.rejects == nil {
		s.rejects = &ratelog.Limiter{Logger: s.log()}
	}
	r := s.rejects
	s.mu.Unlock()
	r.Record(msg, args...)
}

// source is the address a connection's limits count against: the remote
// IP, or the socket's path for unix sockets (local callers share one).
func source(conn net.Conn) string {
	if a, ok := conn.RemoteAddr().(*net.TCPAddr); ok {
		return a.IP.String()
	}
	return conn.LocalAddr().String()
}

// admit counts a new unauthenticated connection, or refuses it when its
// source or the server is at its limit.
func (s *Server) admit(src string) bool {
	max, per := s.MaxPending, s.MaxPendingPerSource
	if max <= 0 {
		max = defaultMaxPending
	}
	if per <= 0 {
		per = defaultMaxPendingPerSource
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pending == nil {
		s.pending = map[string]int{}
	}
	if s.npending >= max || s.pending[src] >= per {
		return false
	}
	s.pending[src]++
	s.npending++
	return true
}

// authenticated ends a connection's unauthenticated phase.
func (s *Server) authenticated(src string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.npending--
	if s.pending[src]--; s.pending[src] <= 0 {
		delete(s.pending, src)
	}
}

func (s *Server) serve(ctx context.Context, conn net.Conn) {
	defer conn.Close()
	src := source(conn)
	if !s.admit(src) {
		s.reject("refused a connection: too many unauthenticated connections", "from", src)
		return
	}
	pending := true
	defer func() {
		if pending {
			s.authenticated(src)
		}
	}()
	nonce := make([]byte, nonceLen)
	if _, err := rand.Read(nonce); err != nil {
		return
	}
	_ = conn.SetDeadline(time.Now().Add(handshakeTime))
	if _, err := conn.Write(nonce); err != nil {
		return
	}
	msg, err := readFrame(conn, s.Key, nonce, func() {
		pending = false
		s.authenticated(src)
	})
	if err != nil {
		s.reject("rejected a call", "from", conn.RemoteAddr().String(), "err", err)
		return
	}
	var req Request
	if err := json.Unmarshal(msg, &req); err != nil {
		return
	}
	s.mu.Lock()
	h := s.handlers[req.Method]
	s.mu.Unlock()
	var resp Response
	if h == nil {
		resp.Error = fmt.Sprintf("unknown method %q", req.Method)
	} else {
		// The handler may run long (an agent action): no deadline until
		// the answer is written.
		_ = conn.SetDeadline(time.Time{})
		out, err := h(ctx, req.From, req.Body)
		if err != nil {
			resp.Error = err.Error()
		} else if out != nil {
			resp.Body, err = marshal(out)
			if err != nil {
				resp.Error = err.Error()
			}
		}
	}
	b, _ := marshal(resp)
	if len(b)+membership.SignatureLen > MaxFrame {
		b, _ = marshal(Response{Error: fmt.Sprintf("the answer of %d bytes exceeds the %d-byte call limit", len(b), MaxFrame)})
	}
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	_ = writeFrame(conn, s.Key, append(append([]byte(nil), nonce...), 'R'), b)
}

// marshal encodes v as JSON without escaping <, > and & (a CIB is full of
// them: escaped, each would take six bytes).
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Client makes calls to peers.
type Client struct {
	Key  membership.Key
	From string // this node's name
	// ConnectTimeout bounds each connection attempt; default 500 ms.
	ConnectTimeout time.Duration
}

// Call sends method with body to the first address that accepts a
// connection and decodes the answer into out (which may be nil). ctx bounds
// the whole call, including the handler's run time on the peer.
func (c *Client) Call(ctx context.Context, addrs []string, method string, body, out any) error {
	req, err := request(c.From, method, body)
	if err != nil {
		return err
	}
	timeout := c.ConnectTimeout
	if timeout <= 0 {
		timeout = 500 * time.Millisecond
	}
	var errs []error
	for _, addr := range addrs {
		if addr == "" {
			continue
		}
		d := net.Dialer{Timeout: timeout}
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		err = c.exchange(ctx, conn, req, out)
		conn.Close()
		if err == nil {
			return nil
		}
		var remote *RemoteError
		if errors.As(err, &remote) || ctx.Err() != nil {
			return err // the peer answered, or time is up: no other link helps
		}
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		return errors.New("no address to call")
	}
	return fmt.Errorf("%s: %w", method, errors.Join(errs...))
}

// request encodes a call, refusing one over the frame limit before anything
// is sent (the peer would only drop the connection).
func request(from, method string, body any) ([]byte, error) {
	var raw json.RawMessage
	if body != nil {
		b, err := marshal(body)
		if err != nil {
			return nil, err
		}
		raw = b
	}
	req, err := marshal(Request{From: from, Method: method, Body: raw})
	if err != nil {
		return nil, err
	}
	if len(req)+membership.SignatureLen > MaxFrame {
		return nil, fmt.Errorf("%s: the request of %d bytes exceeds the %d-byte (16 MiB) call limit", method, len(req), MaxFrame)
	}
	return req, nil
}

// RemoteError is an error the peer's handler returned.
type RemoteError struct{ Msg string }

func (e *RemoteError) Error() string { return e.Msg }

func (c *Client) exchange(ctx context.Context, conn net.Conn, req []byte, out any) error {
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	nonce := make([]byte, nonceLen)
	if _, err := io.ReadFull(conn, nonce); err != nil {
		return fmt.Errorf("read nonce: %w", err)
	}
	if err := writeFrame(conn, c.Key, nonce, req); err != nil {
		return err
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	} else {
		_ = conn.SetDeadline(time.Time{})
	}
	msg, err := readFrame(conn, c.Key, append(nonce, 'R'), nil)
	if err != nil {
		return fmt.Errorf("read answer: %w", err)
	}
	var resp Response
	if err := json.Unmarshal(msg, &resp); err != nil {
		return err
	}
	if resp.Error != "" {
		return &RemoteError{Msg: resp.Error}
	}
	if out != nil && len(resp.Body) > 0 {
		return json.Unmarshal(resp.Body, out)
	}
	return nil
}

// A frame: length (4 bytes, big endian), HMAC(prefix, "len", length),
// then length bytes of message and HMAC(prefix, message).
const headerLen = 4 + membership.SignatureLen

func headerMAC(key membership.Key, prefix, n []byte) []byte {
	return key.Sign(append(append(append([]byte(nil), prefix...), "len"...), n...))
}

func writeFrame(w io.Writer, key membership.Key, prefix, msg []byte) error {
	sum := key.Sign(append(append([]byte(nil), prefix...), msg...))
	n := len(msg) + len(sum)
	if n > MaxFrame {
		return fmt.Errorf("frame of %d bytes exceeds the %d-byte limit", n, MaxFrame)
	}
	b := make([]byte, 4, headerLen+n)
	binary.BigEndian.PutUint32(b, uint32(n))
	b = append(b, headerMAC(key, prefix, b[:4])...)
	b = append(append(b, msg...), sum...)
	_, err := w.Write(b)
	return err
}

// readFrame reads one frame signed over prefix. Only a header whose MAC
// proves the sender holds the key gets a buffer of the size it declares;
// authenticated, if not nil, is called at that point.
func readFrame(r io.Reader, key membership.Key, prefix []byte, authenticated func()) ([]byte, error) {
	var hdr [headerLen]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	if !hmac.Equal(headerMAC(key, prefix, hdr[:4]), hdr[4:]) {
		return nil, errors.New("bad signature on the frame header")
	}
	if authenticated != nil {
		authenticated()
	}
	n := binary.BigEndian.Uint32(hdr[:4])
	if n > MaxFrame {
		return nil, fmt.Errorf("frame of %d bytes exceeds the %d-byte limit", n, MaxFrame)
	}
	b := make([]byte, len(prefix)+int(n))
	copy(b, prefix)
	if _, err := io.ReadFull(r, b[len(prefix):]); err != nil {
		return nil, err
	}
	msg, err := key.Verify(b)
	if err != nil {
		return nil, err
	}
	return msg[len(prefix):], nil
}

// CallUnix makes a call over a unix socket (the local admin socket).
func (c *Client) CallUnix(ctx context.Context, path, method string, body, out any) error {
	req, err := request(c.From, method, body)
	if err != nil {
		return err
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return err
	}
	defer conn.Close()
	return c.exchange(ctx, conn, req, out)
}
