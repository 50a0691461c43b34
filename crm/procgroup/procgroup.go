// Package procgroup runs a program in a process group of its own, so that
// a timeout or a cancellation ends the program and whatever it started in
// the foreground, and nothing else. The executor runs resource agents with
// it, the fencer fence agents.
package procgroup

import (
	"context"
	"os/exec"
	"syscall"
	"time"
)

// Outcome says how a run ended.
type Outcome int

const (
	// Exited: the program ended by itself; Run's error is cmd.Wait's.
	Exited Outcome = iota
	// TimedOut: the timeout passed and the group was killed.
	TimedOut
	// Cancelled: ctx ended first and the group was killed.
	Cancelled
)

// Run starts cmd (whose Stdin, Stdout, Stderr, Env and Dir the caller has
// set) in a new process group and waits for it at most timeout. When the
// timeout passes or ctx ends, the group gets SIGTERM and, grace later,
// SIGKILL; with grace 0 it gets SIGKILL at once. Run returns only once the
// program has been reaped. A start failure comes back as the error with
// Outcome Exited; after a kill, the error is Wait's and rarely of use.
func Run(ctx context.Context, cmd *exec.Cmd, timeout, grace time.Duration) (Outcome, error) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	if err := cmd.Start(); err != nil {
		return Exited, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var how Outcome
	select {
	case err := <-done:
		return Exited, err
	case <-timer.C:
		how = TimedOut
	case <-ctx.Done():
		how = Cancelled
	}
	pgid := -cmd.Process.Pid
	if grace > 0 {
		_ = syscall.Kill(pgid, syscall.SIGTERM)
		select {
		case err := <-done:
			return how, err
		case <-time.After(grace):
		}
	}
	_ = syscall.Kill(pgid, syscall.SIGKILL)
	return how, <-done
}
