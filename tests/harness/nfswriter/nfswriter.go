// Package nfswriter runs tests/nfs/nfsclient, the long-lived NFSv3 writer,
// inside a test network namespace and reads its event stream: every write
// attempt with its time and outcome, and at the end whether every
// acknowledged byte reads back. Tests measure client-visible stalls from it.
package nfswriter

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
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
	*nfsclient.Stream
	stderr bytes.Buffer
}

// Start runs nfsclient in host's namespace against server:export, writing
// file, and waits until it has the file open.
func Start(t testing.TB, host *netns.Host, server, export, file string) *Writer {
	t.Helper()
	w := &Writer{}
	cmd := host.Command(context.Background(), Binary(t), "-server", server, "-export", export, "-file", file)
	cmd.Stderr = &w.stderr
	var err error
	if w.Stream, err = nfsclient.Start(cmd, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Kill)
	if err := w.WaitReady(30 * time.Second); err != nil {
		t.Fatalf("%v\n%s", err, w.stderr.String())
	}
	return w
}

// Stall is the longest gap between two consecutive successful writes, the
// later of which came after t (nfsclient.Stall).
func Stall(events []Event, t time.Time) time.Duration { return nfsclient.Stall(events, t) }

// StallUntil is Stall counting a client hung until end (nfsclient.StallUntil).
func StallUntil(events []Event, t, end time.Time) time.Duration {
	return nfsclient.StallUntil(events, t, end)
}
