package wire

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/crm/membership"
)

var key = membership.Key("0123456789abcdef0123456789abcdef")

func server(t *testing.T, k membership.Key) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Key: k}
	s.Handle("echo", func(_ context.Context, from string, body json.RawMessage) (any, error) {
		var v map[string]string
		json.Unmarshal(body, &v)
		v["from"] = from
		return v, nil
	})
	s.Handle("fail", func(context.Context, string, json.RawMessage) (any, error) { return nil, errors.New("nope") })
	s.Handle("slow", func(ctx context.Context, _ string, _ json.RawMessage) (any, error) {
		time.Sleep(300 * time.Millisecond)
		return "done", nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	go s.Serve(ctx, l)
	t.Cleanup(cancel)
	return l.Addr().String()
}

func TestCall(t *testing.T) {
	addr := server(t, key)
	c := &Client{Key: key, From: "node2"}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var out map[string]string
	// The first address refuses connections: the call goes over the second.
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	deadAddr := dead.Addr().String()
	dead.Close()
	if err := c.Call(ctx, []string{deadAddr, addr}, "echo", map[string]string{"x": "1"}, &out); err != nil {
		t.Fatal(err)
	}
	if out["x"] != "1" || out["from"] != "node2" {
		t.Errorf("echo: %v", out)
	}
	var re *RemoteError
	if err := c.Call(ctx, []string{addr}, "fail", nil, nil); !errors.As(err, &re) || re.Msg != "nope" {
		t.Errorf("fail: %v", err)
	}
	if err := c.Call(ctx, []string{addr}, "missing", nil, nil); err == nil || !strings.Contains(err.Error(), "unknown method") {
		t.Errorf("missing: %v", err)
	}
	var s string
	if err := c.Call(ctx, []string{addr}, "slow", nil, &s); err != nil || s != "done" {
		t.Errorf("slow: %q %v", s, err)
	}
	short, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	if err := c.Call(short, []string{addr}, "slow", nil, &s); err == nil {
		t.Error("call outlived its context")
	}
}

func TestWrongKeyRejected(t *testing.T) {
	addr := server(t, key)
	c := &Client{Key: membership.Key("another-key-another-key-another!"), From: "evil"}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.Call(ctx, []string{addr}, "echo", map[string]string{}, nil); err == nil {
		t.Fatal("a call with the wrong key was answered")
	}
}

func TestReplayRejected(t *testing.T) {
	addr := server(t, key)
	// Record a valid request for one nonce, then send it on a new
	// connection, which has another nonce.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	nonce := make([]byte, nonceLen)
	if _, err := conn.Read(nonce); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	req, _ := json.Marshal(Request{From: "x", Method: "echo", Body: json.RawMessage(`{}`)})
	conn2, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn2.Close()
	other := make([]byte, nonceLen)
	conn2.Read(other)
	if err := writeFrame(conn2, key, nonce, req); err != nil {
		t.Fatal(err)
	}
	conn2.SetReadDeadline(time.Now().Add(time.Second))
	if _, err := readFrame(conn2, key, append(other, 'R'), nil); err == nil {
		t.Fatal("a replayed request was answered")
	}
}

// Unauthenticated connections that each declare the largest frame cost the
// server no frame buffer: the declared length is believed only once its MAC
// checks out. (Before, each such connection made the server allocate the
// declared 16 MiB.)
func TestUnauthenticatedFramesAllocateNothing(t *testing.T) {
	addr := server(t, key)
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	const conns = 16
	var open []net.Conn
	defer func() {
		for _, c := range open {
			c.Close()
		}
	}()
	for i := 0; i < conns; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		open = append(open, c)
		nonce := make([]byte, nonceLen)
		if _, err := io.ReadFull(c, nonce); err != nil {
			t.Fatal(err)
		}
		hdr := make([]byte, headerLen)
		binary.BigEndian.PutUint32(hdr, MaxFrame)
		if _, err := c.Write(append(hdr, make([]byte, 4096)...)); err != nil {
			t.Fatal(err)
		}
		// The server closes the connection at the bad header MAC.
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		if n, err := c.Read(make([]byte, 1)); err == nil {
			t.Fatalf("the server answered %d bytes to a forged header", n)
		} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatal("the server kept reading a frame whose header it could not authenticate")
		}
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if grew := int64(after.TotalAlloc - before.TotalAlloc); grew > 4<<20 {
		t.Fatalf("%d unauthenticated connections made the server allocate %d bytes", conns, grew)
	}
}

// Connections that never authenticate are limited per source: the ones
// over the limit are closed at once, without a nonce; an authenticated
// caller still gets through once they are gone.
func TestPendingConnectionsLimited(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Key: key, MaxPendingPerSource: 4, MaxPending: 100}
	s.Handle("ping", func(context.Context, string, json.RawMessage) (any, error) { return "pong", nil })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Serve(ctx, l)
	var idle []net.Conn
	for i := 0; i < 4; i++ {
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := io.ReadFull(c, make([]byte, nonceLen)); err != nil {
			t.Fatal(err)
		}
		idle = append(idle, c)
	}
	extra, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	extra.SetReadDeadline(time.Now().Add(2 * time.Second))
	if n, err := io.ReadFull(extra, make([]byte, nonceLen)); err == nil || n != 0 {
		t.Fatalf("a fifth pending connection from one source got a nonce (%d bytes, %v)", n, err)
	}
	for _, c := range idle {
		c.Close()
	}
	cl := &Client{Key: key, From: "n2"}
	var out string
	deadline := time.Now().Add(5 * time.Second)
	for {
		cctx, ccancel := context.WithTimeout(ctx, time.Second)
		err := cl.Call(cctx, []string{l.Addr().String()}, "ping", nil, &out)
		ccancel()
		if err == nil && out == "pong" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("authenticated call after the idle connections closed: %v", err)
		}
	}
}

// A request over the frame limit is refused by the caller with the reason,
// before anything is sent.
func TestOversizedRequestSaysWhy(t *testing.T) {
	addr := server(t, key)
	c := &Client{Key: key, From: "cli"}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	big := strings.Repeat("x", MaxFrame)
	err := c.Call(ctx, []string{addr}, "echo", big, nil)
	if err == nil || !strings.Contains(err.Error(), "exceeds the 16777216-byte (16 MiB) call limit") {
		t.Fatalf("oversized call: %v", err)
	}
}

// A CIB's markup is sent as is, not escaped six bytes per '<'.
func TestMarkupNotEscaped(t *testing.T) {
	b, err := marshal("<cib>&</cib>")
	if err != nil || string(b) != `"<cib>&</cib>"` {
		t.Fatalf("marshal: %s %v", b, err)
	}
}
