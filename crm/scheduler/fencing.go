package scheduler

import (
	"strconv"
	"strings"
	"time"

	"github.com/baton-ha/baton/crm/cib"
)

// Fence is a fencing action the transition asks for: the node to fence,
// the fence action (reboot, off or on) and why. The fencer executes it;
// a Fence in the graph (Action.Fence) comes before the recovery of the
// resources that were active on its node.
type Fence struct {
	Node   string
	Action string // "reboot", "off" or "on"
	Reason string
}

// String renders the fence as crm_simulate's Transition Summary does.
func (f Fence) String() string {
	return "Fence (" + f.Action + ") " + f.Node + " '" + f.Reason + "'"
}

// markUnclean records that a node must be fenced; the first reason wins,
// as in Pacemaker.
func (c *Cluster) markUnclean(n *Node, reason string) {
	if n.Unclean {
		return
	}
	n.Unclean = true
	n.FenceReason = reason
}

// memberSince reads node_state's in_ccm: -1 when absent (never seen), 0 when
// not a member, else a positive time (now for a legacy "true").
func (c *Cluster) memberSince(st *cib.NodeState) int64 {
	switch {
	case st.InCCMMissing:
		return -1
	case st.InCCM == "":
		return -1
	}
	if v, ok := cib.ParseBool(st.InCCM); ok {
		if v {
			return c.Now.Unix()
		}
		return 0
	}
	t, err := strconv.ParseInt(st.InCCM, 10, 64)
	if err != nil || t < 0 {
		return -1
	}
	return t
}

// onlineSince reads node_state's crmd: 0 offline, 1 legacy online, else a
// time.
func onlineSince(st *cib.NodeState) int64 {
	switch strings.ToLower(st.Crmd) {
	case "", "offline":
		return 0
	case "online":
		return 1
	}
	t, err := strconv.ParseInt(st.Crmd, 10, 64)
	if err != nil || t < 0 {
		return 0
	}
	return t
}

// nodeStateWithFencing decides, with fencing enabled, whether a node is
// online, pending, or unclean and why (Pacemaker Explained, "Fencing";
// the states of node_state's in_ccm, crmd, join and expected).
func (c *Cluster) nodeStateWithFencing(n *Node, st *cib.NodeState) {
	member := c.memberSince(st)
	online := onlineSince(st)
	terminate := false
	if v := n.Attrs["terminate"]; v != "" {
		if b, ok := cib.ParseBool(v); ok {
			terminate = b
		} else if t, err := strconv.ParseInt(v, 10, 64); err == nil {
			terminate = t > 0
		}
	}
	if n.Shutdown {
		n.Online = online > 0
		return
	}
	if member < 0 {
		c.markUnclean(n, "peer has not been seen by the cluster")
		return
	}
	switch {
	case st.Join == "nack" || st.Join == "banned":
		c.markUnclean(n, "peer failed Pacemaker membership criteria")
	case terminate:
		if member <= 0 && online <= 0 && st.Join == "down" {
			return // fenced as requested
		}
		c.markUnclean(n, "fencing was requested")
	case st.Expected == "" || st.Expected == "down":
		switch {
		case c.pendingTooLong(member, online):
			c.markUnclean(n, "peer pending timed out on joining the process group")
		case member > 0 || online > 0:
			n.Pending = true
		}
	case member <= 0:
		c.markUnclean(n, "peer is no longer part of the cluster")
	case online <= 0:
		c.markUnclean(n, "peer process is no longer available")
	case st.Join == "member":
	case st.Join == "pending" || st.Join == "down":
		n.Pending = true
	default:
		c.markUnclean(n, "peer was in an unknown state")
	}
	n.Online = member > 0
}

func (c *Cluster) pendingTooLong(member, online int64) bool {
	v := c.options["node-pending-timeout"]
	if v == "" || member <= 0 || online > 0 {
		return false
	}
	d, err := cib.ParseInterval(v)
	if err != nil || d <= 0 {
		return false
	}
	return c.Now.Unix() >= member+int64(d/time.Second)
}

// haveFencingDevices reports whether any stonith resource is configured
// (or sbd's watchdog self-fencing, have-watchdog=true).
func (c *Cluster) haveFencingDevices() bool {
	found := boolOpt(c.options["have-watchdog"], false)
	for _, r := range c.CIB.Resources {
		r.Walk(func(x *cib.Resource) {
			if x.Kind == cib.Primitive && x.Class == "stonith" {
				found = true
			}
		})
	}
	return found
}

// CanFence reports whether the cluster may fence n now: fencing is
// enabled, a device is configured, and the partition has quorum (or
// ignores its loss, or n is a member of it).
func (c *Cluster) CanFence(n *Node) bool {
	switch {
	case !c.FencingEnabled || !c.haveDevices:
		return false
	case c.HaveQuorum || c.NoQuorumPolicy == "ignore":
		return true
	}
	return n != nil && n.Online
}

// fenceAction is the action of a fence for an unclean node
// (stonith-action: reboot, or off for "poweroff"/"off").
func (c *Cluster) fenceAction() string {
	switch c.options["stonith-action"] {
	case "poweroff", "off":
		return "off"
	}
	return "reboot"
}

// scheduleFencing lists the fences of this transition: every unclean node
// that can be fenced, in node order, when any resource is managed.
func (c *Cluster) scheduleFencing() {
	managed := false
	for _, top := range c.allTops() {
		top.Walk(func(r *Resource) {
			if r.Kind == cib.Primitive && r.Managed {
				managed = true
			}
		})
	}
	if !managed {
		return
	}
	unfencer := c.unfencingDevice()
	for _, n := range c.Nodes {
		switch {
		case n.Unclean && c.CanFence(n):
			n.fenced = true
			c.Fences = append(c.Fences, Fence{Node: n.Name, Action: c.fenceAction(), Reason: n.FenceReason})
		case c.deviceChanged[n] != "" && n.Online && !n.Unclean && !n.Shutdown && c.CanFence(n):
			if c.reunfenced == nil {
				c.reunfenced = map[*Node]bool{}
			}
			c.reunfenced[n] = true
			c.Fences = append(c.Fences, Fence{Node: n.Name, Action: "on", Reason: c.deviceChanged[n]})
		case unfencer != nil && n.Online && !n.Unclean && !n.Pending && n.Attrs["#node-unfenced"] == "" && c.CanFence(n):
			// A device that provides unfencing must have every node
			// unfenced (its access restored) before it probes or runs
			// anything there.
			c.Fences = append(c.Fences, Fence{Node: n.Name, Action: "on", Reason: "required by " + unfencer.ID + " monitor"})
		}
	}
}

// unfencingDevice returns the first fence device that provides unfencing
// (meta attribute provides=unfencing), or nil.
func (c *Cluster) unfencingDevice() *Resource {
	var dev *Resource
	for _, top := range c.Resources {
		top.Walk(func(r *Resource) {
			if dev == nil && r.Kind == cib.Primitive && r.Cfg != nil && r.Cfg.Class == "stonith" && r.Meta["provides"] == "unfencing" {
				dev = r
			}
		})
	}
	return dev
}

// requiresUnfencing reports whether r may run on a node only once it is
// unfenced: the default for everything but fence devices when a device
// provides unfencing.
func (c *Cluster) requiresUnfencing(r *Resource) bool {
	switch r.Meta["requires"] {
	case "unfencing":
		return true
	case "":
		return r.Cfg != nil && r.Cfg.Class != "stonith" && c.unfencingDevice() != nil
	}
	return false
}
