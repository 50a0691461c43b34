package ocf

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fakeImpl records what it was called with and returns what it is told to.
type fakeImpl struct {
	result   error
	validate error
	block    bool // wait for the deadline, as a hung operation would
	panics   bool
	got      *Request
	calls    []string
}

func (f *fakeImpl) do(ctx context.Context, r *Request, name string) error {
	f.calls = append(f.calls, name)
	f.got = r
	if f.panics {
		panic("oops")
	}
	if f.block {
		<-ctx.Done()
		return ctx.Err()
	}
	return f.result
}
func (f *fakeImpl) Start(ctx context.Context, r *Request) error   { return f.do(ctx, r, "start") }
func (f *fakeImpl) Stop(ctx context.Context, r *Request) error    { return f.do(ctx, r, "stop") }
func (f *fakeImpl) Monitor(ctx context.Context, r *Request) error { return f.do(ctx, r, "monitor") }
func (f *fakeImpl) Validate(ctx context.Context, r *Request) error {
	f.calls = append(f.calls, "validate")
	return f.validate
}

func testAgent(impl Resource) *Agent {
	return &Agent{Name: "Test", Version: "1.0", Shortdesc: "test agent", Longdesc: "A test agent.",
		Params: testDecls, Impl: impl}
}

func run(a *Agent, env []string, args ...string) (ExitCode, string, string) {
	var out, errb bytes.Buffer
	code := Run(a, RunOptions{Args: args, Environ: env, Stdout: &out, Stderr: &errb, Attrs: NewMemoryAttributes("t")})
	return code, out.String(), errb.String()
}

func TestRunActions(t *testing.T) {
	ok := []string{"OCF_RESKEY_ip=10.0.0.1", "OCF_RESOURCE_INSTANCE=t1"}
	tests := []struct {
		name       string
		impl       *fakeImpl
		env        []string
		args       []string
		want       ExitCode
		wantStderr string
		wantCalls  string
	}{
		{name: "no action", impl: &fakeImpl{}, want: ErrUnimplemented, wantStderr: "usage: Test"},
		{name: "unknown action", impl: &fakeImpl{}, args: []string{"frobnicate"}, want: ErrUnimplemented, wantStderr: `action "frobnicate" is not implemented`},
		{name: "promote unimplemented", impl: &fakeImpl{}, env: ok, args: []string{"promote"}, want: ErrUnimplemented, wantStderr: "usage:"},
		{name: "start", impl: &fakeImpl{}, env: ok, args: []string{"start"}, want: Success, wantCalls: "validate start"},
		{name: "monitor not running", impl: &fakeImpl{result: NotRunning}, env: ok, args: []string{"monitor"}, want: NotRunning, wantCalls: "monitor"},
		{name: "status is monitor", impl: &fakeImpl{result: NotRunning}, env: ok, args: []string{"status"}, want: NotRunning, wantCalls: "monitor"},
		{name: "missing required", impl: &fakeImpl{}, env: []string{}, args: []string{"start"}, want: ErrConfigured,
			wantStderr: "ocf-exit-reason:required parameter ip is not set"},
		{name: "bad integer", impl: &fakeImpl{}, env: append([]string{"OCF_RESKEY_count=x"}, ok...), args: []string{"monitor"}, want: ErrConfigured,
			wantStderr: `ocf-exit-reason:parameter count: "x" is not an integer`},
		{name: "validate-all runs the validator", impl: &fakeImpl{validate: Errorf(ErrArgs, "nic eth9 does not exist")}, env: ok,
			args: []string{"validate-all"}, want: ErrArgs, wantStderr: "ocf-exit-reason:nic eth9 does not exist", wantCalls: "validate"},
		{name: "start stops at validation", impl: &fakeImpl{validate: Errorf(ErrInstalled, "no mkfs")}, env: ok,
			args: []string{"start"}, want: ErrInstalled, wantCalls: "validate"},
		{name: "stop skips validation", impl: &fakeImpl{validate: Errorf(ErrArgs, "x")}, env: ok, args: []string{"stop"}, want: Success, wantCalls: "stop"},
		{name: "plain error", impl: &fakeImpl{result: errors.New("disk on fire")}, env: ok, args: []string{"monitor"}, want: ErrGeneric,
			wantStderr: "ocf-exit-reason:disk on fire", wantCalls: "monitor"},
		{name: "deadline", impl: &fakeImpl{block: true}, env: append([]string{"OCF_RESKEY_CRM_meta_timeout=1000"}, ok...),
			args: []string{"start"}, want: ErrGeneric, wantStderr: "ocf-exit-reason:start did not finish within 800ms", wantCalls: "validate start"},
		{name: "panic", impl: &fakeImpl{panics: true}, env: ok, args: []string{"monitor"}, want: ErrGeneric,
			wantStderr: "ocf-exit-reason:internal error in Test monitor: oops", wantCalls: "monitor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := run(testAgent(tt.impl), tt.env, tt.args...)
			if code != tt.want {
				t.Errorf("exit %v, want %v; stderr:\n%s", code, tt.want, stderr)
			}
			if !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.wantStderr, stderr)
			}
			if got := strings.Join(tt.impl.calls, " "); got != tt.wantCalls {
				t.Errorf("calls %q, want %q", got, tt.wantCalls)
			}
		})
	}
}

