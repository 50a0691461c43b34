package ocf

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Type is the declared type of a parameter.
type Type int

// Parameter types. Select is OCF 1.1's enumeration; Duration is the DTD's
// "time" (a Pacemaker interval such as "90s", "500ms" or a bare number of
// seconds).
const (
	String Type = iota
	Integer
	Boolean
	Select
	Duration
)

func (t Type) String() string {
	switch t {
	case Integer:
		return "integer"
	case Boolean:
		return "boolean"
	case Select:
		return "select"
	case Duration:
		return "time"
	default:
		return "string"
	}
}

// Param declares one instance parameter. The declaration is the single source
// of the agent's meta-data, its validation and its defaults.
type Param struct {
	Name string
	Type Type
	// Default is the value used when the parameter is not set. DefaultFunc,
	// when set, computes it from the environment instead (for example a state
	// file named after the resource instance); Default is then the text shown
	// in the meta-data.
	Default     string
	DefaultFunc func(*Env) string
	Required    bool
	// UniqueGroup names a set of parameters whose combined values must be
	// unique across resources of this agent (OCF 1.1 unique-group).
	UniqueGroup string
	// Reloadable parameters can change through reload-agent without a
	// restart.
	Reloadable bool
	// Deprecated parameters are still accepted; when ReplacedWith is set and
	// that parameter is not, the value is carried over to it.
	Deprecated   bool
	ReplacedWith string
	// Choices lists the accepted values of a Select parameter.
	Choices []string
	// Check, when set, is an extra check of a syntactically valid value (a
	// range, an address format). Its error becomes the exit reason.
	Check func(value string) error
	// Ignored marks a parameter accepted for compatibility with the reference
	// agent but without effect here; the text says why, and is logged when
	// the parameter is set.
	Ignored string
	// Unsupported marks a parameter of the reference agent that Baton
	// rejects: setting it to anything but its default fails validation with
	// this text as the reason. For a Boolean whose default is false, every
	// value ocf_is_true reads as false is the default.
	Unsupported string

	Shortdesc string
	Longdesc  string
}

// IntRange returns a Check for an Integer parameter bounded by lo and hi.
func IntRange(lo, hi int64) func(string) error {
	return func(v string) error {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return err
		}
		if n < lo || n > hi {
			return fmt.Errorf("must be between %d and %d", lo, hi)
		}
		return nil
	}
}

// ParseDuration reads a Pacemaker interval specification: a bare number is
// seconds; units ms, msec, us, usec, s, sec, m, min, h, hr are accepted; ISO
// 8601 durations (PT5M) are not, as no agent parameter needs them.
func ParseDuration(s string) (time.Duration, error) {
	t := strings.TrimSpace(strings.ToLower(s))
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9') {
		i++
	}
	if i == 0 {
		return 0, fmt.Errorf("%q is not a duration (use e.g. 10s, 500ms, 2min)", s)
	}
	n, err := strconv.ParseInt(t[:i], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration: %v", s, err)
	}
	unit := strings.TrimSpace(t[i:])
	var mult time.Duration
	switch unit {
	case "", "s", "sec", "secs", "second", "seconds":
		mult = time.Second
	case "ms", "msec", "msecs":
		mult = time.Millisecond
	case "us", "usec", "usecs":
		mult = time.Microsecond
	case "m", "min", "mins", "minute", "minutes":
		mult = time.Minute
	case "h", "hr", "hrs", "hour", "hours":
		mult = time.Hour
	default:
		return 0, fmt.Errorf("%q is not a duration: unknown unit %q", s, unit)
	}
	return time.Duration(n) * mult, nil
}

// isDefault reports whether value means the same as the default.
func (p *Param) isDefault(value string) bool {
	if p.Type == Boolean {
		return IsTrue(value) == IsTrue(p.Default)
	}
	return value == p.Default
}

// check reports whether value is acceptable for p, with a reason that names
// the parameter.
func (p *Param) check(value string) error {
	bad := func(format string, args ...any) error {
		return Errorf(ErrConfigured, "parameter %s: %s", p.Name, fmt.Sprintf(format, args...))
	}
	switch p.Type {
	case Integer:
		if _, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64); err != nil {
			return bad("%q is not an integer", value)
		}
	case Boolean:
		// Any value is a boolean to ocf_is_true: what is not a spelling of
		// true is false. ResolveParams notes the unusual ones.
	case Duration:
		if _, err := ParseDuration(value); err != nil {
			return bad("%v", err)
		}
	case Select:
		ok := false
		for _, c := range p.Choices {
			if value == c {
				ok = true
				break
			}
		}
		if !ok {
			return bad("%q is not one of %s", value, strings.Join(p.Choices, ", "))
		}
	}
	if p.Check != nil {
		if err := p.Check(value); err != nil {
			return bad("%q: %v", value, err)
		}
	}
	return nil
}

