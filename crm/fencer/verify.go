package fencer

import (
	"fmt"

	"github.com/baton-ha/baton/crm/cibdoc"
)

// Verify checks a CIB's fencing setup as crm_verify does: errors for what
// makes it unusable or makes failover impossible, warnings for what is
// allowed but unsafe or suspicious.
func Verify(doc *cibdoc.Doc) (errs, warns []string) {
	s, loadErrs := Load(doc)
	for _, e := range loadErrs {
		errs = append(errs, e.Error())
	}
	nodes := map[string]bool{}
	for _, n := range doc.Section("nodes").SelectElements("node") {
		nodes[n.SelectAttrValue("uname", "")] = true
	}
	o := s.Options
	switch {
	case !o.Enabled:
		warns = append(warns, "stonith-enabled=false: a lost node is assumed to have stopped its resources, so a node that is "+
			"only unreachable (or whose daemon died) can leave two owners; configure a fence device or a watchdog instead")
	case len(s.Devices) == 0 && o.WatchdogTimeout == 0:
		errs = append(errs, "fencing is enabled (stonith-enabled, default true) but no fence device (class=\"stonith\" primitive) and no "+
			"watchdog (stonith-watchdog-timeout) is configured: a lost node's resources are never recovered elsewhere. "+
			"Configure a fence device or the watchdog, or set stonith-enabled=false to accept split brain")
	}
	for _, d := range s.Devices {
		for _, h := range d.HostList {
			if len(nodes) > 0 && !nodes[h] {
				warns = append(warns, fmt.Sprintf("stonith primitive %q: pcmk_host_list names %q, which is not in the nodes section", d.ID, h))
			}
		}
		for h := range d.HostMap {
			if len(nodes) > 0 && !nodes[h] {
				warns = append(warns, fmt.Sprintf("stonith primitive %q: pcmk_host_map names %q, which is not in the nodes section", d.ID, h))
			}
		}
	}
	for target := range s.Topology {
		if len(nodes) > 0 && !nodes[target] {
			warns = append(warns, fmt.Sprintf("fencing-topology: target %q is not in the nodes section", target))
		}
	}
	for _, el := range doc.Section("resources").FindElements(".//meta_attributes/nvpair[@name='requires']") {
		switch v := el.SelectAttrValue("value", ""); v {
		case "nothing", "quorum", "fencing", "unfencing":
		default:
			errs = append(errs, fmt.Sprintf("nvpair %q: requires %q is not nothing, quorum, fencing or unfencing", el.SelectAttrValue("id", ""), v))
		}
	}
	return errs, warns
}
