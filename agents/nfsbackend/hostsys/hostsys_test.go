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
