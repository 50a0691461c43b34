package fencer

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/baton-ha/baton/crm/procgroup"
)

// Agent exit statuses of the fence-agents API.
const (
	ExitOK  = 0 // done; for status: the plug is on
	ExitOff = 2 // for status: the plug is off
)

// AgentRunner runs fence agents.
//
// Contract: Run starts the named agent with args written to its stdin as
// name=value lines (then EOF), waits at most timeout (then kills it and
// every process it started in its group) and returns its exit status and
// output: its standard output when it succeeded (a list to parse), its
// whole output otherwise (for the error). err is set only when the agent
// could not be run or finish (not found, timed out); a non-zero exit is a
// status, not an error.
type AgentRunner interface {
	Run(ctx context.Context, agent string, args map[string]string, timeout time.Duration) (status int, output string, err error)
	// Metadata returns the names of the agent's parameters (from
	// `agent -o metadata`).
	Metadata(ctx context.Context, agent string) (map[string]bool, error)
}

// ErrAgentMissing is returned when no program of the agent's name exists.
var ErrAgentMissing = errors.New("fence agent not installed")

// Programs runs fence agents as programs, the way Pacemaker's fencer does.
type Programs struct {
	// Dirs are searched in order for the agent; Debian installs them in
	// /usr/sbin.
	Dirs []string
	// Env is the agents' environment (PATH at least).
	Env []string
}

// Path returns where the agent's program is.
func (p *Programs) Path(agent string) (string, error) {
	if agent == "" || strings.ContainsAny(agent, "/") || strings.HasPrefix(agent, ".") {
		return "", fmt.Errorf("%q is not a fence agent name", agent)
	}
	dirs := p.Dirs
	if len(dirs) == 0 {
		dirs = []string{"/usr/sbin", "/usr/local/sbin"}
	}
	for _, d := range dirs {
		f := filepath.Join(d, agent)
		if st, err := os.Stat(f); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return f, nil
		}
	}
	return "", fmt.Errorf("%w: %s not found in %s (install fence-agents, or fix the primitive's type)", ErrAgentMissing, agent, strings.Join(dirs, ", "))
}

// Run implements AgentRunner.
func (p *Programs) Run(ctx context.Context, agent string, args map[string]string, timeout time.Duration) (int, string, error) {
	path, err := p.Path(agent)
	if err != nil {
		return -1, "", err
	}
	var in bytes.Buffer
	names := make([]string, 0, len(args))
	for k := range args {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v := args[k]
		if strings.ContainsAny(k+v, "\n\r") {
			return -1, "", fmt.Errorf("parameter %q of %s holds a line break, which the stdin protocol cannot carry", k, agent)
		}
		fmt.Fprintf(&in, "%s=%s\n", k, v)
	}
	st, out, stdout, err := p.run(ctx, path, nil, &in, timeout)
	if st == ExitOK {
		return st, string(stdout), err
	}
	return st, out, err
}

// Metadata implements AgentRunner.
func (p *Programs) Metadata(ctx context.Context, agent string) (map[string]bool, error) {
	path, err := p.Path(agent)
	if err != nil {
		return nil, err
	}
	st, out, stdout, err := p.run(ctx, path, []string{"-o", "metadata"}, nil, 20*time.Second)
	if err != nil {
		return nil, err
	}
	if st != ExitOK {
		return nil, fmt.Errorf("%s -o metadata exited %d: %s", agent, st, out)
	}
	// Only stdout: agents print warnings (Python's among them) on stderr.
	return ParseMetadata(stdout)
}

// run runs an agent and returns its exit status, the tail of its whole
// output (for errors) and its standard output alone.
func (p *Programs) run(ctx context.Context, path string, argv []string, stdin *bytes.Buffer, timeout time.Duration) (int, string, []byte, error) {
	cmd := exec.Command(path, argv...)
	if stdin != nil {
		cmd.Stdin = stdin
	}
	cmd.Env = p.Env
	cmd.Dir = "/"
	// stdout and stderr are copied by two goroutines: the shared buffer
	// takes them one write at a time.
	var all lockedBuffer
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.MultiWriter(&all, &stdout), &all
	// Killed at once on a timeout: a fence agent gets no grace, the
	// fence's own deadline is running.
	how, err := procgroup.Run(ctx, cmd, timeout, 0)
	switch how {
	case procgroup.TimedOut:
		return -1, tail(all.String()), nil, fmt.Errorf("%s timed out after %v (stonith-timeout) and was killed", filepath.Base(path), timeout)
	case procgroup.Cancelled:
		return -1, tail(all.String()), nil, fmt.Errorf("%s cancelled: %w", filepath.Base(path), ctx.Err())
	}
	if err != nil && cmd.Process == nil {
		return -1, "", nil, fmt.Errorf("cannot run %s: %w", path, err)
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, tail(all.String()), stdout.Bytes(), nil
	case errors.As(err, &ee) && ee.ExitCode() >= 0:
		return ee.ExitCode(), tail(all.String()), stdout.Bytes(), nil
	default:
		return -1, tail(all.String()), nil, fmt.Errorf("%s died: %w", filepath.Base(path), err)
	}
}

// lockedBuffer is a bytes.Buffer safe for concurrent writers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// tail keeps the end of an agent's output: where its error is.
func tail(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 2000 {
		s = "..." + s[len(s)-2000:]
	}
	return s
}

// ParseMetadata returns the parameter names a fence agent's metadata
// declares.
func ParseMetadata(b []byte) (map[string]bool, error) {
	var m struct {
		Name   string `xml:"name,attr"`
		Params []struct {
			Name string `xml:"name,attr"`
		} `xml:"parameters>parameter"`
	}
	if err := xml.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("fence agent metadata is not XML: %w", err)
	}
	out := map[string]bool{}
	for _, p := range m.Params {
		out[p.Name] = true
	}
	return out, nil
}
