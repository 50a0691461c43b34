// Package verify is Baton's one check of a CIB: what `baton verify` prints,
// and what `baton cib replace`, the daemon's start-up and the replication
// of CIBs between daemons refuse. A CIB that fails it is never installed;
// the running one is kept.
package verify

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/baton-ha/baton/crm/cib"
	"github.com/baton-ha/baton/crm/cibdoc"
	"github.com/baton-ha/baton/crm/scheduler"
)

// MaxSize is the largest CIB Baton accepts, status section included. Real
// two-node CIBs are tens of kilobytes; the bound keeps a CIB inside one
// wire call (16 MiB frames, JSON-escaped) and keeps parse time and memory
// small on every node.
const MaxSize = 4 << 20

// Report is what verify found.
type Report struct {
	// Errors break Pacemaker's rules (or Baton's for agent names).
	Errors []string
	// Unsupported are resources valid for Pacemaker that baton daemon has
	// no executor for: refused all the same, never scheduled and then
	// silently not run.
	Unsupported []string
	Warnings    []string
}

// Err is nil for a usable CIB, otherwise an error listing every problem.
func (r Report) Err() error {
	if len(r.Errors)+len(r.Unsupported) == 0 {
		return nil
	}
	return &Error{Problems: append(append([]string(nil), r.Errors...), r.Unsupported...)}
}

// Error is a refused CIB.
type Error struct{ Problems []string }

func (e *Error) Error() string {
	return "CIB rejected (baton verify):\n  " + strings.Join(e.Problems, "\n  ")
}

// Bytes checks a CIB document as given: size, XML, structure, references,
// the version counters, the resource agents' names and classes, and a
// scheduler run. It never panics on bad input.
func Bytes(b []byte) Report {
	if len(b) > MaxSize {
		return Report{Errors: []string{tooLarge(int64(len(b)))}}
	}
	doc, err := cib.Parse(b)
	if err != nil {
		var es cib.Errors
		if errors.As(err, &es) {
			var rep Report
			for _, e := range es {
				rep.Errors = append(rep.Errors, e.Error())
			}
			return rep
		}
		return Report{Errors: []string{err.Error()}}
	}
	return CIB(doc)
}

// CIB checks a parsed CIB like crm_verify: configuration errors from
// validation, resources Baton cannot run, and the scheduler's own warnings
// when it runs on it. A scheduler failure is reported as an error.
func CIB(doc *cib.CIB) (rep Report) {
	for _, w := range doc.Warnings {
		rep.Warnings = append(rep.Warnings, w.Error())
	}
	errs, warns := doc.Validate()
	names, unsupported := agents(doc)
	for _, e := range append(errs, names...) {
		rep.Errors = append(rep.Errors, e.Error())
	}
	for _, e := range unsupported {
		rep.Unsupported = append(rep.Unsupported, e.Error())
	}
	for _, w := range warns {
		rep.Warnings = append(rep.Warnings, w.Error())
	}
	defer func() {
		if r := recover(); r != nil {
			rep.Errors = append(rep.Errors, fmt.Sprintf("scheduler failed on this CIB: %v", r))
		}
	}()
	res, err := scheduler.Schedule(doc)
	if err != nil {
		rep.Errors = append(rep.Errors, err.Error())
		return rep
	}
	rep.Warnings = append(rep.Warnings, res.Cluster.Warnings...)
	return rep
}

// Read reads a CIB from r, refusing one larger than MaxSize without
// reading (or holding) more than MaxSize+1 bytes of it.
func Read(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxSize {
		return nil, errors.New(tooLarge(-1))
	}
	return b, nil
}

// ReadFile reads a CIB file through Read.
func ReadFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

func tooLarge(n int64) string {
	size := "more than 4 MiB"
	if n >= 0 {
		size = fmt.Sprintf("%d bytes", n)
	}
	return fmt.Sprintf("CIB is %s; Baton accepts CIBs up to %d bytes (4 MiB), status included: "+
		"split the configuration or clear old operation history (baton resource cleanup)", size, MaxSize)
}

// Parse is how a daemon accepts a CIB from anywhere (its configured file,
// `baton cib replace`, a peer): Bytes must find no error, and the document
// is then opened for editing.
func Parse(b []byte) (*cibdoc.Doc, error) {
	if err := Bytes(b).Err(); err != nil {
		return nil, err
	}
	return cibdoc.Parse(b)
}
