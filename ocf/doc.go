// Package ocf is the runtime for OCF Resource Agent API 1.1 agents written in
// Go.
//
// An agent declares its parameters and actions once, in an [Agent]; the
// runtime derives the meta-data XML, validation and defaults from that
// declaration, reads the environment that Pacemaker's execd (or Baton's own
// executor) sets up, runs the requested action under a deadline derived from
// CRM_meta_timeout, and turns the result into an OCF exit code with an
// ocf-exit-reason line.
//
// Agents never call os.Exit, read os.Getenv or parse OCF_RESKEY_* themselves:
// everything they need arrives in the [Request], so that the same handler code
// runs from a symlinked binary, from `baton agent run`, and in unit tests with
// a fabricated environment.
package ocf