// Params holds the validated parameter values of one invocation, defaults
// filled in. The typed getters cannot fail: values were checked against the
// declaration before the handler ran.
type Params struct {
	decl   map[string]*Param
	values map[string]string
	set    map[string]bool
}

// String returns the value of a parameter ("" when unset with no default).
func (p Params) String(name string) string { return p.values[name] }

// Int returns an Integer parameter's value.
func (p Params) Int(name string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(p.values[name]), 10, 64)
	return n
}

// Bool returns a Boolean parameter's value.
func (p Params) Bool(name string) bool {
	return IsTrue(p.values[name])
}

// Duration returns a Duration parameter's value.
func (p Params) Duration(name string) time.Duration {
	d, _ := ParseDuration(p.values[name])
	return d
}

// IsSet reports whether the parameter was given explicitly (not defaulted).
func (p Params) IsSet(name string) bool { return p.set[name] }

// Map returns a copy of all values, defaults included.
func (p Params) Map() map[string]string {
	m := make(map[string]string, len(p.values))
	for k, v := range p.values {
		m[k] = v
	}
	return m
}

// ResolveParams validates the given OCF_RESKEY_ values (without the prefix)
// against the declaration and fills in defaults. It returns an ErrConfigured
// *Error naming the first offending parameter, plus notes for the log: names
// that are not declared, deprecated names used and ignored parameters set.
func ResolveParams(decls []Param, given map[string]string, env *Env) (Params, []string, error) {
	p := Params{decl: map[string]*Param{}, values: map[string]string{}, set: map[string]bool{}}
	var notes []string
	for i := range decls {
		p.decl[decls[i].Name] = &decls[i]
	}
	unknown := make([]string, 0)
	for k := range given {
		if _, ok := p.decl[k]; !ok {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		notes = append(notes, fmt.Sprintf("ignoring undeclared parameter %s", k))
	}
	for i := range decls {
		d := &decls[i]
		v, ok := given[d.Name]
		if !ok {
			continue
		}
		if d.Unsupported != "" && !d.isDefault(v) {
			return p, notes, Errorf(ErrConfigured, "parameter %s is not supported: %s", d.Name, d.Unsupported)
		}
		if err := d.check(v); err != nil {
			return p, notes, err
		}
		p.values[d.Name] = v
		p.set[d.Name] = true
		if d.Type == Boolean && !isBoolSpelling(v) {
			notes = append(notes, fmt.Sprintf("parameter %s: %q is no spelling of a boolean; it counts as false, as ocf_is_true reads it", d.Name, v))
		}
		if d.Ignored != "" {
			notes = append(notes, fmt.Sprintf("parameter %s has no effect: %s", d.Name, d.Ignored))
		}
	}
	// Carry deprecated names over to their replacements before defaults and
	// required checks, so that an old CIB keeps working.
	for i := range decls {
		d := &decls[i]
		if d.Deprecated && p.set[d.Name] {
			if d.ReplacedWith != "" && !p.set[d.ReplacedWith] {
				if r, ok := p.decl[d.ReplacedWith]; ok {
					if err := r.check(p.values[d.Name]); err != nil {
						return p, notes, err
					}
					p.values[r.Name] = p.values[d.Name]
					p.set[r.Name] = true
				}
				notes = append(notes, fmt.Sprintf("parameter %s is deprecated: use %s", d.Name, d.ReplacedWith))
			} else {
				notes = append(notes, fmt.Sprintf("parameter %s is deprecated", d.Name))
			}
		}
	}
	for i := range decls {
		d := &decls[i]
		if p.set[d.Name] {
			continue
		}
		if d.Required {
			return p, notes, Errorf(ErrConfigured, "required parameter %s is not set", d.Name)
		}
		def := d.Default
		if d.DefaultFunc != nil && env != nil {
			def = d.DefaultFunc(env)
		}
		if def != "" {
			p.values[d.Name] = def
		}
	}
	for i := range decls {
		d := &decls[i]
		if d.Required && strings.TrimSpace(p.values[d.Name]) == "" {
			return p, notes, Errorf(ErrConfigured, "required parameter %s is empty", d.Name)
		}
	}
	return p, notes, nil
}
