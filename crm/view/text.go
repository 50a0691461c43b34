package view

import (
	"fmt"
	"io"
	"strings"
)

// WriteText writes the view in crm_mon's text layout (crm_mon -1 with
// --inactive and --failcounts), plus Baton's heartbeat links.
func (v *View) WriteText(w io.Writer) error {
	p := &textWriter{w: w}
	p.printf("Cluster Summary:\n")
	p.printf("  * Stack: baton\n")
	switch {
	case v.DC == "":
		p.printf("  * Current DC: NONE\n")
	default:
		q := "with"
		if !v.Quorate {
			q = "WITHOUT"
		}
		p.printf("  * Current DC: %s - partition %s quorum\n", v.DC, q)
	}
	if v.QuorumReason != "" {
		p.printf("  * Quorum: %s\n", v.QuorumReason)
	}
	if v.Node != "" {
		p.printf("  * This node: %s\n", v.Node)
	}
	p.printf("  * Last updated: %s\n", v.LastUpdate.Local().Format(ctimeLayout))
	if v.LastChange.Time != "" {
		by := ""
		if v.LastChange.User != "" {
			by = " by " + v.LastChange.User
		}
		if v.LastChange.Client != "" {
			by += " via " + v.LastChange.Client
		}
		if v.LastChange.Origin != "" {
			by += " on " + v.LastChange.Origin
		}
		p.printf("  * Last change:  %s%s\n", v.LastChange.Time, by)
	}
	prims := v.Primitives()
	p.printf("  * %d nodes configured\n  * %d resource instances configured\n", len(v.Nodes), len(prims))

	p.printf("\nNode List:\n")
	var online, offline []string
	for _, n := range v.Nodes {
		switch {
		case n.Online && n.Standby:
			with := ""
			if n.ResourcesRunning > 0 {
				with = " (with active resources)"
			}
			p.printf("  * Node %s: standby%s\n", n.Name, with)
		case n.Online && n.Maintenance:
			p.printf("  * Node %s: maintenance\n", n.Name)
		case n.Unclean:
			p.printf("  * Node %s: UNCLEAN (offline)\n", n.Name)
		case n.Online:
			online = append(online, n.Name)
		default:
			offline = append(offline, n.Name)
		}
	}
	if len(online) > 0 {
		p.printf("  * Online: [ %s ]\n", strings.Join(online, " "))
	}
	if len(offline) > 0 {
		p.printf("  * OFFLINE: [ %s ]\n", strings.Join(offline, " "))
	}
	if len(v.Links) > 0 {
		p.printf("\nHeartbeat links (seen from %s):\n", v.Node)
		for _, l := range v.Links {
			p.printf("  * %s: %s\n", l.Peer, strings.Join(l.States, ", "))
		}
	}

	p.printf("\nFull List of Resources:\n")
	if len(v.Resources) == 0 {
		p.printf("  * No resources\n")
	}
	for _, r := range v.Resources {
		p.resource(r, 1)
	}

	var hist []string
	for _, h := range v.History {
		var lines []string
		for _, r := range h.Resources {
			if r.FailCount > 0 || !r.LastFailure.IsZero() {
				l := fmt.Sprintf("    * %s: migration-threshold=%d fail-count=%s", r.ID, r.MigrationThreshold, score(r.FailCount))
				if !r.LastFailure.IsZero() {
					l += fmt.Sprintf(" last-failure='%s'", r.LastFailure.Local().Format(ctimeLayout))
				}
				lines = append(lines, l)
			}
		}
		if len(lines) > 0 {
			hist = append(hist, "  * Node: "+h.Node+":")
			hist = append(hist, lines...)
		}
	}
	if len(hist) > 0 {
		p.printf("\nMigration Summary:\n%s\n", strings.Join(hist, "\n"))
	}
	if len(v.Failures) > 0 {
		p.printf("\nFailed Resource Actions:\n")
		for _, f := range v.Failures {
			key := f.OpKey
			if key == "" {
				key = f.ID
			}
			reason := ""
			if f.Reason != "" {
				reason = fmt.Sprintf(" (%s)", f.Reason)
			}
			when := ""
			if !f.LastRCChange.IsZero() {
				when = fmt.Sprintf(" at %s", f.LastRCChange.Local().Format(ctimeLayout))
			}
			p.printf("  * %s on %s '%s'%s: call=%d, status='%s'%s\n", key, f.Node, RCText(f.RC), reason, f.Call,
				ExecStatusText(f.OpStatus), when)
		}
	}
	v.writeSafety(p)
	if len(v.Fencing) > 0 {
		p.printf("\nFencing History:\n")
		for _, ev := range v.Fencing {
			when := ""
			if !ev.Completed.IsZero() {
				when = " at " + ev.Completed.Local().Format(ctimeLayout)
			}
			dev := ""
			if len(ev.Devices) > 0 {
				dev = ", device=" + strings.Join(ev.Devices, "+")
			}
			p.printf("  * %s of %s %s: origin=%s, client=%s%s%s\n", ev.Action, ev.Target, ev.Status, ev.Origin, ev.Client, dev, when)
		}
	}
	return p.err
}

