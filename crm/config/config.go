// Package config reads and validates the configuration of `baton daemon`: a
// TOML file per node (docs/daemon.md documents every key).
package config

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Config is one node's daemon configuration.
type Config struct {
	Cluster string `toml:"cluster"` // the cluster's name; heartbeats of other clusters are ignored
	Node    string `toml:"node"`    // this node's name (its uname in the CIB)
	NodeID  int    `toml:"node_id"` // unique positive number; the lowest live one is DC
	CIB     string `toml:"cib"`     // path of the CIB XML this node keeps
	AuthKey string `toml:"auth_key"`
	// StateDir holds the node's runtime files (sockets, the local CIB copy).
	StateDir string `toml:"state_dir"`
	// OCFRoot is where agents are looked up (default /usr/lib/ocf).
	OCFRoot string `toml:"ocf_root"`
	// WaitForAll makes a freshly started node wait until it has seen every
	// peer before it runs anything, so that two nodes booting apart cannot
	// both start the stack. Default true.
	WaitForAll *bool `toml:"wait_for_all"`
	// StatusGroup, when set, lets members of this group (a name or a
	// numeric gid; Pacemaker's is haclient) read `baton status` through
	// StatusSocket without the cluster key: the status and nothing else.
	StatusGroup  string `toml:"status_group"`
	StatusSocket string `toml:"status_socket"` // default /run/baton/status.sock

	Heartbeat Heartbeat `toml:"heartbeat"`
	Links     []Link    `toml:"link"`
	Peers     []Peer    `toml:"peer"`
	Ping      Ping      `toml:"ping"`
	Quorum    Quorum    `toml:"quorum"`
	Fencing   Fencing   `toml:"fencing"`
	Watchdog  Watchdog  `toml:"watchdog"`
	Metrics   Metrics   `toml:"metrics"`

	path string // the file it was loaded from, for error messages
}

// Metrics serves Prometheus metrics over HTTP at /metrics. Off unless
// Listen is set; a Listen without a host (":9664") means 127.0.0.1, since
// the metrics lay out the cluster: other interfaces only when named.
type Metrics struct {
	Listen string `toml:"listen"` // host:port, e.g. "127.0.0.1:9664" (ha_cluster_exporter's port)
}

// Heartbeat holds the failure-detection timing.
type Heartbeat struct {
	Port      int      `toml:"port"`      // UDP port on every link; default 5405
	Keepalive Duration `toml:"keepalive"` // default 500ms
	Warntime  Duration `toml:"warntime"`  // default 1s
	Deadtime  Duration `toml:"deadtime"`  // default 2s
}

// Link is one heartbeat network: this node's address on it.
type Link struct {
	Name    string `toml:"name"`
	Address string `toml:"address"`
}

// Peer is another node: its id and its address on each link, in link order.
type Peer struct {
	Name      string   `toml:"name"`
	NodeID    int      `toml:"node_id"`
	Addresses []string `toml:"addresses"`
}

// Ping turns reachability of ping nodes into a node attribute, as
// ocf:pacemaker:ping's pingd does: attribute = multiplier x reachable hosts.
type Ping struct {
	Hosts      []string `toml:"hosts"`
	Attribute  string   `toml:"attribute"`  // default "pingd"
	Multiplier int      `toml:"multiplier"` // default 1
	Interval   Duration `toml:"interval"`   // default 2s
	Timeout    Duration `toml:"timeout"`    // default 1s
}

// Quorum policies: what a node that has lost every peer may do.
const (
	QuorumFence   = "fence"   // take over only after fencing the lost peer succeeded (the fence race decides)
	QuorumWitness = "witness" // take over only with the witness's vote
	QuorumIgnore  = "ignore"  // take over anyway (split brain possible; say so explicitly)
	QuorumStop    = "stop"    // stop everything and wait
)

// Quorum says how a partition decides it may run resources.
type Quorum struct {
	Policy  string   `toml:"policy"`  // fence | witness | ignore | stop; default stop
	Witness string   `toml:"witness"` // host:port of `baton witness`, for policy witness
	Timeout Duration `toml:"timeout"` // how long to wait for the witness; default 1s
}

