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
	// DelayMS dampens a set or delete (attrd_updater -d): the change is
	// written once the attribute has not changed for this long.
	DelayMS int64 `json:"delay_ms,omitempty"`
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

// DampenedStore is implemented by an AttrStore that can hold a changed
// attribute back for a dampening delay, as Pacemaker's attribute manager
// does for attrd_updater -d. A store without it writes at once.
type DampenedStore interface {
	// SetAttrDampened sets the attribute once it has not changed for
	// delay; a later change within the delay replaces the pending value
	// and restarts the wait.
	SetAttrDampened(node, name, value string, l Lifetime, delay time.Duration) error
	// DeleteAttrDampened removes it on the same terms.
	DeleteAttrDampened(node, name string, l Lifetime, delay time.Duration) error
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

// SetDampened implements Dampener: the daemon writes the value once it
// has stayed the same for delay. The delay travels with every update, so
// first needs nothing more.
func (s *SocketAttributes) SetDampened(ctx context.Context, name, value string, delay time.Duration, first bool) error {
	_, err := s.call(ctx, AttrRequest{Op: "set", Name: name, Value: value, Lifetime: Reboot, DelayMS: delay.Milliseconds()})
	return err
}

// DeleteDampened implements Dampener.
func (s *SocketAttributes) DeleteDampened(ctx context.Context, name string, delay time.Duration) error {
	_, err := s.call(ctx, AttrRequest{Op: "delete", Name: name, Lifetime: Reboot, DelayMS: delay.Milliseconds()})
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
		damp, dampened := store.(DampenedStore)
		delay := time.Duration(req.DelayMS) * time.Millisecond
		dampened = dampened && delay > 0
		switch {
		case req.DelayMS < 0:
			err = fmt.Errorf("negative dampening delay %d ms", req.DelayMS)
		case req.Op == "set" && dampened:
			err = damp.SetAttrDampened(node, req.Name, req.Value, req.Lifetime, delay)
		case req.Op == "set":
			err = store.SetAttr(node, req.Name, req.Value, req.Lifetime)
		case req.Op == "get":
			resp.Value, resp.Found, err = store.GetAttr(node, req.Name, req.Lifetime)
		case req.Op == "delete" && dampened:
			err = damp.DeleteAttrDampened(node, req.Name, req.Lifetime, delay)
		case req.Op == "delete":
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
