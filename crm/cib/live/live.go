// Package live reads a running Pacemaker cluster's CIB. Its API has the
// shape of github.com/ClusterLabs/go-pacemaker (OpenCib with ForQuery /
// FromFile / FromShadow, Query, QueryXPath, Subscribe, Close) so that
// switching to go-pacemaker later is a one-line import change.
//
// The default build talks to the cluster through cibadmin(8), as
// ClusterLabs' own Go exporter does; with the build tag "pacemaker" a small
// cgo binding to libcib is used instead (libcib.go).
package live

import (
	"errors"
	"time"
)

// CibOpenConfig holds OpenCib's options.
type CibOpenConfig struct {
	Connection CibConnection
	File       string
	Shadow     string
	Server     string
	User       string
	Password   string
	Encrypted  bool
	// PollInterval is how often the cibadmin path checks for changes
	// when subscribed (libcib gets notified instead).
	PollInterval time.Duration
}

// CibConnection selects query or command access.
type CibConnection int

// Connection kinds, as in go-pacemaker.
const (
	Query CibConnection = iota
	Command
)

// ForQuery opens the CIB read-only.
func ForQuery(config *CibOpenConfig) { config.Connection = Query }

// ForCommand opens the CIB for commands.
func ForCommand(config *CibOpenConfig) { config.Connection = Command }

// FromFile reads the CIB from a file instead of the cluster.
func FromFile(file string) func(*CibOpenConfig) {
	return func(config *CibOpenConfig) { config.File = file }
}

// FromShadow reads a shadow CIB (crm_shadow) instead of the live one.
func FromShadow(shadow string) func(*CibOpenConfig) {
	return func(config *CibOpenConfig) { config.Shadow = shadow }
}

// CibDocument is a CIB (or an XPath result) as XML text.
type CibDocument struct {
	xml string
}

// ToString returns the XML text.
func (d *CibDocument) ToString() string { return d.xml }

// Bytes returns the XML text as bytes.
func (d *CibDocument) Bytes() []byte { return []byte(d.xml) }

// CibEvent says what happened to the CIB.
type CibEvent int

// Events passed to Subscribe's callback.
const (
	UpdateEvent CibEvent = iota
	DestroyEvent
)

// CibEventFunc is called with each new CIB after a change.
type CibEventFunc func(event CibEvent, doc *CibDocument)

// ErrClosed is returned by calls on a closed Cib.
var ErrClosed = errors.New("cib connection is closed")
