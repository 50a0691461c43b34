package manpage

import (
	"reflect"
	"strings"

	"github.com/baton-ha/baton/crm/config"
)

// keyDoc describes each key of baton.toml, by its dotted name ("heartbeat.port",
// "link.name"). ConfigKeys finds the keys themselves in config.Config, so a
// key added there without a line here is caught by the package's test.
var keyDoc = map[string]string{
	"cluster":             "The cluster's name (default baton). Heartbeats of other clusters are ignored.",
	"node":                "This node's name, its uname in the CIB. Required.",
	"node_id":             "A positive number, unique in the cluster. The live node with the lowest id is the designated controller (DC). Required.",
	"cib":                 "The CIB XML file to start from. The node keeps later versions in state_dir/cib.xml and starts from the newer of the two. Required.",
	"auth_key":            "The shared key file, made by baton keygen: at least 16 bytes, mode 0600 or stricter (refused otherwise). HMAC-SHA256 with it signs every heartbeat, call and witness request. Required.",
	"state_dir":           "Where the node keeps its copy of the CIB, its membership state, the admin socket baton.sock and the agents' attribute socket attrd.sock (default /var/lib/baton). An absolute path to a directory owned by the daemon's user and not writable by group or others.",
	"ocf_root":            "Where agents are looked up, as resource.d/PROVIDER/TYPE (default /usr/lib/ocf).",
	"wait_for_all":        "At first start, run nothing until every peer has been seen once (default true), so that two nodes booted apart cannot both start the stack.",
	"status_group":        "A group (name or gid, e.g. haclient) whose members read baton status through status_socket without the cluster key; nothing else. Unset: no status socket.",
	"status_socket":       "The read-only status socket, root:status_group mode 0660 (default /run/baton/status.sock).",
	"heartbeat.port":      "UDP port of the heartbeats and TCP port of the calls between daemons, on every link (default 5405).",
	"heartbeat.keepalive": "Interval between heartbeats (default 500ms).",
	"heartbeat.warntime":  "Silence on a link after which it is reported late (default 1s); with a witness, a late peer triggers an early vote.",
	"heartbeat.deadtime":  "Silence after which a link is down (default 2s). A peer is dead when all its links are down.",
	"link.name":           "The name of a heartbeat network, e.g. hb or svc. At least two [[link]] tables are required, in the same order on every node.",
	"link.address":        "This node's address on that network.",
	"peer.name":           "Another node's name. At least one [[peer]] table is required.",
	"peer.node_id":        "That node's node_id.",
	"peer.addresses":      "That node's address on each link, in link order (an empty string where it has none).",
	"metrics.listen":      "host:port where Prometheus metrics are served at /metrics (ha_cluster_exporter's names, plus baton_*); off unless set, and a port alone (\":9664\") binds 127.0.0.1.",
	"ping.hosts":          "Addresses pinged every interval; none by default.",
	"ping.attribute":      "The node attribute set to multiplier times the number of reachable hosts (default pingd), usable in location rules as with ocf:pacemaker:ping.",
	"ping.multiplier":     "See attribute (default 1).",
	"ping.interval":       "How often the hosts are pinged (default 2s).",
	"ping.timeout":        "How long to wait for an answer (default 1s).",
	"quorum.policy":       "What a node that has lost every peer may do: witness (take over only with the witness's vote), fence (only after fencing the peer succeeded), ignore (take over anyway: split brain is possible) or stop (stop everything and wait; the default).",
	"quorum.witness":      "host:port of baton witness, for policy witness.",
	"quorum.timeout":      "How long to wait for the witness's answer (default 1s).",
	"fencing.agent_dirs":  "Where the fencer looks for the fence_* programs of the CIB's class=\"stonith\" primitives (default /usr/sbin, /usr/local/sbin). Fence devices themselves are configured in the CIB, as for Pacemaker.",
	"fencing.command":     "No longer used: refused with directions. Fence devices are class=\"stonith\" primitives in the CIB.",
	"fencing.timeout":     "No longer used: refused with directions. The fence timeout is the cluster option stonith-timeout.",
	"watchdog.device":     "The watchdog device for self-fencing (e.g. /dev/watchdog); off unless set. Opening it arms a timer that resets the machine unless the daemon keeps petting it.",
	"watchdog.timeout":    "The watchdog timeout asked of the driver, in whole seconds (default 5s); a driver that grants more is refused.",
}

