package fenceapi

import (
	"fmt"
	"html"
	"strings"
)

// VendorURL is the vendor-url of Baton's fence agents' metadata.
const VendorURL = "https://github.com/baton-ha/baton"

// xmlText and xmlAttr escape s for an XML text node and a double-quoted
// attribute.
var (
	xmlText = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	xmlAttr = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
)

// Metadata renders the agent's description in the fence-agents format,
// which Pacemaker's fencer and Baton's read for its parameters: one
// <parameter> per declared parameter (plug obsoletes port, which is
// deprecated) and the actions of Actions.
func (a *Agent) Metadata() string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" ?>
<resource-agent name="` + xmlAttr.Replace(a.Name) + `" shortdesc="` + xmlAttr.Replace(a.ShortDesc) + `">
<longdesc>` + xmlText.Replace(a.LongDesc) + `</longdesc>
<vendor-url>` + VendorURL + `</vendor-url>
<parameters>
`)
	params := a.AllParams()
	for _, p := range params {
		req := "0"
		if p.Required {
			req = "1"
		}
		attrs := ""
		if p.Alias != "" {
			attrs = ` deprecated="1"`
		}
		for _, q := range params {
			if q.Alias == p.Name {
				attrs += ` obsoletes="` + q.Name + `"`
			}
		}
		getopt := p.Long + "=[" + p.Arg + "]"
		if p.Short != "" {
			getopt = p.Short + ", " + getopt
		}
		def := ""
		if p.Default != "" {
			def = ` default="` + html.EscapeString(p.Default) + `"`
		}
		fmt.Fprintf(&b, "\t<parameter name=%q unique=\"0\" required=%q%s>\n", p.Name, req, attrs)
		fmt.Fprintf(&b, "\t\t<getopt mixed=\"%s\" />\n", html.EscapeString(getopt))
		fmt.Fprintf(&b, "\t\t<content type=%q%s />\n", p.Type, def)
		fmt.Fprintf(&b, "\t\t<shortdesc lang=\"en\">%s</shortdesc>\n", html.EscapeString(p.Desc))
		b.WriteString("\t</parameter>\n")
	}
	b.WriteString("</parameters>\n<actions>\n")
	for _, act := range Actions {
		extra := ""
		if act == "on" {
			extra = ` automatic="0"`
		}
		fmt.Fprintf(&b, "\t<action name=%q%s />\n", act, extra)
	}
	b.WriteString("</actions>\n</resource-agent>\n")
	return b.String()
}
