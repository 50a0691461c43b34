package executor

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baton-ha/baton/ocf"
	"github.com/baton-ha/baton/tests/harness"
)

// ocfRoot makes an OCF tree whose baton provider holds the real binary as
// Dummy and Stateful, plus a shell agent that hangs, to test timeouts.
func ocfRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "resource.d", "baton")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := harness.Baton(t)
	for _, n := range []string{"Dummy", "Stateful"} {
		if err := os.Symlink(bin, filepath.Join(dir, n)); err != nil {
			t.Fatal(err)
		}
	}
	hang := "#!/bin/sh\necho \"ocf-exit-reason:never printed\" >/dev/null\nexec sleep 60\n"
	if err := os.WriteFile(filepath.Join(dir, "Hang"), []byte(hang), 0o755); err != nil {
		t.Fatal(err)
	}
	return root
}

func TestRunDummy(t *testing.T) {
	e := &Executor{OCFRoot: ocfRoot(t), Node: "node1"}
	state := filepath.Join(t.TempDir(), "d.state")
	op := func(action string) Operation {
		return Operation{Resource: "d1", Class: "ocf", Provider: "baton", Type: "Dummy", Action: action,
			Timeout: 10 * time.Second, Params: map[string]string{"state": state}}
	}
	ctx := context.Background()
	for _, step := range []struct {
		action string
		want   ocf.ExitCode
	}{{"monitor", ocf.NotRunning}, {"start", ocf.Success}, {"monitor", ocf.Success}, {"stop", ocf.Success}} {
		if r := e.Run(ctx, op(step.action)); r.RC != step.want {
			t.Fatalf("%s: rc %v, want %v (%s)", step.action, r.RC, step.want, r.Output)
		}
	}
	bad := op("start")
	bad.Params = map[string]string{"op_sleep": "forever"}
	r := e.Run(ctx, bad)
	if r.RC != ocf.ErrConfigured || !strings.Contains(r.Reason, "parameter op_sleep") {
		t.Errorf("bad parameter: rc %v reason %q", r.RC, r.Reason)
	}
}

func TestEnvironmentLikeExecd(t *testing.T) {
	e := &Executor{OCFRoot: "/x", Node: "n1", Env: []string{"HA_LOGFACILITY=daemon"}}
	env := strings.Join(e.Environ(Operation{Resource: "st:1", Provider: "baton", Type: "Stateful", Action: "notify",
		Timeout: 5 * time.Second, Params: map[string]string{"state": "/s", "OCF_CHECK_LEVEL": "10"},
		Meta: map[string]string{"clone": "1", "notify_type": "pre", "notify_promote_uname": "n2"}}), "\n")
	for _, want := range []string{"OCF_ROOT=/x", "OCF_RESOURCE_INSTANCE=st:1", "OCF_RESOURCE_TYPE=Stateful",
		"OCF_RESOURCE_PROVIDER=baton", "OCF_RESKEY_state=/s", "OCF_CHECK_LEVEL=10", "OCF_RESKEY_CRM_meta_timeout=5000",
		"OCF_RESKEY_CRM_meta_interval=0", "OCF_RESKEY_CRM_meta_name=notify", "OCF_RESKEY_CRM_meta_on_node=n1",
		"OCF_RESKEY_CRM_meta_clone=1", "OCF_RESKEY_CRM_meta_notify_type=pre", "OCF_RESKEY_CRM_meta_notify_promote_uname=n2",
		"HA_LOGFACILITY=daemon", "OCF_RA_VERSION_MAJOR=1"} {
		if !strings.Contains(env, want+"\n") && !strings.HasSuffix(env, want) {
			t.Errorf("environment lacks %s", want)
		}
	}
}

func TestTimeoutKillsAgent(t *testing.T) {
	e := &Executor{OCFRoot: ocfRoot(t), KillGrace: 200 * time.Millisecond}
	start := time.Now()
	r := e.Run(context.Background(), Operation{Resource: "h", Class: "ocf", Provider: "baton", Type: "Hang", Action: "start", Timeout: 300 * time.Millisecond})
	if !r.TimedOut || r.RC != ocf.ErrGeneric || !strings.Contains(r.Reason, "timed out") {
		t.Fatalf("result %+v", r)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("a hung agent held the executor for %v", took)
	}
}