// ConfigKey is one key of baton.toml.
type ConfigKey struct {
	Table string // "" for the top level, "heartbeat", "link" (an array of tables)...
	Array bool   // Table is an array of tables ([[link]])
	Name  string
	Type  string
}

// Dotted is the key's name qualified by its table.
func (k ConfigKey) Dotted() string {
	if k.Table == "" {
		return k.Name
	}
	return k.Table + "." + k.Name
}

// ConfigKeys lists the keys config.Config reads, from its toml tags.
func ConfigKeys() []ConfigKey {
	var out []ConfigKey
	top := reflect.TypeOf(config.Config{})
	for i := 0; i < top.NumField(); i++ {
		f := top.Field(i)
		name := tomlName(f)
		if name == "" {
			continue
		}
		t := f.Type
		array := false
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct {
			t, array = t.Elem(), true
		}
		if t.Kind() == reflect.Struct && !isScalar(t) {
			for j := 0; j < t.NumField(); j++ {
				g := t.Field(j)
				if n := tomlName(g); n != "" {
					out = append(out, ConfigKey{Table: name, Array: array, Name: n, Type: typeName(g.Type)})
				}
			}
			continue
		}
		out = append(out, ConfigKey{Name: name, Type: typeName(f.Type)})
	}
	return out
}

func tomlName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	n, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
	if n == "-" {
		return ""
	}
	return n
}

var durationType = reflect.TypeOf(config.Duration{})

func isScalar(t reflect.Type) bool { return t == durationType }

func typeName(t reflect.Type) string {
	switch {
	case t == durationType:
		return "duration"
	case t.Kind() == reflect.Pointer:
		return typeName(t.Elem())
	case t.Kind() == reflect.Slice:
		return "array of " + typeName(t.Elem()) + "s"
	case t.Kind() == reflect.Int:
		return "integer"
	case t.Kind() == reflect.Bool:
		return "boolean"
	default:
		return t.Kind().String()
	}
}

// Config renders baton.toml(5).
func Config(m Meta) []byte {
	var p page
	p.title("baton.toml", "5", m, "File Formats")
	p.section("NAME")
	p.line(`baton.toml \- configuration of the Baton cluster daemon`)
	p.section("SYNOPSIS")
	p.line(bold("/etc/baton/baton.toml"))
	p.section("DESCRIPTION")
	p.para("baton daemon reads one TOML file per node (--config, default /etc/baton/baton.toml). " +
		"Every bad setting is reported with the key at fault, all at once, and unknown keys are errors. " +
		"baton daemon --check validates the file and the key file and exits. " +
		"Durations are written as 500ms or 2s; a bare number means seconds, as in Pacemaker.")
	p.para("The resources themselves are not configured here but in the CIB, the same XML that Pacemaker reads (key cib).")
	table := "-"
	for _, k := range ConfigKeys() {
		if k.Table != table {
			table = k.Table
			switch {
			case table == "":
				p.section("TOP-LEVEL KEYS")
			case k.Array:
				p.section("[[" + strings.ToUpper(table) + "]] TABLES")
				p.para("Each [[" + table + "]] table holds:")
			default:
				p.section("[" + strings.ToUpper(table) + "] TABLE")
			}
		}
		doc := keyDoc[k.Dotted()]
		if doc == "" {
			doc = "See docs/daemon.md."
		}
		p.item(bold(k.Name)+" ("+escape(k.Type)+")", doc)
	}
	p.section("EXAMPLE")
	p.para("The packages install a commented example for node 1 of two as /etc/baton/baton.toml: " +
		"two links (a heartbeat network and the service network), one peer, and quorum by a witness on a third host.")
	p.section("FILES")
	p.item(bold("/etc/baton/baton.toml"), "This file.")
	p.item(bold("/etc/baton/authkey"), "The key file named by auth_key.")
	p.section("SEE ALSO")
	p.line(bold("baton") + "(8), " + bold("systemd.service") + "(5)")
	return p.bytes()
}