func TestRunDeadlineBeforePacemakerKills(t *testing.T) {
	impl := &fakeImpl{block: true}
	start := time.Now()
	code, _, _ := run(testAgent(impl), []string{"OCF_RESKEY_ip=x", "OCF_RESKEY_CRM_meta_timeout=2000"}, "monitor")
	if code != ErrGeneric {
		t.Fatalf("exit %v", code)
	}
	if took := time.Since(start); took >= 2*time.Second {
		t.Errorf("returned after %v, at or past Pacemaker's 2 s timeout", took)
	}
}

func TestRunPassesRequest(t *testing.T) {
	impl := &fakeImpl{}
	code, _, _ := run(testAgent(impl), []string{"OCF_RESKEY_ip=10.0.0.9", "OCF_RESOURCE_INSTANCE=vip",
		"OCF_RESKEY_CRM_meta_interval=0"}, "monitor")
	if code != Success {
		t.Fatal(code)
	}
	r := impl.got
	if r.Params.String("ip") != "10.0.0.9" || r.Env.Instance != "vip" || !r.IsProbe() || r.Action != "monitor" || r.Attrs == nil || r.Log == nil {
		t.Errorf("request: %+v", r)
	}
}

func TestMetaDataWithEmptyEnvironment(t *testing.T) {
	code, out, stderr := run(testAgent(&fakeImpl{}), nil, "meta-data")
	if code != Success || stderr != "" {
		t.Fatalf("exit %v, stderr %q", code, stderr)
	}
	golden := filepath.Join("testdata", "Test.xml")
	if *update {
		if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if out != string(want) {
		t.Errorf("meta-data differs from %s (go test ./ocf -update rewrites it):\n%s", golden, out)
	}
}

func TestMethods(t *testing.T) {
	code, out, _ := run(testAgent(&fakeImpl{}), nil, "methods")
	if code != Success {
		t.Fatal(code)
	}
	if got := strings.Fields(out); strings.Join(got, " ") != "start stop monitor validate-all meta-data methods usage" {
		t.Errorf("methods: %v", got)
	}
}

func TestMargin(t *testing.T) {
	for in, want := range map[time.Duration]time.Duration{
		20 * time.Second: 2 * time.Second, 120 * time.Second: 5 * time.Second,
		time.Second: 200 * time.Millisecond, 300 * time.Millisecond: 150 * time.Millisecond,
	} {
		if got := Margin(in); got != want {
			t.Errorf("Margin(%v) = %v, want %v", in, got, want)
		}
	}
}
