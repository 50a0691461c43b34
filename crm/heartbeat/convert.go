package heartbeat

import (
	"crypto/rand"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Input is the parsed Heartbeat configuration.
type Input struct {
	// HACF holds one ha.cf per node where known; Owner[i] names the node
	// HACF[i] is from ("" when not said).
	HACF  []*HACF
	Owner []string
	// Resources are the active haresources lines; ResourcesFile names the
	// file for errors.
	Resources     []ResourceGroup
	ResourcesFile string
	AuthKeys      *AuthKeys
	AuthKeysFile  string
	// Exports (optional) is /etc/exports.
	Exports     []Export
	ExportsFile string
	Scripts     Scripts
}

// Options shape the output.
type Options struct {
	Cluster string // cluster name; default "baton"
	// KeepAuthKeys carries a sha1/md5 secret over as Baton's key instead of
	// generating a new one.
	KeepAuthKeys bool
	// Addresses gives nodes' addresses on links ha.cf does not say
	// (bcast/mcast name only the interface): node -> interface -> IP.
	Addresses map[string]map[string]string
	// Witness is host:port of `baton witness`; empty: quorum policy ignore,
	// as Heartbeat v1 behaved.
	Witness string
	// Paths written into baton.toml.
	CIBPath, KeyPath, StateDir string
	Rand                       io.Reader // default crypto/rand
}

// Import converts a Heartbeat configuration. Every error names the file and
// line at fault.
func Import(in Input, o Options) (*Plan, error) {
	if len(in.HACF) == 0 {
		return nil, fmt.Errorf("no ha.cf given")
	}
	if o.Cluster == "" {
		o.Cluster = "baton"
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&o.CIBPath, "/etc/baton/cib.xml")
	def(&o.KeyPath, "/etc/baton/authkey")
	def(&o.StateDir, "/var/lib/baton")
	c := &converter{in: in, o: o, p: &Plan{Configs: map[string]string{}}, ids: map[string]bool{}}
	steps := []func() error{c.checkAgreement, c.resources, c.failback, c.ping, c.key, c.configs}
	for _, s := range steps {
		if err := s(); err != nil {
			return nil, err
		}
	}
	for _, h := range in.HACF[:1] {
		for _, ig := range h.Ignored {
			c.p.Notes = append(c.p.Notes, ig+": no counterpart in Baton, ignored")
		}
	}
	return c.p, nil
}

type converter struct {
	in  Input
	o   Options
	p   *Plan
	ids map[string]bool
	hb  *HACF // the first ha.cf: what all must agree on
}

func (c *converter) warn(format string, args ...any) {
	c.p.Warnings = append(c.p.Warnings, fmt.Sprintf(format, args...))
}

func (c *converter) note(format string, args ...any) {
	c.p.Notes = append(c.p.Notes, fmt.Sprintf(format, args...))
}

// checkAgreement requires every ha.cf to name the same nodes and timing, as
// Heartbeat itself does.
func (c *converter) checkAgreement() error {
	c.hb = c.in.HACF[0]
	c.p.Nodes = c.hb.Nodes
	seen := map[string]bool{}
	for _, n := range c.hb.Nodes {
		if seen[n] {
			return lineErr(c.hb.File, 0, "node %s is listed twice", n)
		}
		seen[n] = true
	}
	if len(c.p.Nodes) < 2 {
		return lineErr(c.hb.File, 0, "one node listed (%s): a cluster needs two; add `node PEER`", strings.Join(c.p.Nodes, " "))
	}
	for i, h := range c.in.HACF[1:] {
		if strings.Join(h.Nodes, " ") != strings.Join(c.hb.Nodes, " ") {
			return lineErr(h.File, 0, "lists nodes %v but %s lists %v: both nodes must agree", h.Nodes, c.hb.File, c.hb.Nodes)
		}
		for _, f := range []struct {
			name string
			a, b time.Duration
		}{{"keepalive", c.hb.Keepalive, h.Keepalive}, {"deadtime", c.hb.Deadtime, h.Deadtime}, {"warntime", c.hb.Warntime, h.Warntime}} {
			if f.a != f.b {
				return lineErr(h.File, 0, "%s is %v but %v in %s: both nodes must agree", f.name, f.b, f.a, c.hb.File)
			}
		}
		if h.AutoFailback != c.hb.AutoFailback {
			return lineErr(h.File, 0, "auto_failback %q differs from %q in %s", h.AutoFailback, c.hb.AutoFailback, c.hb.File)
		}
		if o := c.in.ownerOf(i + 1); o != "" && !seen[o] {
			return lineErr(h.File, 0, "given as %s's ha.cf, but %s is not a node", o, o)
		}
	}
	if o := c.in.ownerOf(0); o != "" && !seen[o] {
		return lineErr(c.hb.File, 0, "given as %s's ha.cf, but %s is not a node", o, o)
	}
	return nil
}

func (in Input) ownerOf(i int) string {
	if i < len(in.Owner) {
		return in.Owner[i]
	}
	return ""
}

var idUnsafe = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// id returns a unique XML ID from base.
func (c *converter) id(base string) string {
	s := strings.Trim(idUnsafe.ReplaceAllString(base, "_"), "_")
	if s == "" || !(s[0] >= 'A' && s[0] <= 'Z' || s[0] >= 'a' && s[0] <= 'z' || s[0] == '_') {
		s = "r_" + s
	}
	out := s
	for i := 2; c.ids[out]; i++ {
		out = fmt.Sprintf("%s-%d", s, i)
	}
	c.ids[out] = true
	return out
}

// failback turns auto_failback into a location preference and stickiness:
// on, resources return to their preferred node; off, they stay where they
// run.
func (c *converter) failback() error {
	switch c.hb.AutoFailback {
	case "off":
		c.p.Defaults = append(c.p.Defaults, NV{"resource-stickiness", "200"})
		c.note("auto_failback off: resource-stickiness 200 outweighs the preferred node's 100, so resources stay where they run")
	case "legacy", "":
		c.warn("auto_failback %s: treated as on (resources return to their preferred node); set it explicitly to choose", orDefault(c.hb.AutoFailback, "not set (legacy)"))
		fallthrough
	default:
		c.p.Defaults = append(c.p.Defaults, NV{"resource-stickiness", "0"})
		c.note("auto_failback on: resource-stickiness 0, so resources return to the preferred node (score 100) when it is back")
	}
	return nil
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// ping keeps every group off nodes that reach none of the ping nodes.
func (c *converter) ping() error {
	if len(c.hb.Ping) == 0 && len(c.hb.PingGroups) == 0 {
		return nil
	}
	for name := range c.hb.PingGroups {
		c.warn("ping_group %s: each of its addresses counts as one ping node (Heartbeat counted the group as one)", name)
	}
	for _, g := range c.p.Groups {
		c.p.Locations = append(c.p.Locations, Location{ID: c.id(g.ID + "-connected"), Rsc: g.ID, PingAttr: "pingd"})
	}
	c.note("ping: the daemon pings %s and publishes the node attribute pingd; a rule keeps each group off a node that reaches none", strings.Join(c.pingHosts(), ", "))
	return nil
}

func (c *converter) pingHosts() []string {
	hosts := append([]string(nil), c.hb.Ping...)
	names := make([]string, 0, len(c.hb.PingGroups))
	for n := range c.hb.PingGroups {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		hosts = append(hosts, c.hb.PingGroups[n]...)
	}
	return hosts
}

// key refuses crc (a checksum, not authentication) and carries a sha1/md5
// secret over only when asked.
func (c *converter) key() error {
	a := c.in.AuthKeys
	var err error
	if a == nil {
		c.p.Key, err = c.newKey()
		c.note("no authkeys given: a new random key was generated")
		return err
	}
	k := a.Keys[a.Active]
	switch {
	case k.Method == "crc":
		c.warn("%s: auth %d uses crc, a checksum that anyone on the network can compute: it is not authentication. A new random key was generated; copy it to every node", c.in.AuthKeysFile, a.Active)
		c.p.Key, err = c.newKey()
	case c.o.KeepAuthKeys:
		if len(k.Secret) < 16 {
			return lineErr(c.in.AuthKeysFile, 0, "key %d's secret has %d characters; Baton needs at least 16: drop --keep-authkeys to generate a new key", a.Active, len(k.Secret))
		}
		c.p.Key = []byte(k.Secret)
		c.note("%s: key %d's %s secret carried over as Baton's HMAC-SHA256 key (--keep-authkeys)", c.in.AuthKeysFile, a.Active, k.Method)
	default:
		c.p.Key, err = c.newKey()
		c.note("%s: key %d (%s) not carried over: a new random key was generated (--keep-authkeys keeps the old secret)", c.in.AuthKeysFile, a.Active, k.Method)
	}
	return err
}

func (c *converter) newKey() ([]byte, error) {
	b := make([]byte, 32)
	if _, err := io.ReadFull(c.o.Rand, b); err != nil {
		return nil, fmt.Errorf("generate a key: %w", err)
	}
	// Printable, so that the key file can be copied by hand.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return b, nil
}
