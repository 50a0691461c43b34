package manpage

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/baton-ha/baton/ocf"
)

// AgentPageName is the page of an agent, after resource-agents'
// ocf_heartbeat_<type>(7): ocf_baton_<type>, section 7.
func AgentPageName(a *ocf.Agent) string { return "ocf_baton_" + a.Name }

// actionText says what each OCF action does, for the actions section.
var actionText = map[string]string{
	ocf.ActionStart:       "Starts the resource.",
	ocf.ActionStop:        "Stops the resource.",
	ocf.ActionMonitor:     "Checks whether the resource runs (and, for promotable resources, in which role).",
	ocf.ActionStatus:      "Checks whether the resource runs (the LSB-era name of monitor).",
	ocf.ActionPromote:     "Promotes the instance to the promoted role.",
	ocf.ActionDemote:      "Demotes the instance to the unpromoted role.",
	ocf.ActionNotify:      "Receives the cluster's pre- and post-notifications of a clone's operations.",
	ocf.ActionValidateAll: "Checks the parameters and the node's set-up without changing anything.",
	ocf.ActionMetaData:    "Prints the agent's meta-data XML.",
	ocf.ActionReload:      "Applies changed parameters without a restart.",
	ocf.ActionReloadAgent: "Applies changed reloadable parameters without a restart.",
	ocf.ActionMigrateTo:   "Starts a live migration to another node (on the source).",
	ocf.ActionMigrateFrom: "Completes a live migration (on the target).",
}

// Agent renders ocf_baton_<Agent>(7) from the agent's declaration.
func Agent(a *ocf.Agent, m Meta) []byte {
	var p page
	name := AgentPageName(a)
	p.title(name, "7", m, "OCF resource agents")
	p.section("NAME")
	p.line(escape(name) + ` \- ` + escape(a.Shortdesc))

	p.section("SYNOPSIS")
	var actions []string
	for _, s := range a.DefaultActions() {
		actions = append(actions, s.Name)
	}
	actions = dedupe(actions)
	p.line(bold(a.Name) + " [" + escape(strings.Join(actions, " | ")) + "]")
	p.b.WriteString(".br\n")
	p.line(bold("baton agent run") + " " + escape(a.Name) + " " + italic("ACTION"))

	p.section("DESCRIPTION")
	p.para(a.Longdesc)
	p.para(fmt.Sprintf("The agent is the baton binary called through the symlink /usr/lib/ocf/resource.d/baton/%s; "+
		"Pacemaker and `baton daemon` name it ocf:baton:%s. "+
		"It takes its parameters from OCF_RESKEY_<name> environment variables, as every OCF agent does.", a.Name, a.Name))

	p.section("SUPPORTED PARAMETERS")
	if len(a.Params) == 0 {
		p.para("None.")
	}
	for i := range a.Params {
		prm := &a.Params[i]
		p.item(bold(prm.Name), prm.Description()+"\n\n("+paramFacts(prm)+")")
	}

	p.section("SUPPORTED ACTIONS")
	p.para("This resource agent supports the following actions (operations):")
	for _, s := range a.DefaultActions() {
		text := actionText[s.Name]
		if text == "" {
			text = "Runs the " + s.Name + " action."
		}
		if s.Role != "" {
			text += " In role " + s.Role + "."
		}
		if s.Depth > 0 {
			text += fmt.Sprintf(" Depth (OCF_CHECK_LEVEL) %d.", s.Depth)
		}
		text += " Suggested minimum timeout: " + seconds(s.Timeout) + "."
		if s.Interval > 0 {
			text += " Suggested interval: " + seconds(s.Interval) + "."
		}
		p.item(bold(s.Name), text)
	}

	p.section("EXAMPLE PCS")
	p.para("A " + a.Name + " resource created with pcs(8), with every required parameter:")
	p.example(example("pcs resource create p_"+a.Name+" ocf:baton:"+a.Name, a, "")...)
	p.section("EXAMPLE CRM SHELL")
	p.para("The same with crm(8):")
	p.example(example("primitive p_"+a.Name+" ocf:baton:"+a.Name, a, "params")...)

	p.section("SEE ALSO")
	p.line(bold("baton") + "(8), " + bold("baton.toml") + "(5), " + bold("crm_resource") + "(8), " + bold("pcs") + "(8)")
	return p.bytes()
}

// paramFacts is the summary line under a parameter, as in resource-agents'
// pages: required or not, unique, type, default.
func paramFacts(prm *ocf.Param) string {
	var f []string
	if prm.Required {
		f = append(f, "required")
	} else {
		f = append(f, "optional")
	}
	if prm.UniqueGroup != "" {
		f = append(f, "unique")
	}
	f = append(f, prm.Type.String())
	if prm.Default != "" {
		f = append(f, "default "+prm.Default)
	} else {
		f = append(f, "no default")
	}
	return strings.Join(f, ", ")
}

// example is a resource definition setting the required parameters, one per
// line, with a placeholder of the parameter's type.
func example(head string, a *ocf.Agent, paramsWord string) []string {
	var req []string
	for _, prm := range a.Params {
		if prm.Required {
			req = append(req, prm.Name+"="+prm.Type.String())
		}
	}
	sort.Strings(req)
	lines := []string{head + ` \`}
	if paramsWord != "" && len(req) > 0 {
		lines = append(lines, "  "+paramsWord+` \`)
	}
	for _, r := range req {
		lines = append(lines, "    "+r+` \`)
	}
	mon := "op monitor interval=10s timeout=20s"
	for _, s := range a.DefaultActions() {
		if s.Name == ocf.ActionMonitor && s.Role == "" {
			mon = "op monitor interval=" + seconds(s.Interval) + " timeout=" + seconds(s.Timeout)
			break
		}
	}
	return append(lines, "  "+mon)
}

func seconds(d time.Duration) string {
	if d%time.Second != 0 {
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	return fmt.Sprintf("%ds", int64(d/time.Second))
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
