// Package executor runs resource agents the way Pacemaker's execd does: one
// process per action, with the OCF environment (OCF_RESKEY_* parameters,
// OCF_RESKEY_CRM_meta_* meta values and clone notification lists), a timeout
// enforced with SIGTERM then SIGKILL, and the exit reason read from the
// agent's ocf-exit-reason line. It also keeps recurring monitors.
package executor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/baton-ha/baton/crm/procgroup"
	"github.com/baton-ha/baton/ocf"
)

// Operation is one action on one resource instance.
type Operation struct {
	Resource string // the instance, e.g. "p_drbd:0"; OCF_RESOURCE_INSTANCE
	Class    string // only "ocf" is supported
	Provider string
	Type     string
	Action   string
	Interval time.Duration // recurring monitors; 0 otherwise (a probe, for monitor)
	Timeout  time.Duration
	Params   map[string]string // instance attributes -> OCF_RESKEY_<name>
	// Meta holds extra CRM_meta_ values (clone, clone_max, notify_*,
	// promoted_max, ...) by name without the prefix. timeout, interval,
	// name and on_node are set by the executor.
	Meta map[string]string
}

// Key names an operation as Pacemaker's history does: RSC_ACTION_INTERVALMS.
func (o Operation) Key() string {
	return fmt.Sprintf("%s_%s_%d", o.Resource, o.Action, o.Interval.Milliseconds())
}

// Result is the outcome of an Operation.
type Result struct {
	Op       Operation
	RC       ocf.ExitCode
	Reason   string // the ocf-exit-reason, or why the executor failed
	TimedOut bool
	Output   string // the agent's output, capped
	Started  time.Time
	Took     time.Duration
}

// Executor runs operations on this node.
type Executor struct {
	OCFRoot string // default /usr/lib/ocf
	Node    string // this node's name: CRM_meta_on_node
	// Env is added to every agent's environment (HA_LOGFACILITY, the
	// attribute socket variable, PATH, ...).
	Env []string
	// KillGrace is how long an agent may take to exit after SIGTERM at its
	// timeout before SIGKILL; default 2 s.
	KillGrace time.Duration
}

const maxOutput = 64 << 10

// isName reports whether s is one path component that stays where it is
// joined.
func isName(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.ContainsAny(s, "/\x00")
}

// AgentPath returns where the agent of op lives.
func (e *Executor) AgentPath(op Operation) string {
	root := e.OCFRoot
	if root == "" {
		root = "/usr/lib/ocf"
	}
	return filepath.Join(root, "resource.d", op.Provider, op.Type)
}

