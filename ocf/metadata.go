package ocf

import (
	"bytes"
	"fmt"
	"strings"
	"time"
)

// dtdActions are the action names ra-api-1.dtd (the DTD resource-agents ships
// and ocf-tester validates against) allows. reload-agent is OCF 1.1 but not in
// that DTD, so it is implemented and listed by the methods action but left
// out of the meta-data; Pacemaker then restarts on parameter changes, which
// is the safe side.
var dtdActions = map[string]bool{
	"start": true, "stop": true, "recover": true, "monitor": true, "restart": true,
	"migrate_to": true, "migrate_from": true, "promote": true, "demote": true,
	"notify": true, "status": true, "reload": true, "meta-data": true, "usage": true,
	"methods": true, "validate-all": true,
}

// MetaData renders the agent's meta-data XML. It validates against
// ra-api-1.dtd and resource-agents' metadata.rng: OCF 1.1 features the DTD lacks (select options, unique-group,
// reloadable, deprecated) are expressed in the descriptions instead.
func (a *Agent) MetaData() []byte {
	var b bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	version := a.Version
	if version == "" {
		version = "1.0"
	}
	w("<?xml version=\"1.0\"?>\n")
	w("<!DOCTYPE resource-agent SYSTEM \"ra-api-1.dtd\">\n")
	w("<resource-agent name=\"%s\" version=\"%s\">\n", esc(a.Name), esc(version))
	w("<version>1.1</version>\n\n")
	w("<longdesc lang=\"en\">\n%s\n</longdesc>\n", esc(strings.TrimSpace(a.Longdesc)))
	w("<shortdesc lang=\"en\">%s</shortdesc>\n\n", esc(a.Shortdesc))
	w("<parameters>\n")
	for i := range a.Params {
		p := &a.Params[i]
		req, uniq := 0, 0
		if p.Required {
			req = 1
		}
		if p.UniqueGroup != "" {
			uniq = 1
		}
		w("<parameter name=\"%s\" required=\"%d\" unique=\"%d\">\n", esc(p.Name), req, uniq)
		w("<longdesc lang=\"en\">\n%s\n</longdesc>\n", esc(paramLongdesc(p)))
		short := p.Shortdesc
		if p.Deprecated {
			short = "Deprecated: " + short
		}
		w("<shortdesc lang=\"en\">%s</shortdesc>\n", esc(short))
		// The content types both schemas accept are string, integer and
		// boolean: the DTD lacks select and resource-agents' OCF 1.1
		// metadata.rng lacks time, so those two are shown as string (the
		// choices and the duration syntax are in the long description).
		typ := p.Type.String()
		if p.Type == Select || p.Type == Duration {
			typ = "string"
		}
		if p.Default != "" {
			w("<content type=\"%s\" default=\"%s\" />\n", typ, esc(p.Default))
		} else {
			w("<content type=\"%s\" />\n", typ)
		}
		w("</parameter>\n\n")
	}
	w("</parameters>\n\n<actions>\n")
	for _, s := range a.DefaultActions() {
		if !dtdActions[s.Name] {
			continue
		}
		w("<action name=\"%s\" timeout=\"%s\"", s.Name, secs(s.Timeout))
		if s.Name == ActionMonitor || s.Interval > 0 {
			w(" interval=\"%s\"", secs(s.Interval))
		}
		if s.Name == ActionMonitor {
			w(" depth=\"%d\"", s.Depth)
		}
		if s.Role != "" {
			w(" role=\"%s\"", esc(s.Role))
		}
		if s.StartDelay > 0 {
			w(" start-delay=\"%s\"", secs(s.StartDelay))
		}
		w(" />\n")
	}
	w("</actions>\n</resource-agent>\n")
	return b.Bytes()
}

// paramLongdesc adds to the long description what the DTD has no attribute
// for, so that an administrator reading the meta-data learns it.
func paramLongdesc(p *Param) string {
	parts := []string{strings.TrimSpace(p.Longdesc)}
	if parts[0] == "" {
		parts[0] = p.Shortdesc
	}
	if p.Type == Select && len(p.Choices) > 0 {
		parts = append(parts, "Allowed values: "+strings.Join(p.Choices, ", ")+".")
	}
	if p.UniqueGroup != "" {
		parts = append(parts, fmt.Sprintf("Unique group %q: no two resources of this type may share these values.", p.UniqueGroup))
	}
	if p.Reloadable {
		parts = append(parts, "Reloadable: a change takes effect without a restart.")
	}
	if p.Deprecated {
		if p.ReplacedWith != "" {
			parts = append(parts, fmt.Sprintf("Deprecated: use %s.", p.ReplacedWith))
		} else {
			parts = append(parts, "Deprecated.")
		}
	}
	if p.Ignored != "" {
		parts = append(parts, "Accepted for compatibility and ignored: "+p.Ignored)
	}
	if p.Unsupported != "" {
		parts = append(parts, "Not supported by Baton: "+p.Unsupported)
	}
	return strings.Join(parts, "\n")
}

func secs(d time.Duration) string {
	if d%time.Second != 0 {
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	return fmt.Sprintf("%ds", int64(d/time.Second))
}

// xmlEscaper escapes what XML requires in text and attribute values while
// keeping newlines, so that long descriptions stay readable.
var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\"", "&quot;")

func esc(s string) string { return xmlEscaper.Replace(s) }
