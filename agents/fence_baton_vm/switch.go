package fencevm

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"
)

// Power is what a switch drives: the guests of one host, by plug name.
type Power interface {
	// Plugs returns the plug names, sorted.
	Plugs() []string
	// On reports whether the plug's guest has power (its emulator runs or
	// is starting).
	On(plug string) (bool, error)
	// PowerOff cuts the guest's power and returns once nothing of it runs;
	// a guest already off is not an error.
	PowerOff(ctx context.Context, plug string) error
	// PowerOn applies power (the guest boots); a guest already on is not
	// an error. It need not wait for the guest's operating system.
	PowerOn(ctx context.Context, plug string) error
}

// ErrUnknownPlug is returned by a Power for a plug it does not have.
var ErrUnknownPlug = errors.New("no such plug on this switch")

// Switch serves Power to fence_baton_vm agents over TCP.
type Switch struct {
	Key   Key
	Power Power
	// OpTimeout bounds one power operation; default 60 s.
	OpTimeout time.Duration
	// Log gets one line per request; nil discards.
	Log *slog.Logger

	wg   sync.WaitGroup
	mu   sync.Mutex
	l    net.Listener
	done bool
}

func (s *Switch) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.NewTextHandler(discard{}, nil))
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// Serve accepts connections on l until Close; each is one request.
func (s *Switch) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.done {
		s.mu.Unlock()
		l.Close()
		return net.ErrClosed
	}
	s.l = l
	s.mu.Unlock()
	for {
		c, err := l.Accept()
		if err != nil {
			s.mu.Lock()
			done := s.done
			s.mu.Unlock()
			if done {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.handle(c)
		}()
	}
}

// Close stops accepting and waits for the requests in progress.
func (s *Switch) Close() error {
	s.mu.Lock()
	s.done = true
	l := s.l
	s.mu.Unlock()
	var err error
	if l != nil {
		err = l.Close()
	}
	s.wg.Wait()
	return err
}

// handle serves one connection: greeting, request, answer.
func (s *Switch) handle(c net.Conn) {
	defer c.Close()
	from := c.RemoteAddr().String()
	challenge, err := nonce()
	if err != nil {
		s.log().Error("no randomness for a challenge", "err", err)
		return
	}
	// The request must come soon; the operation has its own bound.
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := fmt.Fprintf(c, "%s%s\n", greeting, base64.StdEncoding.EncodeToString(challenge)); err != nil {
		return
	}
	line, err := readLine(bufio.NewReader(c))
	if err != nil {
		s.log().Warn("no request", "from", from, "err", err)
		return
	}
	var req Request
	if err := open(s.Key, labelRequest, line, &req); err != nil {
		s.log().Warn("request refused", "from", from, "err", err)
		fmt.Fprintf(c, "ERR %v\n", err)
		return
	}
	if !bytes.Equal(req.Challenge, challenge) {
		s.log().Warn("request refused: not for this connection's challenge (a replay?)", "from", from)
		fmt.Fprintf(c, "ERR the request does not answer this connection's challenge\n")
		return
	}
	timeout := s.OpTimeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	_ = c.SetDeadline(time.Now().Add(timeout + 5*time.Second))
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	rep := s.do(ctx, req)
	rep.Nonce = req.Nonce
	s.log().Info("request", "from", from, "op", req.Op, "plug", req.Plug, "ok", rep.OK, "on", rep.On,
		"err", rep.Error, "took", time.Since(start).Round(time.Millisecond))
	out, err := seal(s.Key, labelReply, rep)
	if err != nil {
		return
	}
	fmt.Fprintf(c, "%s\n", out)
}

func (s *Switch) do(ctx context.Context, req Request) Reply {
	fail := func(err error) Reply { return Reply{Error: err.Error()} }
	if req.Op == OpList {
		return Reply{OK: true, Plugs: s.Power.Plugs()}
	}
	known := false
	for _, p := range s.Power.Plugs() {
		known = known || p == req.Plug
	}
	if !known {
		return fail(fmt.Errorf("%w: %q (plugs: %v)", ErrUnknownPlug, req.Plug, s.Power.Plugs()))
	}
	var err error
	switch req.Op {
	case OpStatus:
	case OpOff:
		err = s.Power.PowerOff(ctx, req.Plug)
	case OpOn:
		err = s.Power.PowerOn(ctx, req.Plug)
	default:
		return fail(fmt.Errorf("unknown operation %q", req.Op))
	}
	if err != nil {
		return fail(fmt.Errorf("%s %s: %w", req.Op, req.Plug, err))
	}
	on, err := s.Power.On(req.Plug)
	if err != nil {
		return fail(fmt.Errorf("status of %s: %w", req.Plug, err))
	}
	return Reply{OK: true, On: on}
}
