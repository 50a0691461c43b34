package bench

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// Sample is one run of a command.
type Sample struct {
	Wall time.Duration
	CPU  time.Duration // user + system of the process and its waited-for children
	Exit int
}

// RunOnce runs argv with env added to the environment and measures it.
func RunOnce(ctx context.Context, env []string, argv ...string) (Sample, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	start := time.Now()
	err := cmd.Run()
	s := Sample{Wall: time.Since(start)}
	if cmd.ProcessState == nil {
		return s, fmt.Errorf("run %v: %w", argv, err)
	}
	s.Exit = cmd.ProcessState.ExitCode()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		s.CPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return s, nil
}

// Medians runs argv n times and returns the median wall and CPU time. Every
// run must exit with wantExit.
func Medians(ctx context.Context, n, wantExit int, env []string, argv ...string) (wall, cpu time.Duration, err error) {
	walls := make([]time.Duration, 0, n)
	cpus := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		s, err := RunOnce(ctx, env, argv...)
		if err != nil && s.Exit == 0 {
			return 0, 0, err
		}
		if s.Exit != wantExit {
			return 0, 0, fmt.Errorf("%v exited %d, want %d", argv, s.Exit, wantExit)
		}
		walls = append(walls, s.Wall)
		cpus = append(cpus, s.CPU)
	}
	return median(walls), median(cpus), nil
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[len(d)/2]
}

// SpawnCount runs argv once under strace and returns how many processes it
// created (clones without CLONE_THREAD, forks, vforks) and how many programs
// it executed after its own start (execve calls beyond the first).
func SpawnCount(ctx context.Context, env []string, argv ...string) (procs, execs int, err error) {
	if _, err := exec.LookPath("strace"); err != nil {
		return 0, 0, fmt.Errorf("strace is not installed: run make deps")
	}
	dir, err := os.MkdirTemp("", "baton-strace-")
	if err != nil {
		return 0, 0, err
	}
	defer os.RemoveAll(dir)
	log := filepath.Join(dir, "trace")
	args := append([]string{"-f", "-qq", "-o", log, "-e", "trace=execve,clone,clone3,fork,vfork"}, argv...)
	cmd := exec.CommandContext(ctx, "strace", args...)
	cmd.Env = append(os.Environ(), env...)
	_ = cmd.Run() // the traced command's own exit code is not the point
	f, err := os.Open(log)
	if err != nil {
		return 0, 0, fmt.Errorf("read strace log: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		// "PID syscall(args) = result"; unfinished/resumed halves of one call
		// are counted once, on the resumed half which carries the result.
		if strings.Contains(line, "<unfinished ...>") {
			continue
		}
		_, call, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		call = strings.TrimPrefix(strings.TrimLeft(call, " "), "<... ")
		switch {
		case strings.HasPrefix(call, "execve"):
			if !strings.Contains(line, "= -1") {
				execs++
			}
		case strings.HasPrefix(call, "fork"), strings.HasPrefix(call, "vfork"):
			procs++
		case strings.HasPrefix(call, "clone"):
			if !strings.Contains(line, "CLONE_THREAD") && !strings.Contains(line, "= -1") {
				procs++
			}
		}
	}
	if execs > 0 {
		execs-- // the command itself
	}
	return procs, execs, sc.Err()
}
