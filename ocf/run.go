package ocf

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"time"
)

// RunOptions is what Run needs from the process; tests pass their own.
type RunOptions struct {
	Args    []string // the arguments after the program name: the action first
	Environ []string // KEY=VALUE, as os.Environ
	Stdout  io.Writer
	Stderr  io.Writer
	// Attrs overrides the attribute channel chosen from the environment.
	Attrs Attributes
}

// ExitReasonPrefix starts the line on standard error that Pacemaker stores
// as the operation's exit reason.
const ExitReasonPrefix = "ocf-exit-reason:"

// Margin returns how long before Pacemaker's timeout an action gives up: a
// tenth of the timeout, at least 200 ms and at most 5 s, but never more than
// half of it. This leaves time to print the reason and exit before execd's
// SIGKILL.
func Margin(timeout time.Duration) time.Duration {
	m := timeout / 10
	if m < 200*time.Millisecond {
		m = 200 * time.Millisecond
	}
	if m > 5*time.Second {
		m = 5 * time.Second
	}
	if m > timeout/2 {
		m = timeout / 2
	}
	return m
}

// Run performs one agent invocation and returns its exit code. It never
// panics: a panic in a handler becomes OCF_ERR_GENERIC with a reason.
func Run(a *Agent, o RunOptions) ExitCode {
	action := ""
	if len(o.Args) > 0 {
		action = o.Args[0]
	}
	switch action {
	case ActionMetaData:
		_, _ = o.Stdout.Write(a.MetaData())
		return Success
	case ActionUsage, ActionHelp:
		fmt.Fprint(o.Stdout, a.Usage())
		return Success
	case ActionMethods:
		fmt.Fprintln(o.Stdout, strings.Join(a.Methods(), "\n"))
		return Success
	}
	h := a.handler(action)
	if h == nil {
		if action == "" {
			fmt.Fprint(o.Stderr, "no action given\n", a.Usage())
		} else {
			fmt.Fprintf(o.Stderr, "action %q is not implemented by %s\n%s", action, a.Name, a.Usage())
		}
		return ErrUnimplemented
	}
	if action == ActionStatus {
		action = ActionMonitor
	}

	env := ParseEnv(o.Environ)
	var trace io.WriteCloser
	if f := openTrace(a.Name, action, env, time.Now(), func(m string) { fmt.Fprintln(o.Stderr, m) }); f != nil {
		trace = f
		writeTraceHeader(f, a.Name, action, o.Environ)
	}
	log, closeLog := newLogger(a.Name, env, o.Stderr, trace)
	defer closeLog()

	finish := func(code ExitCode, reason string) ExitCode {
		if trace != nil {
			fmt.Fprintf(trace, "%s %s: rc=%d (%s) %s\n", a.Name, action, int(code), code, oneLine(reason))
		}
		if reason != "" {
			fmt.Fprintf(o.Stderr, "%s%s\n", ExitReasonPrefix, oneLine(reason))
		}
		switch {
		case code == Success || (action == ActionMonitor && (code == NotRunning || code == RunningPromoted)):
			log.Debug(action+" finished", "rc", int(code))
		default:
			msg := action + " failed: " + code.String()
			if reason != "" {
				msg += ": " + reason
			}
			log.Error(msg, "rc", int(code))
		}
		return code
	}

	params, notes, err := ResolveParams(a.Params, env.Params, env)
	for _, n := range notes {
		if strings.HasPrefix(n, "ignoring undeclared") {
			log.Debug(n)
		} else {
			log.Warn(n)
		}
	}
	if err != nil {
		return finish(CodeOf(err))
	}
	attrs := o.Attrs
	if attrs == nil {
		attrs = AttributesFor(env)
	}
	req := &Request{Action: action, Env: env, Params: params, Attrs: attrs, Log: log}

	timeout := env.Meta.Timeout
	if timeout <= 0 {
		timeout = a.timeoutFor(action)
	}
	budget := timeout - Margin(timeout)
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()

	done := make(chan error, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				log.Error(fmt.Sprintf("panic in %s: %v\n%s", action, p, debug.Stack()))
				done <- Errorf(ErrGeneric, "internal error in %s %s: %v (please report this)", a.Name, action, p)
			}
		}()
		if v, ok := a.Impl.(Validator); ok && needsValidation(action) {
			if err := v.Validate(ctx, req); err != nil {
				done <- err
				return
			}
		}
		done <- h(ctx, req)
	}()

	select {
	case err := <-done:
		if err != nil && ctx.Err() != nil {
			// The handler noticed the deadline; say so rather than passing on
			// a bare "context deadline exceeded".
			code, reason := CodeOf(err)
			if code == ErrGeneric {
				return finish(ErrGeneric, fmt.Sprintf("%s did not finish within %v (timeout %v less a %v safety margin): %s",
					action, budget, timeout, Margin(timeout), reason))
			}
		}
		return finish(CodeOf(err))
	case <-ctx.Done():
		return finish(ErrGeneric, fmt.Sprintf("%s did not finish within %v (timeout %v less a %v safety margin)",
			action, budget, timeout, Margin(timeout)))
	}
}

// needsValidation lists the actions before which the agent's own host checks
// run: those that bring the resource up here.
func needsValidation(action string) bool {
	switch action {
	case ActionStart, ActionPromote, ActionReload, ActionReloadAgent, ActionMigrateFrom:
		return true
	}
	return false
}

// Usage is the text printed for usage and for an unknown action.
func (a *Agent) Usage() string {
	return fmt.Sprintf("usage: %s {%s}\n\nThis is an OCF Resource Agent API 1.1 agent (Baton); it expects the\nOCF environment (OCF_ROOT, OCF_RESOURCE_INSTANCE, OCF_RESKEY_*) to be set.\n",
		a.Name, strings.Join(a.Methods(), "|"))
}

// oneLine keeps the exit reason on one line, as Pacemaker reads only one.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
