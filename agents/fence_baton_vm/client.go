package fencevm

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// Client asks a Switch.
type Client struct {
	Addr string // host:port
	Key  Key
	// LoginTimeout bounds the connection and the greeting; default 5 s.
	LoginTimeout time.Duration
}

// ErrRefused: the switch refused the request (bad key, replay) or
// answered with an error.
var ErrRefused = errors.New("the power switch refused the request")

// Do sends one request and returns the switch's authenticated answer; a
// reply whose OK is false comes back as an error wrapping ErrRefused.
// timeout bounds the whole exchange after the greeting.
func (c *Client) Do(ctx context.Context, op, plug string, timeout time.Duration) (*Reply, error) {
	login := c.LoginTimeout
	if login <= 0 {
		login = 5 * time.Second
	}
	d := net.Dialer{Timeout: login}
	conn, err := d.DialContext(ctx, "tcp", c.Addr)
	if err != nil {
		return nil, fmt.Errorf("power switch %s: %w", c.Addr, err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	_ = conn.SetDeadline(time.Now().Add(login))
	r := bufio.NewReader(conn)
	line, err := readLine(r)
	if err != nil {
		return nil, fmt.Errorf("power switch %s: no greeting: %w", c.Addr, err)
	}
	enc, ok := strings.CutPrefix(line, greeting)
	if !ok {
		return nil, fmt.Errorf("power switch %s: unexpected greeting %q (not a fence_baton_vm switch?)", c.Addr, trim(line))
	}
	challenge, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || len(challenge) < 16 {
		return nil, fmt.Errorf("power switch %s: bad challenge in greeting", c.Addr)
	}
	mine, err := nonce()
	if err != nil {
		return nil, err
	}
	msg, err := seal(c.Key, labelRequest, Request{Op: op, Plug: plug, Challenge: challenge, Nonce: mine})
	if err != nil {
		return nil, err
	}
	_ = conn.SetDeadline(time.Now().Add(timeout))
	if _, err := fmt.Fprintf(conn, "%s\n", msg); err != nil {
		return nil, fmt.Errorf("power switch %s: send: %w", c.Addr, err)
	}
	line, err = readLine(r)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("power switch %s: %s %s: %w", c.Addr, op, plug, ctx.Err())
		}
		return nil, fmt.Errorf("power switch %s: no answer to %s %s within %v: %w", c.Addr, op, plug, timeout, err)
	}
	if reason, ok := strings.CutPrefix(line, "ERR "); ok {
		return nil, fmt.Errorf("%w: %s", ErrRefused, trim(reason))
	}
	var rep Reply
	if err := open(c.Key, labelReply, line, &rep); err != nil {
		if errors.Is(err, errBadSignature) {
			err = errors.New("bad signature: the answer was not signed with this key")
		}
		return nil, fmt.Errorf("power switch %s: answer refused: %w", c.Addr, err)
	}
	if !bytes.Equal(rep.Nonce, mine) {
		return nil, fmt.Errorf("power switch %s: the answer is not for this request (a replay?)", c.Addr)
	}
	if !rep.OK {
		return &rep, fmt.Errorf("%w: %s", ErrRefused, rep.Error)
	}
	return &rep, nil
}

func trim(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