// Environ returns the environment an agent gets for op, sorted.
func (e *Executor) Environ(op Operation) []string {
	root := e.OCFRoot
	if root == "" {
		root = "/usr/lib/ocf"
	}
	vars := map[string]string{
		"OCF_ROOT":              root,
		"OCF_RA_VERSION_MAJOR":  "1",
		"OCF_RA_VERSION_MINOR":  "1",
		"OCF_RESOURCE_INSTANCE": op.Resource,
		"OCF_RESOURCE_TYPE":     op.Type,
		"OCF_RESOURCE_PROVIDER": op.Provider,
		"HA_RSCTMP":             "/run/resource-agents",
	}
	for k, v := range op.Params {
		if k == "OCF_CHECK_LEVEL" {
			vars[k] = v // an operation attribute, passed as is
			continue
		}
		vars["OCF_RESKEY_"+k] = v
	}
	for k, v := range op.Meta {
		vars["OCF_RESKEY_CRM_meta_"+k] = v
	}
	timeout := op.Timeout
	if timeout <= 0 {
		timeout = ocf.DefaultTimeout
	}
	vars["OCF_RESKEY_CRM_meta_timeout"] = strconv.FormatInt(timeout.Milliseconds(), 10)
	vars["OCF_RESKEY_CRM_meta_interval"] = strconv.FormatInt(op.Interval.Milliseconds(), 10)
	vars["OCF_RESKEY_CRM_meta_name"] = op.Action
	if e.Node != "" {
		vars["OCF_RESKEY_CRM_meta_on_node"] = e.Node
	}
	// Agents run programs; without a PATH from the caller they get the
	// standard one, as execd's children do.
	hasPath := false
	for _, kv := range e.Env {
		if strings.HasPrefix(kv, "PATH=") {
			hasPath = true
		}
	}
	if !hasPath {
		vars["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	}
	out := make([]string, 0, len(vars)+len(e.Env))
	for k, v := range vars {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return append(out, e.Env...)
}

// Run executes op and waits for it. It never returns an error: failures to
// run the agent are results too (rc 5 when the agent is missing, rc 1 on a
// timeout), as execd reports them.
func (e *Executor) Run(ctx context.Context, op Operation) (res Result) {
	// res is the named result, so that the deferred assignment lands in
	// what the caller receives on every return path.
	res = Result{Op: op, Started: time.Now()}
	defer func() { res.Took = time.Since(res.Started) }()
	if op.Class != "" && op.Class != "ocf" {
		res.RC, res.Reason = ocf.ErrUnimplemented, fmt.Sprintf("resource class %q is not supported by Baton's executor (only ocf)", op.Class)
		return res
	}
	if !isName(op.Provider) || !isName(op.Type) {
		// A provider of "../../.." or a type of "tmp/x.sh" would run any
		// program as root: agents resolve only under the OCF root.
		res.RC, res.Reason = ocf.ErrConfigured, fmt.Sprintf("agent ocf:%s:%s: provider and type must be plain names (no '/', '.' or '..')", op.Provider, op.Type)
		return res
	}
	path := e.AgentPath(op)
	if _, err := os.Stat(path); err != nil {
		res.RC, res.Reason = ocf.ErrInstalled, fmt.Sprintf("agent ocf:%s:%s not found at %s", op.Provider, op.Type, path)
		return res
	}
	timeout := op.Timeout
	if timeout <= 0 {
		timeout = ocf.DefaultTimeout
	}
	grace := e.KillGrace
	if grace <= 0 {
		grace = 2 * time.Second
	}
	cmd := exec.Command(path, op.Action)
	cmd.Env = e.Environ(op)
	cmd.Dir = "/"
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &capped{b: &out}, &capped{b: &out}
	// Own process group: a timeout kills the agent and whatever it started
	// in the foreground, and nothing else; SIGTERM first, as execd does.
	how, err := procgroup.Run(ctx, cmd, timeout, grace)
	if err != nil && cmd.Process == nil {
		res.RC, res.Reason = ocf.ErrGeneric, fmt.Sprintf("cannot run %s: %v", path, err)
		return res
	}
	res.TimedOut = how != procgroup.Exited
	res.Output = out.String()
	res.Reason = exitReason(res.Output)
	var ee *exec.ExitError
	switch {
	case res.TimedOut:
		res.RC = ocf.ErrGeneric
		res.Reason = fmt.Sprintf("%s timed out after %v", op.Action, timeout)
	case err == nil:
		res.RC = ocf.Success
	case errors.As(err, &ee) && ee.ExitCode() >= 0:
		res.RC = ocf.ExitCode(ee.ExitCode())
	default:
		res.RC = ocf.ErrGeneric
		if res.Reason == "" {
			res.Reason = fmt.Sprintf("agent died: %v", err)
		}
	}
	return res
}

// exitReason returns the last ocf-exit-reason line's text.
func exitReason(out string) string {
	reason := ""
	for _, line := range strings.Split(out, "\n") {
		if i := strings.Index(line, ocf.ExitReasonPrefix); i >= 0 {
			reason = strings.TrimSpace(line[i+len(ocf.ExitReasonPrefix):])
		}
	}
	return reason
}

// capped is a writer that keeps at most maxOutput bytes, so that a chatty
// agent cannot exhaust the daemon's memory.
type capped struct{ b *bytes.Buffer }

func (c *capped) Write(p []byte) (int, error) {
	if room := maxOutput - c.b.Len(); room > 0 {
		if len(p) > room {
			c.b.Write(p[:room])
		} else {
			c.b.Write(p)
		}
	}
	return len(p), nil
}
