package verify

import (
	"slices"
	"strings"

	"github.com/baton-ha/baton/crm/cib"
)

// Executors are the resource classes `baton daemon` can run. Pacemaker's
// other classes (systemd, lsb, service, upstart, nagios) are refused rather
// than scheduled and then silently never run. "stonith" resources are
// accepted: fencing devices are configured in the CIB.
var Executors = map[string]bool{"ocf": true, "stonith": true}

// agents checks each primitive's class, provider and type (errs) and that
// baton daemon has an executor for its class (unsupported). An ocf agent's
// provider and type must be names, so that it is always resolved under the
// OCF root and never by a path. Other classes name their agents as
// Pacemaker does (lsb takes a script path, stonith types such as
// cluster-glue's "external/ssh" have a slash); a stonith type still may
// not climb out with "..", nor be an absolute path.
func agents(doc *cib.CIB) (errs, unsupported cib.Errors) {
	for _, r := range doc.Resources {
		r.Walk(func(x *cib.Resource) {
			if x.Kind != cib.Primitive || (x.Class == "" && x.Type == "") {
				return // a template reference, reported by Validate when broken
			}
			bad := func(attr, v, why string) { errs = append(errs, doc.ErrorAt(x, "%s %q %s", attr, v, why)) }
			if why := Name(x.Class); why != "" {
				bad("class", x.Class, why)
			}
			switch x.Class {
			case "ocf":
				for _, f := range []struct{ attr, v string }{{"provider", x.Provider}, {"type", x.Type}} {
					if why := Name(f.v); why != "" {
						bad(f.attr, f.v, why)
					}
				}
			case "stonith":
				if strings.HasPrefix(x.Type, "/") || slices.Contains(strings.Split(x.Type, "/"), "..") {
					bad("type", x.Type, "must name a fence agent, not a path outside the agents' directory")
				}
			}
			if !Executors[x.Class] {
				unsupported = append(unsupported, doc.ErrorAt(x, "class %q: baton daemon runs only ocf and stonith resources (no executor for %s); use an OCF agent", x.Class, x.Class))
			}
		})
	}
	return errs, unsupported
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
