package heartbeat

import (
	"io"
	"strings"
)

// Export is one /etc/exports line: a directory and its clients.
type Export struct {
	Line    int
	Path    string
	Clients []ExportClient
}

// ExportClient is a client specification with its options.
type ExportClient struct {
	Spec    string // host, network, wildcard; "*" when the line gave only options
	Options string // as written between the parentheses
}

// ParseExports reads an exports(5) file.
func ParseExports(name string, r io.Reader) ([]Export, error) {
	lines, err := readLines(r)
	if err != nil {
		return nil, lineErr(name, 0, "read: %v", err)
	}
	var out []Export
	for _, l := range lines {
		path := l.Fields[0]
		if strings.HasPrefix(path, "\"") {
			return nil, lineErr(name, l.N, "quoted paths are not supported: %s", path)
		}
		if !strings.HasPrefix(path, "/") {
			return nil, lineErr(name, l.N, "%q is not an absolute path", path)
		}
		e := Export{Line: l.N, Path: path}
		defaults := ""
		for _, f := range l.Fields[1:] {
			if strings.HasPrefix(f, "-") { // "-opts" sets defaults for the line
				defaults = strings.TrimPrefix(f, "-")
				continue
			}
			spec, opts := f, defaults
			if i := strings.IndexByte(f, '('); i >= 0 {
				if !strings.HasSuffix(f, ")") {
					return nil, lineErr(name, l.N, "%q: unbalanced parentheses (no space is allowed between a client and its options)", f)
				}
				spec, opts = f[:i], f[i+1:len(f)-1]
			}
			if spec == "" {
				spec = "*"
			}
			e.Clients = append(e.Clients, ExportClient{Spec: spec, Options: opts})
		}
		if len(e.Clients) == 0 {
			e.Clients = []ExportClient{{Spec: "*", Options: defaults}}
		}
		out = append(out, e)
	}
	return out, nil
}

// option returns the value of key in a comma-separated option list.
func option(opts, key string) (string, bool) {
	for _, o := range strings.Split(opts, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(o), "=")
		if k == key {
			return v, true
		}
	}
	return "", false
}

// withoutOption drops key from an option list.
func withoutOption(opts, key string) string {
	var keep []string
	for _, o := range strings.Split(opts, ",") {
		if k, _, _ := strings.Cut(strings.TrimSpace(o), "="); k != key && k != "" {
			keep = append(keep, o)
		}
	}
	return strings.Join(keep, ",")
}
