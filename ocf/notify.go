package ocf

import "strings"

// Notification is what Pacemaker tells a clone instance in a notify action:
// which operation is about to happen or has happened (Type "pre" or "post")
// and which instances take part, on which nodes.
type Notification struct {
	Type      string // "pre" or "post"; empty outside a notify action
	Operation string // "start", "stop", "promote" or "demote"

	Start, Stop, Promote, Demote []Instance
	Active, Inactive             []Instance
	Promoted, Unpromoted         []Instance
	Available, All               []Instance
}

// Instance is one clone instance named in a notification.
type Instance struct {
	Resource string // e.g. "drbd:0"
	Uname    string // the node it is on or goes to; may be empty
}

// Unames returns the node names of the instances, skipping empty ones.
func Unames(list []Instance) []string {
	var out []string
	for _, i := range list {
		if i.Uname != "" {
			out = append(out, i.Uname)
		}
	}
	return out
}

// parseNotification reads the notify_* meta variables. Pacemaker 2.1 sends
// both promoted/unpromoted and the older master/slave names; older callers
// send only the latter, so they are the fallback.
func parseNotification(meta map[string]string) Notification {
	list := func(names ...string) []Instance {
		for _, n := range names {
			rs, okR := meta["notify_"+n+"_resource"]
			us, okU := meta["notify_"+n+"_uname"]
			if !okR && !okU {
				continue
			}
			r := strings.Fields(rs)
			u := strings.Fields(us)
			count := len(r)
			if len(u) > count {
				count = len(u)
			}
			out := make([]Instance, count)
			for i := range out {
				if i < len(r) {
					out[i].Resource = r[i]
				}
				if i < len(u) {
					out[i].Uname = u[i]
				}
			}
			return out
		}
		return nil
	}
	return Notification{
		Type:       meta["notify_type"],
		Operation:  meta["notify_operation"],
		Start:      list("start"),
		Stop:       list("stop"),
		Promote:    list("promote"),
		Demote:     list("demote"),
		Active:     list("active"),
		Inactive:   list("inactive"),
		Promoted:   list("promoted", "master"),
		Unpromoted: list("unpromoted", "slave"),
		Available:  list("available"),
		All:        list("all"),
	}
}
