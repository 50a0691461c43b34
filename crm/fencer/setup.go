package fencer

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/baton-ha/baton/crm/cib"
	"github.com/baton-ha/baton/crm/cibdoc"
	"github.com/baton-ha/baton/ocf"
)

// Options are the cluster options that govern fencing, with Pacemaker's
// defaults. Each has its newer fencing-* spelling too.
type Options struct {
	// Enabled is stonith-enabled (default true). False means a lost node
	// is assumed to have stopped everything: unsafe, and shown so.
	Enabled bool
	// EnabledSet says stonith-enabled/fencing-enabled was written.
	EnabledSet bool
	Action     string        // stonith-action: reboot (default) or off
	Timeout    time.Duration // stonith-timeout: per device run, default 60s
	// PriorityDelay is priority-fencing-delay: how much longer fencing the
	// node with the more important resources waits.
	PriorityDelay time.Duration
	// WatchdogTimeout is stonith-watchdog-timeout: after how long since its
	// last sign of life a node that self-fences with its watchdog counts
	// as fenced. 0 disables watchdog fencing.
	WatchdogTimeout time.Duration
}

// Setup is everything the fencer reads from the CIB.
type Setup struct {
	Options  Options
	Devices  []*Device          // in configuration order
	Topology map[string][]Level // target -> levels by index
	// Patterns are levels whose target is a pattern or node attribute;
	// they are resolved per target by Levels.
	patterns []patternLevel
}

// Level is one fencing level: every device in it must succeed.
type Level struct {
	Index   int
	Devices []string
}

type patternLevel struct {
	pattern   *regexp.Regexp // target-pattern, an extended regular expression
	attrName  string
	attrValue string
	level     Level
}

// option reads a cluster option by any of its names.
func option(doc *cibdoc.Doc, names ...string) (string, bool) {
	for _, n := range names {
		if v, ok := doc.ClusterOption(n); ok {
			return v, true
		}
	}
	return "", false
}

// Load reads the fencing setup from a CIB. Problems a user must fix (an
// unknown device in a level, a bad duration) come back as errors naming
// the element; what can still be used is returned alongside them.
func Load(doc *cibdoc.Doc) (*Setup, []error) {
	var errs []error
	s := &Setup{Topology: map[string][]Level{}}
	o := &s.Options
	o.Enabled = true
	if v, ok := option(doc, "fencing-enabled", "stonith-enabled"); ok {
		b, err := ocf.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("cluster option stonith-enabled: %q is not a boolean", v))
		} else {
			o.Enabled, o.EnabledSet = b, true
		}
	}
	o.Action = "reboot"
	if v, ok := option(doc, "fencing-action", "stonith-action"); ok {
		switch v {
		case "reboot", "off":
			o.Action = v
		case "poweroff":
			o.Action = "off" // the deprecated spelling
		default:
			errs = append(errs, fmt.Errorf("cluster option stonith-action: %q is not reboot or off", v))
		}
	}
	dur := func(def time.Duration, names ...string) time.Duration {
		v, ok := option(doc, names...)
		if !ok || v == "" {
			return def
		}
		if strings.HasPrefix(strings.TrimSpace(v), "-") {
			// Pacemaker lets a negative stonith-watchdog-timeout mean
			// "twice the local watchdog timeout"; the controller fills it in.
			return -1
		}
		d, err := cib.ParseInterval(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("cluster option %s: %q is not a duration", names[len(names)-1], v))
			return def
		}
		return d
	}
	o.Timeout = dur(60*time.Second, "fencing-timeout", "stonith-timeout")
	if o.Timeout <= 0 {
		o.Timeout = 60 * time.Second
	}
	o.PriorityDelay = dur(0, "priority-fencing-delay")
	if o.PriorityDelay < 0 {
		o.PriorityDelay = 0
	}
	o.WatchdogTimeout = dur(0, "fencing-watchdog-timeout", "stonith-watchdog-timeout")

	cfg := doc.Configuration()
	ids := map[string]bool{}
	for _, el := range cfg.FindElements("resources//primitive[@class='stonith']") {
		d, err := deviceFrom(el)
		if err != nil {
			errs = append(errs, err)
		}
		if d != nil {
			s.Devices = append(s.Devices, d)
			ids[d.ID] = true
		}
	}
	for _, el := range cfg.FindElements("fencing-topology/fencing-level") {
		l, target, pl, err := levelFrom(el, ids)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if pl != nil {
			s.patterns = append(s.patterns, *pl)
			continue
		}
		s.Topology[target] = append(s.Topology[target], l)
	}
	for t := range s.Topology {
		sortLevels(s.Topology[t])
	}
	return s, errs
}

