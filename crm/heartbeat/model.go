package heartbeat

// The converted configuration, in the shape of a Pacemaker CIB. Both the
// CIB writer and the pcs printer read it, so they cannot disagree.

// NV is one name/value pair, kept in order.
type NV struct{ Name, Value string }

// Op is one operation definition.
type Op struct {
	Name     string
	Interval string
	Timeout  string
	Role     string
}

// Primitive is one resource.
type Primitive struct {
	ID       string
	Class    string // ocf | lsb
	Provider string
	Type     string
	Params   []NV
	Ops      []Op
	// From is the haresources word it came from, for notes and comments.
	From string
}

// Agent is the resource agent's class:provider:type name.
func (p Primitive) Agent() string {
	if p.Provider == "" {
		return p.Class + ":" + p.Type
	}
	return p.Class + ":" + p.Provider + ":" + p.Type
}

// Clone is a promotable clone (DRBD).
type Clone struct {
	ID   string
	Prim Primitive
	Meta []NV
}

// Group is the resources of one haresources line, in start order.
type Group struct {
	ID      string
	Members []Primitive
}

// Location prefers (or, with a ping rule, forbids) nodes for a resource.
type Location struct {
	ID    string
	Rsc   string
	Node  string // a fixed preference
	Score string
	// PingAttr, when set, makes the constraint a rule: -INFINITY where the
	// attribute is not defined or not above 0.
	PingAttr string
}

// Colocation keeps Rsc with WithRsc (in WithRole).
type Colocation struct {
	ID, Rsc, WithRsc, WithRole, Score string
}

// Order starts Then after First.
type Order struct {
	ID, First, FirstAction, Then, ThenAction, Kind string
}

// Plan is the imported configuration.
type Plan struct {
	Nodes       []string
	Clones      []Clone
	Groups      []Group
	Locations   []Location
	Colocations []Colocation
	Orders      []Order
	// Properties are crm_config properties; Defaults are rsc_defaults.
	Properties []NV
	Defaults   []NV
	// Configs holds each node's baton.toml, by node name.
	Configs map[string]string
	// Key is the new (or, with KeepAuthKeys, carried-over) shared key.
	Key []byte
	// Warnings are what the user must read: things dropped, changed or
	// unsafe.
	Warnings []string
	// Notes say how each input became output.
	Notes []string
}
