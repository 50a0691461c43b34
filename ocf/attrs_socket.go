package ocf

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"time"
)

// The attribute socket protocol: one JSON request per connection, one JSON
// response. It is deliberately tiny, because agents run once per action and a
// connection per call costs less than keeping state.

// AttrRequest is one request on the attribute socket.
type AttrRequest struct {
	Op       string   `json:"op"` // "set", "get" or "delete"
	Node     string   `json:"node,omitempty"`
	Name     string   `json:"name"`
	Value    string   `json:"value,omitempty"`
	Lifetime Lifetime `json:"lifetime"`
}

// AttrResponse answers an AttrRequest.
type AttrResponse struct {
	Found bool   `json:"found,omitempty"`
	Value string `json:"value,omitempty"`
	Error string `json:"error,omitempty"`
}

// AttrStore is what an attribute socket server serves: attributes of any
// node. Baton's controller implements it on top of the CIB status.
type AttrStore interface {
	SetAttr(node, name, value string, l Lifetime) error
	GetAttr(node, name string, l Lifetime) (string, bool, error)
	DeleteAttr(node, name string, l Lifetime) error
}

// SocketAttributes is the client side, used by agents under Baton's CRM.
type SocketAttributes struct {
	Path     string // unix socket
	Node     string // the node the agent runs on; empty lets the server decide
	Instance string
}

func (s *SocketAttributes) call(ctx context.Context, req AttrRequest) (AttrResponse, error) {
	var resp AttrResponse
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", s.Path)
	if err != nil {
		return resp, fmt.Errorf("connect to Baton's attribute socket %s: %w (is baton daemon running?)", s.Path, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	req.Node = s.Node
	if err := json.NewEncoder(conn).Encode(req); err != nil {
		return resp, fmt.Errorf("send attribute request: %w", err)
	}
	if err := json.NewDecoder(bufio.NewReader(conn)).Decode(&resp); err != nil {
		return resp, fmt.Errorf("read attribute response: %w", err)
	}
	if resp.Error != "" {
		return resp, errors.New(resp.Error)
	}
	return resp, nil
}

func (s *SocketAttributes) SetPromotion(ctx context.Context, score int) error {
	return s.Set(ctx, PromotionAttr(s.Instance), fmt.Sprint(score), Reboot)
}

func (s *SocketAttributes) DeletePromotion(ctx context.Context) error {
	return s.Delete(ctx, PromotionAttr(s.Instance), Reboot)
}

func (s *SocketAttributes) Promotion(ctx context.Context) (int, bool, error) {
	return promotionFrom(s.Get(ctx, PromotionAttr(s.Instance), Reboot))
}

func (s *SocketAttributes) Set(ctx context.Context, name, value string, l Lifetime) error {
	_, err := s.call(ctx, AttrRequest{Op: "set", Name: name, Value: value, Lifetime: l})
	return err
}

func (s *SocketAttributes) Get(ctx context.Context, name string, l Lifetime) (string, bool, error) {
	r, err := s.call(ctx, AttrRequest{Op: "get", Name: name, Lifetime: l})
	return r.Value, r.Found, err
}

func (s *SocketAttributes) Delete(ctx context.Context, name string, l Lifetime) error {
	_, err := s.call(ctx, AttrRequest{Op: "delete", Name: name, Lifetime: l})
	return err
}

// ServeAttributes answers attribute requests on l until ctx ends or l fails.
// defaultNode is used for requests that name no node.
func ServeAttributes(ctx context.Context, l net.Listener, store AttrStore, defaultNode string) error {
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
			return err
		}
		go serveAttrConn(conn, store, defaultNode)
	}
}

func serveAttrConn(conn net.Conn, store AttrStore, defaultNode string) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	var req AttrRequest
	var resp AttrResponse
	if err := json.NewDecoder(bufio.NewReader(conn)).Decode(&req); err != nil {
		resp.Error = "bad request: " + err.Error()
	} else {
		node := req.Node
		if node == "" {
			node = defaultNode
		}
		if req.Lifetime == "" {
			req.Lifetime = Reboot
		}
		var err error
		switch req.Op {
		case "set":
			err = store.SetAttr(node, req.Name, req.Value, req.Lifetime)
		case "get":
			resp.Value, resp.Found, err = store.GetAttr(node, req.Name, req.Lifetime)
		case "delete":
			err = store.DeleteAttr(node, req.Name, req.Lifetime)
		default:
			err = fmt.Errorf("unknown operation %q (want set, get or delete)", req.Op)
		}
		if err != nil {
			resp.Error = err.Error()
		}
	}
	_ = json.NewEncoder(conn).Encode(resp)
}
