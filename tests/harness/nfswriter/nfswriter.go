// Package nfswriter runs tests/nfs/nfsclient, the long-lived NFSv3 writer,
// inside a test network namespace and reads its event stream: every write
// attempt with its time and outcome, and at the end whether every
// acknowledged byte reads back. Tests measure client-visible stalls from it.
package nfswriter

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/baton-ha/baton/demo/nfsclient"
	"github.com/baton-ha/baton/tests/harness"
	"github.com/baton-ha/baton/tests/harness/netns"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Binary builds nfsclient once per test process.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := harness.ProcessTempDir("baton-nfswriter")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "nfsclient")
		cmd := exec.Command("go", "build", "-o", binPath, "./tests/nfs/nfsclient")
		cmd.Dir = harness.RepoRoot()
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./tests/nfs/nfsclient: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// Event is one line of nfsclient's output.
type Event = nfsclient.Event

// Writer is a running nfsclient.
type Writer struct {
	cmd    *exec.Cmd
	stderr bytes.Buffer
	mu     sync.Mutex
	events []Event
	done   chan struct{}
}

// Start runs nfsclient in host's namespace against server:export, writing
// file, and waits until it has the file open.
func Start(t testing.TB, host *netns.Host, server, export, file string) *Writer {
	t.Helper()
	w := &Writer{done: make(chan struct{})}
	w.cmd = host.Command(context.Background(), Binary(t), "-server", server, "-export", export, "-file", file)
	out, err := w.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	w.cmd.Stderr = &w.stderr
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.cmd.Process.Kill(); <-w.done })
	ready := make(chan bool, 1)
	go func() {
		defer close(w.done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			var e Event
			if json.Unmarshal(sc.Bytes(), &e) != nil {
				continue
			}
			w.mu.Lock()
			w.events = append(w.events, e)
			w.mu.Unlock()
			if e.Kind == "ready" || e.Kind == "mount" || e.Kind == "open" {
				select {
				case ready <- e.OK:
				default:
				}
			}
		}
		_ = w.cmd.Wait()
		select {
		case ready <- false:
		default:
		}
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatalf("nfsclient did not start: %v\n%s", w.Events(), w.stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("nfsclient did not mount within 30 s\n%s", w.stderr.String())
	}
	return w
}

// Events returns the events so far.
func (w *Writer) Events() []Event {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]Event(nil), w.events...)
}

// WaitWrites waits until n writes succeeded after the given time.
func (w *Writer) WaitWrites(after time.Time, n int, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		c := 0
		for _, e := range w.Events() {
			if e.Kind == "write" && e.OK && e.Time().After(after) {
				c++
			}
		}
		if c >= n {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// Stop asks nfsclient to finish: it reads the file back and reports
// whether every acknowledged byte is intact.
func (w *Writer) Stop(limit time.Duration) (Event, error) {
	_ = w.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-w.done:
	case <-time.After(limit):
		_ = w.cmd.Process.Kill()
		<-w.done
		return Event{}, fmt.Errorf("nfsclient did not verify within %v", limit)
	}
	for _, e := range w.Events() {
		if e.Kind == "verify" {
			return e, nil
		}
	}
	return Event{}, fmt.Errorf("nfsclient ended without verifying: %v\n%s", lastEvents(w.Events(), 5), w.stderr.String())
}

// Stall is the longest gap between two consecutive successful writes, the
// later of which came after t (nfsclient.Stall).
func Stall(events []Event, t time.Time) time.Duration { return nfsclient.Stall(events, t) }

func lastEvents(ev []Event, n int) []Event {
	if len(ev) > n {
		return ev[len(ev)-n:]
	}
	return ev
}
