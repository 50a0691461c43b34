// Package wire carries authenticated requests between Baton daemons: one
// TCP connection per call, tried on each heartbeat link in turn, so that a
// call goes through as long as any link works.
//
// A call: the server sends a fresh 16-byte nonce; the client sends one
// frame, JSON plus HMAC-SHA256 over nonce and JSON; the server answers with
// one frame signed over the nonce, a marker and the JSON. A frame recorded
// on one connection is therefore worthless on any other.
package wire

import (
	"context"
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
)

const (
	nonceLen = 16
	maxFrame = 16 << 20 // a CIB can be large; anything larger is an attack or a bug
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

	mu       sync.Mutex
	handlers map[string]Handler
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

func (s *Server) serve(ctx context.Context, conn net.Conn) {
	defer conn.Close()
	nonce := make([]byte, nonceLen)
	if _, err := rand.Read(nonce); err != nil {
		return
	}
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write(nonce); err != nil {
		return
	}
	msg, err := readFrame(conn, s.Key, nonce)
	if err != nil {
		s.log().Debug("rejected a call", "from", conn.RemoteAddr(), "err", err)
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
			resp.Body, err = json.Marshal(out)
			if err != nil {
				resp.Error = err.Error()
			}
		}
	}
	b, _ := json.Marshal(resp)
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	_ = writeFrame(conn, s.Key, append(append([]byte(nil), nonce...), 'R'), b)
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
	var raw json.RawMessage
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		raw = b
	}
	req, _ := json.Marshal(Request{From: c.From, Method: method, Body: raw})
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
	msg, err := readFrame(conn, c.Key, append(nonce, 'R'))
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

func writeFrame(w io.Writer, key membership.Key, prefix, msg []byte) error {
	sum := key.Sign(append(append([]byte(nil), prefix...), msg...))
	b := make([]byte, 4, 4+len(msg)+len(sum))
	binary.BigEndian.PutUint32(b, uint32(len(msg)+len(sum)))
	b = append(append(b, msg...), sum...)
	_, err := w.Write(b)
	return err
}

func readFrame(r io.Reader, key membership.Key, prefix []byte) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > maxFrame {
		return nil, fmt.Errorf("frame of %d bytes is too large", n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, err
	}
	msg, err := key.Verify(append(append([]byte(nil), prefix...), b...))
	if err != nil {
		return nil, err
	}
	return msg[len(prefix):], nil
}

// CallUnix makes a call over a unix socket (the local admin socket).
func (c *Client) CallUnix(ctx context.Context, path, method string, body, out any) error {
	var raw json.RawMessage
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		raw = b
	}
	req, _ := json.Marshal(Request{From: c.From, Method: method, Body: raw})
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return err
	}
	defer conn.Close()
	return c.exchange(ctx, conn, req, out)
}
