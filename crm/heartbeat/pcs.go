package heartbeat

import (
	"strings"
)

// PcsCommands returns the pcs commands that build the same configuration on
// a CIB file (pcs -f FILE), for users who move to Pacemaker instead, or who
// keep their CIB in pcs's words. Each command is an argument vector: no
// shell is involved in running them; Quote renders them for a terminal.
func (p *Plan) PcsCommands(file string) [][]string {
	pcs := func(args ...string) []string { return append([]string{"pcs", "-f", file}, args...) }
	var out [][]string
	for _, nv := range p.Properties {
		out = append(out, pcs("property", "set", nv.Name+"="+nv.Value))
	}
	for _, nv := range p.Defaults {
		out = append(out, pcs("resource", "defaults", "update", nv.Name+"="+nv.Value))
	}
	for _, c := range p.Clones {
		args := pcs(append([]string{"resource", "create", c.Prim.ID, c.Prim.Agent()}, pcsBody(c.Prim)...)...)
		args = append(args, "promotable")
		for _, m := range c.Meta {
			if m.Name != "promotable" {
				args = append(args, m.Name+"="+m.Value)
			}
		}
		out = append(out, args)
	}
	for _, g := range p.Groups {
		for _, m := range g.Members {
			out = append(out, pcs(append(append([]string{"resource", "create", m.ID, m.Agent()}, pcsBody(m)...), "--group", g.ID)...))
		}
	}
	for _, l := range p.Locations {
		if l.PingAttr == "" {
			out = append(out, pcs("constraint", "location", l.Rsc, "prefers", l.Node+"="+l.Score))
			continue
		}
		out = append(out, pcs("constraint", "location", l.Rsc, "rule", "score=-INFINITY",
			l.PingAttr, "lte", "0", "or", "not_defined", l.PingAttr))
	}
	for _, c := range p.Colocations {
		out = append(out, pcs("constraint", "colocation", "add", c.Rsc, "with", c.WithRole, c.WithRsc, c.Score))
	}
	for _, o := range p.Orders {
		out = append(out, pcs("constraint", "order", o.FirstAction, o.First, "then", o.ThenAction, o.Then))
	}
	return out
}

// pcsBody is a resource's parameters and operations in pcs's syntax.
func pcsBody(p Primitive) []string {
	var args []string
	for _, nv := range p.Params {
		args = append(args, nv.Name+"="+nv.Value)
	}
	for _, o := range p.Ops {
		args = append(args, "op", o.Name, "interval="+o.Interval, "timeout="+o.Timeout)
		if o.Role != "" {
			args = append(args, "role="+o.Role)
		}
	}
	return args
}

// Quote renders an argument vector for a POSIX shell, quoting what needs it.
func Quote(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		if a != "" && strings.Trim(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789@%+=:,./_-") == "" {
			q[i] = a
		} else {
			q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(q, " ")
}
