package ocf

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Tracing follows resource-agents' trace_ra: an administrator who sets the
// resource's `trace_ra=1` (pcs resource update R trace_ra=1, crm resource
// trace R), or exports OCF_TRACE_RA=1, gets one file per action invocation
// under $OCF_RESKEY_trace_dir, else $HA_VARLIB/trace_ra/<agent>/ (HA_VARLIB
// defaults to /var/lib/heartbeat), named INSTANCE.ACTION.YYYY-MM-DD.HH:MM:SS
// as resource-agents names them. Where resource-agents writes the shell's
// xtrace, Baton writes every log message of the invocation (debug ones
// included), its environment's OCF variables and the exit code. The files
// also let a test see that Pacemaker really ran an operation, which the CIB
// does not record for recurring monitors whose result did not change.

// traceDefaultVarLib is resource-agents' HA_VARLIB default.
const traceDefaultVarLib = "/var/lib/heartbeat"

// TraceDir returns the directory trace files of agent go to, from env.
func TraceDir(agent string, env *Env) string {
	if d := env.Params["trace_dir"]; d != "" {
		return d
	}
	varlib := env.Vars["HA_VARLIB"]
	if varlib == "" {
		varlib = traceDefaultVarLib
	}
	return filepath.Join(varlib, "trace_ra", agent)
}

// tracing reports whether this invocation is traced.
func tracing(env *Env) bool {
	on, _ := ParseBool(env.Params["trace_ra"])
	if !on {
		on, _ = ParseBool(env.Vars["OCF_TRACE_RA"])
	}
	return on
}

// openTrace creates the trace file of one invocation, or returns nil when
// tracing is off. A trace that cannot be written never fails the action: it
// is reported on stderr, which execd logs, and the action runs untraced.
func openTrace(agent, action string, env *Env, now time.Time, stderr func(string)) *os.File {
	if !tracing(env) {
		return nil
	}
	dir := TraceDir(agent, env)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		stderr(fmt.Sprintf("trace_ra: cannot create %s: %v", dir, err))
		return nil
	}
	instance := env.Instance
	if instance == "" {
		instance = "unknown"
	}
	base := filepath.Join(dir, instance+"."+action+"."+now.Format("2006-01-02.15:04:05"))
	// Two invocations within one second (a probe and a start) get their own
	// files, as resource-agents' would overwrite each other.
	for i := 0; i < 100; i++ {
		name := base
		if i > 0 {
			name += "." + strconv.Itoa(i)
		}
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_CLOEXEC|syscall.O_NOFOLLOW, 0o600)
		if err == nil {
			return f
		}
		if !os.IsExist(err) {
			stderr(fmt.Sprintf("trace_ra: cannot create %s: %v", name, err))
			return nil
		}
	}
	stderr("trace_ra: too many trace files for " + base)
	return nil
}

// writeTraceHeader starts a trace with the invocation and the OCF
// environment it ran with, sorted, as the administrator needs them to
// replay the action by hand.
func writeTraceHeader(w io.Writer, agent, action string, environ []string) {
	fmt.Fprintf(w, "%s %s (pid %d)\n", agent, action, os.Getpid())
	var vars []string
	for _, kv := range environ {
		if strings.HasPrefix(kv, "OCF_") || strings.HasPrefix(kv, "HA_") {
			vars = append(vars, kv)
		}
	}
	sort.Strings(vars)
	for _, kv := range vars {
		fmt.Fprintln(w, "+ "+kv)
	}
}