func sortLevels(ls []Level) {
	sort.SliceStable(ls, func(i, j int) bool { return ls[i].Index < ls[j].Index })
}

func levelFrom(el *etree.Element, known map[string]bool) (Level, string, *patternLevel, error) {
	id := el.SelectAttrValue("id", "")
	at := func(format string, args ...any) error {
		return fmt.Errorf("fencing-level %q: %s", id, fmt.Sprintf(format, args...))
	}
	var l Level
	if _, err := fmt.Sscan(el.SelectAttrValue("index", ""), &l.Index); err != nil || l.Index < 1 || l.Index > 9 {
		return l, "", nil, at("index %q is not a number from 1 to 9", el.SelectAttrValue("index", ""))
	}
	for _, d := range strings.Split(el.SelectAttrValue("devices", ""), ",") {
		d = strings.TrimSpace(d)
		if d == "" {
			continue
		}
		if !known[d] {
			return l, "", nil, at("devices names %q, which is no class=\"stonith\" primitive", d)
		}
		l.Devices = append(l.Devices, d)
	}
	if len(l.Devices) == 0 {
		return l, "", nil, at("devices is empty")
	}
	if t := el.SelectAttrValue("target", ""); t != "" {
		return l, t, nil, nil
	}
	if p := el.SelectAttrValue("target-pattern", ""); p != "" {
		re, err := regexp.Compile(p)
		if err != nil {
			return l, "", nil, at("target-pattern %q is not a regular expression: %v", p, err)
		}
		return l, "", &patternLevel{pattern: re, level: l}, nil
	}
	if a := el.SelectAttrValue("target-attribute", ""); a != "" {
		return l, "", &patternLevel{attrName: a, attrValue: el.SelectAttrValue("target-value", ""), level: l}, nil
	}
	return l, "", nil, at("needs target, target-pattern or target-attribute")
}

// Levels returns the levels to try for target, in order. attrs are the
// target's node attributes (for target-attribute levels). Without any
// topology for the target, every device that can fence it is a level of
// its own, in configuration order, as Pacemaker does.
func (s *Setup) Levels(target string, attrs map[string]string) []Level {
	levels := append([]Level(nil), s.Topology[target]...)
	for _, p := range s.patterns {
		if (p.pattern != nil && p.pattern.MatchString(target)) || (p.attrName != "" && attrs[p.attrName] == p.attrValue) {
			levels = append(levels, p.level)
		}
	}
	sortLevels(levels)
	if len(levels) > 0 {
		return levels
	}
	for i, d := range s.Devices {
		levels = append(levels, Level{Index: i + 1, Devices: []string{d.ID}})
	}
	return levels
}

// Unfencers returns the enabled devices that provide unfencing.
func (s *Setup) Unfencers() []*Device {
	var out []*Device
	for _, d := range s.Devices {
		if d.Unfencing && !d.Disabled {
			out = append(out, d)
		}
	}
	return out
}

// UnfenceDigest identifies the unfencing setup: a node is unfenced again
// when it changes. Empty when no device provides unfencing.
func (s *Setup) UnfenceDigest() string {
	var parts []string
	for _, d := range s.Unfencers() {
		parts = append(parts, d.ID+": "+d.Digest)
	}
	return strings.Join(parts, "; ")
}

// Device returns the device with this id, or nil.
func (s *Setup) Device(id string) *Device {
	for _, d := range s.Devices {
		if d.ID == id {
			return d
		}
	}
	return nil
}
