package ocf

import (
	"errors"
	"fmt"
)

// ExitCode is an OCF exit status. It implements error so that a handler can
// return a plain status (for example NotRunning from a monitor) without a
// reason; a status of Success returned as an error is still success.
type ExitCode int

// The OCF Resource Agent API 1.1 exit codes.
const (
	Success          ExitCode = 0   // OCF_SUCCESS
	ErrGeneric       ExitCode = 1   // OCF_ERR_GENERIC: soft error, recover in place
	ErrArgs          ExitCode = 2   // OCF_ERR_ARGS: configuration valid in general, wrong on this host
	ErrUnimplemented ExitCode = 3   // OCF_ERR_UNIMPLEMENTED: action not supported
	ErrPerm          ExitCode = 4   // OCF_ERR_PERM: insufficient privileges
	ErrInstalled     ExitCode = 5   // OCF_ERR_INSTALLED: a needed program or module is missing here
	ErrConfigured    ExitCode = 6   // OCF_ERR_CONFIGURED: configuration invalid everywhere
	NotRunning       ExitCode = 7   // OCF_NOT_RUNNING: cleanly stopped
	RunningPromoted  ExitCode = 8   // OCF_RUNNING_PROMOTED (formerly OCF_RUNNING_MASTER)
	FailedPromoted   ExitCode = 9   // OCF_FAILED_PROMOTED (formerly OCF_FAILED_MASTER)
	Degraded         ExitCode = 190 // OCF_DEGRADED: running, but not at full capacity
	DegradedPromoted ExitCode = 191 // OCF_DEGRADED_PROMOTED
)

var exitNames = map[ExitCode]string{
	Success:          "OCF_SUCCESS",
	ErrGeneric:       "OCF_ERR_GENERIC",
	ErrArgs:          "OCF_ERR_ARGS",
	ErrUnimplemented: "OCF_ERR_UNIMPLEMENTED",
	ErrPerm:          "OCF_ERR_PERM",
	ErrInstalled:     "OCF_ERR_INSTALLED",
	ErrConfigured:    "OCF_ERR_CONFIGURED",
	NotRunning:       "OCF_NOT_RUNNING",
	RunningPromoted:  "OCF_RUNNING_PROMOTED",
	FailedPromoted:   "OCF_FAILED_PROMOTED",
	Degraded:         "OCF_DEGRADED",
	DegradedPromoted: "OCF_DEGRADED_PROMOTED",
}

// String returns the OCF name of the code, e.g. "OCF_NOT_RUNNING".
func (c ExitCode) String() string {
	if n, ok := exitNames[c]; ok {
		return n
	}
	return fmt.Sprintf("OCF_EXIT_%d", int(c))
}

// Error makes ExitCode an error; see the type's comment.
func (c ExitCode) Error() string { return c.String() }

// Error is a handler result that carries an exit code and the reason shown to
// the administrator (the ocf-exit-reason line, which Pacemaker stores in the
// operation history and crm_mon prints).
type Error struct {
	Code   ExitCode
	Reason string
	Err    error // the underlying cause, if any; not shown in the exit reason
}

func (e *Error) Error() string {
	if e.Err != nil && e.Reason == "" {
		return e.Err.Error()
	}
	return e.Reason
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted reason. A %w
// verb in format keeps the wrapped error reachable with errors.Is/As.
func Errorf(code ExitCode, format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	return &Error{Code: code, Reason: err.Error(), Err: errors.Unwrap(err)}
}

// CodeOf maps a handler's returned error to an exit code and an exit reason.
// nil is success; an ExitCode is itself; an *Error carries both; anything
// else is a generic error whose text becomes the reason, because an agent
// that failed in an unforeseen way should still tell the administrator why.
func CodeOf(err error) (ExitCode, string) {
	if err == nil {
		return Success, ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code, e.Error()
	}
	var c ExitCode
	if errors.As(err, &c) {
		return c, ""
	}
	return ErrGeneric, err.Error()
}
