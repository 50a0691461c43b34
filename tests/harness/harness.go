// Package harness holds what Baton's integration tests share: building the
// binary once, installing agents where OCF tools look for them, root checks,
// and running ocf-tester. Sub-packages set up real components (network
// namespaces, loop devices, Pacemaker).
package harness

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// NeedRoot is the one switch for tests on real components (namespaces,
// mounts, loop devices, daemons, Pacemaker): it skips t unless they are
// allowed, that is when running as root and not under -short. CI runs
// `make test` as root, so they run there; `make test-unit` (-short, no root
// needed) skips exactly these.
func NeedRoot(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("real components: skipped under -short (make test-unit)")
	}
	if os.Geteuid() != 0 {
		t.Skip("real components need root (CI runs as root)")
	}
}

// NeedCommand fails t when a program the test needs is missing: `make deps`
// installs every one of them, so a missing program is a broken setup, not a
// reason to skip.
func NeedCommand(t testing.TB, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			t.Fatalf("%s is not installed: run `make deps` (scripts/deps.sh)", n)
		}
	}
}

// RepoRoot returns the repository's top directory.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// Baton builds the baton binary once per test process and returns its path.
func Baton(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := ProcessTempDir("baton-test-bin")
		if err != nil {
			buildErr = err
			return
		}
		// ocf-tester runs meta-data as user nobody, who must reach the binary.
		_ = os.Chmod(dir, 0o755)
		buildPath = filepath.Join(dir, "baton")
		cmd := exec.Command("go", "build", "-tags", "urfave_cli_no_docs", "-trimpath", "-ldflags", "-s -w", "-o", buildPath, "./cmd/baton")
		cmd.Dir = RepoRoot()
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/baton: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildPath
}

// ProcessTempDir returns a fresh directory for files shared by all tests of
// this process (a built binary), named after the process. A test binary has
// no exit hook, so each call first removes the directories of earlier test
// processes that have ended: nothing outlives its run by more than the next.
func ProcessTempDir(prefix string) (string, error) {
	old, _ := filepath.Glob(filepath.Join(os.TempDir(), prefix+"-*"))
	for _, d := range old {
		pid, err := strconv.Atoi(d[strings.LastIndexByte(d, '-')+1:])
		if err != nil || pid == os.Getpid() {
			continue
		}
		if err := syscall.Kill(pid, 0); err == syscall.ESRCH {
			_ = os.RemoveAll(d)
		}
	}
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("%s-%d", prefix, os.Getpid()))
	_ = os.RemoveAll(dir)
	return dir, os.Mkdir(dir, 0o755)
}

// AgentDir returns a fresh directory holding one symlink per agent name,
// each pointing at the baton binary: the layout of
// /usr/lib/ocf/resource.d/baton.
func AgentDir(t testing.TB, names ...string) string {
	t.Helper()
	bin := Baton(t)
	dir := t.TempDir()
	for _, n := range names {
		if err := os.Symlink(bin, filepath.Join(dir, n)); err != nil {
			t.Fatal(err)
		}
	}
	// ocf-tester runs meta-data as user nobody: the path must be reachable.
	_ = os.Chmod(dir, 0o755)
	for d := filepath.Dir(dir); d != "/" && d != "."; d = filepath.Dir(d) {
		if st, err := os.Stat(d); err == nil && st.Mode().Perm()&0o001 == 0 {
			_ = os.Chmod(d, st.Mode().Perm()|0o011)
		}
	}
	return dir
}

// OCFTester runs Debian's ocf-tester on an agent and fails t with its output
// when it reports a failure. extraEnv is added to the environment (e.g. to
// enter a network namespace's state).
func OCFTester(t testing.TB, agentPath, instance string, params map[string]string, extraEnv ...string) string {
	t.Helper()
	NeedCommand(t, "ocf-tester", "xmllint")
	args := []string{"-n", instance}
	for k, v := range params {
		args = append(args, "-o", k+"="+v)
	}
	args = append(args, agentPath)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ocf-tester", args...)
	cmd.Env = append(os.Environ(), extraEnv...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil || !strings.Contains(out.String(), "passed all tests") {
		t.Fatalf("ocf-tester %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

// Run runs a command with a deadline and returns its combined output and
// exit code (-1 when it could not run). It never fails the test: callers
// assert on the result.
func Run(ctx context.Context, env []string, name string, args ...string) (string, int) {
	cmd := exec.CommandContext(ctx, name, args...)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return string(out), ee.ExitCode()
		}
		return string(out) + err.Error(), -1
	}
	return string(out), 0
}

// UniqueName returns a short name unique to this process and call, for
// namespaces, interfaces and loop-device files (interface names allow at
// most 15 bytes).
func UniqueName(prefix string) string {
	mu.Lock()
	defer mu.Unlock()
	seq++
	return fmt.Sprintf("%s%d%d", prefix, os.Getpid()%10000, seq)
}

var (
	mu  sync.Mutex
	seq int
)

// MountNSProcesses returns the processes whose mount namespace is ns (as
// readlink /proc/PID/ns/mnt shows it). A test node's processes are exactly
// those of its private mount namespace, so this is how harnesses find, and
// kill, what a node runs without touching anything else.
func MountNSProcesses(ns string) []int {
	if ns == "" {
		return nil
	}
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if l, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/mnt", pid)); err == nil && l == ns {
			pids = append(pids, pid)
		}
	}
	return pids
}

// KillMountNS signals every process of mount namespace ns with each signal
// in turn, waiting up to wait after each for them to go, and returns those
// left.
func KillMountNS(ns string, wait time.Duration, sigs ...syscall.Signal) []int {
	for _, sig := range sigs {
		pids := MountNSProcesses(ns)
		if len(pids) == 0 {
			return nil
		}
		for _, p := range pids {
			_ = syscall.Kill(p, sig)
		}
		deadline := time.Now().Add(wait)
		for time.Now().Before(deadline) && len(MountNSProcesses(ns)) > 0 {
			time.Sleep(20 * time.Millisecond)
		}
	}
	return MountNSProcesses(ns)
}
