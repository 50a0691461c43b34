package heartbeat

import (
	"fmt"

	"github.com/beevik/etree"
)

// CIB renders the plan as a Pacemaker CIB (schema pacemaker-3.9, the
// version Debian 12's Pacemaker writes), loadable by `baton cib replace`
// and by cibadmin --replace.
func (p *Plan) CIB() ([]byte, error) {
	doc := etree.NewDocument()
	root := doc.CreateElement("cib")
	for _, a := range [][2]string{{"crm_feature_set", "3.16.1"}, {"validate-with", "pacemaker-3.9"}, {"epoch", "1"},
		{"num_updates", "0"}, {"admin_epoch", "0"}} {
		root.CreateAttr(a[0], a[1])
	}
	cfg := root.CreateElement("configuration")
	props := cfg.CreateElement("crm_config").CreateElement("cluster_property_set")
	props.CreateAttr("id", "cib-bootstrap-options")
	nvpairs(props, "cib-bootstrap-options", p.Properties)
	nodes := cfg.CreateElement("nodes")
	for i, n := range p.Nodes {
		e := nodes.CreateElement("node")
		e.CreateAttr("id", fmt.Sprint(i+1))
		e.CreateAttr("uname", n)
	}
	res := cfg.CreateElement("resources")
	for _, c := range p.Clones {
		ce := res.CreateElement("clone")
		ce.CreateAttr("id", c.ID)
		meta := ce.CreateElement("meta_attributes")
		meta.CreateAttr("id", c.ID+"-meta_attributes")
		nvpairs(meta, c.ID+"-meta_attributes", c.Meta)
		primitive(ce, c.Prim)
	}
	for _, g := range p.Groups {
		ge := res.CreateElement("group")
		ge.CreateAttr("id", g.ID)
		for _, m := range g.Members {
			primitive(ge, m)
		}
	}
	cons := cfg.CreateElement("constraints")
	for _, l := range p.Locations {
		e := cons.CreateElement("rsc_location")
		e.CreateAttr("id", l.ID)
		e.CreateAttr("rsc", l.Rsc)
		if l.PingAttr == "" {
			e.CreateAttr("node", l.Node)
			e.CreateAttr("score", l.Score)
			continue
		}
		r := e.CreateElement("rule")
		r.CreateAttr("id", l.ID+"-rule")
		r.CreateAttr("score", "-INFINITY")
		r.CreateAttr("boolean-op", "or")
		x := r.CreateElement("expression")
		x.CreateAttr("id", l.ID+"-rule-expr")
		x.CreateAttr("attribute", l.PingAttr)
		x.CreateAttr("operation", "not_defined")
		x = r.CreateElement("expression")
		x.CreateAttr("id", l.ID+"-rule-expr-1")
		x.CreateAttr("attribute", l.PingAttr)
		x.CreateAttr("operation", "lte")
		x.CreateAttr("value", "0")
		x.CreateAttr("type", "number")
	}
	for _, c := range p.Colocations {
		e := cons.CreateElement("rsc_colocation")
		for _, a := range [][2]string{{"id", c.ID}, {"rsc", c.Rsc}, {"with-rsc", c.WithRsc}, {"with-rsc-role", c.WithRole}, {"score", c.Score}} {
			e.CreateAttr(a[0], a[1])
		}
	}
	for _, o := range p.Orders {
		e := cons.CreateElement("rsc_order")
		for _, a := range [][2]string{{"id", o.ID}, {"first", o.First}, {"first-action", o.FirstAction}, {"then", o.Then}, {"then-action", o.ThenAction}, {"kind", o.Kind}} {
			e.CreateAttr(a[0], a[1])
		}
	}
	if len(p.Defaults) > 0 {
		m := cfg.CreateElement("rsc_defaults").CreateElement("meta_attributes")
		m.CreateAttr("id", "rsc-options")
		nvpairs(m, "rsc-options", p.Defaults)
	}
	root.CreateElement("status")
	doc.Indent(2)
	return doc.WriteToBytes()
}

func nvpairs(parent *etree.Element, prefix string, nvs []NV) {
	for _, nv := range nvs {
		e := parent.CreateElement("nvpair")
		e.CreateAttr("id", prefix+"-"+nv.Name)
		e.CreateAttr("name", nv.Name)
		e.CreateAttr("value", nv.Value)
	}
}

func primitive(parent *etree.Element, p Primitive) {
	e := parent.CreateElement("primitive")
	e.CreateAttr("id", p.ID)
	e.CreateAttr("class", p.Class)
	if p.Provider != "" {
		e.CreateAttr("provider", p.Provider)
	}
	e.CreateAttr("type", p.Type)
	if len(p.Params) > 0 {
		ia := e.CreateElement("instance_attributes")
		ia.CreateAttr("id", p.ID+"-instance_attributes")
		nvpairs(ia, p.ID+"-instance_attributes", p.Params)
	}
	if len(p.Ops) > 0 {
		ops := e.CreateElement("operations")
		for _, o := range p.Ops {
			oe := ops.CreateElement("op")
			id := fmt.Sprintf("%s-%s-interval-%s", p.ID, o.Name, o.Interval)
			if o.Role != "" {
				id += "-" + o.Role
			}
			oe.CreateAttr("id", id)
			oe.CreateAttr("name", o.Name)
			oe.CreateAttr("interval", o.Interval)
			oe.CreateAttr("timeout", o.Timeout)
			if o.Role != "" {
				oe.CreateAttr("role", o.Role)
			}
		}
	}
}
