package hostsys

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// TestHostnameNamespace: a program run with Hostname sees that host name,
// and the caller's own stays as it was.
func TestHostnameNamespace(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (CI runs as root)")
	}
	before, _ := os.Hostname()
	h := HostSystem{Root: "/"}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := h.Run(ctx, Cmd{Path: "hostname", Hostname: "scope.baton.test"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(out) != "scope.baton.test" {
		t.Fatalf("hostname in the new UTS namespace = %q", out)
	}
	for i := 0; i < 20; i++ { // whichever thread runs next
		if now, _ := os.Hostname(); now != before {
			t.Fatalf("the agent's own host name changed to %q", now)
		}
		time.Sleep(time.Millisecond)
	}
	out, err = h.Run(ctx, Cmd{Path: "hostname"})
	if err != nil || strings.TrimSpace(out) != before {
		t.Fatalf("hostname without Hostname = %q, %v; want %q", out, err, before)
	}
}

func TestRunFailure(t *testing.T) {
	h := HostSystem{Root: "/"}
	_, err := h.Run(context.Background(), Cmd{Path: "sh", Args: []string{"-c", "echo broken >&2; exit 3"}})
	if err == nil || !strings.Contains(err.Error(), "broken") {
		t.Fatalf("err = %v, want the output in it", err)
	}
}

func TestLocalAddrs(t *testing.T) {
	addrs, err := LocalAddrs()
	if err != nil {
		t.Fatal(err)
	}
	if len(addrs) == 0 || !addrs[0].IsLoopback() {
		t.Fatalf("LocalAddrs = %v, want the loopback address first", addrs)
	}
}

// TestSettle: a started program that fails at once is reported with its
// exit status and its output in the log; one that keeps running is not
// waited for beyond the bound.
func TestSettle(t *testing.T) {
	h := HostSystem{Root: "/"}
	log := t.TempDir() + "/out.log"
	pid, err := h.Start(Cmd{Path: "sh", Args: []string{"-c", "echo boom >&2; exit 3"}, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	exited, err := h.Settle(pid, 10*time.Second)
	if !exited || err == nil || !strings.Contains(err.Error(), "exit status 3") {
		t.Fatalf("Settle of a program that exits 3: exited %v, err %v", exited, err)
	}
	if b, _ := os.ReadFile(log); strings.TrimSpace(string(b)) != "boom" {
		t.Errorf("log = %q, want the program's stderr", b)
	}
	pid, err = h.Start(Cmd{Path: "sleep", Args: []string{"30"}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = h.Signal(pid, 9) }()
	began := time.Now()
	if exited, err := h.Settle(pid, 100*time.Millisecond); exited || err != nil {
		t.Fatalf("Settle of a running program: exited %v, err %v", exited, err)
	}
	if d := time.Since(began); d > 5*time.Second {
		t.Errorf("Settle of a running program took %v, bound 100ms", d)
	}
	if exited, err := h.Settle(12345678, time.Second); exited || err != nil {
		t.Errorf("Settle of a pid Start did not return: %v, %v", exited, err)
	}
}