func TestMissingAgentAndClass(t *testing.T) {
	e := &Executor{OCFRoot: t.TempDir()}
	if r := e.Run(context.Background(), Operation{Resource: "x", Provider: "baton", Type: "Nope", Action: "start"}); r.RC != ocf.ErrInstalled {
		t.Errorf("missing agent: %+v", r)
	}
	if r := e.Run(context.Background(), Operation{Resource: "x", Class: "lsb", Type: "nfs", Action: "start"}); r.RC != ocf.ErrUnimplemented {
		t.Errorf("lsb: %+v", r)
	}
}

func TestRecurringReportsChanges(t *testing.T) {
	e := &Executor{OCFRoot: ocfRoot(t)}
	state := filepath.Join(t.TempDir(), "d.state")
	traces := t.TempDir() // each monitor run leaves a trace_ra file (ocf/trace.go)
	op := Operation{Resource: "d1", Class: "ocf", Provider: "baton", Type: "Dummy", Action: "monitor",
		Interval: 100 * time.Millisecond, Timeout: 5 * time.Second,
		Params: map[string]string{"state": state, "trace_ra": "1", "trace_dir": traces}}
	if err := os.WriteFile(state, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	first := e.Run(context.Background(), op)
	if first.RC != ocf.Success {
		t.Fatal(first)
	}
	m := NewMonitors(e)
	defer m.Stop()
	var mu sync.Mutex
	var got []ocf.ExitCode
	m.Start(op, first, func(r Result) {
		mu.Lock()
		got = append(got, r.RC)
		mu.Unlock()
	})
	// Three more runs with the same result: none of them is reported.
	before := countTraces(t, traces)
	waitUntil(t, "three recurring monitors", func() bool { return countTraces(t, traces) >= before+3 })
	mu.Lock()
	if len(got) != 0 {
		t.Errorf("unchanged results reported: %v", got)
	}
	mu.Unlock()
	os.Remove(state) // the resource "fails"
	waitUntil(t, "the change reported", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) > 0
	})
	mu.Lock()
	if len(got) != 1 || got[0] != ocf.NotRunning {
		t.Errorf("reports %v, want one NotRunning", got)
	}
	mu.Unlock()
	m.Cancel("d1", "")
	if len(m.Active()) != 0 {
		t.Errorf("still active: %v", m.Active())
	}
}

// A provider or type that is a path never runs a program outside the OCF
// root, even one that exists and is executable.
func TestAgentNamesStayUnderOCFRoot(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "ocf")
	marker := filepath.Join(dir, "ran")
	evil := filepath.Join(dir, "evil.sh")
	if err := os.WriteFile(evil, []byte("#!/bin/sh\ntouch "+marker+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	e := &Executor{OCFRoot: root}
	for _, op := range []Operation{
		{Resource: "x", Class: "ocf", Provider: "../..", Type: "evil.sh", Action: "start"},
		{Resource: "x", Class: "ocf", Provider: "..", Type: "../evil.sh", Action: "start"},
		{Resource: "x", Class: "ocf", Provider: "p", Type: strings.TrimPrefix(evil, "/"), Action: "start"},
	} {
		if err := os.MkdirAll(filepath.Join(root, "resource.d", "p"), 0o755); err != nil {
			t.Fatal(err)
		}
		res := e.Run(context.Background(), op)
		if res.RC != ocf.ErrConfigured || !strings.Contains(res.Reason, "plain names") {
			t.Errorf("%s/%s: rc %d %q", op.Provider, op.Type, res.RC, res.Reason)
		}
		if _, err := os.Stat(marker); err == nil {
			t.Fatalf("%s/%s ran a program outside the OCF root", op.Provider, op.Type)
		}
	}
}

// countTraces counts the finished monitor runs traced in dir.
func countTraces(t *testing.T, dir string) int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "d1.monitor.*"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range files {
		if b, _ := os.ReadFile(f); strings.Contains(string(b), ": rc=") {
			n++
		}
	}
	return n
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
