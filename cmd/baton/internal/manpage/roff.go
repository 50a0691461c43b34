// Package manpage writes Baton's manual pages in roff (the man(7) macros):
// baton(8) from the command line's definition, baton.toml(5) from the
// configuration's keys, and ocf_baton_<Agent>(7) from each agent's
// parameter declaration, so that the pages cannot drift from the code.
package manpage

import (
	"bytes"
	"fmt"
	"strings"
)

// page accumulates one manual page.
type page struct {
	b bytes.Buffer
}

// Meta is what every page's title line carries.
type Meta struct {
	Version string // the package version, shown in the footer
	Date    string // shown in the footer; empty for reproducible output
}

func (p *page) title(name, section string, m Meta, manual string) {
	fmt.Fprintf(&p.b, ".TH %s %s %s %s %s\n", quote(strings.ToUpper(name)), section, quote(m.Date),
		quote("baton "+m.Version), quote(manual))
	// No hyphenation and a ragged right margin: option names and paths must
	// not be split.
	p.b.WriteString(".nh\n.ad l\n")
}

func (p *page) section(name string) { fmt.Fprintf(&p.b, ".SH %s\n", quote(name)) }

func (p *page) subsection(name string) { fmt.Fprintf(&p.b, ".SS %s\n", quote(name)) }

// para writes prose: blank lines separate paragraphs, other line breaks
// are kept as the author wrote them.
func (p *page) para(text string) {
	text = strings.TrimSpace(text)
	if text == "" {
		return
	}
	for _, par := range strings.Split(text, "\n\n") {
		p.b.WriteString(".PP\n")
		for _, line := range strings.Split(strings.TrimSpace(par), "\n") {
			p.line(escape(strings.TrimSpace(line)))
		}
	}
}

// item starts an indented entry with a bold tag (.TP), for options,
// parameters and keys; body is prose.
func (p *page) item(tag, body string) {
	p.b.WriteString(".TP\n")
	p.line(tag)
	for i, par := range strings.Split(strings.TrimSpace(body), "\n\n") {
		if i > 0 {
			p.b.WriteString(".IP\n")
		}
		for _, line := range strings.Split(strings.TrimSpace(par), "\n") {
			p.line(escape(strings.TrimSpace(line)))
		}
	}
}

// example writes lines verbatim in a no-fill block.
func (p *page) example(lines ...string) {
	p.b.WriteString(".PP\n.RS 4\n.nf\n")
	for _, l := range lines {
		p.line(escape(l))
	}
	p.b.WriteString(".fi\n.RE\n")
}

// line writes one line of already escaped text, guarding a leading control
// character.
func (p *page) line(s string) {
	if s == "" {
		p.b.WriteString(".sp\n")
		return
	}
	if s[0] == '.' || s[0] == '\'' {
		p.b.WriteString(`\&`)
	}
	p.b.WriteString(s)
	p.b.WriteByte('\n')
}

func (p *page) bytes() []byte { return p.b.Bytes() }

// escape makes text safe for roff: backslashes print as such and hyphens
// as the ASCII minus that options and paths need (so they can be searched
// for and copied).
func escape(s string) string {
	return strings.NewReplacer(`\`, `\e`, "-", `\-`).Replace(s)
}

// bold and italic return escaped text in a font.
func bold(s string) string   { return `\fB` + escape(s) + `\fR` }
func italic(s string) string { return `\fI` + escape(s) + `\fR` }

// quote makes a macro argument: quoted, with inner quotes doubled as groff
// reads them.
func quote(s string) string {
	return `"` + strings.ReplaceAll(escape(s), `"`, `""`) + `"`
}
