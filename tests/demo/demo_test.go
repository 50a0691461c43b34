// Package demo runs `baton demo` for real, as `make demo` does, and checks
// its outcome: the walk-through reports the failover's stall and intact
// data, the cluster left by --keep answers `baton status`, and `baton demo
// --down` leaves nothing behind.
package demo

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/harness"
)

func TestDemo(t *testing.T) {
	harness.NeedRoot(t)
	bin := harness.Baton(t)
	dir := filepath.Join(t.TempDir(), "demo")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// Whatever happens, leave nothing behind.
	t.Cleanup(func() {
		if _, err := os.Stat(dir); err == nil {
			_, _ = harness.Run(context.Background(), nil, bin, "demo", "--down", "--dir", dir)
		}
	})
	out, code := harness.Run(ctx, nil, bin, "demo", "--keep", "--dir", dir)
	t.Logf("baton demo --keep:\n%s", out)
	if code != 0 {
		t.Fatalf("baton demo: exit %d", code)
	}
	m := regexp.MustCompile(`Result: client-visible stall ([0-9.]+) s; ([0-9]+) acknowledged bytes read back, intact: true;`).FindStringSubmatch(out)
	if m == nil {
		t.Fatal("the walk-through does not report the stall and intact data")
	}
	if stall, _ := strconv.ParseFloat(m[1], 64); stall <= 0 || stall > 10 {
		t.Errorf("stall %s s", m[1])
	}
	if !strings.Contains(out, "at most one node held the VIP and /data at every sample") {
		t.Error("the walk-through does not confirm a single owner")
	}
	// The kept cluster answers, as the printed commands say.
	cfg := filepath.Join(dir, "node2", "baton.toml")
	if !strings.Contains(out, "baton status --config "+filepath.Join(dir, "node1", "baton.toml")+"\n") || !strings.Contains(out, "baton demo --down --dir "+dir+"\n") {
		t.Error("--keep did not print the commands to explore the cluster")
	}
	st, code := harness.Run(ctx, nil, bin, "status", "--config", cfg)
	if code != 0 || !strings.Contains(st, "vip") {
		t.Errorf("baton status on the kept cluster: exit %d\n%s", code, st)
	}
	var lab struct {
		Prefix string   `json:"prefix"`
		Loops  []string `json:"loops"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "lab.json"))
	if err == nil {
		err = json.Unmarshal(b, &lab)
	}
	if err != nil || lab.Prefix == "" {
		t.Fatalf("lab.json: %v", err)
	}
	if out, code := harness.Run(ctx, nil, bin, "demo", "--down", "--dir", dir); code != 0 {
		t.Fatalf("baton demo --down: exit %d\n%s", code, out)
	}
	// Nothing left: no namespace, no loop device on the image, no directory.
	ns, _ := exec.Command("ip", "netns", "list").Output()
	for _, line := range strings.Split(string(ns), "\n") {
		if strings.HasPrefix(line, lab.Prefix) {
			t.Errorf("namespace left behind: %s", line)
		}
	}
	loops, _ := exec.Command("losetup", "-a").Output()
	if strings.Contains(string(loops), dir) {
		t.Errorf("loop device left behind:\n%s", loops)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s left behind: %v", dir, err)
	}
}
