package procgroup

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestRun(t *testing.T) {
	for _, tc := range []struct {
		name    string
		script  string
		timeout time.Duration
		grace   time.Duration
		want    Outcome
		code    int
	}{
		{"exits", "exit 3", time.Minute, time.Second, Exited, 3},
		{"timeout, SIGKILL at once", "sleep 60", 100 * time.Millisecond, 0, TimedOut, -1},
		{"timeout, SIGTERM honoured", "trap 'exit 7' TERM; sleep 60 & wait", 100 * time.Millisecond, 5 * time.Second, TimedOut, 7},
		{"timeout, SIGTERM ignored", "trap '' TERM; sleep 60 & wait; sleep 60", 100 * time.Millisecond, 200 * time.Millisecond, TimedOut, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			how, err := Run(context.Background(), exec.Command("sh", "-c", tc.script), tc.timeout, tc.grace)
			if how != tc.want {
				t.Errorf("outcome %v, want %v (err %v)", how, tc.want, err)
			}
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			}
			if code != tc.code {
				t.Errorf("exit code %d, want %d (err %v)", code, tc.code, err)
			}
			if took := time.Since(start); took > 10*time.Second {
				t.Errorf("took %v", took)
			}
		})
	}
}

// TestRunKillsTheWholeGroup: what the program started in the foreground
// dies with it, also when ctx ends.
func TestRunKillsTheWholeGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "child")
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.Command("sh", "-c", `sleep 60 & echo $! > "$0"; wait`, pidFile)
	res := make(chan Outcome, 1)
	go func() { how, _ := Run(ctx, cmd, time.Minute, 0); res <- how }()
	var pid int
	deadline := time.Now().Add(10 * time.Second)
	for pid == 0 {
		if b, err := os.ReadFile(pidFile); err == nil && strings.HasSuffix(string(b), "\n") {
			pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		}
		if time.Now().After(deadline) {
			t.Fatal("the child never wrote its pid")
		}
		time.Sleep(10 * time.Millisecond) // polling the file, bounded above
	}
	cancel()
	if how := <-res; how != Cancelled {
		t.Errorf("outcome %v, want Cancelled", how)
	}
	// Killed, the child is gone or a zombie waiting for init to reap it.
	deadline = time.Now().Add(10 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("the child %d outlived its group's kill", pid)
		}
		time.Sleep(10 * time.Millisecond) // polling, bounded above
	}
}

func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the command name's closing parenthesis.
	i := strings.LastIndexByte(string(b), ')')
	return i < 0 || i+2 >= len(b) || b[i+2] != 'Z'
}

func TestStartFailure(t *testing.T) {
	how, err := Run(context.Background(), exec.Command("/nonexistent/agent"), time.Second, 0)
	if how != Exited || err == nil {
		t.Errorf("outcome %v, err %v: want Exited with the start error", how, err)
	}
}
