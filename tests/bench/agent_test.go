package bench

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/harness"
)

// BenchmarkDummyProcess measures `Dummy monitor` and `Dummy meta-data` as
// whole processes, the way execd runs them, beside Pacemaker's shell Dummy.
func BenchmarkDummyProcess(b *testing.B) {
	dir := harness.AgentDir(b, "Dummy")
	state := filepath.Join(b.TempDir(), "d.state")
	if err := os.WriteFile(state, nil, 0o644); err != nil {
		b.Fatal(err)
	}
	env := []string{"OCF_ROOT=/usr/lib/ocf", "OCF_RESOURCE_INSTANCE=d", "OCF_RESKEY_state=" + state,
		"OCF_RESKEY_CRM_meta_interval=10000", "OCF_RESKEY_CRM_meta_timeout=20000"}
	const runs = 200
	cases := []struct {
		name, path, action string
		exit               int
	}{
		{"baton/monitor", filepath.Join(dir, "Dummy"), "monitor", 0},
		{"baton/meta-data", filepath.Join(dir, "Dummy"), "meta-data", 0},
		{"pacemaker/monitor", "/usr/lib/ocf/resource.d/pacemaker/Dummy", "monitor", 0},
		{"pacemaker/meta-data", "/usr/lib/ocf/resource.d/pacemaker/Dummy", "meta-data", 0},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			if _, err := os.Stat(c.path); err != nil {
				b.Skipf("%s: %v", c.path, err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			for i := 0; i < b.N; i++ {
				wall, cpu, err := Medians(ctx, runs, c.exit, env, c.path, c.action)
				if err != nil {
					b.Fatal(err)
				}
				procs, execs, err := SpawnCount(ctx, env, c.path, c.action)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(wall.Microseconds())/1000, "ms-wall-median")
				b.ReportMetric(float64(cpu.Microseconds())/1000, "ms-cpu-median")
				b.ReportMetric(float64(procs), "children")
				b.ReportMetric(float64(execs), "programs-run")
			}
		})
	}
}
