package pacemaker

import (
	"encoding/xml"
	"fmt"
)

// Status is the part of `crm_mon --output-as=xml` the tests read (and of
// `baton status --output-as=xml`, which speaks the same XML).
type Status struct {
	HaveDC     bool
	DC         string // the DC's name
	WithQuorum bool   // the DC's partition has quorum
	Nodes      []NodeStatus
	Resources  []ResourceStatus // primitives, including those inside clones and groups
	Failures   []Failure        // failed actions still recorded (cleared by crm_resource --cleanup)
}

// Failure is one failed action crm_mon lists.
type Failure struct {
	Op     string `xml:"op_key,attr"` // RESOURCE_ACTION_INTERVAL, e.g. nfsd_stop_0
	Node   string `xml:"node,attr"`
	Status string `xml:"status,attr"` // e.g. "Timed Out", "complete"
	Exit   string `xml:"exitstatus,attr"`
	Reason string `xml:"exitreason,attr"`
}

func (f Failure) String() string {
	s := fmt.Sprintf("%s on %s: %s (%s)", f.Op, f.Node, f.Exit, f.Status)
	if f.Reason != "" {
		s += ": " + f.Reason
	}
	return s
}

// NodeStatus is one <node> of crm_mon.
type NodeStatus struct {
	Name    string `xml:"name,attr"`
	Online  bool   `xml:"online,attr"`
	Standby bool   `xml:"standby,attr"`
}

// ResourceStatus is one primitive <resource> of crm_mon.
type ResourceStatus struct {
	ID     string `xml:"id,attr"`
	Agent  string `xml:"resource_agent,attr"`
	Role   string `xml:"role,attr"`
	Active bool   `xml:"active,attr"`
	Failed bool   `xml:"failed,attr"`
	// Blocked: Pacemaker will not act on it (a stop failed without fencing).
	Blocked bool `xml:"blocked,attr"`
	Nodes   []struct {
		Name string `xml:"name,attr"`
	} `xml:"node"`
}

type crmMon struct {
	Summary struct {
		DC struct {
			Present    bool   `xml:"present,attr"`
			Name       string `xml:"name,attr"`
			WithQuorum bool   `xml:"with_quorum,attr"`
		} `xml:"current_dc"`
	} `xml:"summary"`
	Nodes     []NodeStatus `xml:"nodes>node"`
	Failures  []Failure    `xml:"failures>failure"`
	Resources struct {
		Primitives []ResourceStatus `xml:"resource"`
		Clones     []struct {
			Resources []ResourceStatus `xml:"resource"`
			Groups    []struct {
				Resources []ResourceStatus `xml:"resource"`
			} `xml:"group"`
		} `xml:"clone"`
		Groups []struct {
			Resources []ResourceStatus `xml:"resource"`
		} `xml:"group"`
	} `xml:"resources"`
}

// ParseStatus reads crm_mon's XML output.
func ParseStatus(b []byte) (*Status, error) {
	var m crmMon
	if err := xml.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("parse crm_mon XML: %w", err)
	}
	st := &Status{HaveDC: m.Summary.DC.Present, DC: m.Summary.DC.Name, WithQuorum: m.Summary.DC.WithQuorum, Nodes: m.Nodes, Failures: m.Failures}
	st.Resources = append(st.Resources, m.Resources.Primitives...)
	for _, c := range m.Resources.Clones {
		st.Resources = append(st.Resources, c.Resources...)
		for _, g := range c.Groups {
			st.Resources = append(st.Resources, g.Resources...)
		}
	}
	for _, g := range m.Resources.Groups {
		st.Resources = append(st.Resources, g.Resources...)
	}
	return st, nil
}

// NodeOnline reports whether the named node is online.
func (s *Status) NodeOnline(name string) bool {
	for _, n := range s.Nodes {
		if n.Name == name {
			return n.Online
		}
	}
	return false
}

// Instances returns the primitives whose id is id or a clone instance of it
// (id:N).
func (s *Status) Instances(id string) []ResourceStatus {
	var out []ResourceStatus
	for _, r := range s.Resources {
		if r.ID == id || (len(r.ID) > len(id) && r.ID[:len(id)] == id && r.ID[len(id)] == ':') {
			out = append(out, r)
		}
	}
	return out
}
