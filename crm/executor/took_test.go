package executor

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/baton-ha/baton/ocf"
)

// Result.Took is the operation's run time, on the success path and on the
// early returns alike (the daemon logs it as took=...).
func TestTookMeasuresTheRun(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "resource.d", "test")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	slow := "#!/bin/sh\nsleep 0.3\nexit 0\n"
	if err := os.WriteFile(filepath.Join(dir, "Slow"), []byte(slow), 0o755); err != nil {
		t.Fatal(err)
	}
	e := &Executor{OCFRoot: root, Node: "node1"}
	r := e.Run(context.Background(), Operation{Resource: "s", Class: "ocf", Provider: "test", Type: "Slow",
		Action: "monitor", Timeout: 10 * time.Second})
	if r.RC != ocf.Success {
		t.Fatalf("rc %v: %s", r.RC, r.Output)
	}
	if r.Took < 300*time.Millisecond {
		t.Errorf("Took = %v for an agent that sleeps 300 ms", r.Took)
	}
	missing := e.Run(context.Background(), Operation{Resource: "m", Class: "ocf", Provider: "test", Type: "Nope", Action: "monitor"})
	if missing.RC != ocf.ErrInstalled || missing.Took <= 0 {
		t.Errorf("missing agent: rc %v, Took %v; want rc 5 and a positive Took", missing.RC, missing.Took)
	}
}
