package fencevm

import (
	"fmt"
	"html"
	"strings"
)

// param is one of the agent's parameters, declared once: the metadata,
// the command line and the defaults all come from this table.
type param struct {
	Name     string
	Short    string // "-o"; "" for none
	Long     string // "--action"
	Arg      string // the value's name in the metadata ("action", "ip")
	Type     string // "string", "integer", "second"
	Default  string
	Required bool
	// Alias is the newer parameter this deprecated one stands for.
	Alias string
	Desc  string
}

// params are the agent's parameters, in the order of its metadata.
var params = []param{
	{Name: "action", Short: "-o", Long: "--action", Arg: "action", Type: "string", Default: "reboot", Required: true,
		Desc: "Fencing action"},
	{Name: "plug", Short: "-n", Long: "--plug", Arg: "name", Type: "string", Required: true,
		Desc: "The guest's name on the power switch"},
	{Name: "port", Short: "-n", Long: "--plug", Arg: "name", Type: "string", Alias: "plug",
		Desc: "The guest's name on the power switch"},
	{Name: "nodename", Long: "--nodename", Arg: "name", Type: "string",
		Desc: "The cluster node name (set by the fencer)"},
	{Name: "ip", Short: "-a", Long: "--ip", Arg: "ip", Type: "string", Required: true,
		Desc: "The power switch's address (host name or IP, optionally host:port)"},
	{Name: "ipport", Short: "-u", Long: "--ipport", Arg: "port", Type: "integer", Default: DefaultPort,
		Desc: "The power switch's TCP port"},
	{Name: "key_file", Short: "-k", Long: "--key-file", Arg: "filename", Type: "string", Default: DefaultKeyFile,
		Desc: "The key shared with the power switch (mode 0600, at least 16 bytes): requests and answers are signed with it"},
	{Name: "login_timeout", Long: "--login-timeout", Arg: "seconds", Type: "second", Default: "5",
		Desc: "Wait X seconds for the switch to answer a connection"},
	{Name: "power_timeout", Long: "--power-timeout", Arg: "seconds", Type: "second", Default: "20",
		Desc: "Wait X seconds for the switch to power a guest off or on"},
}

// Defaults of the switch's port and the agent's key file.
const (
	DefaultPort    = "5407"
	DefaultKeyFile = "/etc/baton/fence_baton_vm.key"
)

// actions are the fence-agents API's actions the agent implements.
var actions = []string{"on", "off", "reboot", "status", "list", "list-status", "monitor", "metadata", "validate-all"}

// flagNames maps each command-line option to its stdin name.
func flagNames() map[string]string {
	out := map[string]string{}
	for _, p := range params {
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
	out["--port"] = "plug"
	return out
}

// known reports whether name is a parameter of the agent.
func known(name string) bool {
	for _, p := range params {
		if p.Name == name {
			return true
		}
	}
	return false
}

// metadata renders the agent's description in the fence-agents format,
// which Pacemaker and Baton's fencer read for its parameters.
func metadata() string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" ?>
<resource-agent name="` + Name + `" shortdesc="Fence agent for the guests of Baton's VM test tier">
<longdesc>Asks the power switch of Baton's VM test tier, a small server on the host that runs the guests, to power a guest off (its emulator is killed: the guest cannot resume), on (the host boots it again) or to report its state, as fence_virsh or fence_xvm do for libvirt guests. Requests and answers are signed with a key shared with the switch (HMAC-SHA256) and bound to one-time challenges of both sides, so that a recorded request or answer cannot be played again.</longdesc>
<vendor-url>https://github.com/baton-ha/baton</vendor-url>
<parameters>
`)
	for _, p := range params {
		req := "0"
		if p.Required {
			req = "1"
		}
		attrs := ""
		switch {
		case p.Alias != "":
			attrs = ` deprecated="1"`
		case p.Name == "plug":
			attrs = ` obsoletes="port"`
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
	for _, a := range actions {
		extra := ""
		if a == "on" {
			extra = ` automatic="0"`
		}
		fmt.Fprintf(&b, "\t<action name=%q%s />\n", a, extra)
	}
	b.WriteString("</actions>\n</resource-agent>\n")
	return b.String()
}
