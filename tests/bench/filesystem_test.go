package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/baton-ha/baton/tests/harness"
	"github.com/baton-ha/baton/tests/harness/loopdev"
)

const heartbeatFilesystem = "/usr/lib/ocf/resource.d/heartbeat/Filesystem"

// fsMount is an ext4 loop device and its mount point.
type fsMount struct {
	dev, dir string
}

func (m fsMount) env(instance string) []string {
	return []string{"OCF_ROOT=/usr/lib/ocf", "OCF_RESOURCE_INSTANCE=" + instance, "HA_LOGFACILITY=none",
		"OCF_RESKEY_device=" + m.dev, "OCF_RESKEY_directory=" + m.dir, "OCF_RESKEY_fstype=ext4",
		"OCF_RESKEY_CRM_meta_timeout=60000"}
}

func newFSMounts(b *testing.B, n int) []fsMount {
	b.Helper()
	harness.NeedCommand(b, "mkfs.ext4")
	out := make([]fsMount, n)
	for i := range out {
		d := loopdev.New(b, 32)
		d.Mkfs(b, "ext4")
		out[i] = fsMount{dev: d.Path, dir: filepath.Join(b.TempDir(), "mnt")}
		dir := out[i].dir
		b.Cleanup(func() {
			if err := unix.Unmount(dir, 0); err != nil && errors.Is(err, unix.EBUSY) {
				_ = unix.Unmount(dir, unix.MNT_DETACH)
			}
		})
	}
	return out
}

// isMountPoint reports whether dir is a mount point in this process's
// mount table.
func isMountPoint(b *testing.B, dir string) bool {
	b.Helper()
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) > 4 && f[4] == dir {
			return true
		}
	}
	return false
}

func mustRun(ctx context.Context, b *testing.B, env []string, argv ...string) Sample {
	b.Helper()
	s, err := RunOnce(ctx, env, argv...)
	if err != nil || s.Exit != 0 {
		b.Fatalf("%v: exit %d: %v", argv, s.Exit, err)
	}
	return s
}

// BenchmarkFilesystemMonitor measures a depth-0 monitor of a mounted ext4
// filesystem, ocf:baton:Filesystem beside ocf:heartbeat:Filesystem on the
// same mount: 100 whole-process runs each, children counted with strace.
func BenchmarkFilesystemMonitor(b *testing.B) {
	harness.NeedRoot(b)
	agent := filepath.Join(harness.AgentDir(b, "Filesystem"), "Filesystem")
	m := newFSMounts(b, 1)[0]
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	env := append(m.env("fsbench"), "OCF_RESKEY_CRM_meta_interval=20000", "OCF_CHECK_LEVEL=0")
	mustRun(ctx, b, env, agent, "start")
	const runs = 100
	for _, c := range []struct{ name, path string }{
		{"baton", agent},
		{"heartbeat", heartbeatFilesystem},
	} {
		b.Run(c.name, func(b *testing.B) {
			if _, err := os.Stat(c.path); err != nil {
				b.Skipf("%s: %v", c.path, err)
			}
			for i := 0; i < b.N; i++ {
				wall, cpu, err := Medians(ctx, runs, 0, env, c.path, "monitor")
				if err != nil {
					b.Fatal(err)
				}
				procs, execs, err := SpawnCount(ctx, env, c.path, "monitor")
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
	mustRun(ctx, b, env, agent, "stop")
}

// BenchmarkFilesystemStopTen measures stopping ten mounted ext4
// filesystems in a row, each agent on the same ten mounts (mounted again by
// ocf:baton:Filesystem before every round, untimed): idle, and with one
// process holding each mount (its working directory inside), which the
// agents must kill. Median of 3 rounds.
func BenchmarkFilesystemStopTen(b *testing.B) {
	harness.NeedRoot(b)
	agent := filepath.Join(harness.AgentDir(b, "Filesystem"), "Filesystem")
	mounts := newFSMounts(b, 10)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	const rounds = 3
	for _, busy := range []bool{false, true} {
		for _, c := range []struct{ name, path string }{
			{"baton", agent},
			{"heartbeat", heartbeatFilesystem},
		} {
			name := c.name + "/idle"
			if busy {
				name = c.name + "/busy"
			}
			b.Run(name, func(b *testing.B) {
				if _, err := os.Stat(c.path); err != nil {
					b.Skipf("%s: %v", c.path, err)
				}
				for i := 0; i < b.N; i++ {
					walls := make([]time.Duration, 0, rounds)
					cpus := make([]time.Duration, 0, rounds)
					for r := 0; r < rounds; r++ {
						var holders []*exec.Cmd
						for j, m := range mounts {
							mustRun(ctx, b, m.env(fmt.Sprintf("fs%d", j)), agent, "start")
							if busy {
								h := exec.Command("sleep", "600")
								h.Dir = m.dir
								if err := h.Start(); err != nil {
									b.Fatal(err)
								}
								holders = append(holders, h)
							}
						}
						var wall, cpu time.Duration
						for j, m := range mounts {
							s := mustRun(ctx, b, m.env(fmt.Sprintf("fs%d", j)), c.path, "stop")
							wall += s.Wall
							cpu += s.CPU
						}
						for _, h := range holders {
							_ = h.Process.Kill()
							_ = h.Wait()
						}
						for _, m := range mounts {
							if isMountPoint(b, m.dir) {
								b.Fatalf("%s still mounted after %s stop", m.dir, c.name)
							}
						}
						walls = append(walls, wall)
						cpus = append(cpus, cpu)
					}
					b.ReportMetric(float64(median(walls).Microseconds())/1000, "ms-wall-10-stops")
					b.ReportMetric(float64(median(cpus).Microseconds())/1000, "ms-cpu-10-stops")
				}
			})
		}
	}
}
