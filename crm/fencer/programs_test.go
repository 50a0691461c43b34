package fencer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestProgramsSpeakTheStdinProtocol(t *testing.T) {
	dir, _ := filepath.Abs("testdata")
	p := &Programs{Dirs: []string{dir}, Env: []string{"PATH=/usr/bin:/bin"}}
	out := filepath.Join(t.TempDir(), "stdin")
	params, err := p.Metadata(context.Background(), "fence_script")
	if err != nil || !params["port"] || params["plug"] {
		t.Fatalf("metadata: %v %v", params, err)
	}
	f := &Devices{Self: "node1", Runner: p}
	f.SetSetup(&Setup{Options: Options{Enabled: true, Action: "reboot", Timeout: 5 * time.Second},
		Devices: []*Device{{ID: "sw", Agent: "fence_script", HostCheck: CheckNone, HostMap: map[string]string{"node2": "7"},
			Params: map[string]string{"out": out, "mode": "ok"}}}})
	res := f.Fence(context.Background(), Request{Target: "node2"})
	if !res.OK {
		t.Fatalf("fence: %+v", res)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Fields(string(b))
	want := []string{"action=reboot", "mode=ok", "nodename=node2", "out=" + out, "port=7"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("stdin lines %q, want %q", got, want)
	}
}

func TestProgramsHangFailMissing(t *testing.T) {
	dir, _ := filepath.Abs("testdata")
	p := &Programs{Dirs: []string{dir}}
	st, _, err := p.Run(context.Background(), "fence_script", map[string]string{"mode": "hang", "action": "off"}, 300*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Errorf("hanging agent: status %d err %v, want a timeout", st, err)
	}
	st, out, err := p.Run(context.Background(), "fence_script", map[string]string{"mode": "fail", "action": "off"}, 5*time.Second)
	if err != nil || st != 1 || !strings.Contains(out, "refused") {
		t.Errorf("failing agent: status %d out %q err %v", st, out, err)
	}
	if _, _, err := p.Run(context.Background(), "fence_nosuch", nil, time.Second); !errors.Is(err, ErrAgentMissing) {
		t.Errorf("missing agent: %v", err)
	}
	if _, _, err := p.Run(context.Background(), "../fence_script", nil, time.Second); err == nil {
		t.Error("a path must not be accepted as an agent name")
	}
}

// TestDebianAgentMetadata reads a real fence agent's metadata (Debian's
// fence-agents, installed by scripts/deps.sh): today's agents take plug.
func TestDebianAgentMetadata(t *testing.T) {
	p := &Programs{}
	if _, err := p.Path("fence_ipmilan"); err != nil {
		t.Skip("fence-agents is not installed:", err)
	}
	params, err := p.Metadata(context.Background(), "fence_ipmilan")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"plug", "port", "ip", "username", "password", "action"} {
		if !params[want] {
			t.Errorf("fence_ipmilan metadata lacks %q: %v", want, params)
		}
	}
}
