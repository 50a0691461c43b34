// Package cibdoc is the CIB as an editable XML document: what Baton's
// daemon stores, replicates and hands to `cibadmin --replace`. Reading the
// CIB into a model for the scheduler is package cib's job; this package
// changes the document while keeping everything it does not touch (unknown
// elements, attribute order, comments), and keeps Pacemaker's version
// counters (admin_epoch, epoch, num_updates) so that the newest copy wins
// everywhere.
package cibdoc

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/beevik/etree"
)

// Doc is one CIB document.
type Doc struct {
	d *etree.Document
}

// Version orders CIB copies as Pacemaker does: admin_epoch, then epoch, then
// num_updates.
type Version struct {
	Admin, Epoch, Updates int64
}

// Less reports whether v is older than w.
func (v Version) Less(w Version) bool {
	if v.Admin != w.Admin {
		return v.Admin < w.Admin
	}
	if v.Epoch != w.Epoch {
		return v.Epoch < w.Epoch
	}
	return v.Updates < w.Updates
}

func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v.Admin, v.Epoch, v.Updates) }

// Parse reads a CIB. It must have a <cib> root with a <configuration>;
// a missing <status> is added.
func Parse(b []byte) (*Doc, error) {
	d := etree.NewDocument()
	if err := d.ReadFromBytes(b); err != nil {
		return nil, fmt.Errorf("CIB is not well-formed XML: %w", err)
	}
	root := d.Root()
	if root == nil || root.Tag != "cib" {
		return nil, errors.New("CIB root element must be <cib>")
	}
	if len(d.ChildElements()) > 1 {
		return nil, errors.New("CIB has more than one root element")
	}
	if root.SelectElement("configuration") == nil {
		return nil, errors.New("CIB has no <configuration> element")
	}
	for _, sec := range []string{"crm_config", "nodes", "resources", "constraints"} {
		if root.SelectElement("configuration").SelectElement(sec) == nil {
			root.SelectElement("configuration").CreateElement(sec)
		}
	}
	if root.SelectElement("status") == nil {
		root.CreateElement("status")
	}
	return &Doc{d: d}, nil
}

// Bytes renders the document.
func (d *Doc) Bytes() []byte {
	d.d.Indent(2)
	b, _ := d.d.WriteToBytes()
	return b
}

// Clone returns an independent copy.
func (d *Doc) Clone() *Doc { return &Doc{d: d.d.Copy()} }

// Root returns the <cib> element, for callers that edit further.
func (d *Doc) Root() *etree.Element { return d.d.Root() }

// Configuration returns the <configuration> element.
func (d *Doc) Configuration() *etree.Element { return d.d.Root().SelectElement("configuration") }

// Section returns a configuration section (crm_config, nodes, resources,
// constraints, rsc_defaults, op_defaults), creating it when absent.
func (d *Doc) Section(name string) *etree.Element {
	c := d.Configuration()
	if s := c.SelectElement(name); s != nil {
		return s
	}
	return c.CreateElement(name)
}

// Version returns the document's version.
func (d *Doc) Version() Version {
	r := d.d.Root()
	n := func(a string) int64 {
		v, _ := strconv.ParseInt(r.SelectAttrValue(a, "0"), 10, 64)
		return v
	}
	return Version{Admin: n("admin_epoch"), Epoch: n("epoch"), Updates: n("num_updates")}
}

// SetVersion sets the counters.
func (d *Doc) SetVersion(v Version) {
	r := d.d.Root()
	r.CreateAttr("admin_epoch", strconv.FormatInt(v.Admin, 10))
	r.CreateAttr("epoch", strconv.FormatInt(v.Epoch, 10))
	r.CreateAttr("num_updates", strconv.FormatInt(v.Updates, 10))
}

// ConfigChanged records a configuration change: epoch+1, num_updates 0.
func (d *Doc) ConfigChanged() {
	v := d.Version()
	v.Epoch = bump(v.Epoch)
	v.Updates = 0
	d.SetVersion(v)
}

// Stamp records who changed the configuration and when, in the root
// attributes Pacemaker keeps for it (cib-last-written, update-client,
// update-origin): crm_mon and ha_cluster_exporter report them as the
// last change.
func (d *Doc) Stamp(client, origin string, when time.Time) {
	r := d.d.Root()
	r.CreateAttr("cib-last-written", when.Format(time.ANSIC))
	r.CreateAttr("update-client", client)
	if origin != "" {
		r.CreateAttr("update-origin", origin)
	}
}

// StatusChanged records a status change: num_updates+1.
func (d *Doc) StatusChanged() {
	v := d.Version()
	v.Updates = bump(v.Updates)
	d.SetVersion(v)
}

// bump counts up without ever wrapping: a counter that wrapped would make
// the newest copy look oldest. Verification refuses counters above 2^53-1,
// so saturation is never reached by a CIB that passed it.
func bump(n int64) int64 {
	if n < 0 {
		return 0
	}
	if n == math.MaxInt64 {
		return n
	}
	return n + 1
}

// SetStatus replaces the <status> section with st (an element named
// status, which is copied).
func (d *Doc) SetStatus(st *etree.Element) {
	r := d.d.Root()
	if old := r.SelectElement("status"); old != nil {
		r.RemoveChild(old)
	}
	r.AddChild(st.Copy())
}

// Status returns the <status> element.
func (d *Doc) Status() *etree.Element { return d.d.Root().SelectElement("status") }