type textWriter struct {
	w   io.Writer
	err error
}

func (p *textWriter) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

func (p *textWriter) resource(r Resource, depth int) {
	ind := strings.Repeat("  ", depth)
	switch r.Kind {
	case KindGroup:
		p.printf("%s* Resource Group: %s%s:\n", ind, r.ID, flags(r, false))
		for _, c := range r.Children {
			p.resource(c, depth+1)
		}
	case KindClone:
		child := ""
		if len(r.Children) > 0 {
			child = r.Children[0].ID
			if r.Children[0].Kind == KindGroup || r.Unique {
				child = strings.SplitN(child, ":", 2)[0]
			}
		}
		p.printf("%s* Clone Set: %s [%s]%s:\n", ind, r.ID, child, flags(r, true))
		for _, c := range r.Children {
			p.resource(c, depth+1)
		}
	default:
		state := r.Role
		if r.Failed {
			state = "FAILED"
			if r.Role == "Promoted" {
				state = "FAILED Promoted"
			}
		}
		var nodes []string
		for _, n := range r.Nodes {
			nodes = append(nodes, n.Name)
		}
		orphan := ""
		if r.Orphaned {
			orphan = " ORPHANED"
		}
		p.printf("%s* %s\t(%s):\t%s %s%s\n", ind, r.ID, r.Agent, orphan, strings.TrimSpace(state+" "+strings.Join(nodes, " ")), flags(r, false))
	}
}

// flags returns crm_mon's parenthesised resource flags.
func flags(r Resource, clone bool) string {
	var f []string
	if clone && r.Promotable {
		f = append(f, "promotable")
	}
	if clone && r.Unique {
		f = append(f, "unique")
	}
	if r.Disabled {
		f = append(f, "disabled")
	}
	if !r.Managed {
		f = append(f, "unmanaged")
	}
	if r.Blocked {
		f = append(f, "blocked")
	}
	if len(f) == 0 {
		return ""
	}
	return " (" + strings.Join(f, ", ") + ")"
}

func score(n int) string {
	if n >= 1000000 {
		return "INFINITY"
	}
	return fmt.Sprint(n)
}

// writeSafety writes Baton's fencing report: the devices, what makes the
// cluster unsafe, the unclean nodes, why there is no failover now, and the
// watchdog.
func (v *View) writeSafety(p *textWriter) {
	f := v.Safety
	if f == nil {
		return
	}
	p.printf("\nFencing:\n")
	switch {
	case !f.Enabled:
		p.printf("  * disabled (stonith-enabled=false)\n")
	case len(f.Devices) == 0:
		p.printf("  * enabled, but no device and no watchdog is configured\n")
	default:
		p.printf("  * enabled: %s\n", strings.Join(f.Devices, ", "))
	}
	if f.Unsafe != "" {
		p.printf("  * UNSAFE: %s\n", f.Unsafe)
	}
	for _, u := range f.Unclean {
		state := "waiting to be fenced"
		if u.Fencing {
			state = "being fenced"
		}
		if u.Error != "" {
			state += ": " + u.Error
		}
		seen := "never seen"
		if !u.LastSeen.IsZero() {
			seen = "last seen " + u.LastSeen.Local().Format(ctimeLayout)
		}
		p.printf("  * Node %s: UNCLEAN (%s), %s\n", u.Node, seen, state)
	}
	if v.Holding != "" {
		p.printf("  * No failover: %s\n", v.Holding)
	}
	if wd := v.Watchdog; wd != nil {
		state := "petted"
		if !wd.Petting {
			state = "NOT petted (" + wd.Reason + "): this node resets when it expires"
		}
		p.printf("  * Watchdog %s (timeout %v): %s, last pet %s\n", wd.Device, wd.Timeout, state, wd.LastPet.Local().Format(ctimeLayout))
	}
}
