package wire

import (
	"context"
	"encoding/json"
	"errors"
	"net"
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
	if _, err := readFrame(conn2, key, append(other, 'R')); err == nil {
		t.Fatal("a replayed request was answered")
	}
}
