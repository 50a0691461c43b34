package nfsclient

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// Stream is a running client process (Run in a process of its own, in the
// client's namespace) and the events it has printed so far.
type Stream struct {
	cmd    *exec.Cmd
	mu     sync.Mutex
	events []Event
	done   chan struct{}
	ready  chan bool
}

// Start starts cmd, which runs Run and prints its events on stdout, and
// follows them. Each line read is also copied to log when not nil.
func Start(cmd *exec.Cmd, log io.Writer) (*Stream, error) {
	s := &Stream{cmd: cmd, done: make(chan struct{}), ready: make(chan bool, 1)}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		defer close(s.done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if log != nil {
				fmt.Fprintln(log, sc.Text())
			}
			var e Event
			if json.Unmarshal(sc.Bytes(), &e) != nil {
				continue
			}
			s.mu.Lock()
			s.events = append(s.events, e)
			s.mu.Unlock()
			if e.Kind == "ready" || e.Kind == "mount" || e.Kind == "open" {
				s.signalReady(e.OK)
			}
		}
		_ = cmd.Wait()
		s.signalReady(false)
	}()
	return s, nil
}

func (s *Stream) signalReady(ok bool) {
	select {
	case s.ready <- ok:
	default:
	}
}

// WaitReady waits until the client has mounted the export and opened its
// file.
func (s *Stream) WaitReady(limit time.Duration) error {
	select {
	case ok := <-s.ready:
		if !ok {
			return fmt.Errorf("the NFS client did not start: %v", s.Events())
		}
		return nil
	case <-time.After(limit):
		return fmt.Errorf("the NFS client did not mount within %v", limit)
	}
}

// Events returns the events so far.
func (s *Stream) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Event(nil), s.events...)
}

// WaitWrites waits until n writes succeeded after the given time.
func (s *Stream) WaitWrites(after time.Time, n int, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for {
		c := 0
		for _, e := range s.Events() {
			if e.Kind == "write" && e.OK && e.Time().After(after) {
				c++
			}
		}
		if c >= n {
			return true
		}
		if !time.Now().Before(deadline) {
			return false
		}
		select {
		case <-s.done:
			return false
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Stop asks the client to finish (SIGTERM): it reads the file back and
// reports whether every acknowledged byte is intact.
func (s *Stream) Stop(limit time.Duration) (Event, error) {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(limit):
		s.Kill()
		ev := s.Events()
		if len(ev) > 5 {
			ev = ev[len(ev)-5:]
		}
		// The last events tell a write that never returned from a
		// read-back that hung (a "verify-start" event).
		return Event{}, fmt.Errorf("the NFS client did not verify within %v; last events: %v", limit, ev)
	}
	for _, e := range s.Events() {
		if e.Kind == "verify" {
			return e, nil
		}
	}
	ev := s.Events()
	if len(ev) > 5 {
		ev = ev[len(ev)-5:]
	}
	return Event{}, errors.New(fmt.Sprint("the NFS client ended without verifying; last events: ", ev))
}

// Wait waits until the client process has ended.
func (s *Stream) Wait() { <-s.done }

// Kill ends the client at once and waits for it.
func (s *Stream) Kill() {
	_ = s.cmd.Process.Kill()
	<-s.done
}
