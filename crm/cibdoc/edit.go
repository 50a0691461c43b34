package cibdoc

import (
	"fmt"
	"strings"

	"github.com/beevik/etree"
)

// findByID returns the element with this id anywhere under el. It walks
// the tree rather than building an etree path from the id, which could be
// any text.
func findByID(el *etree.Element, id string) *etree.Element {
	for _, c := range el.ChildElements() {
		if c.SelectAttrValue("id", "") == id {
			return c
		}
		if f := findByID(c, id); f != nil {
			return f
		}
	}
	return nil
}

// HasResource reports whether a primitive, group or clone with this id is
// configured.
func (d *Doc) HasResource(id string) bool {
	el := findByID(d.Section("resources"), id)
	if el == nil {
		return false
	}
	switch el.Tag {
	case "primitive", "group", "clone", "master", "bundle":
		return true
	}
	return false
}

// SetNodeAttr sets a permanent node attribute (nodes section), as
// `crm_attribute -N NODE -n NAME -v VALUE` does; standby is one. The node
// element is created when the node has none.
func (d *Doc) SetNodeAttr(uname, name, value string) {
	node := d.node(uname)
	set := node.SelectElement("instance_attributes")
	if set == nil {
		set = node.CreateElement("instance_attributes")
		set.CreateAttr("id", "nodes-"+node.SelectAttrValue("id", uname))
	}
	for _, nv := range set.SelectElements("nvpair") {
		if nv.SelectAttrValue("name", "") == name {
			nv.CreateAttr("value", value)
			return
		}
	}
	nv := set.CreateElement("nvpair")
	nv.CreateAttr("id", set.SelectAttrValue("id", "")+"-"+name)
	nv.CreateAttr("name", name)
	nv.CreateAttr("value", value)
}

// NodeAttr returns a permanent node attribute.
func (d *Doc) NodeAttr(uname, name string) (string, bool) {
	for _, n := range d.Section("nodes").SelectElements("node") {
		if n.SelectAttrValue("uname", "") != uname {
			continue
		}
		for _, nv := range n.FindElements("instance_attributes/nvpair") {
			if nv.SelectAttrValue("name", "") == name {
				return nv.SelectAttrValue("value", ""), true
			}
		}
	}
	return "", false
}

func (d *Doc) node(uname string) *etree.Element {
	nodes := d.Section("nodes")
	for _, n := range nodes.SelectElements("node") {
		if n.SelectAttrValue("uname", "") == uname {
			return n
		}
	}
	n := nodes.CreateElement("node")
	n.CreateAttr("id", uname)
	n.CreateAttr("uname", uname)
	return n
}

// EnsureNode makes sure the nodes section lists the node with this id.
func (d *Doc) EnsureNode(id, uname string) {
	nodes := d.Section("nodes")
	for _, n := range nodes.SelectElements("node") {
		if n.SelectAttrValue("uname", "") == uname {
			return
		}
	}
	n := nodes.CreateElement("node")
	n.CreateAttr("id", id)
	n.CreateAttr("uname", uname)
}

// Move places the constraint `crm_resource --move` does: resource rsc
// prefers node with score INFINITY (id cli-prefer-RSC).
func (d *Doc) Move(rsc, node string) error {
	if !d.HasResource(rsc) {
		return fmt.Errorf("resource %q is not configured", rsc)
	}
	d.removeConstraint("cli-prefer-" + rsc)
	d.addLocation("cli-prefer-"+rsc, rsc, node, "INFINITY")
	return nil
}

// Ban places the constraint `crm_resource --ban` does: rsc must not run on
// node (id cli-ban-RSC-on-NODE).
func (d *Doc) Ban(rsc, node string) error {
	if !d.HasResource(rsc) {
		return fmt.Errorf("resource %q is not configured", rsc)
	}
	id := "cli-ban-" + rsc + "-on-" + node
	d.removeConstraint(id)
	d.addLocation(id, rsc, node, "-INFINITY")
	return nil
}

// Clear removes the constraints Move and Ban placed for rsc and returns how
// many.
func (d *Doc) Clear(rsc string) int {
	n := 0
	cons := d.Section("constraints")
	for _, el := range cons.SelectElements("rsc_location") {
		id := el.SelectAttrValue("id", "")
		if id == "cli-prefer-"+rsc || strings.HasPrefix(id, "cli-ban-"+rsc+"-on-") {
			cons.RemoveChild(el)
			n++
		}
	}
	return n
}

func (d *Doc) addLocation(id, rsc, node, score string) {
	el := d.Section("constraints").CreateElement("rsc_location")
	el.CreateAttr("id", id)
	el.CreateAttr("rsc", rsc)
	el.CreateAttr("node", node)
	el.CreateAttr("score", score)
}

// AddElement adds a constraint or resource given as XML to a configuration
// section, refusing an id that is already used.
func (d *Doc) AddElement(section, xml string) error {
	frag := etree.NewDocument()
	if err := frag.ReadFromString(xml); err != nil {
		return fmt.Errorf("not well-formed XML: %w", err)
	}
	el := frag.Root()
	if el == nil {
		return fmt.Errorf("no element given")
	}
	if id := el.SelectAttrValue("id", ""); id != "" && findByID(d.Configuration(), id) != nil {
		return fmt.Errorf("id %q is already used in the CIB", id)
	}
	d.Section(section).AddChild(el.Copy())
	return nil
}

// RemoveConstraint removes the constraint with this id, reporting whether it
// existed.
func (d *Doc) RemoveConstraint(id string) bool { return d.removeConstraint(id) }

func (d *Doc) removeConstraint(id string) bool {
	cons := d.Section("constraints")
	for _, el := range cons.ChildElements() {
		if el.SelectAttrValue("id", "") == id {
			cons.RemoveChild(el)
			return true
		}
	}
	return false
}

// Element returns the configuration element with this id, or nil.
func (d *Doc) Element(id string) *etree.Element { return findByID(d.Configuration(), id) }

// ClusterOption returns a crm_config property (cluster_property_set nvpair).
func (d *Doc) ClusterOption(name string) (string, bool) {
	for _, nv := range d.Section("crm_config").FindElements("cluster_property_set/nvpair") {
		if nv.SelectAttrValue("name", "") == name {
			return nv.SelectAttrValue("value", ""), true
		}
	}
	return "", false
}

// SetClusterOption sets a crm_config property, as `crm_attribute --type
// crm_config` does.
func (d *Doc) SetClusterOption(name, value string) {
	cc := d.Section("crm_config")
	for _, nv := range cc.FindElements("cluster_property_set/nvpair") {
		if nv.SelectAttrValue("name", "") == name {
			nv.CreateAttr("value", value)
			return
		}
	}
	set := cc.SelectElement("cluster_property_set")
	if set == nil {
		set = cc.CreateElement("cluster_property_set")
		set.CreateAttr("id", "cib-bootstrap-options")
	}
	nv := set.CreateElement("nvpair")
	nv.CreateAttr("id", set.SelectAttrValue("id", "")+"-"+name)
	nv.CreateAttr("name", name)
	nv.CreateAttr("value", value)
}
