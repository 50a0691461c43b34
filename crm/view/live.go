package view

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/baton-ha/baton/crm/cib"
	"github.com/baton-ha/baton/crm/controller"
)

// FromState reads the view a running daemon gives (`baton status` asks
// the local daemon for it over the admin socket). Membership is the
// answering node's, as crm_mon shows its own partition's: a node is online
// when this node hears it, whatever an older copy of the status says, so
// that two sides of a split each show the other offline.
func FromState(st controller.State, now time.Time) (*View, error) {
	doc, err := cib.Parse([]byte(st.CIB))
	if err != nil {
		return nil, fmt.Errorf("the daemon's CIB does not parse: %w", err)
	}
	for _, ns := range doc.Status {
		if !slices.Contains(st.Members, ns.Uname) {
			ns.InCCM, ns.Crmd, ns.Join = "false", "offline", "down"
		}
	}
	doc.HaveQuorum = st.Quorate
	doc.DCUUID = ""
	for _, n := range doc.Nodes {
		if n.Uname == st.DC {
			doc.DCUUID = n.ID
		}
	}
	v, err := FromCIB(doc, now)
	if err != nil {
		return nil, err
	}
	v.Node, v.QuorumReason = st.Node, st.Reason
	if v.DC == "" && st.DC != "" {
		v.DC = st.DC // a DC the CIB does not list as a node yet
	}
	peers := make([]string, 0, len(st.Links))
	for p := range st.Links {
		peers = append(peers, p)
	}
	sort.Strings(peers)
	for _, p := range peers {
		v.Links = append(v.Links, Link{Peer: p, States: st.Links[p]})
	}
	addFencing(v, st)
	return v, nil
}

// addFencing adds the daemon's fencing state: its fence history (newest
// first, as crm_mon lists it), the nodes it holds unclean, and Baton's own
// safety report.
func addFencing(v *View, st controller.State) {
	f := st.Fencing
	v.Safety, v.Holding, v.Watchdog = &f, st.Holding, st.Watchdog
	for i := len(f.History) - 1; i >= 0; i-- {
		r := f.History[i]
		ev := FenceEvent{Target: r.Target, Action: r.Action, Status: "success", Origin: r.Origin, Client: "baton",
			Delegate: r.Executor, Devices: r.Devices, Completed: r.Completed}
		if !r.OK {
			ev.Status, ev.Reason = "failed", r.Error
		}
		v.Fencing = append(v.Fencing, ev)
	}
	for _, u := range f.Unclean {
		for i := range v.Nodes {
			if v.Nodes[i].Name == u.Node {
				v.Nodes[i].Unclean = true
			}
		}
	}
}
