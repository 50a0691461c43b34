package drbd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"github.com/baton-ha/baton/agents/drbd/status"
)

// Output is what a command printed and how it exited.
type Output struct {
	Stdout, Stderr string
	Code           int
}

// Runner runs a program with an argument vector. The error is set only when
// the program could not run at all (not installed, context expired); a
// non-zero exit is reported in Output.Code.
type Runner interface {
	Run(ctx context.Context, name string, args ...string) (Output, error)
}

// ExecRunner runs programs with os/exec.
type ExecRunner struct{}

// Run implements Runner.
func (ExecRunner) Run(ctx context.Context, name string, args ...string) (Output, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	o := Output{Stdout: out.String(), Stderr: errb.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) && ctx.Err() == nil {
		o.Code = ee.ExitCode()
		return o, nil
	}
	return o, err
}

// tools drives drbdadm and drbdsetup for one resource.
type tools struct {
	run  Runner
	conf string // drbdconf
	res  string // drbd_resource
}

// adm runs `drbdadm -c CONF ARGS... RES`.
func (t tools) adm(ctx context.Context, args ...string) (Output, error) {
	argv := append([]string{"-c", t.conf}, args...)
	argv = append(argv, t.res)
	o, err := t.run.Run(ctx, "drbdadm", argv...)
	if err != nil {
		return o, fmt.Errorf("drbdadm %s: %w", strings.Join(argv, " "), err)
	}
	return o, nil
}

// admErr turns a failed drbdadm call into an error that quotes DRBD's
// complaint.
func admErr(what string, o Output) error {
	msg := strings.TrimSpace(o.Stderr)
	if msg == "" {
		msg = strings.TrimSpace(o.Stdout)
	}
	if i := strings.LastIndexByte(msg, '\n'); i >= 0 && len(msg) > 400 {
		msg = msg[i+1:]
	}
	return fmt.Errorf("drbdadm %s exited %d: %s", what, o.Code, msg)
}

// state returns the resource's current state, or nil when the resource is
// not configured in the kernel (down, or the module is not loaded).
func (t tools) state(ctx context.Context) (*status.Resource, error) {
	o, err := t.run.Run(ctx, "drbdsetup", "status", t.res)
	if err != nil {
		return nil, fmt.Errorf("drbdsetup status %s: %w", t.res, err)
	}
	if o.Code != 0 {
		if notConfigured(o) {
			return nil, nil
		}
		return nil, fmt.Errorf("drbdsetup status %s exited %d: %s", t.res, o.Code, strings.TrimSpace(o.Stderr+o.Stdout))
	}
	rs, err := status.ParseStatus(o.Stdout)
	if err != nil {
		return nil, err
	}
	for i := range rs {
		if rs[i].Name == t.res {
			return &rs[i], nil
		}
	}
	if len(rs) == 0 {
		return nil, nil
	}
	return nil, fmt.Errorf("drbdsetup status %s reported other resources only", t.res)
}

// notConfigured tells "the resource is not up" from real failures of
// drbdsetup status: DRBD says "No such resource" (exit 10), or, with no
// module loaded, that it cannot reach the kernel.
func notConfigured(o Output) bool {
	s := strings.ToLower(o.Stderr + o.Stdout)
	return strings.Contains(s, "no such resource") || strings.Contains(s, "not configured") ||
		strings.Contains(s, "unknown resource") || strings.Contains(s, "module not loaded") ||
		strings.Contains(s, "could not connect to 'drbd' generic netlink family")
}
