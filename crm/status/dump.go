package status

import "sort"

// NodeDump is one node's part of the status: its transient attributes and
// operation history. Nodes send theirs to the DC, which rebuilds the
// cluster's status from them after an election, as Pacemaker's DC asks every
// node for its history when it joins.
type NodeDump struct {
	Uname     string            `json:"uname"`
	Attrs     map[string]string `json:"attrs,omitempty"`
	Resources []ResourceDump    `json:"resources,omitempty"`
}

// ResourceDump is one resource's history on a node.
type ResourceDump struct {
	Resource
	Ops map[string]Op `json:"ops"` // by history id (RSC_last_0, ...)
}

// Dump returns a node's attributes and history.
func (s *Status) Dump(uname string) NodeDump {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := NodeDump{Uname: uname, Attrs: map[string]string{}}
	n := s.nodes[uname]
	if n == nil {
		return d
	}
	for k, v := range n.attrs {
		d.Attrs[k] = v
	}
	rscs := make([]*resource, 0, len(n.rscs))
	for _, r := range n.rscs {
		rscs = append(rscs, r)
	}
	sort.Slice(rscs, func(i, j int) bool { return rscs[i].order < rscs[j].order })
	for _, r := range rscs {
		rd := ResourceDump{Resource: Resource{ID: r.id, Class: r.class, Provider: r.provider, Type: r.typ}, Ops: map[string]Op{}}
		for k, o := range r.ops {
			rd.Ops[k] = *o
		}
		d.Resources = append(d.Resources, rd)
	}
	return d
}

// Replace sets a node's attributes and history to the dump's, keeping its
// membership.
func (s *Status) Replace(d NodeDump) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.get(d.Uname)
	n.attrs = map[string]string{}
	for k, v := range d.Attrs {
		n.attrs[k] = v
	}
	n.rscs = map[string]*resource{}
	for i, rd := range d.Resources {
		r := &resource{id: rd.ID, class: rd.Class, provider: rd.Provider, typ: rd.Type, ops: map[string]*Op{}, order: i}
		for k, o := range rd.Ops {
			op := o
			r.ops[k] = &op
			if op.CallID > s.callID {
				s.callID = op.CallID
			}
		}
		n.rscs[rd.ID] = r
	}
}

// Running returns the resources a node's history shows active, with their
// role ("Started" or "Promoted"), in the order they were last started.
func (s *Status) Running(uname string) []RunningResource {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nodes[uname]
	if n == nil {
		return nil
	}
	var out []RunningResource
	for _, r := range n.rscs {
		last := r.ops[r.id+"_last_0"]
		if last == nil {
			continue
		}
		role := ""
		switch {
		case last.Operation == "promote" && last.RC == 0:
			role = "Promoted"
		case last.Operation == "monitor" && last.RC == 8:
			role = "Promoted"
		case last.Operation == "stop" && last.RC == 0:
		case last.Operation == "monitor" && last.RC == 7:
		case last.Operation == "start" && last.RC != 0:
			role = "Started" // a failed start may have left it partly up
		default:
			role = "Started"
		}
		if role != "" {
			out = append(out, RunningResource{Resource: Resource{ID: r.id, Class: r.class, Provider: r.provider, Type: r.typ}, Role: role, CallID: last.CallID})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CallID < out[j].CallID })
	return out
}

// RunningResource is a resource a node runs.
type RunningResource struct {
	Resource
	Role   string
	CallID int
}
