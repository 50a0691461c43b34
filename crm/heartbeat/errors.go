// Package heartbeat reads a Heartbeat v1 configuration (ha.cf, haresources,
// authkeys and, for NFS, /etc/exports) and turns it into what Baton runs: a
// Pacemaker CIB, one baton.toml per node and a key file, or the equivalent
// pcs commands. It plays the part Heartbeat 2's haresources2cib.py played for
// Pacemaker, for the two-node DRBD + NFS stack Heartbeat users run.
package heartbeat

import "fmt"

// LineError is a problem in one line of an input file: what the user must
// fix, and where.
type LineError struct {
	File string
	Line int
	Msg  string
}

func (e *LineError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

func lineErr(file string, line int, format string, args ...any) error {
	return &LineError{File: file, Line: line, Msg: fmt.Sprintf(format, args...)}
}
