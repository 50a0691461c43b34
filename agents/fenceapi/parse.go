package fenceapi

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Param is one of an agent's parameters, declared once: the metadata, the
// command line, the stdin names and the defaults all come from it.
type Param struct {
	Name     string // its stdin name: "ip", "key_file"
	Short    string // its short option, "-a"; "" for none
	Long     string // its long option, "--ip"
	Arg      string // the value's name in the metadata: "ip", "seconds"
	Type     string // "string", "integer", "second"
	Default  string
	Required bool
	// Alias is the parameter this deprecated one stands for (port: plug);
	// its options set that one.
	Alias string
	Desc  string // its short description
}

// common are the parameters every agent has, before its own.
func (a *Agent) common() []Param {
	return []Param{
		{Name: "action", Short: "-o", Long: "--action", Arg: "action", Type: "string", Default: "reboot", Required: true,
			Desc: "Fencing action"},
		{Name: "plug", Short: "-n", Long: "--plug", Arg: "name", Type: "string", Required: true, Desc: a.PlugDesc},
		{Name: "port", Short: "-n", Long: "--plug", Arg: "name", Type: "string", Alias: "plug", Desc: a.PlugDesc},
		{Name: "nodename", Long: "--nodename", Arg: "name", Type: "string",
			Desc: "The cluster node name (set by the fencer)"},
	}
}

// AllParams returns the agent's parameters, the common ones first, in the
// order of its metadata.
func (a *Agent) AllParams() []Param {
	return append(a.common(), a.Params...)
}

// Flags maps each command-line option to the stdin name it sets.
func (a *Agent) Flags() map[string]string {
	out := map[string]string{"--port": "plug"}
	for _, p := range a.AllParams() {
		name := p.Name
		if p.Alias != "" {
			name = p.Alias
		}
		for _, f := range []string{p.Short, p.Long} {
			if f != "" {
				out[f] = name
			}
		}
	}
	return out
}

// Parse reads a request's options (see the package's doc): from args when
// there are any, else from stdin; warnings go to stderr. The result has
// plug set from port when only port was given, and every parameter's
// default where the option is missing or empty.
func (a *Agent) Parse(args []string, stdin io.Reader, stderr io.Writer) (Options, error) {
	o := Options{}
	params := a.AllParams()
	if len(args) == 0 {
		known := map[string]bool{}
		for _, p := range params {
			known[p.Name] = true
		}
		if stdin == nil {
			stdin = strings.NewReader("")
		}
		sc := bufio.NewScanner(stdin)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				return nil, fmt.Errorf("stdin line %q is not name=value", line)
			}
			k = strings.TrimSpace(k)
			if !known[k] {
				if stderr != nil {
					fmt.Fprintf(stderr, "%s: ignoring unknown option %q\n", a.Name, k)
				}
				continue
			}
			o[k] = strings.TrimSpace(v)
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("read stdin: %w", err)
		}
	} else {
		flags := a.Flags()
		for i := 0; i < len(args); i++ {
			name, value, hasValue := strings.Cut(args[i], "=")
			key, ok := flags[name]
			if !ok {
				return nil, fmt.Errorf("unknown option %q (see %s -o metadata)", args[i], a.Name)
			}
			if !hasValue {
				if i+1 >= len(args) {
					return nil, fmt.Errorf("option %s needs a value", name)
				}
				i++
				value = args[i]
			}
			o[key] = value
		}
	}
	if o["plug"] == "" && o["port"] != "" {
		o["plug"] = o["port"] // the older name
	}
	for _, p := range params {
		if o[p.Name] == "" && p.Default != "" {
			o[p.Name] = p.Default
		}
	}
	return o, nil
}

// lowerFirst returns s with its first letter in lower case, to follow a
// colon in a message.
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}
