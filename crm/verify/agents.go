package verify

import (
	"strings"

	"github.com/baton-ha/baton/crm/cib"
)

// Executors are the resource classes `baton daemon` can run. Pacemaker's
// other classes (systemd, lsb, service, upstart, nagios) are refused rather
// than scheduled and then silently never run. "stonith" resources are
// accepted: fencing devices are configured in the CIB.
var Executors = map[string]bool{"ocf": true, "stonith": true}

// agents checks each primitive's class, provider and type: names only, so
// that an agent is always resolved under the OCF root and never by a path.
func agents(doc *cib.CIB) (errs cib.Errors) {
	for _, r := range doc.Resources {
		r.Walk(func(x *cib.Resource) {
			if x.Kind != cib.Primitive || (x.Class == "" && x.Type == "") {
				return // a template reference, reported by Validate when broken
			}
			for _, f := range []struct{ attr, v string }{{"class", x.Class}, {"provider", x.Provider}, {"type", x.Type}} {
				if f.v == "" && f.attr == "provider" {
					continue
				}
				if err := Name(f.v); err != "" {
					errs = append(errs, doc.ErrorAt(x, "%s %q %s", f.attr, f.v, err))
				}
			}
			if !Executors[x.Class] {
				errs = append(errs, doc.ErrorAt(x, "class %q: baton daemon runs only ocf and stonith resources (no executor for %s); use an OCF agent", x.Class, x.Class))
			}
		})
	}
	return errs
}

// Name says what is wrong with an agent class, provider or type, or ""
// when it is a plain name: not empty, no slash, not . or .., no NUL, at
// most 255 bytes (one path component).
func Name(s string) string {
	switch {
	case s == "":
		return "is empty"
	case s == "." || s == "..":
		return "is not a name"
	case strings.ContainsAny(s, "/\x00"):
		return "must be a name, not a path (no '/')"
	case len(s) > 255:
		return "is longer than 255 bytes"
	}
	return ""
}
