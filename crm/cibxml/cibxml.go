// Package cibxml builds the resource XML of CIBs, so that the NFS stack's
// primitives (the demo's, the tests' and the others they configure) are
// written once, with ids derived the same way everywhere: <primitive>-ia,
// <primitive>-<name>, <primitive>-<op>-<interval>.
package cibxml

import (
	"fmt"
	"html"
	"strings"
)

// NV is one name/value pair, in the order it is written.
type NV struct{ Name, Value string }

// Op is one operation of a primitive.
type Op struct {
	Name     string
	Interval string // "0" for one-off operations
	Timeout  string
	Params   []NV // the op's instance attributes (OCF_CHECK_LEVEL)
}

// Primitive is one resource; Class and Provider default to ocf and baton.
type Primitive struct {
	ID, Class, Provider, Type string
	Params                    []NV
	Meta                      []NV
	Ops                       []Op
}

// Monitor returns a recurring monitor.
func Monitor(interval, timeout string, params ...NV) Op {
	return Op{Name: "monitor", Interval: interval, Timeout: timeout, Params: params}
}

// StartStop returns start and stop operations with one timeout.
func StartStop(timeout string) []Op {
	return []Op{{Name: "start", Interval: "0", Timeout: timeout}, {Name: "stop", Interval: "0", Timeout: timeout}}
}

// With returns p with more instance attributes appended.
func (p Primitive) With(params ...NV) Primitive {
	p.Params = append(append([]NV(nil), p.Params...), params...)
	return p
}

// WithMeta returns p with more meta attributes appended.
func (p Primitive) WithMeta(meta ...NV) Primitive {
	p.Meta = append(append([]NV(nil), p.Meta...), meta...)
	return p
}

// Traced returns p with trace_ra on, writing its traces into dir (see
// harness.Traces).
func (p Primitive) Traced(dir string) Primitive {
	return p.With(NV{"trace_ra", "1"}, NV{"trace_dir", dir})
}

// XML renders p.
func (p Primitive) XML() string {
	class, provider := p.Class, p.Provider
	if class == "" {
		class = "ocf"
	}
	if provider == "" && class == "ocf" {
		provider = "baton"
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<primitive id="%s" class="%s"`, attr(p.ID), attr(class))
	if provider != "" {
		fmt.Fprintf(&b, ` provider="%s"`, attr(provider))
	}
	fmt.Fprintf(&b, ` type="%s">`, attr(p.Type))
	nvset(&b, "instance_attributes", p.ID+"-ia", p.ID, p.Params)
	nvset(&b, "meta_attributes", p.ID+"-meta", p.ID+"-meta", p.Meta)
	if len(p.Ops) > 0 {
		b.WriteString("<operations>")
		for _, o := range p.Ops {
			id := fmt.Sprintf("%s-%s-%s", p.ID, o.Name, o.Interval)
			fmt.Fprintf(&b, `<op id="%s" name="%s" interval="%s"`, attr(id), attr(o.Name), attr(o.Interval))
			if o.Timeout != "" {
				fmt.Fprintf(&b, ` timeout="%s"`, attr(o.Timeout))
			}
			if len(o.Params) == 0 {
				b.WriteString("/>")
				continue
			}
			b.WriteString(">")
			nvset(&b, "instance_attributes", id+"-ia", id, o.Params)
			b.WriteString("</op>")
		}
		b.WriteString("</operations>")
	}
	b.WriteString("</primitive>")
	return b.String()
}

// Group renders a group of primitives, started in the order given.
func Group(id string, members ...Primitive) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<group id="%s">`, attr(id))
	for _, m := range members {
		b.WriteString("\n  ")
		b.WriteString(m.XML())
	}
	b.WriteString("\n</group>")
	return b.String()
}

func nvset(b *strings.Builder, elem, id, prefix string, nvs []NV) {
	if len(nvs) == 0 {
		return
	}
	fmt.Fprintf(b, `<%s id="%s">`, elem, attr(id))
	for _, nv := range nvs {
		fmt.Fprintf(b, `<nvpair id="%s" name="%s" value="%s"/>`, attr(prefix+"-"+nv.Name), attr(nv.Name), attr(nv.Value))
	}
	fmt.Fprintf(b, "</%s>", elem)
}

func attr(s string) string { return html.EscapeString(s) }

// The NFS stack's agents as the tests configure them; callers add what
// differs with With.

// Filesystem mounts device on directory.
func Filesystem(id, device, directory, fstype string, ops ...Op) Primitive {
	return Primitive{ID: id, Type: "Filesystem", Params: []NV{{"device", device}, {"directory", directory}, {"fstype", fstype}}, Ops: ops}
}

// NFSServer runs the NFS server (server: ganesha or kernel) with its state
// in infodir.
func NFSServer(id, server, infodir string, ops ...Op) Primitive {
	return Primitive{ID: id, Type: "nfsserver", Params: []NV{{"server", server}, {"nfs_shared_infodir", infodir}}, Ops: ops}
}

// Exportfs exports directory to clientspec with options and fsid.
func Exportfs(id, directory, clientspec, options, fsid string, ops ...Op) Primitive {
	return Primitive{ID: id, Type: "exportfs", Params: []NV{{"directory", directory}, {"clientspec", clientspec},
		{"options", options}, {"fsid", fsid}}, Ops: ops}
}

// IPaddr holds ip/cidr on nic.
func IPaddr(id, ip, cidr, nic string, ops ...Op) Primitive {
	return Primitive{ID: id, Type: "IPaddr", Params: []NV{{"ip", ip}, {"cidr_netmask", cidr}, {"nic", nic}}, Ops: ops}
}
