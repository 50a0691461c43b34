package ocf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTraceRA: with trace_ra set, each invocation leaves its own file where
// resource-agents puts them, with the debug messages no log shows and the
// exit code; without it, nothing is written.
func TestTraceRA(t *testing.T) {
	tests := []struct {
		name    string
		env     func(dir string) []string
		wantDir func(dir string) string
	}{
		{"trace_ra under HA_VARLIB", func(dir string) []string {
			return []string{"OCF_RESKEY_trace_ra=yes", "HA_VARLIB=" + dir}
		}, func(dir string) string { return filepath.Join(dir, "trace_ra", "Test") }},
		{"trace_dir", func(dir string) []string {
			return []string{"OCF_RESKEY_trace_ra=1", "OCF_RESKEY_trace_dir=" + filepath.Join(dir, "here")}
		}, func(dir string) string { return filepath.Join(dir, "here") }},
		{"OCF_TRACE_RA", func(dir string) []string {
			return []string{"OCF_TRACE_RA=true", "HA_VARLIB=" + dir}
		}, func(dir string) string { return filepath.Join(dir, "trace_ra", "Test") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			env := append(tt.env(dir), "OCF_RESKEY_ip=10.0.0.1", "OCF_RESOURCE_INSTANCE=t1")
			for _, want := range []ExitCode{Success, NotRunning} {
				if code, _, stderr := run(testAgent(&fakeImpl{result: want}), env, "monitor"); code != want {
					t.Fatalf("monitor = %v, want %v: %s", code, want, stderr)
				}
			}
			files, _ := filepath.Glob(filepath.Join(tt.wantDir(dir), "t1.monitor.*"))
			if len(files) != 2 {
				t.Fatalf("trace files %v, want one per invocation (2)", files)
			}
			var all string
			for _, f := range files {
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				all += string(b)
			}
			for _, want := range []string{"OCF_RESKEY_ip=10.0.0.1", "monitor finished", "rc=0", "rc=7"} {
				if !strings.Contains(all, want) {
					t.Errorf("traces lack %q:\n%s", want, all)
				}
			}
		})
	}
	dir := t.TempDir()
	if code, _, _ := run(testAgent(&fakeImpl{}), []string{"HA_VARLIB=" + dir, "OCF_RESKEY_trace_ra=0", "OCF_RESKEY_ip=x"}, "monitor"); code != Success {
		t.Fatal(code)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("trace_ra=0 wrote %v", entries)
	}
}
