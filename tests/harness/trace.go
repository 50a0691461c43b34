package harness

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// Traces are the trace_ra files (ocf/trace.go) Baton's agents write when a
// resource has `trace_ra=1` and `trace_dir=DIR`: one per invocation. They are
// how a test sees that a cluster manager really ran an operation, where the
// CIB keeps only the latest result of a recurring monitor.

// TraceParams returns the instance attributes that make a resource trace
// every action into dir, as nvpairs with ids prefixed by id.
func TraceParams(id, dir string) string {
	return `<nvpair id="` + id + `-trace-ra" name="trace_ra" value="1"/>` +
		`<nvpair id="` + id + `-trace-dir" name="trace_dir" value="` + dir + `"/>`
}

// Trace is one recorded invocation.
type Trace struct {
	Path string
	Text string
}

// Has reports whether the invocation ran with the OCF variable kv
// ("OCF_CHECK_LEVEL=20") in its environment.
func (tr Trace) Has(kv string) bool { return strings.Contains(tr.Text, "\n+ "+kv+"\n") }

// Recurring reports whether the invocation was a recurring operation, not
// a probe or a one-off.
func (tr Trace) Recurring() bool {
	return strings.Contains(tr.Text, "\n+ OCF_RESKEY_CRM_meta_interval=") && !tr.Has("OCF_RESKEY_CRM_meta_interval=0")
}

// Succeeded reports whether the invocation exited 0.
func (tr Trace) Succeeded() bool { return strings.Contains(tr.Text, ": rc=0 ") }

// Traces returns the traced invocations of action on instance found in dir,
// oldest first.
func Traces(dir, instance, action string) []Trace {
	files, _ := filepath.Glob(filepath.Join(dir, instance+"."+action+".*"))
	sort.Strings(files)
	var out []Trace
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil || !strings.Contains(string(b), ": rc=") { // still running
			continue
		}
		out = append(out, Trace{Path: f, Text: string(b)})
	}
	return out
}

// WaitTraces waits at most limit until n finished invocations of action on
// instance that match (nil: all) are in dir, and fails t otherwise. It
// returns the matching ones.
func WaitTraces(t testing.TB, dir, instance, action string, n int, limit time.Duration, match func(Trace) bool) []Trace {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		var got []Trace
		for _, tr := range Traces(dir, instance, action) {
			if match == nil || match(tr) {
				got = append(got, tr)
			}
		}
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d matching %s %s invocations traced in %s within %v, want %d", len(got), instance, action, dir, limit, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