// Fencing says where the fencer finds fence agents. The devices
// themselves are class="stonith" primitives in the CIB (docs/fencing.md).
type Fencing struct {
	// AgentDirs are searched for fence_* programs; default /usr/sbin,
	// /usr/local/sbin (where Debian's fence-agents installs them).
	AgentDirs []string `toml:"agent_dirs"`
	// Command and Timeout are the old fence hook, replaced by CIB stonith
	// devices; set, they are refused with directions.
	Command []string `toml:"command"`
	Timeout Duration `toml:"timeout"`
}

// Watchdog is the daemon's self-fencing watchdog (docs/membership.md).
// Off unless Device is set.
type Watchdog struct {
	Device  string   `toml:"device"`  // e.g. /dev/watchdog
	Timeout Duration `toml:"timeout"` // asked of the driver; default 5s
}

// Duration is a time.Duration written as "500ms", "2s".
type Duration struct{ time.Duration }

// UnmarshalText reads a duration; a bare number means seconds, as in
// Pacemaker.
func (d *Duration) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		d.Duration = time.Duration(n * float64(time.Second))
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration (use e.g. 500ms, 2s)", s)
	}
	d.Duration = v
	return nil
}

// MarshalText writes the duration back.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.Duration.String()), nil }

// Load reads and validates a configuration file.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return Parse(path, b)
}

// Parse decodes and validates a configuration read from path.
func Parse(path string, data []byte) (*Config, error) {
	var c Config
	md, err := toml.Decode(string(data), &c)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return nil, fmt.Errorf("config %s: unknown keys: %s (see docs/daemon.md)", path, strings.Join(keys, ", "))
	}
	c.path = path
	if err := c.Validate(); err != nil {
		return nil, inFile(path, err)
	}
	return &c, nil
}

// inFile prefixes every one of errs with the file's name, so that each
// line of the message names file and key.
func inFile(path string, err error) error {
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			errs = append(errs, fmt.Errorf("config %s: %w", path, e))
		}
		return errors.Join(errs...)
	}
	return fmt.Errorf("config %s: %w", path, err)
}

