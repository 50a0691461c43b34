package manpage

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/baton-ha/baton/ocf"
)

// Commands returns the full name of every visible command and subcommand,
// "baton agent list" and so on, in the order the CLI lists them.
func Commands(app *cli.App) []string {
	var out []string
	eachCommand(app, func(name string, _ *cli.Command) { out = append(out, name) })
	return out
}

// eachCommand calls f for every visible command, depth first, with its full
// name.
func eachCommand(app *cli.App, f func(name string, c *cli.Command)) {
	var walk func(prefix string, cmds []*cli.Command)
	walk = func(prefix string, cmds []*cli.Command) {
		for _, c := range cmds {
			if c.Hidden {
				continue
			}
			name := prefix + " " + c.Name
			f(name, c)
			walk(name, c.Subcommands)
		}
	}
	walk(app.Name, app.Commands)
}

// Baton renders baton(8): every visible command with its flags, then the
// agents (each with its own page), files and environment.
func Baton(app *cli.App, agents []*ocf.Agent, m Meta) []byte {
	var p page
	p.title(app.Name, "8", m, "System Administration")
	p.section("NAME")
	p.line(escape(app.Name) + ` \- ` + escape(app.Usage))
	p.section("SYNOPSIS")
	p.line(bold(app.Name) + " " + italic("COMMAND") + " [" + italic("OPTIONS") + "] [" + italic("ARGUMENTS") + "]")
	p.b.WriteString(".br\n")
	p.line(bold("/usr/lib/ocf/resource.d/baton/") + italic("AGENT") + " " + italic("ACTION"))
	p.section("DESCRIPTION")
	p.para("Baton is a set of Pacemaker-compatible OCF resource agents for highly available NFS " +
		"(DRBD, Filesystem, NFS server, exports, a floating IP address) and a small cluster resource manager, " +
		"baton daemon, that reads the same CIB XML as Pacemaker.")
	p.para("One binary holds everything. Called as baton it runs the command named by its first argument; " +
		"called through a symlink named after an agent (the OCF layout /usr/lib/ocf/resource.d/baton/AGENT), " +
		"it is that resource agent and takes an OCF action as its argument.")

	p.section("COMMANDS")
	eachCommand(app, func(name string, c *cli.Command) {
		head := name
		if c.ArgsUsage != "" {
			head += " " + c.ArgsUsage
		}
		p.subsection(head)
		p.para(sentence(c.Usage))
		p.para(c.Description)
		if len(c.Aliases) > 0 {
			p.para("Also called " + strings.Join(c.Aliases, ", ") + ".")
		}
		flags(&p, c.Flags)
	})
	if len(app.Flags) > 0 {
		p.section("GLOBAL OPTIONS")
		flags(&p, app.Flags)
	}

	p.section("AGENTS")
	p.para("The OCF resource agents of provider baton; each has its own page with its parameters and actions:")
	for _, a := range agents {
		p.item(bold("ocf:baton:"+a.Name), sentence(a.Shortdesc)+" See "+AgentPageName(a)+"(7).")
	}

	p.section("FILES")
	p.item(bold("/etc/baton/baton.toml"), "The daemon's configuration; see baton.toml(5).")
	p.item(bold("/etc/baton/authkey"), "The cluster's shared key (mode 0600), written by baton keygen and copied to every node and the witness.")
	p.item(bold("/var/lib/baton"), "The node's copy of the CIB, the admin socket baton.sock and the agents' attribute socket attrd.sock.")
	p.item(bold("/usr/lib/ocf/resource.d/baton"), "One symlink to /usr/sbin/baton per agent.")
	p.item(bold("baton.service, baton-witness.service"), "The systemd units of the daemon and the witness.")
	p.section("ENVIRONMENT")
	p.item(bold("BATON_CONFIG"), "The configuration file, instead of --config.")
	p.item(bold("NOTIFY_SOCKET, WATCHDOG_USEC"), "Set by systemd: the daemon reports READY=1 once it has joined the cluster and sends WATCHDOG=1 while it is healthy.")
	p.item(bold("OCF_ROOT, OCF_RESKEY_*"), "Read by the agents, as by every OCF resource agent.")
	p.section("SIGNALS")
	p.para("SIGTERM or SIGINT to baton daemon: the node asks the cluster to stop or move every resource it runs, " +
		"waits until none is left, and exits. A second signal ends it at once and leaves the resources as they are.")
	p.section("EXIT STATUS")
	p.para("0 on success, 2 for bad arguments or configuration, 1 for other failures. " +
		"An agent, and baton agent run or baton resource --force-*, exits with the OCF code of the action.")
	p.section("SEE ALSO")
	refs := []string{bold("baton.toml") + "(5)"}
	for _, a := range agents {
		refs = append(refs, bold(AgentPageName(a))+"(7)")
	}
	refs = append(refs, bold("crm_resource")+"(8)", bold("cibadmin")+"(8)", bold("systemd.service")+"(5)")
	p.line(strings.Join(refs, ", "))
	return p.bytes()
}

// flags lists a command's visible options.
func flags(p *page, fs []cli.Flag) {
	for _, f := range fs {
		if v, ok := f.(cli.VisibleFlag); ok && !v.IsVisible() {
			continue
		}
		var names []string
		for _, n := range f.Names() {
			dash := "--"
			if len(n) == 1 {
				dash = "-"
			}
			names = append(names, bold(dash+n))
		}
		tag := strings.Join(names, ", ")
		body := ""
		d, ok := f.(cli.DocGenerationFlag)
		if ok {
			if d.TakesValue() {
				tag += " " + italic("value")
			}
			body = sentence(d.GetUsage())
			def := d.GetDefaultText()
			if def == "" {
				def = d.GetValue()
			}
			if d.TakesValue() && def != "" && def != `""` {
				body += fmt.Sprintf(" Default: %s.", def)
			}
			if env := d.GetEnvVars(); len(env) > 0 {
				body += " Environment: " + strings.Join(env, ", ") + "."
			}
		}
		if r, ok := f.(cli.RequiredFlag); ok && r.IsRequired() {
			body += " Required."
		}
		p.item(tag, strings.TrimSpace(body))
	}
}

// sentence capitalises s and ends it with a full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}
