// Package envdump writes an agent's environment to a file, for the envfile
// parameter of the example agents: tests read it to see exactly what the
// cluster passed.
package envdump

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/baton-ha/baton/ocf"
)

// Append adds a section with the action, the time and the sorted environment
// to path. An empty path does nothing; a failure is logged, never fatal,
// because a debugging aid must not break the resource.
func Append(r *ocf.Request, path string) {
	if path == "" {
		return
	}
	keys := make([]string, 0, len(r.Env.Vars))
	for k := range r.Env.Vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "### %s @ %s ###\n", r.Action, time.Now().Format(time.RFC3339))
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%s\n", k, r.Env.Vars[k])
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err == nil {
		_, err = f.WriteString(b.String())
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		r.Log.Warn("cannot write envfile", "path", path, "err", err)
	}
}
