package fencer

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/baton-ha/baton/crm/cib"
)

// Host checks: how a device learns which nodes it can fence
// (pcmk_host_check).
const (
	CheckStatic  = "static-list"  // the nodes in pcmk_host_list / pcmk_host_map
	CheckDynamic = "dynamic-list" // the plugs the agent's list action prints
	CheckStatus  = "status"       // the agent's status action knows the plug
	CheckNone    = "none"         // every node
)

// Device is one class="stonith" primitive.
type Device struct {
	ID    string
	Agent string // the fence_* program
	// Params go to the agent as name=value lines; the pcmk_* ones are the
	// fencer's and are kept out.
	Params    map[string]string
	HostList  []string
	HostMap   map[string]string // node -> plug
	HostCheck string
	DelayBase time.Duration
	DelayMax  time.Duration
	// Disabled devices (target-role=Stopped) are not used.
	Disabled bool
	// Unfencing (meta attribute provides=unfencing) marks a device that
	// cuts a node off in a way only the device's "on" action undoes (a
	// SCSI reservation, a fabric port): every node must be unfenced with
	// it before resources that require unfencing start there.
	Unfencing bool
	// Digest identifies the device's definition: a node unfenced by an
	// older definition is unfenced again.
	Digest string
}

func deviceFrom(el *etree.Element) (*Device, error) {
	id := el.SelectAttrValue("id", "")
	d := &Device{ID: id, Agent: el.SelectAttrValue("type", ""), Params: map[string]string{}, HostMap: map[string]string{}}
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if d.Agent == "" || strings.ContainsAny(d.Agent, "/ ") {
		bad("type %q is not a fence agent name (e.g. fence_ipmilan)", d.Agent)
	}
	for _, nv := range el.FindElements("instance_attributes/nvpair") {
		name, value := nv.SelectAttrValue("name", ""), nv.SelectAttrValue("value", "")
		switch name {
		case "pcmk_host_list":
			d.HostList = strings.FieldsFunc(value, func(r rune) bool { return r == ',' || r == ' ' || r == ';' || r == '\t' })
		case "pcmk_host_map":
			for _, pair := range strings.FieldsFunc(value, func(r rune) bool { return r == ';' || r == ' ' || r == ',' }) {
				node, plug, ok := strings.Cut(pair, ":")
				if !ok || node == "" {
					bad("pcmk_host_map: %q is not node:plug", pair)
					continue
				}
				d.HostMap[node] = plug
			}
		case "pcmk_host_check":
			switch value {
			case CheckStatic, CheckDynamic, CheckStatus, CheckNone:
				d.HostCheck = value
			default:
				bad("pcmk_host_check %q is not static-list, dynamic-list, status or none", value)
			}
		case "pcmk_delay_base", "pcmk_delay_max":
			v, err := cib.ParseInterval(value)
			if err != nil {
				bad("%s: %q is not a duration", name, value)
			}
			if name == "pcmk_delay_base" {
				d.DelayBase = v
			} else {
				d.DelayMax = v
			}
		default:
			if strings.HasPrefix(name, "pcmk_") {
				continue // the fencer's own knobs Baton does not use
			}
			if name == "action" || name == "plug" || name == "port" || name == "nodename" {
				bad("parameter %q is set by the fencer for each request; remove it", name)
				continue
			}
			d.Params[name] = value
		}
	}
	for _, nv := range el.FindElements("meta_attributes/nvpair") {
		name, value := nv.SelectAttrValue("name", ""), nv.SelectAttrValue("value", "")
		switch {
		case name == "target-role" && strings.EqualFold(value, "Stopped"):
			d.Disabled = true
		case name == "provides" && value == "unfencing":
			d.Unfencing = true
		}
	}
	d.Digest = digest(d)
	if d.HostCheck == "" {
		d.HostCheck = CheckDynamic
		if len(d.HostList) > 0 || len(d.HostMap) > 0 {
			d.HostCheck = CheckStatic
		}
	}
	if len(errs) > 0 {
		return d, fmt.Errorf("stonith primitive %q: %s", id, strings.Join(errs, "; "))
	}
	return d, nil
}

// digest renders what the device does to a node: its agent and the
// parameters it is run with.
func digest(d *Device) string {
	names := make([]string, 0, len(d.Params))
	for n := range d.Params {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(d.Agent)
	for _, n := range names {
		fmt.Fprintf(&b, " %s=%q", n, d.Params[n])
	}
	return b.String()
}

// Plug is the target's name on the device: its pcmk_host_map entry, or
// the node name itself.
func (d *Device) Plug(target string) string {
	if p, ok := d.HostMap[target]; ok && p != "" {
		return p
	}
	return target
}

// staticallyFor reports whether the static lists name the target.
func (d *Device) staticallyFor(target string) bool {
	if _, ok := d.HostMap[target]; ok {
		return true
	}
	for _, h := range d.HostList {
		if h == target {
			return true
		}
	}
	return false
}