// Validate fills in defaults and checks every setting; the error names the
// key at fault.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.Cluster == "" {
		c.Cluster = "baton"
	}
	if c.Node == "" {
		bad("node: this node's name is required")
	}
	if c.NodeID <= 0 {
		bad("node_id: must be a positive number, unique in the cluster")
	}
	if c.CIB == "" {
		bad("cib: the path of the CIB XML is required")
	}
	if c.AuthKey == "" {
		bad("auth_key: the path of the shared key file is required (mode 0600)")
	}
	if c.StateDir == "" {
		c.StateDir = "/var/lib/baton"
	}
	if !filepath.IsAbs(c.StateDir) {
		bad("state_dir: %q is not an absolute path", c.StateDir)
	}
	if c.OCFRoot == "" {
		c.OCFRoot = "/usr/lib/ocf"
	}
	if c.StatusSocket == "" {
		c.StatusSocket = "/run/baton/status.sock"
	}
	if !filepath.IsAbs(c.StatusSocket) {
		bad("status_socket: %q is not an absolute path", c.StatusSocket)
	}
	if c.WaitForAll == nil {
		t := true
		c.WaitForAll = &t
	}
	h := &c.Heartbeat
	if h.Port == 0 {
		h.Port = 5405
	}
	if h.Port < 1 || h.Port > 65535 {
		bad("heartbeat.port: %d is not a UDP port", h.Port)
	}
	def := func(d *Duration, v time.Duration) {
		if d.Duration == 0 {
			d.Duration = v
		}
	}
	def(&h.Keepalive, 500*time.Millisecond)
	def(&h.Warntime, time.Second)
	def(&h.Deadtime, 2*time.Second)
	if len(c.Links) < 2 {
		bad("link: %d heartbeat link(s) configured; at least two are required (e.g. a dedicated heartbeat NIC and the service NIC), so that one failed cable is not a failed node", len(c.Links))
	}
	linkNames := map[string]bool{}
	for i, l := range c.Links {
		if l.Name == "" {
			bad("link[%d].name: required", i)
		} else if linkNames[l.Name] {
			bad("link[%d].name: %q used twice", i, l.Name)
		}
		linkNames[l.Name] = true
	}
	if len(c.Peers) == 0 {
		bad("peer: no peer configured")
	}
	ids := map[int]string{c.NodeID: c.Node}
	names := map[string]bool{c.Node: true}
	for i, p := range c.Peers {
		if p.Name == "" {
			bad("peer[%d].name: required", i)
		} else if names[p.Name] {
			bad("peer[%d].name: %q is used twice or is this node", i, p.Name)
		}
		names[p.Name] = true
		if p.NodeID <= 0 {
			bad("peer[%d].node_id: must be a positive number", i)
		} else if other, dup := ids[p.NodeID]; dup {
			bad("peer[%d].node_id: %d is also %s's", i, p.NodeID, other)
		}
		ids[p.NodeID] = p.Name
		if len(p.Addresses) != len(c.Links) {
			bad("peer[%d].addresses: %d given for %d links; give one per link, in link order (\"\" where the peer has none)", i, len(p.Addresses), len(c.Links))
		}
	}
	pg := &c.Ping
	if pg.Attribute == "" {
		pg.Attribute = "pingd"
	}
	if pg.Multiplier == 0 {
		pg.Multiplier = 1
	}
	def(&pg.Interval, 2*time.Second)
	def(&pg.Timeout, time.Second)
	for i, hst := range pg.Hosts {
		if net.ParseIP(hst) == nil {
			bad("ping.hosts[%d]: %q is not an IP address", i, hst)
		}
	}
	q := &c.Quorum
	if q.Policy == "" {
		q.Policy = QuorumStop
	}
	def(&q.Timeout, time.Second)
	switch q.Policy {
	case QuorumWitness:
		if _, _, err := net.SplitHostPort(q.Witness); err != nil {
			bad("quorum.witness: %q is not host:port (policy witness needs `baton witness` on a third host)", q.Witness)
		}
	case QuorumFence, QuorumIgnore, QuorumStop:
	default:
		bad("quorum.policy: %q is not one of fence, witness, ignore, stop", q.Policy)
	}
	if len(c.Fencing.Command) > 0 || c.Fencing.Timeout.Duration != 0 {
		bad("fencing.command and fencing.timeout are no longer used: fence devices are class=\"stonith\" primitives in the CIB " +
			"(e.g. <primitive id=\"fence-node1\" class=\"stonith\" type=\"fence_ipmilan\"> with ip, username, password and pcmk_host_list), " +
			"and the timeout is the cluster option stonith-timeout; remove these keys (see docs/fencing.md)")
	}
	for i, d := range c.Fencing.AgentDirs {
		if !filepath.IsAbs(d) {
			bad("fencing.agent_dirs[%d]: %q is not an absolute path", i, d)
		}
	}
	if w := &c.Watchdog; w.Device != "" {
		def(&w.Timeout, 5*time.Second)
		if !filepath.IsAbs(w.Device) {
			bad("watchdog.device: %q is not an absolute path (e.g. /dev/watchdog)", w.Device)
		}
		if w.Timeout.Duration < time.Second || w.Timeout.Duration%time.Second != 0 {
			bad("watchdog.timeout: %v; the watchdog API counts whole seconds, at least 1s", w.Timeout.Duration)
		}
	} else if w.Timeout.Duration != 0 {
		bad("watchdog.timeout is set but watchdog.device is not; set the device (e.g. /dev/watchdog) to enable self-fencing")
	}
	if m := &c.Metrics; m.Listen != "" {
		host, port, err := net.SplitHostPort(m.Listen)
		if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 1 || n > 65535 {
			bad("metrics.listen: %q is not host:port (e.g. 127.0.0.1:9664)", m.Listen)
		} else if host == "" {
			m.Listen = net.JoinHostPort("127.0.0.1", port)
		}
	}
	c.checkBounds(bad)
	return errors.Join(errs...)
}

// AuthKeyReadable is a cheap early check used by `baton daemon --check`.
func (c *Config) AuthKeyReadable() error {
	_, err := os.Stat(c.AuthKey)
	return err
}

// AdminSocket is the daemon's socket for the CLI (and fence handlers), under
// the state directory.
func (c *Config) AdminSocket() string { return filepath.Join(c.StateDir, "baton.sock") }

// AttrSocket is the socket agents set node attributes through.
func (c *Config) AttrSocket() string { return filepath.Join(c.StateDir, "attrd.sock") }

// LocalCIB is where the node keeps its copy of the CIB.
func (c *Config) LocalCIB() string { return filepath.Join(c.StateDir, "cib.xml") }
